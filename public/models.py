"""The public site's own records: the notices it shows, the objections it takes, the pages
policy staff write.

`NoticePeriod` is a projection, written by `public.projections` inside the engine's
transaction whenever a process posts a public notice, so the notice list never loads a
workflow; the engine's `Wait` rows for the `objection` message say which notices run now.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticePeriod(models.Model):
    """One round of a case's public notice (R4), as its process posted it."""

    instance = models.ForeignKey(
        "engine.ProcessInstance", on_delete=models.CASCADE, related_name="+"
    )
    case = models.ForeignKey("assistance.Case", on_delete=models.CASCADE, related_name="+")
    round = models.PositiveSmallIntegerField()
    # An exit's notice of the intended termination (终止保障公示), else an entry notice.
    termination = models.BooleanField(default=False)
    notice_from = models.DateField()
    # The moment the notice ends (midnight after its last full day) and that last day.
    notice_until = models.DateTimeField()
    last_day = models.DateField()
    # The amount the notice names: proposed for an entry, current for a termination.
    monthly_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instance", "round"], name="one_notice_per_round")
        ]
        indexes = [models.Index(fields=["notice_from"])]

    def __str__(self) -> str:
        return f"notice {self.case_id} round {self.round}"


class ObjectionStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    REINVESTIGATING = "reinvestigating", _("Under re-investigation")
    CONCLUDED = "concluded", _("Concluded")


class PublicObjection(models.Model):
    """An objection a resident sent through the public site; it became the case's objection."""

    receipt = models.CharField(max_length=24, unique=True)
    case = models.ForeignKey("assistance.Case", on_delete=models.PROTECT, related_name="+")
    notice = models.ForeignKey(NoticePeriod, on_delete=models.PROTECT, related_name="objections")
    objector_name = models.CharField(max_length=50)
    phone = models.CharField(max_length=20)
    reason = models.TextField()
    received_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=ObjectionStatus.choices, default=ObjectionStatus.RECEIVED
    )

    class Meta:
        indexes = [models.Index(fields=["case", "received_at"])]

    def __str__(self) -> str:
        return self.receipt


class PageKind(models.TextChoices):
    GUIDE = "guide", _("Service guide")
    POLICY = "policy", _("Policies")
    HOTLINE = "hotline", _("Hotline")


class PublicPage(models.Model):
    """A page of the service guide, a policy or the hotline, for a region and all below it
    (no region: the whole province). Plain text: paragraphs split on blank lines."""

    kind = models.CharField(max_length=10, choices=PageKind.choices)
    region = models.ForeignKey(
        "assistance.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=120)
    body = models.TextField(max_length=20000)
    position = models.PositiveSmallIntegerField(default=0)
    published = models.BooleanField(default=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["kind", "position", "pk"]

    def __str__(self) -> str:
        return self.title

    def paragraphs(self) -> list[str]:
        return [
            part.strip() for part in self.body.replace("\r\n", "\n").split("\n\n") if part.strip()
        ]
