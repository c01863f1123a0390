"""The outbound writes on their own: who may make them and what they refuse."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assistance.actions import ActionError
from engine.models import AuditEvent
from outbound import actions
from outbound.models import Subscription
from tests.outbound.conftest import make_delivery, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def data(world, **changes):
    values = {
        "department": "县人社局",
        "url": "https://hrss.example.org/x",
        "region_code": world.county.code,
        "event_types": ["case.confirmed"],
        **changes,
    }
    return actions.SubscriptionData(**values)


def test_it_lets_only_administrators_manage_subscriptions(world, admin):
    with pytest.raises(Http404):
        actions.do_create_subscription(data(world), actor=world["clerk"])
    with pytest.raises(PermissionDenied):
        actions.do_create_subscription(data(world), actor=world["auditor"])
    admin.is_active = False
    with pytest.raises(Http404):
        actions.do_create_subscription(data(world), actor=admin)
    assert not Subscription.objects.exists()


def test_it_gives_each_subscription_its_own_long_secret(world, admin):
    first, secret = actions.do_create_subscription(data(world), actor=admin)
    _second, other = actions.do_create_subscription(data(world), actor=admin)
    assert len(secret) == 64 and secret != other
    assert first.secret == secret


@pytest.mark.parametrize(
    "changes",
    [
        {"department": " "},
        {"department_code": "police"},
        {"event_types": []},
        {"event_types": ["case.deleted"]},
        {"event_types": ["referral.sent"]},
        {"url": "https://example.org/" + "x" * 500},
        {"url": "gopher://example.org"},
        {"region_code": "nowhere"},
    ],
)
def test_it_refuses_what_it_cannot_use(world, admin, changes):
    with pytest.raises(ActionError):
        actions.do_create_subscription(data(world, **changes), actor=admin)
    assert not Subscription.objects.exists()
    assert not AuditEvent.objects.exists()


def test_it_retries_a_waiting_delivery_but_not_an_inactive_subscription(world, admin, tiny_case):
    subscription, _ = subscribe(admin, "https://example.org/a", world.county.code)
    waiting = make_delivery(subscription, tiny_case, status="pending", attempts=1)
    retried = actions.do_retry_delivery(waiting.pk, actor=admin)
    assert (retried.status, retried.attempts) == ("pending", 1)
    Subscription.objects.filter(pk=subscription.pk).update(active=False)
    with pytest.raises(ActionError):
        actions.do_retry_delivery(waiting.pk, actor=admin)


def test_it_refuses_to_retry_a_delivery_being_sent(world, admin, tiny_case):
    subscription, _ = subscribe(admin, "https://example.org/a", world.county.code)
    sending = make_delivery(subscription, tiny_case, status="sending", attempts=1)
    with pytest.raises(ActionError):
        actions.do_retry_delivery(sending.pk, actor=admin)
