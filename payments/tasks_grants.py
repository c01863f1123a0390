"""Celery task of batch grants: ids in, idempotent, the work in payments/actions_grants.py."""

from celery import shared_task

from payments import actions_grants


@shared_task(name="payments.tasks_grants.grant_batch")
def grant_batch(batch_id: int, token: str) -> str:
    """One pass of a batch's granting job; a repeated or outdated delivery does nothing."""
    return actions_grants.run_grant_batch(batch_id, token)
