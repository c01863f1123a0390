"""The read side of the outbound pages, each in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q

from assistance.models import Region
from engine.clock import clock
from outbound.models import (
    CASE_EVENT_TYPES,
    Attempt,
    Delivery,
    DeliveryStatus,
    Event,
    EventType,
    Subscription,
)

LOG_PAGE_SIZE = 50


def subscription_list(subscriptions: Any) -> list[Subscription]:
    """Subscriptions with their deliveries counted by status, in one query."""
    counted = subscriptions.select_related("region").annotate(
        delivered=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.DELIVERED)),
        waiting=Count(
            "deliveries",
            filter=Q(deliveries__status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
        ),
        failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
    )
    return list(counted.order_by("department", "pk"))


def delivery_log(subscription: Subscription, status: str, page: str | None) -> Page:
    """One page of a subscription's deliveries, newest first: count and page, two queries."""
    deliveries = (
        Delivery.objects.filter(subscription=subscription)
        .select_related("event__case")
        .order_by("-pk")
    )
    if status:
        deliveries = deliveries.filter(status=status)
    return Paginator(deliveries, LOG_PAGE_SIZE).get_page(page)


def attempts_of(delivery: Delivery) -> list[Attempt]:
    return list(delivery.attempt_log.order_by("number"))


# A page of events for pulling serves only events this old: a step's transaction that wrote
# an event has committed by then, so a cursor never passes an event that is not visible yet.
SETTLE_SECONDS = 30


def events_after(
    region: Region, *, department: str, after: int, limit: int, event_type: str = ""
) -> list[Event]:
    """Events of `region`'s subtree after the cursor `after`, oldest first: the case events,
    and the referrals sent to `department` (a referral carries the person's contact)."""
    visible = Q(type__in=CASE_EVENT_TYPES)
    if department:
        visible |= Q(type=EventType.REFERRAL_SENT, payload__department=department)
    events = Event.objects.filter(
        visible,
        region__path__startswith=region.path,
        pk__gt=after,
        occurred_at__lte=clock.now() - timedelta(seconds=SETTLE_SECONDS),
    )
    if event_type:
        events = events.filter(type=event_type)
    return list(events.select_related("region").order_by("pk")[:limit])
