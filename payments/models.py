"""The money: monthly payment rosters per county, their lines, one-off grants and the
batches that create them (按月打卡发放, R8; seed 002's relocation grant)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assistance.models import Case, Region


class RosterStatus(models.TextChoices):
    BUILDING = "building", _("Building")
    BUILT = "built", _("Built, awaiting approval")
    FIRST_APPROVED = "first_approved", _("Approved once, awaiting the second approval")
    APPROVED = "approved", _("Approved")
    EXPORTED = "exported", _("Sent to the bank")
    SETTLED = "settled", _("Bank results imported")


class Roster(models.Model):
    """One county's payments for one month; built from active cases, approved by two people."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="rosters")
    month = models.DateField(help_text="First day of the month paid.")
    status = models.CharField(
        max_length=16, choices=RosterStatus.choices, default=RosterStatus.BUILDING
    )
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    built_at = models.DateTimeField(null=True, blank=True)
    # Progress of the build, written by the Celery task; the token guards a rebuild.
    build_token = models.CharField(max_length=32, blank=True)
    progress_total = models.PositiveIntegerField(default=0)
    progress_done = models.PositiveIntegerField(default=0)
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    first_approved_at = models.DateTimeField(null=True, blank=True)
    second_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    second_approved_at = models.DateTimeField(null=True, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    line_count = models.PositiveIntegerField(default=0)
    total_amount = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["county", "month"], name="one_roster_per_county_month"),
            models.CheckConstraint(
                condition=Q(second_approved_by__isnull=True)
                | ~Q(second_approved_by=models.F("first_approved_by")),
                name="roster_two_different_approvers",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county} {self.month:%Y-%m}"


class LineKind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly benefit")
    BACK_PAY = "back_pay", _("Back pay")
    GRANT = "grant", _("One-off grant")


class LineStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the bank")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Payment failed")


class RosterLine(models.Model):
    """One payment: a case's benefit for one month (`for_month`), or one grant."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="lines")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="roster_lines")
    # Copied at build time so totals per township need no join through the case's village.
    township = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    assistance_type = models.CharField(max_length=12)
    kind = models.CharField(max_length=10, choices=LineKind.choices)
    for_month = models.DateField()
    grant = models.OneToOneField(
        "OneOffGrant", null=True, blank=True, on_delete=models.PROTECT, related_name="line"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    # The account as it was when the roster was built: what the bank was told.
    payee_name = models.CharField(max_length=50)
    bank_name = models.CharField(max_length=100, blank=True)
    bank_card = models.CharField(max_length=19)
    status = models.CharField(max_length=8, choices=LineStatus.choices, default=LineStatus.PENDING)
    failure_reason = models.CharField(max_length=200, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["roster", "township", "assistance_type"])]
        constraints = [
            # Each case-month is paid at most once; a failed payment may be paid again later.
            models.UniqueConstraint(
                fields=["case", "for_month"],
                condition=Q(grant__isnull=True) & ~Q(status="failed"),
                name="one_payment_per_case_month",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=Decimal("0")), name="line_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.for_month:%Y-%m} {self.amount}"


class GrantKind(models.TextChoices):
    RELOCATION = "relocation", _("Relocation resettlement grant")
    PRICE_SUBSIDY = "price_subsidy", _("Price-linked temporary subsidy")


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Previewed, not yet submitted")
    SUBMITTED = "submitted", _("Awaiting approval")
    # Approved; the grants are being made by a background job (payments/tasks_grants.py).
    GRANTING = "granting", _("Approved, granting…")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class GrantBatch(models.Model):
    """A batch of one-off grants from an imported list or a class of recipients; four eyes."""

    kind = models.CharField(max_length=16, choices=GrantKind.choices)
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="grant_batches")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=BatchStatus.choices, default=BatchStatus.DRAFT)
    # What the batch was made from: the imported file or the class chosen, for the record.
    source_name = models.CharField(max_length=200, blank=True)
    source_sha256 = models.CharField(max_length=64, blank=True)
    criteria = models.JSONField(default=dict, blank=True)
    # The previewed rows (household, people, amount, problems), as approved.
    rows = models.JSONField(default=list, blank=True)
    total_amount = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    # The granting job (payments/grants_job.py). Each pass has its own token; a worker writes
    # only while the batch is granting under its token. `job_done` counts the kept rows dealt
    # with (granted or skipped, each row marked "done" in `rows`) of `job_total`.
    job_token = models.CharField(max_length=32, blank=True)
    job_total = models.PositiveIntegerField(default=0)
    job_done = models.PositiveIntegerField(default=0)
    # What stopped a pass (it can be continued), and when a worker last wrote.
    job_error = models.TextField(blank=True)
    job_updated_at = models.DateTimeField(null=True, blank=True)
    granted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("created_by")),
                name="grant_batch_four_eyes",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def granting(self) -> bool:
        return self.status == BatchStatus.GRANTING


class OneOffGrant(models.Model):
    """An amount owed once to a case, paid by the first roster of its month or later."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="grants")
    kind = models.CharField(max_length=16, choices=GrantKind.choices)
    batch = models.ForeignKey(
        GrantBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="grants"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    payable_from = models.DateField(help_text="First day of the first month it may be paid.")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=Decimal("0")), name="grant_amount_positive"
            ),
            models.UniqueConstraint(fields=["case", "batch"], name="one_grant_per_case_batch"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.amount}"


class ExclusionReason(models.TextChoices):
    DEAD = "dead", _("Deceased")
    ENDED = "ended", _("Ended this month")
    NO_ACCOUNT = "no_account", _("No bank account")
    NO_AMOUNT = "no_amount", _("No amount")


class RosterExclusion(models.Model):
    """A case owed (or last owed) a payment that the roster leaves out, with the reason:
    shown on the roster so the county sees who is not paid and why."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="exclusions")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    assistance_type = models.CharField(max_length=12)
    reason = models.CharField(max_length=10, choices=ExclusionReason.choices)
    died_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["roster", "case"], name="one_exclusion_per_case")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.reason}"
