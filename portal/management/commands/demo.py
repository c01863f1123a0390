"""One command for the embedded default: database, processes, demo data, timers, server."""

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from assistance.processes.review import start_due_reviews
from engine import checkpoints, runtime
from engine.clock import clock

logger = logging.getLogger("doudi.ticker")


def _checkpoint() -> None:
    # What beat does every DOUDI_AUDIT_CHECKPOINT_MINUTES; the key is made in var/audit/.
    try:
        checkpoints.write_checkpoint()
    except Exception:
        logger.exception("audit checkpoint failed")


def _tick(interval: float) -> None:
    every = settings.CELERY_BEAT_SCHEDULE["write-audit-checkpoint"]["schedule"]
    signed = time.monotonic()
    while True:
        time.sleep(interval)
        try:
            runtime.fire_due_timers()
            # What Celery beat does each morning in production; idempotent within a day.
            start_due_reviews(clock.today())
        except Exception:
            logger.exception("timer tick failed")
        if time.monotonic() - signed >= every:
            signed = time.monotonic()
            _checkpoint()


def hosts_for(addr: str, allowed: list[str]) -> list[str]:
    """The host names the demo answers to when it listens on `addr` (host:port or a port):
    an address on every interface is reached by names no one can list in advance."""
    host = addr.rsplit(":", 1)[0].strip("[]") if ":" in addr else "127.0.0.1"
    if host in {"0.0.0.0", "::"}:  # noqa: S104 - the person running the demo asked for it
        return ["*"]
    return allowed if host in allowed else [*allowed, host]


class Command(BaseCommand):
    help = "Start the portal with demo data on the embedded default (SQLite, local evidence)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help="host:port to listen on (make demo ADDR=…)"
        )
        parser.add_argument("--tick", type=float, default=30.0, help="seconds between timer checks")

    def handle(self, *args: Any, **options: Any) -> None:
        settings.ALLOWED_HOSTS = hosts_for(options["addr"], list(settings.ALLOWED_HOSTS))
        call_command("migrate", interactive=False, verbosity=0)
        call_command("deploy_workflows")
        call_command("seed_demo")
        call_command("seed_payments_demo")
        runtime.fire_due_timers()
        _checkpoint()
        threading.Thread(
            target=_tick, args=(options["tick"],), daemon=True, name="timer-ticker"
        ).start()
        self.stdout.write(f"Doudi is running at http://{options['addr']}/  (Ctrl-C to stop)")
        call_command("runserver", options["addr"], use_reloader=False)
