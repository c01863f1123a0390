"""Moving running cases to another version of their process: one case at a time, or in bulk
as a background job (started, paused and resumed here, run by studio.tasks)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from assistance import access
from assistance.actions import ActionError
from engine import audit, migration, runtime
from engine.clock import clock
from engine.models import InstanceStatus, ProcessDefinition, ProcessInstance
from studio.access import require_studio
from studio.actions import RetryOutcome, do_retry_incident, get_incident_for_user
from studio.models import MigrationJob, MigrationStatus

# Instances per progress update: each instance is its own transaction; the job row is
# written once per batch (and the pause button is heard once per batch).
BATCH_SIZE = 10
# A running job whose worker has not written for this long is taken to be lost (the worker
# died without the broker redelivering its task): it may be resumed.
STALE_AFTER = timedelta(minutes=10)


def get_target_for_user(user: User, definition_id: int) -> ProcessDefinition:
    require_studio(user)
    definition = (
        ProcessDefinition.objects.defer("sources", "spec")
        .select_related("region")
        .filter(pk=definition_id)
        .first()
    )
    if definition is None:
        raise Http404("No such process version.")
    return definition


def get_instance_for_user(
    user: User, instance_id: int, target: ProcessDefinition
) -> ProcessInstance:
    """A running or finished instance of the target's process and scope, in the user's
    jurisdiction; anything else is missing (404)."""
    require_studio(user)
    condition = Q(pk__in=[])
    for path in access.jurisdiction_paths(user):
        condition |= Q(region__path__startswith=path)
    instance = (
        ProcessInstance.objects.filter(condition, pk=instance_id)
        .select_related("definition", "case")
        .defer("state", "definition__sources", "definition__spec")
        .first()
    )
    if (
        instance is None
        or instance.definition.key != target.key
        or instance.definition.region_id != target.region_id
    ):
        raise Http404("No such process instance.")
    return instance


def get_job_for_user(user: User, job_id: int, *, lock: bool = False) -> MigrationJob:
    require_studio(user)
    jobs = MigrationJob.objects.select_related("target", "target__region", "created_by")
    if lock:
        jobs = jobs.select_for_update(of=("self",))
    job = jobs.defer("target__sources", "target__spec").filter(pk=job_id).first()
    if job is None:
        raise Http404("No such migration.")
    return job


def _refused(exc: migration.MigrationRefused) -> ActionError:
    return ActionError(str(exc))


# ---------------------------------------------------------------- one case


@transaction.atomic
def do_migrate_instance(instance_id: int, target_definition_id: int, *, actor: User) -> bool:
    """Move one case to the target version (after its dry run); False if it is there already."""
    target = get_target_for_user(actor, target_definition_id)
    get_instance_for_user(actor, instance_id, target)
    try:
        return migration.migrate(instance_id, target.pk, actor=actor)
    except migration.MigrationRefused as exc:
        raise _refused(exc) from exc
    except runtime.EngineError as exc:
        raise ActionError(str(exc)) from exc


@transaction.atomic
def do_migrate_incident(
    incident_id: int, target_definition_id: int, *, actor: User
) -> RetryOutcome:
    """Move the held case to a fixed version of its process, then retry the held step.

    The move stays when the retry fails again: the case is on the fixed version either way,
    and the incident counts another attempt.
    """
    incident = get_incident_for_user(actor, incident_id, lock=True)
    if not incident.is_open:
        raise ActionError(_("This incident is already resolved."))
    target = get_target_for_user(actor, target_definition_id)
    get_instance_for_user(actor, incident.instance_id, target)
    try:
        migration.migrate(incident.instance_id, target.pk, actor=actor)
    except migration.MigrationRefused as exc:
        raise _refused(exc) from exc
    return do_retry_incident(incident.pk, actor=actor)


# ---------------------------------------------------------------- bulk


@transaction.atomic
def do_start_migration(
    target_definition_id: int, instance_ids: Sequence[int] | None, *, actor: User
) -> MigrationJob:
    """Plan a job moving cases to the target version and queue it once committed.

    `instance_ids` None: every running case of the other versions in the target's scope and
    the actor's jurisdiction that the impact report says can move. Given ids must be running
    cases of another version in that scope and jurisdiction; whether each can move is
    checked again when the job reaches it (a refusal is listed, not fatal).
    """
    target = get_target_for_user(actor, target_definition_id)
    paths = access.jurisdiction_paths(actor)
    if instance_ids is None:
        report = migration.impact(target.pk, region_paths=paths)
        wanted = set(report.movable_ids())
    else:
        wanted = set(instance_ids)
    scope = (
        Q(definition__region_id=target.region_id)
        if target.region_id
        else Q(definition__region__isnull=True)
    )
    in_paths = Q(pk__in=[])
    for path in paths:
        in_paths |= Q(region__path__startswith=path)
    rows = list(
        ProcessInstance.objects.filter(
            scope,
            in_paths,
            pk__in=wanted,
            definition__key=target.key,
            status=InstanceStatus.RUNNING,
        )
        .exclude(definition_id=target.pk)
        .order_by("pk")
        .values_list("pk", "case_id", "definition_id")
    )
    if instance_ids is not None and len(rows) != len(wanted):
        raise ActionError(
            _(
                "Only running cases of another version of this process "
                "in your jurisdiction can move."
            )
        )
    if not rows:
        raise ActionError(_("No case can move to this version."))
    now = clock.now()
    job = MigrationJob.objects.create(
        target=target,
        sources=sorted({definition_id for _pk, _case, definition_id in rows}),
        plan=[{"instance": pk, "case": case, "from": source} for pk, case, source in rows],
        total=len(rows),
        token=uuid.uuid4(),
        created_by=actor,
        run_by=actor,
        created_at=now,
        updated_at=now,
    )
    _audit(job, "migration.started", actor, {"total": job.total, "sources": job.sources})
    _queue(job)
    return job


@transaction.atomic
def do_pause_migration(job_id: int, *, actor: User) -> MigrationJob:
    """Stop the job after the batch under way; it can be resumed."""
    job = get_job_for_user(actor, job_id, lock=True)
    if not job.active:
        raise ActionError(_("This migration is not running."))
    job.status = MigrationStatus.PAUSED
    job.updated_at = clock.now()
    job.save(update_fields=["status", "updated_at"])
    _audit(job, "migration.paused", actor, {"done": job.done, "failed": len(job.failed)})
    return job


def may_resume(job: MigrationJob) -> bool:
    if job.status in (MigrationStatus.PAUSED, MigrationStatus.FAILED):
        return True
    if job.status == MigrationStatus.DONE:
        return bool(job.failed)
    return job.status == MigrationStatus.RUNNING and job.updated_at < clock.now() - STALE_AFTER


@transaction.atomic
def do_resume_migration(job_id: int, *, actor: User) -> MigrationJob:
    """Run the job again from the start of its plan: cases already moved are skipped, the
    failed ones are tried again."""
    job = get_job_for_user(actor, job_id, lock=True)
    if not may_resume(job):
        raise ActionError(_("This migration cannot be resumed now."))
    job.status = MigrationStatus.QUEUED
    job.token = uuid.uuid4()
    job.done = 0
    job.failed = []
    job.error = ""
    job.run_by = actor
    job.finished_at = None
    job.updated_at = clock.now()
    job.save()
    _audit(job, "migration.resumed", actor, {"total": job.total})
    _queue(job)
    return job


def back_targets(job: MigrationJob) -> list[int]:
    """The versions the job's cases came from, which they may be moved back to."""
    return [source for source in job.sources if source != job.target_id]


@transaction.atomic
def do_migrate_back(job_id: int, source_definition_id: int, *, actor: User) -> MigrationJob:
    """A job moving the cases this job moved from one source version back to it."""
    job = get_job_for_user(actor, job_id)
    if source_definition_id not in back_targets(job):
        raise ActionError(_("These cases did not come from that version."))
    ids = [entry["instance"] for entry in job.plan if entry["from"] == source_definition_id]
    on_target = list(
        ProcessInstance.objects.filter(
            pk__in=ids, definition_id=job.target_id, status=InstanceStatus.RUNNING
        ).values_list("pk", flat=True)
    )
    report = migration.impact(
        source_definition_id,
        region_paths=access.jurisdiction_paths(actor),
        instance_ids=on_target,
    )
    movable = report.movable_ids()
    if not movable:
        raise ActionError(_("None of these cases can move back to that version."))
    return do_start_migration(source_definition_id, movable, actor=actor)


def _audit(job: MigrationJob, action: str, actor: User, extra: dict[str, Any]) -> None:
    audit.record(
        action,
        actor=actor,
        role="policy_staff",
        region_id=job.target.region_id,
        payload={
            "job": job.pk,
            "key": job.target.key,
            "to_definition": job.target_id,
            "to_version": job.target.version,
            **extra,
        },
    )


def _queue(job: MigrationJob) -> None:
    from studio import tasks

    job_id, token = job.pk, str(job.token)
    transaction.on_commit(lambda: tasks.run_migration.delay(job_id, token))


# ---------------------------------------------------------------- the worker's side


def run_migration(job_id: int, token: str) -> str:
    """One pass over a job's plan; returns the status it left the job in.

    Idempotent: a pass whose token is no longer the job's (resumed since), or whose job is
    paused or finished, does nothing. Each case moves in its own transaction; progress is
    written after each batch with an update conditional on the job still running under this
    token, so a pause (or a newer pass) stops this one at the next batch.
    """
    now = clock.now()
    claimed = MigrationJob.objects.filter(
        pk=job_id,
        token=token,
        status__in=[MigrationStatus.QUEUED, MigrationStatus.RUNNING],
    ).update(status=MigrationStatus.RUNNING, updated_at=now)
    if not claimed:
        return "skipped"
    job = MigrationJob.objects.select_related("run_by").get(pk=job_id)
    if job.started_at is None:
        MigrationJob.objects.filter(pk=job_id, started_at__isnull=True).update(started_at=now)
    mine = MigrationJob.objects.filter(pk=job_id, token=token, status=MigrationStatus.RUNNING)
    done = 0
    failed: list[dict[str, Any]] = []
    try:
        for start in range(0, len(job.plan), BATCH_SIZE):
            for entry in job.plan[start : start + BATCH_SIZE]:
                failure = _move(entry["instance"], job)
                if failure is None:
                    done += 1
                else:
                    failed.append({"instance": entry["instance"], "case": entry["case"], **failure})
            progress = {"done": done, "failed": failed, "updated_at": clock.now()}
            if not mine.update(**progress):
                # Paused meanwhile: the batch's cases did move, so the count says so. (A
                # newer pass has its own token and counts for itself.)
                MigrationJob.objects.filter(
                    pk=job_id, token=token, status=MigrationStatus.PAUSED
                ).update(**progress)
                return "stopped"
    except Exception as exc:
        MigrationJob.objects.filter(pk=job_id, token=token).update(
            status=MigrationStatus.FAILED, error=str(exc), updated_at=clock.now()
        )
        raise
    finished = clock.now()
    mine.update(status=MigrationStatus.DONE, finished_at=finished, updated_at=finished)
    return MigrationStatus.DONE


def _move(instance_id: int, job: MigrationJob) -> dict[str, Any] | None:
    """Move one case; why it did not move ({"error", "problems"}), or None."""
    try:
        migration.migrate(instance_id, job.target_id, actor=job.run_by, job_id=job.pk)
    except migration.MigrationRefused as exc:
        return {"error": str(exc), "problems": [problem.as_dict() for problem in exc.problems]}
    except runtime.EngineError as exc:
        return {"error": str(exc), "problems": []}
    return None
