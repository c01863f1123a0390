"""Celery tasks of the payments workspace: ids in, idempotent, the work in payments/build.py."""

from celery import shared_task

from payments import build


@shared_task(name="payments.tasks.build_roster")
def build_roster(roster_id: int, token: str) -> str:
    """One pass building a roster; a repeated or outdated delivery does nothing."""
    return build.run_build(roster_id, token)
