"""Celery tasks of outbound events: ids in, idempotent (outbound/delivery.py claims each
attempt with a conditional update), retries scheduled with a growing countdown."""

from __future__ import annotations

from celery import current_app, shared_task

from outbound import delivery


@shared_task(name="outbound.tasks.deliver")
def deliver(delivery_id: int, number: int) -> str:
    """Attempt `number` of a delivery; a repeated or outdated message does nothing."""
    result = delivery.attempt(delivery_id, number)
    if result.status == "retry" and result.retry_in is not None:
        _schedule(delivery_id, number + 1, result.retry_in)
    return result.status


@shared_task(name="outbound.tasks.sweep")
def sweep() -> int:
    """Beat runs this every minute: attempts whose message was lost or whose worker died."""
    pending = delivery.recover_interrupted() + delivery.due()
    for delivery_id, number in pending:
        deliver.delay(delivery_id, number)
    return len(pending)


def _schedule(delivery_id: int, number: int, seconds: float) -> None:
    # In-process Celery (the embedded default) would run a countdown at once, in a loop:
    # there the delivery waits, pending, for the sweep or a "retry now".
    if current_app.conf.task_always_eager:
        return
    deliver.apply_async((delivery_id, number), countdown=seconds)
