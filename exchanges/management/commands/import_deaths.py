"""Import the civil registry's death records (CSV) and stop the benefits of the deceased (R10).

One client of `exchanges.deaths.receive_death_record`, the path the civil registry's API and
the county's file import take too. Each row is its own transaction: a bad row is reported
and skipped, the others go in. A death already on record is skipped, so importing the same
file again changes nothing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assistance.processes.exit import DeathReport
from exchanges.actions import parse_day
from exchanges.deaths import receive_death_record
from exchanges.outcomes import DUPLICATE, REJECTED

COLUMNS = ("resident_id", "died_on", "source")


@dataclass
class Tally:
    rows: int = 0
    recorded: int = 0
    known: int = 0
    rejected: int = 0
    started: int = 0
    delivered: int = 0
    held: int = 0


class Command(BaseCommand):
    help = "Import death records from a CSV file with columns resident_id, died_on, source."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv_file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["csv_file"]
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                tally = self._import(csv.DictReader(handle))
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path} is not UTF-8 text") from exc
        self.stdout.write(
            f"{tally.rows} row(s): {tally.recorded} recorded, {tally.known} already recorded, "
            f"{tally.rejected} rejected; {tally.started} exit(s) started, "
            f"{tally.delivered} delivered to running exits"
            + (
                f"; {tally.held} exit(s) held on a failed step, for policy staff to retry"
                if tally.held
                else ""
            )
        )

    def _import(self, reader: csv.DictReader[str]) -> Tally:
        missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise CommandError(f"the CSV file lacks the column(s): {', '.join(missing)}")
        tally = Tally()
        for row in reader:
            tally.rows += 1
            problem = self._row(row, tally)
            if problem is not None:
                tally.rejected += 1
                self.stderr.write(f"line {reader.line_num}: {problem}")
        return tally

    def _row(self, row: dict[str, str], tally: Tally) -> str | None:
        """Import one row; return why it was rejected, or None."""
        resident_id, died_on, source = ((row.get(column) or "").strip() for column in COLUMNS)
        if not resident_id:
            return "the resident ID is empty"
        try:
            day = parse_day(died_on)
        except ValueError as exc:
            return str(exc)
        outcome = receive_death_record(resident_id, day, source, actor=None)
        if outcome.status == REJECTED:
            return outcome.message
        if outcome.status == DUPLICATE:
            tally.known += 1
            return None
        report: DeathReport = outcome.extra
        tally.recorded += 1
        tally.started += len(report.started)
        tally.delivered += len(report.delivered)
        tally.held += len(report.held)
        return None
