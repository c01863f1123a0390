"""Persistent state of the BPMN runtime and its projections.

Nothing outside engine/ reads `ProcessInstance.state`: every question a page asks is
answered from the projections (`Task`, `Timer`, `AuditEvent`) written in the same
transaction as the state.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class ProcessDefinition(models.Model):
    """An immutable, versioned bundle of BPMN, DMN and form sources."""

    key = models.CharField(max_length=100)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    region = models.ForeignKey(
        "assistance.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sources = models.JSONField()
    sha256 = models.CharField(max_length=64)
    spec = models.JSONField()
    deployed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    # Four-eyes deploys: the policy staff member who approved the author's draft.
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deployed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "region", "version"],
                name="one_version_per_scope",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


class InstanceStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class PolicySnapshot(models.Model):
    """The policy values an instance started with, stored once for every instance that
    started with the same values (`sha256` of their canonical JSON; rows never change).

    An instance's state keeps a reference wherever its data holds these values (the start
    data, copied into every called stage and kept by each workflow); the runtime puts them
    back when it loads the state, so scripts, gateways and pages read `policy` as before.
    """

    sha256 = models.CharField(max_length=64, primary_key=True)
    values = models.JSONField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.sha256[:12]


class ProcessInstance(models.Model):
    definition = models.ForeignKey(
        ProcessDefinition, on_delete=models.PROTECT, related_name="instances"
    )
    case = models.ForeignKey("assistance.Case", on_delete=models.PROTECT, related_name="instances")
    # The case's region, copied so projections need no join to place tasks.
    region = models.ForeignKey("assistance.Region", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=InstanceStatus.choices, default=InstanceStatus.RUNNING
    )
    # SpiffWorkflow's serialization without the spec (stored once on the definition).
    state = models.JSONField()
    revision = models.PositiveIntegerField(default=0)
    # spec name -> ids of the users who completed it, for separation-of-duties rules.
    actors = models.JSONField(default=dict)
    # The spiff ids of the rows last projected ({"tasks": [...], "timers": [...], "waits":
    # [...]}), saved with the state in the same UPDATE, so a step rewrites its projections
    # without reading them back. Null (rows older than the field, or made by hand): the
    # runtime asks the tables. Only the runtime writes projection rows; whoever else adds or
    # removes one must keep this in step.
    projected = models.JSONField(null=True, blank=True, default=None)
    # The policy its data refers to (engine.serialization); null: none, or the values kept
    # whole in the state (instances saved before snapshots, until their next step).
    policy_snapshot = models.ForeignKey(
        PolicySnapshot, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "status"])]

    def __str__(self) -> str:
        return f"{self.definition} #{self.pk}"


# Depths of the administrative tree whose offices keep a queue (county 3, township 4 under
# province 1 and city 2): a task's ancestor there is indexed, so "in this county" is an
# equality. Other depths filter on the path's prefix (task_queue_path).
QUEUE_SCOPE_DEPTHS = (3, 4)
# What the queue's stage counts read besides the key (the path for PostgreSQL, which only
# takes an index-only scan when it holds the column under the indexed expression).
QUEUE_COUNT_COLUMNS = ["region_path", "claimed_by", "case", "spec_name", "title"]


def path_part(depth: int) -> Func:
    """The id of the task's ancestor at `depth` ("23" for depth 3 of "/1/5/23/100/"), as
    text. The index and the queries must spell it identically: constants in the template,
    never parameters."""
    return Func(
        F("region_path"),
        template=f"split_part(%(expressions)s, '/', {int(depth) + 1})",
        output_field=models.CharField(),
    )


class _AncestorIs(Func):
    """The task's ancestor at the region's depth is the region: on PostgreSQL the queue
    indexes' expression (path_part); SQLite, which has no split_part and no such index (the
    embedded default), asks the same of the path's prefix."""

    output_field = models.BooleanField()

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(F("region_path"))

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, Any]:
        ids = self.path.strip("/").split("/")
        if connection.vendor == "postgresql":
            return compiler.compile(Exact(path_part(len(ids)), ids[-1]))
        return compiler.compile(
            Q(region_path__startswith=self.path).resolve_expression(compiler.query)
        )


def _in_subtree(path: str) -> Q:
    ids = path.strip("/").split("/")
    if len(ids) in QUEUE_SCOPE_DEPTHS:
        # Region ids are unique and paths are built from the parents': the ancestor at the
        # region's depth being the region is the same as the path starting with its path.
        return Q(_AncestorIs(path))
    return Q(region_path__startswith=path)


class TaskQuerySet(models.QuerySet["Task"]):
    def for_roles(self, roles: list[str]) -> TaskQuerySet:
        return self.filter(lane_role__in=roles)

    def in_regions(self, paths: list[str]) -> TaskQuerySet:
        """Tasks in the subtrees at `paths`, read from the task's own copy of its path: a
        county or township is an equality on the queue indexes, which then hand the tasks
        over in due order (no join to the regions, no sort of every task in scope)."""
        condition = Q(pk__in=[])
        for path in paths:
            condition |= _in_subtree(path)
        return self.filter(condition)

    def overdue(self, today: datetime | None = None) -> TaskQuerySet:
        from engine.clock import clock

        day = (today or clock.now()).date()
        return self.filter(due_date__lt=day)

    def claimed_by(self, user: AbstractBaseUser | AnonymousUser) -> TaskQuerySet:
        return self.filter(claimed_by=user)

    def unclaimed(self) -> TaskQuerySet:
        return self.filter(claimed_by__isnull=True)


class Task(models.Model):
    """One READY user task. The row is deleted when the task completes (history is the audit)."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="tasks")
    case = models.ForeignKey("assistance.Case", on_delete=models.CASCADE, related_name="tasks")
    region = models.ForeignKey("assistance.Region", on_delete=models.PROTECT, related_name="+")
    spiff_id = models.UUIDField(unique=True)
    spec_name = models.CharField(max_length=100)
    title = models.CharField(max_length=200)
    lane_role = models.CharField(max_length=50)
    form = models.CharField(max_length=200, blank=True)
    # Kinds of evidence the step needs on file (the diagram's evidenceRequired property).
    evidence_required = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    due_date = models.DateField(null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The region's path ("/1/5/23/"), copied when the row is projected (regions never move):
    # the queue filters and orders tasks on the indexes below without joining the regions.
    region_path = models.CharField(max_length=255, default="", editable=False)

    objects = TaskQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["lane_role", "due_date"]),
            models.Index(fields=["claimed_by", "due_date"]),
            # A queue in any region: a prefix range on the path (its tasks sorted by due
            # date after), or a village's own tasks in due order.
            models.Index(
                fields=["lane_role", "region_path", "due_date", "id"],
                opclasses=["", "varchar_pattern_ops", "", ""],
                name="task_queue_path",
            ),
            # The queues of a county's and a township's offices: the tasks of a lane in the
            # subtree, in due order (the page's top 50 are the index's first 50 entries);
            # the stage counts read the included columns alone (an index-only scan).
            *(
                models.Index(
                    F("lane_role"),
                    path_part(depth),
                    F("due_date"),
                    F("id"),
                    name=f"task_queue_depth{depth}",
                    include=QUEUE_COUNT_COLUMNS,
                )
                for depth in QUEUE_SCOPE_DEPTHS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.case_id})"

    @staticmethod
    def path_of_region(region_id: int) -> models.Subquery:
        """The region's path, read by the INSERT that writes the row (no statement of its own)."""
        regions = Task._meta.get_field("region").related_model._default_manager
        return models.Subquery(regions.filter(pk=region_id).values("path")[:1])


def _in_regions(paths: list[str]) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(region__path__startswith=path)
    return condition


class WaitQuerySet(models.QuerySet["Wait"]):
    def for_roles(self, roles: list[str]) -> WaitQuerySet:
        return self.filter(role__in=roles)

    def in_regions(self, paths: list[str]) -> WaitQuerySet:
        return self.filter(_in_regions(paths))


class Wait(models.Model):
    """A message the process is waiting for from a role (a check report, an objection).

    Only catch events whose diagram names the role (the `waitRole` property) are projected:
    they are someone's work even though no user task is open. Rewritten with the Task rows.
    """

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="waits")
    case = models.ForeignKey("assistance.Case", on_delete=models.CASCADE, related_name="waits")
    region = models.ForeignKey("assistance.Region", on_delete=models.PROTECT, related_name="+")
    spiff_id = models.UUIDField(unique=True)
    spec_name = models.CharField(max_length=100)
    title = models.CharField(max_length=200)
    # The message names that end the wait, comma-separated (an event gateway may have several).
    messages = models.CharField(max_length=200)
    role = models.CharField(max_length=50)
    created_at = models.DateTimeField()
    due_date = models.DateField(null=True, blank=True)

    objects = WaitQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["role", "due_date"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.case_id})"

    def waits_for(self, message: str) -> bool:
        return message in self.messages.split(",")


class Timer(models.Model):
    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="timers")
    spiff_id = models.UUIDField(unique=True)
    spec_name = models.CharField(max_length=100)
    due_at = models.DateTimeField(db_index=True)
    # When the timer sweep last sent the instance to a worker: later sweeps leave it alone
    # while that task waits in the queue, and send it again once the mark is older than
    # TIMER_REQUEUE_MINUTES (the task was lost). Firing deletes the row.
    enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.spec_name} @ {self.due_at.isoformat()}"


class AuditChain(models.Model):
    """The head of one hash chain. Locking it serialises appends to that chain only."""

    stream = models.CharField(max_length=40, primary_key=True)
    last_hash = models.CharField(max_length=64)
    length = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.stream} ({self.length})"


class AuditEvent(models.Model):
    """Append-only. Each event carries the hash of the previous event of its stream.

    A stream is one case ("case:42") or the system ("system": deployments, grants), so
    unrelated cases never wait on each other's audit lock.

    On PostgreSQL the table is partitioned by month of `at` (engine migration 0010), which
    wants `at` in every unique index: the primary key is (id, at) there, `id` unique as its
    sequence's values are, and triggers keep one event per (stream, seq) in place of the
    constraint below. Django's state still describes the plain table SQLite has.
    """

    stream = models.CharField(max_length=40)
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=50, blank=True)
    region = models.ForeignKey(
        "assistance.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "assistance.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    instance = models.ForeignKey(
        ProcessInstance, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=50)
    payload = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    event_id = models.UUIDField(default=uuid.uuid4, unique=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stream", "seq"], name="one_event_per_position")
        ]
        indexes = [models.Index(fields=["case", "at"]), models.Index(fields=["actor", "action"])]

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq} {self.action}"


class AuditCheckpoint(models.Model):
    """The database's copy of one signed checkpoint, for listing (engine/checkpoints.py).

    The original is the write-once object `key` in the evidence store; `document` is its exact
    bytes. Verification trusts neither copy's content without the signature, and notices a
    checkpoint missing from either place.
    """

    number = models.PositiveIntegerField(unique=True)
    key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField()
    document = models.TextField()
    sha256 = models.CharField(max_length=64)
    # Totals over every stream at signing time, and how many heads moved since the last one.
    streams = models.PositiveBigIntegerField()
    events = models.PositiveBigIntegerField()
    changed = models.PositiveBigIntegerField()
    root = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"checkpoint {self.number} ({self.key})"


class IncidentQuerySet(models.QuerySet["Incident"]):
    def open(self) -> IncidentQuerySet:
        return self.filter(resolved_at__isnull=True)

    def resolved(self) -> IncidentQuerySet:
        return self.filter(resolved_at__isnull=False)

    def in_regions(self, paths: list[str]) -> IncidentQuerySet:
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(case__region__path__startswith=path)
        return self.filter(condition)


class IncidentKind(models.TextChoices):
    TASK = "task", _("Completing a task")
    TIMER = "timer", _("A time limit")
    MESSAGE = "message", _("A message")


class Incident(models.Model):
    """A step of a diagram that failed (a script error, a sandbox limit): the case is held.

    Written after the failed call's own transaction rolled back, so the case's state is the
    one before the failure; a repeat of the same failure counts another attempt.
    """

    instance = models.ForeignKey(
        ProcessInstance, on_delete=models.CASCADE, related_name="incidents"
    )
    case = models.ForeignKey("assistance.Case", on_delete=models.CASCADE, related_name="incidents")
    kind = models.CharField(max_length=10, choices=IncidentKind.choices)
    # The diagram element that failed: its id (spec name) and its title as drawn.
    element = models.CharField(max_length=255)
    element_title = models.CharField(max_length=255, blank=True)
    error = models.TextField()
    # For a failed task completion: the task and what was submitted, so a retry can carry
    # the approver's own submission through once the diagram or its data is fixed.
    # For a failed message: its name, its payload (`submitted`), who recorded it (none for
    # the system) and in what role, so a retry delivers the very message that arrived.
    task_id = models.BigIntegerField(null=True, blank=True)
    message = models.CharField(max_length=255, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_role = models.CharField(max_length=50, blank=True)
    submitted = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "element"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_incident_per_element",
            )
        ]
        indexes = [models.Index(fields=["resolved_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.element} ({self.case_id})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def keeps_message(self) -> bool:
        """A failed message kept for a retry (incidents before messages were kept have none)."""
        return self.kind == IncidentKind.MESSAGE and bool(self.message)
