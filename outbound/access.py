"""Who manages subscriptions and reads delivery logs.

Province administrators (Django `is_staff` or superuser: the demo's `admin`) manage every
subscription. Auditors read the subscriptions of regions inside their jurisdiction and their
logs (403 on every write). To anyone else the pages do not exist (404).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from assistance import access
from assistance.access import AnyUser
from outbound.models import Delivery, Subscription

READ_ROLES = frozenset({"auditor"})


def manages(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))


def may_read(user: AnyUser) -> bool:
    if manages(user):
        return True
    return bool(READ_ROLES.intersection(access.user_roles(user))) and bool(
        access.jurisdiction_paths(user)
    )


def require_reader(user: AnyUser) -> None:
    if not may_read(user):
        raise Http404("No such page.")


def require_manager(user: AnyUser) -> None:
    require_reader(user)
    if not manages(user):
        raise PermissionDenied("Only administrators manage subscriptions.")


def subscriptions_for_user(user: AnyUser) -> Any:
    if manages(user):
        return Subscription.objects.all()
    if not may_read(user):
        return Subscription.objects.none()
    inside = Q(pk__in=[])
    for path in access.jurisdiction_paths(user):
        inside |= Q(region__path__startswith=path)
    return Subscription.objects.filter(inside)


def get_subscription_for_user(user: AnyUser, subscription_id: int, *, to_act: bool) -> Subscription:
    found = (
        subscriptions_for_user(user)
        .select_related("region", "created_by")
        .filter(pk=subscription_id)
        .first()
    )
    if found is None:
        raise Http404("No such subscription.")
    if to_act and not manages(user):
        raise PermissionDenied("Only administrators manage subscriptions.")
    return found


def get_delivery_for_user(user: AnyUser, delivery_id: int, *, to_act: bool) -> Delivery:
    found = (
        Delivery.objects.filter(subscription__in=subscriptions_for_user(user))
        .select_related("event__case", "event__region", "subscription__region")
        .filter(pk=delivery_id)
        .first()
    )
    if found is None:
        raise Http404("No such delivery.")
    if to_act and not manages(user):
        raise PermissionDenied("Only administrators retry deliveries.")
    return found
