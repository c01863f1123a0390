"""What the data exchanges with outside systems keep: the economic check requests sent to the
county check centre (R1), the log of staff file imports, and the quarterly comparison with
the poverty-registration database (R11, seed 003) with its worklist of differences."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assistance.models import Case, Member, Region
from engine.models import ProcessInstance


class CheckStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent to the check centre")
    ANSWERED = "answered", _("Answered")
    CANCELLED = "cancelled", _("No longer needed")


# Requests the centre still has to answer.
OPEN_CHECK_STATUSES = (CheckStatus.PENDING, CheckStatus.SENT)


class CheckResult(models.TextChoices):
    ELIGIBLE = "eligible", _("Meets the conditions")
    INELIGIBLE = "ineligible", _("Does not meet the conditions")


class CheckRequest(models.Model):
    """One request to the county check centre: a case's process waits for its report.

    Written in the engine's transaction when the process starts waiting for `check_result`
    (`exchanges.checks.on_instance_changed`), one per time it waits (`round`: the recheck
    after an objection is a new request); cancelled when it no longer waits without the
    centre's answer (recorded by hand, withdrawn, ended).
    """

    number = models.CharField(max_length=60, unique=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="check_requests")
    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="+")
    # The case's region: jurisdiction of checkers and of the centre's system account.
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    # The asking process: an application's check, or a periodic review's (which also asks
    # whether anything changed).
    process_key = models.CharField(max_length=100)
    round = models.PositiveSmallIntegerField()
    # The catch event waiting for the report (engine Wait.spiff_id).
    wait_spiff_id = models.UUIDField()
    status = models.CharField(
        max_length=10, choices=CheckStatus.choices, default=CheckStatus.PENDING
    )
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_role = models.CharField(max_length=50, blank=True)
    result = models.CharField(max_length=12, choices=CheckResult.choices, blank=True)
    report_no = models.CharField(max_length=50, blank=True)
    reasons = models.TextField(blank=True)
    # A review's report says whether income, property or members changed.
    changed = models.BooleanField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instance", "round"], name="one_check_request_a_round")
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CHECK_STATUSES


class ImportKind(models.TextChoices):
    CHECK_RESULTS = "check_results", _("Economic check results")
    DEATHS = "deaths", _("Death records")


class FileImport(models.Model):
    """A file of records staff imported (check results, deaths): each row went through the
    same function as the API's, in its own transaction; `report` keeps each row's outcome."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    # The region whose staff read the report: the importer's jurisdiction.
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    rows = models.PositiveIntegerField(default=0)
    recorded = models.PositiveIntegerField(default=0)
    duplicate = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # [{"line": 2, "ref": "…", "status": "recorded|duplicate|rejected", "message": "…"}]
    report = models.JSONField(default=list)

    class Meta:
        indexes = [models.Index(fields=["kind", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"


class RegistryStatus(models.TextChoices):
    """A person's standing in the poverty-registration database (建档立卡)."""

    POOR = "poor", _("Registered poor")
    POLICY = "policy", _("Lifted out of poverty, still under the policies")
    LIFTED = "lifted", _("Lifted out of poverty, no longer under the policies")


# The standings that count as registered poor for the comparison (seed 004: 脱贫享受政策人口
# keep the registered-poor treatment).
REGISTERED_STATUSES = (RegistryStatus.POOR, RegistryStatus.POLICY)


class RegistryImport(models.Model):
    """One quarter's extract of the poverty-registration database for a county."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    quarter = models.CharField(max_length=6)  # "2026Q1"
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_role = models.CharField(max_length=50)
    created_at = models.DateTimeField()
    rows = models.PositiveIntegerField(default=0)
    registered = models.PositiveIntegerField(default=0)
    not_covered = models.PositiveIntegerField(default=0)
    not_eligible = models.PositiveIntegerField(default=0)
    new_differences = models.PositiveIntegerField(default=0)
    cleared = models.PositiveIntegerField(default=0)
    # Rows left out, with why: [{"line": 3, "message": "…"}]
    problems = models.JSONField(default=list)

    class Meta:
        constraints = [
            # The same extract imported again changes nothing.
            models.UniqueConstraint(fields=["county", "sha256"], name="one_registry_import_a_file")
        ]

    def __str__(self) -> str:
        return f"{self.county} {self.quarter}"


class DifferenceKind(models.TextChoices):
    REGISTERED_NOT_COVERED = "not_covered", _("Registered poor, not covered")
    COVERED_NOT_ELIGIBLE = "not_eligible", _("Covered as registered poor, not registered")


class DifferenceStatus(models.TextChoices):
    OPEN = "open", _("To check")
    RESOLVED = "resolved", _("Resolved")
    # A later import no longer finds it.
    CLEARED = "cleared", _("Gone in a later import")


class RegistryDifference(models.Model):
    """A line of the county's worklist: a person on whom Doudi and the registry disagree."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    # Where the person lives as far as Doudi knows (their household's village), else the county.
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=DifferenceKind.choices)
    resident_id = models.CharField(max_length=18)
    name = models.CharField(max_length=50)
    # "" when the registry does not list the person.
    registry_status = models.CharField(max_length=8, choices=RegistryStatus.choices, blank=True)
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    found_by = models.ForeignKey(RegistryImport, on_delete=models.PROTECT, related_name="found")
    last_seen_by = models.ForeignKey(RegistryImport, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=DifferenceStatus.choices, default=DifferenceStatus.OPEN
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    cleared_by = models.ForeignKey(
        RegistryImport, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["county", "resident_id", "kind"],
                condition=Q(status="open"),
                name="one_open_difference_a_person",
            )
        ]
        indexes = [models.Index(fields=["county", "status", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"
