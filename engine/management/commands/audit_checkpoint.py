from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from engine import checkpoints
from storage.base import RecordExists, StoreUnavailable


class Command(BaseCommand):
    help = (
        "Sign the heads of the audit chains that grew since the last checkpoint and write the "
        "checkpoint to the evidence store (Celery beat runs this on a schedule)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--create-key",
            action="store_true",
            help="create the Ed25519 key pair at DOUDI_AUDIT_SIGNING_KEY_FILE (and its .pub); "
            "an existing key is never replaced",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Operators read English (like verify_audit); the store's messages are translated.
        with translation.override("en"):
            self._handle(options)

    def _handle(self, options: dict[str, Any]) -> None:
        try:
            if options["create_key"]:
                key = checkpoints.create_key()
                self.stdout.write(
                    f"signing key {settings.AUDIT_SIGNING_KEY_FILE}, public key "
                    f"{settings.AUDIT_PUBLIC_KEY_FILE} (id {checkpoints.key_id(key.public_key())})"
                )
                return
            written = checkpoints.write_checkpoint()
        except (checkpoints.CheckpointError, StoreUnavailable, RecordExists) as exc:
            raise CommandError(str(exc)) from exc
        if written.checkpoint is None:
            self.stdout.write("no audit chain grew since the last checkpoint; nothing signed")
        else:
            info = written.checkpoint
            self.stdout.write(
                f"checkpoint {info.number} written to {info.key}: {info.changed} head(s) signed, "
                f"{info.streams} stream(s), {info.events} event(s), root {info.root}"
            )
        for stream, reason in written.disputed:
            self.stderr.write(f"{stream}: contradicts its signed checkpoint ({reason})")
        if written.disputed:
            raise CommandError(
                f"{len(written.disputed)} stream(s) contradict their signed checkpoint; "
                "run verify_audit"
            )
