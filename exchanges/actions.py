"""The staff's file imports: the check centre's results and the civil registry's deaths.

Each row goes through the very function the API calls (`exchanges.checks`,
`exchanges.deaths`), in its own transaction, so a bad row is reported and the others go in,
and a file imported twice changes nothing the second time (every row a duplicate). The file
is read by `assistance.tables` (bounded in bytes, rows and cells; formulas never evaluated);
one that cannot be read is refused whole. The per-row report is kept as a `FileImport`,
written with its audit event once the rows are done.

The poverty registry's import is one transaction for the whole file: `exchanges.registry`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistance.actions import ActionError
from assistance.ids import mask_resident_id
from assistance.tables import RawRow, TableSpec, header_key, read_table
from engine import audit
from engine.clock import clock
from engine.runtime import EngineError
from exchanges import access, checks, deaths
from exchanges.models import FileImport, ImportKind
from exchanges.outcomes import DUPLICATE, RECORDED, Outcome, rejected

MAX_BYTES = 2 * 1024 * 1024
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
# Each result moves a process: a file is what one request can carry through in a minute.
MAX_CHECK_ROWS = 500
MAX_DEATH_ROWS = 2000

CHECK_HEADERS = {
    "request_no": {"核对编号", "请求编号", "核对请求编号", "request_no", "request"},
    "result": {"核对结果", "结果", "result"},
    "report_no": {"报告编号", "核对报告编号", "report_no"},
    "reasons": {"原因", "不符合原因", "说明", "reasons"},
    "changed": {"有无变化", "是否变化", "changed"},
}
DEATH_HEADERS = {
    "resident_id": {"身份证号", "身份证号码", "公民身份号码", "resident_id"},
    "died_on": {"死亡日期", "died_on"},
    "source": {"来源", "报告单位", "信息来源", "source"},
}
RESULT_WORDS = {
    "eligible": {"符合", "符合条件", "eligible"},
    "ineligible": {"不符合", "不符合条件", "ineligible"},
}
YES_WORDS = {"是", "有", "有变化", "yes", "true", "1"}
NO_WORDS = {"否", "无", "无变化", "no", "false", "0", ""}


def check_results_spec() -> TableSpec:
    return TableSpec(
        fields=tuple(CHECK_HEADERS),
        required=("request_no", "result", "report_no"),
        headers=CHECK_HEADERS,
        missing_columns=gettext_lazy(
            "The first row must name the columns: request number (核对编号), result (核对结果), "
            "report number (报告编号), and reasons (原因) where the result is 不符合."
        ),
        no_rows=gettext_lazy("The file holds no result."),
        max_bytes=MAX_BYTES,
        max_unpacked_bytes=MAX_UNPACKED_BYTES,
        max_rows=MAX_CHECK_ROWS,
        max_cell_chars=2000,
    )


def deaths_spec() -> TableSpec:
    return TableSpec(
        fields=tuple(DEATH_HEADERS),
        required=tuple(DEATH_HEADERS),
        headers=DEATH_HEADERS,
        missing_columns=gettext_lazy(
            "The first row must name the columns: resident ID (身份证号), date of death "
            "(死亡日期), source (来源)."
        ),
        no_rows=gettext_lazy("The file holds no death record."),
        max_bytes=MAX_BYTES,
        max_unpacked_bytes=MAX_UNPACKED_BYTES,
        max_rows=MAX_DEATH_ROWS,
    )


def do_import_check_results(file_name: str, data: bytes, *, actor: User) -> FileImport:
    """A checker imports the centre's results; raises FileRefused for an unreadable file."""
    access.require_acting(actor, access.CHECK_ROLE)
    rows = read_table(check_results_spec(), file_name, data)
    return _import(ImportKind.CHECK_RESULTS, file_name, data, rows, _check_row, actor=actor)


def do_import_deaths(file_name: str, data: bytes, *, actor: User) -> FileImport:
    """A county approver imports the civil registry's deaths; raises FileRefused likewise."""
    access.require_acting(actor, access.DEATHS_ROLE)
    rows = read_table(deaths_spec(), file_name, data)
    return _import(ImportKind.DEATHS, file_name, data, rows, _death_row, actor=actor)


Row = Callable[[RawRow, User], Outcome]


def _import(
    kind: str, file_name: str, data: bytes, rows: list[RawRow], one: Row, *, actor: User
) -> FileImport:
    report = []
    for row in rows:
        if row.problems:
            outcome = rejected(_("A cell holds a formula, a rounded number or odd characters."))
        else:
            outcome = one(row, actor)
        report.append(
            {
                "line": row.line,
                "ref": outcome.ref,
                "status": outcome.status,
                "message": outcome.message,
            }
        )
    return _file_import(kind, file_name, data, report, actor=actor)


def _check_row(row: RawRow, actor: User) -> Outcome:
    cells = row.cells
    ref = cells["request_no"][:60]
    result = _word(cells["result"], RESULT_WORDS)
    if result is None:
        return rejected(_("The result must be 符合 or 不符合."), ref)
    changed = header_key(cells["changed"])
    if changed not in YES_WORDS | NO_WORDS:
        return rejected(_("Write 是 or 否 for whether anything changed."), ref)
    try:
        outcome = checks.do_receive_check_result(
            ref,
            result=result,
            report_no=cells["report_no"],
            reasons=cells["reasons"],
            changed=changed in YES_WORDS,
            actor=actor,
        )
    except Http404:
        return rejected(_("No such check request in your jurisdiction."), ref)
    except (ActionError, EngineError, PermissionDenied) as exc:
        return rejected(exc, ref)
    outcome.ref = ref
    return outcome


def _word(text: str, words: dict[str, set[str]]) -> str | None:
    key = header_key(text)
    return next((value for value, known in words.items() if key in known), None)


def parse_day(text: str) -> date:
    """A YYYY-MM-DD date, nothing looser (20260301 or 2026/03/01 would be guesses)."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not text.replace("-", "").isdigit():
        raise ValueError(_("the date of death must be written YYYY-MM-DD"))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(_("the date of death is not a real date")) from None


def _death_row(row: RawRow, actor: User) -> Outcome:
    cells = row.cells
    ref = mask_resident_id(cells["resident_id"]) if cells["resident_id"] else ""
    text = cells["died_on"]
    # A date cell of a workbook reads as an ISO date and time at midnight.
    if text.endswith("T00:00:00"):
        text = text[:10]
    try:
        day = parse_day(text)
    except ValueError as exc:
        return rejected(exc, ref)
    outcome = deaths.receive_death_record(cells["resident_id"], day, cells["source"], actor=actor)
    outcome.ref = ref
    return outcome


@transaction.atomic
def _file_import(
    kind: str, file_name: str, data: bytes, report: list[dict[str, object]], *, actor: User
) -> FileImport:
    counts = {status: sum(1 for r in report if r["status"] == status) for status in STATUSES}
    imported = FileImport.objects.create(
        kind=kind,
        region=access.office_region(actor),
        uploaded_by=actor,
        file_name=file_name[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        created_at=clock.now(),
        rows=len(report),
        recorded=counts[RECORDED],
        duplicate=counts[DUPLICATE],
        rejected=counts["rejected"],
        report=report,
    )
    audit.record(
        "exchanges.file_imported",
        actor=actor,
        role=access.CHECK_ROLE if kind == ImportKind.CHECK_RESULTS else access.DEATHS_ROLE,
        region_id=imported.region_id,
        payload={
            "import": imported.pk,
            "kind": kind,
            "file": imported.file_name,
            "sha256": imported.sha256,
            "rows": imported.rows,
            **counts,
        },
    )
    return imported


STATUSES = (RECORDED, DUPLICATE, "rejected")
