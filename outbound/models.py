"""Outbound events for other departments: what happened (`Event`), who wants to hear of it
(`Subscription`), and each event's journey to each subscriber (`Delivery`, its `Attempt`s)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assistance.processes.onewindow import Department


def _engine_now() -> datetime:
    from engine.clock import clock

    return clock.now()


class EventType(models.TextChoices):
    CASE_CONFIRMED = "case.confirmed", _("Case confirmed")
    CASE_REFUSED = "case.refused", _("Case refused")
    CASE_EXITED = "case.exited", _("Case exited (benefits ended)")
    REFERRAL_SENT = "referral.sent", _("Referral sent to a department")


# The events about a case, which carry nothing personal (outbound/events.py).
CASE_EVENT_TYPES = (EventType.CASE_CONFIRMED, EventType.CASE_REFUSED, EventType.CASE_EXITED)


class Event(models.Model):
    """One fact other departments may be told of, written in the engine's transaction."""

    # The id receivers see (and dedupe on): not the row's sequence number.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=20, choices=EventType.choices)
    case = models.ForeignKey("assistance.Case", on_delete=models.PROTECT, related_name="+")
    # The process whose change it was: one event of a type per process instance.
    instance = models.ForeignKey(
        "engine.ProcessInstance", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("assistance.Region", on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(default=_engine_now)
    payload = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "type"],
                condition=Q(instance__isnull=False),
                name="outbound_event_once_per_instance",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.uid}"


class Subscription(models.Model):
    """A department's endpoint for the events of a region subtree."""

    department = models.CharField(max_length=100)
    # The one window's code of the department (assistance.processes.onewindow.Department):
    # a referral is delivered to the department it was sent to, and to no other.
    department_code = models.CharField(max_length=20, blank=True)
    url = models.URLField(max_length=500)
    # Signs every delivery (HMAC-SHA256); both sides hold it, so it is kept as it is.
    secret = models.CharField(max_length=64)
    event_types = models.JSONField(default=list)
    region = models.ForeignKey("assistance.Region", on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=_engine_now)

    def __str__(self) -> str:
        return self.department

    @property
    def department_label(self) -> str:
        return str(dict(Department.choices).get(self.department_code, self.department_code))

    @property
    def event_type_labels(self) -> list[str]:
        labels = dict(EventType.choices)
        return [str(labels.get(code, code)) for code in self.event_types]

    def wants(self, event_type: str, department_code: str = "") -> bool:
        if event_type not in self.event_types:
            return False
        if event_type == EventType.REFERRAL_SENT:
            return bool(self.department_code) and self.department_code == department_code
        return True


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed to deliver")


class Delivery(models.Model):
    """One event on its way to one subscriber; sent until delivered or out of attempts."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="deliveries")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When the attempt under way started: a worker that died mid-send is noticed by it.
    sending_since = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=_engine_now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="outbound_delivery_once")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.subscription_id}"


class Attempt(models.Model):
    """One POST of a delivery, kept for the delivery log."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # The start of the receiver's answer only: whatever else it says is not ours to keep.
    response_excerpt = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="outbound_attempt_once")
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"
