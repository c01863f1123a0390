"""Celery tasks of the assistance domain.

Beat runs `start_due_reviews` once a day (see the CELERY_BEAT_SCHEDULE entry
"start-due-reviews" in portal/settings.py). It only sends each due case to a task of its own
(`start_case_review`), so every worker starts reviews at once; a run that is repeated, or a
task delivered twice, starts nothing twice (assistance.processes.review._start_review moves
the due date on under the case's row lock). A lost task leaves its case due: the next day's
run sends it again.
"""

from collections.abc import Sequence
from datetime import date

from celery import shared_task

from assistance.processes import review
from engine.clock import clock

# Cases read per query of the daily run; each slice is on the broker before the next is read.
REVIEW_BATCH = 1000


@shared_task(name="assistance.tasks.start_due_reviews")
def start_due_reviews() -> int:
    """Send every active case due for review today to `start_case_review`; return how many."""
    today = clock.today()
    sent, after = 0, 0
    while batch := review.due_for_review(today, after=after, limit=REVIEW_BATCH):
        _send(batch, today)
        sent += len(batch)
        after = batch[-1]
    return sent


def _send(case_ids: Sequence[int], today: date) -> None:
    # One broker connection for the batch rather than one per task.
    with start_case_review.app.producer_or_acquire() as producer:
        for case_id in case_ids:
            start_case_review.apply_async((case_id, today.isoformat()), producer=producer)


@shared_task(name="assistance.tasks.start_case_review")
def start_case_review(case_id: int, day: str) -> int:
    """Start one case's review if it is still due by `day` (the sweep's date): 1 or 0."""
    return review.start_review(case_id, date.fromisoformat(day))
