"""Celery tasks of the exchanges: ids in, idempotent (conditional updates), the work in
exchanges/checks.py."""

from __future__ import annotations

from celery import shared_task

from exchanges import checks


@shared_task(
    name="exchanges.tasks.send_check_request",
    autoretry_for=(checks.DeliveryFailed,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=12,
)
def send_check_request(request_id: int) -> str:
    """Deliver one check request to the centre; a repeated delivery does nothing."""
    return checks.send_request(request_id)


@shared_task(name="exchanges.tasks.resend_unsent_check_requests")
def resend_unsent_check_requests() -> int:
    """Queue again the requests still waiting to be sent (a delivery lost with the broker, or
    given up after its retries): beat runs this every few minutes."""
    ids = checks.unsent_request_ids()
    for request_id in ids:
        send_check_request.delay(request_id)
    return len(ids)
