"""What the studio owns: drafts of process bundles and changes of policy parameters, each on
its way to a four-eyes approval."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DraftStatus(models.TextChoices):
    EDITING = "editing", _("Being edited")
    SUBMITTED = "submitted", _("Submitted for review")
    DEPLOYED = "deployed", _("Deployed")
    DISCARDED = "discarded", _("Discarded")


class DraftQuerySet(models.QuerySet["Draft"]):
    def open(self) -> DraftQuerySet:
        return self.filter(status__in=[DraftStatus.EDITING, DraftStatus.SUBMITTED])

    def awaiting_review(self) -> DraftQuerySet:
        return self.filter(status=DraftStatus.SUBMITTED)


class Draft(models.Model):
    """A working copy of one process bundle (main BPMN, the stages it calls, DMN, forms).

    Made from a deployed version (`base`); edited in the browser; submitted with a note;
    approved by another policy staff member, which deploys it to `region` (None: province).
    A draft sent back returns to EDITING with the reviewer's note.
    """

    key = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    region = models.ForeignKey(
        "assistance.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    base = models.ForeignKey(
        "engine.ProcessDefinition", on_delete=models.PROTECT, related_name="drafts"
    )
    main = models.CharField(max_length=200)
    # path -> text, the same shape as ProcessDefinition.sources.
    sources = models.JSONField()
    # [{"name": str, "start": {...}, "answers": {task id: {...}}, "expect_end": str}, ...]
    scenarios = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=10, choices=DraftStatus.choices, default=DraftStatus.EDITING
    )
    # Bumped by every save, so two tabs editing the same draft cannot overwrite each other.
    revision = models.PositiveIntegerField(default=0)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    submit_note = models.TextField(blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    deployed = models.ForeignKey(
        "engine.ProcessDefinition",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = DraftQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.key} draft #{self.pk}"


class MigrationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class MigrationJob(models.Model):
    """A bulk migration of running instances to one version, run by a Celery worker.

    `plan` is fixed when the job starts: [{"instance": id, "case": id, "from": definition id}].
    Each pass (the start, then each resume) has its own `token`; a worker updates progress
    only while the job is running under its token, so a paused or resumed job stops the old
    pass. Every pass goes over the whole plan: instances already on the target are skipped.
    """

    target = models.ForeignKey(
        "engine.ProcessDefinition", on_delete=models.PROTECT, related_name="migration_jobs"
    )
    # Definition ids the planned instances were on, for the page and for migrating back.
    sources = models.JSONField(default=list)
    plan = models.JSONField(default=list)
    status = models.CharField(
        max_length=10, choices=MigrationStatus.choices, default=MigrationStatus.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    # Instances of the plan on the target after this pass (moved, or there already).
    done = models.PositiveIntegerField(default=0)
    # [{"instance": id, "case": id, "error": str}] of this pass.
    failed = models.JSONField(default=list)
    # What stopped the pass itself (not one instance), when the status is FAILED.
    error = models.TextField(blank=True)
    token = models.UUIDField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Who started the current pass: the audit of each migrated instance names them.
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["target", "created_at"])]

    def __str__(self) -> str:
        return f"migration #{self.pk} to {self.target_id}"

    @property
    def processed(self) -> int:
        return self.done + len(self.failed)

    @property
    def active(self) -> bool:
        """Queued or running: a worker has it, or will."""
        return self.status in (MigrationStatus.QUEUED, MigrationStatus.RUNNING)


class PolicyChangeStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Sent back")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class PolicyChangeQuerySet(models.QuerySet["PolicyChange"]):
    def pending(self) -> PolicyChangeQuerySet:
        return self.filter(status=PolicyChangeStatus.SUBMITTED)

    def in_regions(self, paths: list[str]) -> PolicyChangeQuerySet:
        condition = models.Q(pk__in=[])
        for path in paths:
            condition |= models.Q(region__path__startswith=path)
        return self.filter(condition)


class PolicyChange(models.Model):
    """A proposed change to a region's policy parameters, on its way to a four-eyes approval.

    Holds only the parameters it changes. Another policy staff member approves it, which
    writes the values into the region's RegionPolicy for `effective_from` (`policy`), or
    sends it back with a note; the author may withdraw it while it waits.
    """

    region = models.ForeignKey("assistance.Region", on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField()
    # Only the changed keys, cleaned by assistance.policy.clean_values.
    values = models.JSONField()
    # What was in force for the region on `effective_from` when proposed, for the same keys.
    previous = models.JSONField(default=dict)
    lowers_standard = models.BooleanField(default=False)
    override_reason = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=PolicyChangeStatus.choices, default=PolicyChangeStatus.SUBMITTED
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    # The record the approval created or added to (one per region and day).
    policy = models.ForeignKey(
        "assistance.RegionPolicy",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="changes",
    )

    objects = PolicyChangeQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["status", "region"])]

    def __str__(self) -> str:
        return f"policy change #{self.pk} for {self.region_id} from {self.effective_from}"
