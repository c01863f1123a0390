from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from engine import partitions


class Command(BaseCommand):
    help = (
        "Create the audit events' monthly partitions of this month and the next ones ahead of "
        "time (PostgreSQL; idempotent). Celery beat runs it daily; docker-compose's migrate "
        "service after every migrate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--ahead",
            type=int,
            default=partitions.MONTHS_AHEAD,
            help=f"months after this one (default {partitions.MONTHS_AHEAD})",
        )
        parser.add_argument("--list", action="store_true", help="then list every partition")

    def handle(self, *args: Any, **options: Any) -> None:
        if not partitions.is_partitioned():
            self.stdout.write("the audit events are one plain table here (not PostgreSQL)")
            return
        if options["ahead"] < 0:
            raise CommandError("--ahead counts months after this one: 0 or more")
        try:
            created = partitions.ensure_partitions(ahead=options["ahead"])
        except partitions.PartitionError as exc:
            for name in exc.created:
                self.stdout.write(f"created {name}")
            raise CommandError(f"{exc} (docs/operations.md, 'Audit partitions')") from exc
        for name in created:
            self.stdout.write(f"created {name}")
        last = partitions.months_from(partitions.today(), options["ahead"] + 1)[-1]
        self.stdout.write(f"every month through {last:%Y-%m} has its audit partition")
        for month, count in partitions.events_in_default():
            self.stderr.write(
                f"{count} audit event(s) of {month:%Y-%m} are in {partitions.DEFAULT_PARTITION}"
            )
        if options["list"]:
            for partition in partitions.partitions():
                self.stdout.write(f"{partition.name}\t{partition.bounds}\t~{partition.events}")
