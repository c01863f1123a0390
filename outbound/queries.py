"""The read side of the outbound pages, each in a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q

from outbound.models import Attempt, Delivery, DeliveryStatus, Subscription

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
