"""The one window's register (一门受理, R12): every request for help is written down once,
at the township, whatever it turns out to need."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The departments are the referral process's (assistance), which outbound events name too.
from assistance.processes.onewindow import Department

__all__ = ["Channel", "Department", "Disposition", "HelpRequest"]


def _engine_now() -> datetime:
    from engine.clock import clock

    return clock.now()


class Channel(models.TextChoices):
    COUNTER = "counter", _("At the counter")
    PHONE = "phone", _("By phone (hotline)")
    ONLINE = "online", _("Online")
    LETTER = "letter", _("By letter")
    VILLAGE = "village", _("Through the village committee")
    DEPARTMENT = "department", _("Referred by another department")


class Disposition(models.TextChoices):
    OPEN = "open", _("Not yet handled")
    APPLICATION = "application", _("Application for assistance")
    REFERRED = "referred", _("Referred to a department")
    COMPLAINT = "complaint", _("Complaint or petition")
    ANSWERED = "answered", _("Answered at the window")


class HelpRequest(models.Model):
    """One request for help as the window received it, and what became of it.

    A referral or complaint runs its process on a case of its own (`case`); an application
    is found through the person's resident ID.
    """

    number = models.CharField(max_length=20, unique=True)
    # Blank for an anonymous complaint.
    name = models.CharField(max_length=50, blank=True)
    resident_id = models.CharField(max_length=18, blank=True, db_index=True)
    phone = models.CharField(max_length=30, blank=True)
    # The village (or township) the request concerns: it decides whose window handles it.
    region = models.ForeignKey(
        "assistance.Region", on_delete=models.PROTECT, related_name="help_requests"
    )
    need = models.TextField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(default=_engine_now)
    disposition = models.CharField(
        max_length=12, choices=Disposition.choices, default=Disposition.OPEN
    )
    disposition_note = models.TextField(blank=True)
    department = models.CharField(max_length=20, choices=Department.choices, blank=True)
    case = models.OneToOneField(
        "assistance.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="help_request",
    )
    # A referral from another department (two-way referral): which one, and its own reference,
    # so the same referral sent twice is registered once.
    referred_by = models.CharField(max_length=20, choices=Department.choices, blank=True)
    external_ref = models.CharField(max_length=64, blank=True)
    # A complaint: anonymous or not, and whom or what it is about.
    anonymous = models.BooleanField(default=False)
    subject_case = models.ForeignKey(
        "assistance.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["referred_by", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="window_referral_received_once",
            )
        ]
        indexes = [
            models.Index(fields=["disposition", "department"]),
            models.Index(fields=["registered_at"]),
        ]

    def __str__(self) -> str:
        return self.number
