import functools
from collections.abc import Sequence
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction

from engine import checkpoints, partitions, runtime
from engine.clock import clock

# Instances claimed per transaction of the sweep: a burst of due timers is sent in slices,
# each on the broker as soon as its slice has committed.
SWEEP_BATCH = 1000


@shared_task(name="engine.tasks.fire_due_timers")
def fire_due_timers() -> int:
    """Beat runs this every DOUDI_TIMER_INTERVAL_SECONDS. It fires nothing itself: it sends
    each instance with a due timer to a task of its own, so a burst is drained by every
    worker at once; it returns how many instances it sent."""
    moment = clock.now()
    requeue_before = moment - timedelta(minutes=settings.TIMER_REQUEUE_MINUTES)
    sent, after = 0, 0
    while True:
        with transaction.atomic():
            claimed = runtime.claim_due_timers(
                moment, requeue_before=requeue_before, after=after, limit=SWEEP_BATCH
            )
            # Sent only once the marks are committed: a slice that rolls back sends nothing
            # and stays unmarked, for the next sweep to claim.
            transaction.on_commit(functools.partial(_send, claimed))
        if not claimed:
            return sent
        sent += len(claimed)
        after = claimed[-1]


def _send(instance_ids: Sequence[int]) -> None:
    if not instance_ids:
        return
    # One broker connection for the slice rather than one per task.
    with fire_instance_timers.app.producer_or_acquire() as producer:
        for instance_id in instance_ids:
            fire_instance_timers.apply_async((instance_id,), producer=producer)


@shared_task(name="engine.tasks.fire_instance_timers")
def fire_instance_timers(instance_id: int) -> int:
    """Fire one instance's due timers; a second delivery finds none due and does nothing."""
    try:
        return runtime.fire_queued_timers(instance_id)
    except runtime.ProcessFailed:
        # Recorded as an incident, which holds the instance until policy staff retry it.
        return 0


@shared_task(name="engine.tasks.write_audit_checkpoint")
def write_audit_checkpoint() -> int | None:
    """Beat runs this every DOUDI_AUDIT_CHECKPOINT_MINUTES; the checkpoint's number, if any."""
    written = checkpoints.write_checkpoint()
    return written.checkpoint.number if written.checkpoint is not None else None


@shared_task(name="engine.tasks.ensure_audit_partitions")
def ensure_audit_partitions() -> list[str]:
    """Beat runs this daily: the audit events' monthly partitions of the coming months (engine/
    partitions.py); the names created. A month refused for events already in the DEFAULT
    partition fails the task, for the operators' logs."""
    return partitions.ensure_partitions()
