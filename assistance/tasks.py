"""Celery tasks of the assistance domain.

Beat runs `start_due_reviews` once a day (see the CELERY_BEAT_SCHEDULE entry
"start-due-reviews" in portal/settings.py); a run that is repeated, or overlaps another,
starts nothing twice (assistance.processes.review.start_due_reviews is idempotent).
"""

from celery import shared_task

from assistance.processes import review
from engine.clock import clock


@shared_task(name="assistance.tasks.start_due_reviews")
def start_due_reviews() -> int:
    """Start the periodic review of every active case due today; return how many started."""
    return review.start_due_reviews(clock.today())
