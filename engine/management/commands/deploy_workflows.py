from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from engine import runtime
from engine.bundle import DeploymentError
from engine.files import bundle_sources, main_files


class Command(BaseCommand):
    help = "Deploy every executable process in the workflows directory (identical sources: no-op)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", default=str(settings.WORKFLOWS_DIR))

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["dir"])
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        failed = False
        try:
            mains = main_files(directory)
        except DeploymentError as exc:
            # A file that cannot even be read (not UTF-8, not XML) is named, not a traceback.
            for problem in exc.problems:
                self.stderr.write(f"  - {problem}")
            raise CommandError("the workflows directory holds a file that cannot be read") from exc
        for main in mains:
            try:
                definition, created = runtime.deploy(
                    bundle_sources(directory, main), main.name, actor=None
                )
            except DeploymentError as exc:
                failed = True
                self.stderr.write(f"{main.name}: refused")
                for problem in exc.problems:
                    self.stderr.write(f"  - {problem}")
                continue
            state = "deployed" if created else "unchanged"
            self.stdout.write(f"{main.name}: {definition.key} v{definition.version} {state}")
        if failed:
            raise CommandError("some processes were not deployed")
