"""Writes of the outbound pages: subscriptions (create, change, new secret) and a delivery
sent again now. Each is atomic, checks access, leaves an audit event in the system stream
(never the secret), and queues Celery work on commit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from assistance.actions import ActionError
from assistance.models import Region
from assistance.processes.onewindow import Department
from engine import audit
from engine.clock import clock
from outbound import access, transport
from outbound.models import Delivery, DeliveryStatus, EventType, Subscription

ROLE = "admin"


@dataclass
class SubscriptionData:
    department: str
    url: str
    region_code: str
    event_types: list[str] = field(default_factory=list)
    department_code: str = ""
    active: bool = True


def _cleaned(data: SubscriptionData) -> dict[str, Any]:
    department = data.department.strip()
    if not 2 <= len(department) <= 100:
        raise ActionError(_("Name the department (2 to 100 characters)."))
    code = data.department_code.strip()
    if code and code not in Department.values:
        raise ActionError(_("Choose the department from the list."))
    types = sorted(set(data.event_types))
    if not types or not set(types) <= set(EventType.values):
        raise ActionError(_("Choose at least one kind of event."))
    if EventType.REFERRAL_SENT in types and not code:
        raise ActionError(
            _("Referrals go only to the department they are sent to: choose which it is.")
        )
    if len(data.url.strip()) > 500:
        raise ActionError(_("The address is longer than 500 characters."))
    try:
        url = transport.check_url(data.url, allow_private=bool(settings.OUTBOUND_ALLOW_PRIVATE))
    except transport.Refused as exc:
        raise ActionError(str(exc)) from exc
    region = Region.objects.filter(code=data.region_code.strip()).first()
    if region is None:
        raise ActionError(_("No region has this code."))
    return {
        "department": department,
        "department_code": code,
        "url": url,
        "event_types": types,
        "region": region,
        "active": data.active,
    }


def _summary(subscription: Subscription) -> dict[str, Any]:
    return {
        "subscription": subscription.pk,
        "department": subscription.department,
        "department_code": subscription.department_code,
        "url": subscription.url,
        "event_types": subscription.event_types,
        "region": subscription.region.code,
        "active": subscription.active,
    }


@transaction.atomic
def do_create_subscription(data: SubscriptionData, *, actor: User) -> tuple[Subscription, str]:
    """A new subscription and its secret, which is shown once and never audited."""
    access.require_manager(actor)
    values = _cleaned(data)
    secret = secrets.token_hex(32)
    subscription = Subscription.objects.create(**values, secret=secret, created_by=actor)
    audit.record(
        "outbound.subscription_created",
        actor=actor,
        role=ROLE,
        region_id=subscription.region_id,
        payload=_summary(subscription),
    )
    return subscription, secret


@transaction.atomic
def do_update_subscription(
    subscription_id: int, data: SubscriptionData, *, actor: User
) -> Subscription:
    access.get_subscription_for_user(actor, subscription_id, to_act=True)
    values = _cleaned(data)
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    before = _summary(subscription)
    for name, value in values.items():
        setattr(subscription, name, value)
    subscription.save(update_fields=list(values))
    after = _summary(subscription)
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    audit.record(
        "outbound.subscription_changed",
        actor=actor,
        role=ROLE,
        region_id=subscription.region_id,
        payload={
            "subscription": subscription.pk,
            "changed": changed,
        },
    )
    return subscription


@transaction.atomic
def do_rotate_secret(subscription_id: int, *, actor: User) -> str:
    """A new secret: deliveries from now on (retries included) are signed with it."""
    access.get_subscription_for_user(actor, subscription_id, to_act=True)
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    secret = secrets.token_hex(32)
    subscription.secret = secret
    subscription.save(update_fields=["secret"])
    audit.record(
        "outbound.secret_rotated",
        actor=actor,
        role=ROLE,
        region_id=subscription.region_id,
        payload={"subscription": subscription.pk, "department": subscription.department},
    )
    return secret


@transaction.atomic
def do_retry_delivery(delivery_id: int, *, actor: User) -> Delivery:
    """Send a failed (or waiting) delivery again now: one more attempt."""
    from outbound.tasks import deliver

    delivery = access.get_delivery_for_user(actor, delivery_id, to_act=True)
    if delivery.status == DeliveryStatus.DELIVERED:
        raise ActionError(_("This delivery has been delivered; it is not sent again."))
    if not delivery.subscription.active:
        raise ActionError(_("The subscription is not active: activate it first."))
    moved = Delivery.objects.filter(
        pk=delivery.pk,
        status__in=[DeliveryStatus.FAILED, DeliveryStatus.PENDING],
        attempts=delivery.attempts,
    ).update(status=DeliveryStatus.PENDING, next_attempt_at=clock.now())
    if not moved:
        raise ActionError(_("This delivery is being sent right now; look again in a moment."))
    audit.record(
        "outbound.delivery_retried",
        actor=actor,
        role=ROLE,
        region_id=delivery.subscription.region_id,
        payload={
            "delivery": delivery.pk,
            "event": str(delivery.event.uid),
            "subscription": delivery.subscription_id,
            "attempt": delivery.attempts + 1,
        },
    )
    number = delivery.attempts + 1
    transaction.on_commit(lambda: deliver.delay(delivery.pk, number), robust=True)
    delivery.refresh_from_db()
    return delivery
