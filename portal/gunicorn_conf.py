"""gunicorn's settings for the image (`gunicorn -c python:portal.gunicorn_conf`): with
PROMETHEUS_MULTIPROC_DIR set, the metrics files of a previous run are removed at start and a
dead worker's live gauges dropped, as prometheus_client's multiprocess mode asks."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any


def on_starting(server: Any) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True)


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
