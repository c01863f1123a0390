"""The outbound tests' world: the receiver on loopback, an administrator, subscriptions."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from outbound import actions
from outbound.models import Delivery, Event, Subscription
from tests.fixtures import World


@pytest.fixture(autouse=True)
def outbound_settings(settings: Any) -> None:
    # The receiver is on loopback; backoff short enough for a test to wait for retries.
    settings.OUTBOUND_ALLOW_PRIVATE = True
    settings.OUTBOUND_BACKOFF_SECONDS = 0.2
    settings.OUTBOUND_TIMEOUT_SECONDS = 2.0
    settings.OUTBOUND_MAX_ATTEMPTS = 3


@pytest.fixture
def admin(world: World) -> User:
    user = User.objects.create_user("province_admin", password="pw-admin", is_staff=True)
    return user


def subscribe(
    admin: User,
    url: str,
    region_code: str,
    *,
    types: tuple[str, ...] = ("case.confirmed", "case.refused", "case.exited"),
    department: str = "医保局",
    code: str = "",
) -> tuple[Subscription, str]:
    return actions.do_create_subscription(
        actions.SubscriptionData(
            department=department,
            url=url,
            region_code=region_code,
            event_types=list(types),
            department_code=code,
        ),
        actor=admin,
    )


def make_delivery(subscription: Subscription, case: Any, **fields: Any) -> Delivery:
    """An event on `case` with a delivery to `subscription`, as the hook writes them."""
    event = Event.objects.create(
        type="case.confirmed",
        case=case,
        region=case.region,
        payload={"case_number": case.number, "kind": case.assistance_type},
    )
    return Delivery.objects.create(event=event, subscription=subscription, **fields)
