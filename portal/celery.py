import logging.config
import os
from typing import Any

from celery import Celery
from celery.signals import setup_logging, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("doudi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs: Any) -> None:
    # Workers and beat log like the web processes (settings.LOGGING: text or JSON lines),
    # instead of Celery's own format.
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@task_prerun.connect
def log_with_task_id(task_id: str | None = None, **kwargs: Any) -> None:
    from portal.logs import task_started

    task_started(task_id)


@task_postrun.connect
def log_without_task_id(**kwargs: Any) -> None:
    from portal.logs import task_finished

    task_finished()
