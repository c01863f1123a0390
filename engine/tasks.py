from celery import shared_task

from engine import runtime


@shared_task(name="engine.tasks.fire_due_timers")
def fire_due_timers() -> int:
    """Beat runs this every minute; each instance is fired in its own idempotent transaction."""
    return runtime.fire_due_timers()


@shared_task(name="engine.tasks.fire_instance_timers")
def fire_instance_timers(instance_id: int) -> int:
    return runtime.fire_instance_timers(instance_id)
