from celery import shared_task

from engine import checkpoints, runtime


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
