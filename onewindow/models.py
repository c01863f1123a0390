"""The one window's register (一门受理, R12): every request for help is written down once,
at the township, whatever it turns out to need."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _engine_now() -> datetime:
    from engine.clock import clock

    return clock.now()


class Channel(models.TextChoices):
    COUNTER = "counter", _("At the counter")
    PHONE = "phone", _("By phone (hotline)")
    ONLINE = "online", _("Online")
    LETTER = "letter", _("By letter")
    VILLAGE = "village", _("Through the village committee")


class Department(models.TextChoices):
    """Departments a township refers requests to (协同办理)."""

    HUMAN_RESOURCES = "hrss", _("Human resources and social security (人社)")
    MEDICAL_INSURANCE = "medical_insurance", _("Medical insurance (医保)")
    EDUCATION = "education", _("Education (教育)")
    HOUSING = "housing", _("Housing and construction (住建)")
    HEALTH = "health", _("Health (卫健)")
    DISABLED = "disabled_federation", _("Disabled persons' federation (残联)")
    EMERGENCY = "emergency", _("Emergency management (应急管理)")
    JUSTICE = "justice", _("Justice: legal aid (司法)")
    WOMEN = "women_federation", _("Women's federation (妇联)")
    RURAL = "rural_affairs", _("Agriculture and rural affairs (农业农村)")


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
        indexes = [
            models.Index(fields=["disposition", "department"]),
            models.Index(fields=["registered_at"]),
        ]

    def __str__(self) -> str:
        return self.number
