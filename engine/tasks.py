from celery import shared_task

from engine import checkpoints, partitions, runtime


@shared_task(name="engine.tasks.fire_due_timers")
def fire_due_timers() -> int:
    """Beat runs this every minute; each instance is fired in its own idempotent transaction."""
    return runtime.fire_due_timers()


@shared_task(name="engine.tasks.fire_instance_timers")
def fire_instance_timers(instance_id: int) -> int:
    return runtime.fire_instance_timers(instance_id)


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
