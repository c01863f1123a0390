"""Celery tasks of the studio: ids in, idempotent, the work is in the actions."""

from celery import shared_task

from studio import actions_migration


@shared_task(name="studio.tasks.run_migration")
def run_migration(job_id: int, token: str) -> str:
    """One pass of a bulk migration; a repeated or outdated delivery does nothing."""
    return actions_migration.run_migration(job_id, token)
