"""The quarterly comparison with the poverty-registration database (R11, seed 003: 每季度比对一次).

An import is one quarter's extract of the registry for one county, the whole of it: each row
a person (resident ID, name, standing: registered poor 贫困/未脱贫, lifted but still under the
policies 脱贫享受政策, lifted 已脱贫不再享受政策). It is compared with the cases of the day and
every difference goes on the county's worklist (docs/domain.md, "Poverty-registry
comparison", defines both kinds exactly):

- `not_covered`: the registry counts the person registered poor (the first two standings),
  they are alive on Doudi's record, and no active dibao or 特困 case covers them (the person
  a single-person or 特困 case is for, or a covered member of a dibao household): the county
  checks whether they qualify (应保尽保, 漏保).
- `not_eligible`: an active case in the county counts the person registered poor (dibao's
  `registered_poor`, which earns the extension on exit, seed 004) and covers them, but the
  registry lists them as lifted or not at all: the case's standing is not backed by the
  registry (应退尽退, 错保).

The worklist does not double: the same file again is a duplicate of its first import; a
later import keeps a difference still found open (one open row per person and kind, a
partial unique index), adds the new ones and marks those it no longer finds as cleared.
Staff resolve a row with a note (audited).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistance.actions import ActionError
from assistance.ids import InvalidResidentId, parse_resident_id
from assistance.models import (
    AssistanceType,
    Case,
    CaseStatus,
    DeathRecord,
    Member,
    Region,
    RegionLevel,
)
from assistance.tables import RawRow, TableSpec, header_key, read_table
from engine import audit
from engine.clock import clock
from exchanges import access
from exchanges.models import (
    REGISTERED_STATUSES,
    DifferenceKind,
    DifferenceStatus,
    RegistryDifference,
    RegistryImport,
    RegistryStatus,
)

# The types whose cover the registered poor should have (兜底保障): the minimum living
# guarantee and extreme-poverty support.
BASIC_TYPES = (AssistanceType.DIBAO, AssistanceType.TEKUN)
MAX_BYTES = 8 * 1024 * 1024
MAX_UNPACKED_BYTES = 80 * 1024 * 1024
MAX_ROWS = 60_000
QUARTER = re.compile(r"[0-9]{4}Q[1-4]")
FIELDS = ("resident_id", "name", "status", "village")
HEADERS = {
    "resident_id": {"身份证号", "身份证号码", "公民身份号码", "证件号码", "resident_id"},
    "name": {"姓名", "name"},
    "status": {"贫困状态", "脱贫状态", "状态", "户类型", "registry_status", "status"},
    "village": {"村", "村名", "所在村", "行政村", "village"},
}
# A registry's words for a person's standing (compared after NFKC, lower case, no spaces).
STATUS_WORDS = {
    RegistryStatus.POOR: {"贫困", "贫困户", "贫困人口", "未脱贫", "在册", "poor"},
    RegistryStatus.POLICY: {"脱贫享受政策", "享受政策", "脱贫享受政策人口", "policy"},
    RegistryStatus.LIFTED: {
        "已脱贫",
        "脱贫不享受政策",
        "已脱贫不享受政策",
        "脱贫不再享受政策",
        "已销号",
        "非贫困",
        "lifted",
    },
}
_STATUS_OF = {header_key(word): status for status, words in STATUS_WORDS.items() for word in words}


def registry_spec() -> TableSpec:
    return TableSpec(
        fields=FIELDS,
        required=("resident_id", "name", "status"),
        headers=HEADERS,
        missing_columns=gettext_lazy(
            "The first row must name the columns: resident ID (身份证号), name (姓名), "
            "standing in the registry (贫困状态)."
        ),
        no_rows=gettext_lazy("The file lists no one."),
        max_bytes=MAX_BYTES,
        max_unpacked_bytes=MAX_UNPACKED_BYTES,
        max_rows=MAX_ROWS,
    )


@dataclass(frozen=True)
class Entry:
    line: int
    resident_id: str
    name: str
    status: str


def parse_rows(rows: Sequence[RawRow]) -> tuple[list[Entry], list[dict[str, Any]]]:
    """The registry's people, and the rows left out with why (line and message)."""
    entries: list[Entry] = []
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    today = clock.today()
    for row in rows:
        message = _row_problem(row, seen, today)
        if isinstance(message, Entry):
            entries.append(message)
            seen.add(message.resident_id)
        else:
            problems.append({"line": row.line, "message": message})
    return entries, problems


def _row_problem(row: RawRow, seen: set[str], today: Any) -> Entry | str:
    if row.problems:
        return _("A cell holds a formula, a rounded number or odd characters.")
    try:
        number = parse_resident_id(row.cells["resident_id"], today=today).number
    except InvalidResidentId as exc:
        return str(exc)
    if number in seen:
        return _("This resident ID is listed on an earlier row.")
    name = row.cells["name"].strip()
    if not name or len(name) > 50:
        return _("Give the name (at most 50 characters).")
    status = _STATUS_OF.get(header_key(row.cells["status"]))
    if status is None:
        return _("Unknown standing %(value)s: write 贫困, 脱贫享受政策 or 已脱贫.") % {
            "value": row.cells["status"][:20]
        }
    return Entry(row.line, number, name, status)


def rows_from_records(records: Sequence[Mapping[str, Any]]) -> list[RawRow]:
    """Rows sent as JSON by the registry's system, read like a file's (line = position + 1)."""
    if len(records) > MAX_ROWS:
        raise ActionError(_("The list has more than %(rows)s rows: split it.") % {"rows": MAX_ROWS})
    if not records:
        raise ActionError(_("The file lists no one."))
    rows = []
    for index, record in enumerate(records, start=1):
        cells = {name: str(record.get(name) or "").strip()[:100] for name in FIELDS}
        if not cells["status"]:
            cells["status"] = str(record.get("registry_status") or "").strip()[:100]
        rows.append(RawRow(line=index, cells=cells))
    return rows


# ---------------------------------------------------------------- the comparison


@dataclass(frozen=True)
class Found:
    kind: str
    resident_id: str
    name: str
    registry_status: str
    region_id: int
    member_id: int | None = None
    case_id: int | None = None


def compare(county: Region, entries: Sequence[Entry]) -> list[Found]:
    """Every difference between the county's extract and the cases of the day."""
    return [*_not_covered(county, entries), *_not_eligible(county, entries)]


def _chunks(items: Sequence[str], size: int = 5000) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _not_covered(county: Region, entries: Sequence[Entry]) -> list[Found]:
    registered = {e.resident_id: e for e in entries if e.status in REGISTERED_STATUSES}
    numbers = sorted(registered)
    covering = Case.objects.filter(status=CaseStatus.ACTIVE, assistance_type__in=BASIC_TYPES)
    covered: set[str] = set()
    dead: set[str] = set()
    homes: dict[str, tuple[int, int, str]] = {}
    for chunk in _chunks(numbers):
        covered.update(
            Member.objects.filter(resident_id__in=chunk)
            .filter(
                Q(single_person_cases__in=covering)
                | Q(covered=True, household__cases__in=covering.filter(single_person__isnull=True))
            )
            .values_list("resident_id", flat=True)
        )
        dead.update(
            DeathRecord.objects.filter(resident_id__in=chunk).values_list("resident_id", flat=True)
        )
        for number, pk, region_id, path in Member.objects.filter(resident_id__in=chunk).values_list(
            "resident_id", "pk", "household__region_id", "household__region__path"
        ):
            homes[number] = (pk, region_id, path)
    found = []
    for number in numbers:
        if number in covered or number in dead:
            continue
        entry = registered[number]
        member_id, region_id, path = homes.get(number, (None, county.pk, county.path))
        found.append(
            Found(
                DifferenceKind.REGISTERED_NOT_COVERED,
                number,
                entry.name,
                entry.status,
                region_id if path.startswith(county.path) else county.pk,
                member_id,
            )
        )
    return found


def _not_eligible(county: Region, entries: Sequence[Entry]) -> list[Found]:
    standing = {e.resident_id: e.status for e in entries}
    cases = list(
        Case.objects.filter(
            status=CaseStatus.ACTIVE,
            region__path__startswith=county.path,
            details__registered_poor=True,
        )
        .order_by("pk")
        .values_list("pk", "household_id", "single_person_id", "region_id")
    )
    households = {household for _pk, household, _single, _region in cases}
    members: dict[int, list[tuple[int, str, str, bool]]] = {}
    for pk, household, number, name, covered in Member.objects.filter(
        household_id__in=households
    ).values_list("pk", "household_id", "resident_id", "name", "covered"):
        members.setdefault(household, []).append((pk, number, name, covered))
    dead = set(
        DeathRecord.objects.filter(
            resident_id__in=[m[1] for rows in members.values() for m in rows]
        ).values_list("resident_id", flat=True)
    )
    found = []
    for case_id, household, single, region_id in cases:
        for pk, number, name, covered in members.get(household, []):
            subject = pk == single if single else covered
            if not subject or number in dead:
                continue
            status = standing.get(number, "")
            if status in REGISTERED_STATUSES:
                continue
            found.append(
                Found(
                    DifferenceKind.COVERED_NOT_ELIGIBLE,
                    number,
                    name,
                    status,
                    region_id,
                    pk,
                    case_id,
                )
            )
    return found


# ---------------------------------------------------------------- import and worklist


def get_county(county_id: int, *, actor: User, system: access.System | None) -> Region:
    county = Region.objects.filter(pk=county_id, level=RegionLevel.COUNTY).first()
    if county is None:
        raise Http404("No such county.")
    if system is not None:
        if not system.covers(county):
            raise Http404("No such county.")
    elif county.pk not in {c.pk for c in access.counties_for(actor)}:
        raise Http404("No such county.")
    return county


@dataclass
class ImportResult:
    registry_import: RegistryImport
    created: bool


@transaction.atomic
def do_import_registry(
    county_id: int,
    quarter: str,
    *,
    file_name: str,
    data: bytes | None = None,
    records: Sequence[Mapping[str, Any]] | None = None,
    actor: User,
    system: access.System | None = None,
) -> ImportResult:
    """Import one quarter's extract (a file's bytes, or the system's JSON records) and bring
    the county's worklist up to date; the same extract again is returned as it was."""
    if system is None:
        access.require_acting(actor, access.REGISTRY_ROLE)
    county = get_county(county_id, actor=actor, system=system)
    quarter = quarter.strip().upper()
    if not QUARTER.fullmatch(quarter):
        raise ActionError(_("Give the quarter as YYYYQn, e.g. 2026Q1."))
    if data is not None:
        sha256 = hashlib.sha256(data).hexdigest()
        size = len(data)
    else:
        canonical = json.dumps(list(records or []), sort_keys=True, ensure_ascii=False, default=str)
        sha256 = hashlib.sha256(canonical.encode()).hexdigest()
        size = len(canonical)
    # Two imports of one county run one after the other: the worklist is rewritten whole.
    Region.objects.select_for_update().filter(pk=county.pk).first()
    earlier = RegistryImport.objects.filter(county=county, sha256=sha256).first()
    if earlier is not None:
        return ImportResult(earlier, created=False)
    raw = (
        read_table(registry_spec(), file_name, data)
        if data is not None
        else rows_from_records(records or [])
    )
    entries, problems = parse_rows(raw)
    found = compare(county, entries)
    registry_import = RegistryImport.objects.create(
        county=county,
        quarter=quarter,
        file_name=file_name[:200],
        sha256=sha256,
        size=size,
        uploaded_by=actor,
        uploaded_role=system.role if system else access.REGISTRY_ROLE,
        created_at=clock.now(),
        rows=len(raw),
        registered=sum(1 for e in entries if e.status in REGISTERED_STATUSES),
        not_covered=sum(1 for f in found if f.kind == DifferenceKind.REGISTERED_NOT_COVERED),
        not_eligible=sum(1 for f in found if f.kind == DifferenceKind.COVERED_NOT_ELIGIBLE),
        problems=problems[:1000],
    )
    _update_worklist(registry_import, found)
    audit.record(
        "registry.imported",
        actor=actor,
        role=registry_import.uploaded_role,
        region_id=county.pk,
        payload={
            "import": registry_import.pk,
            "quarter": quarter,
            "file": registry_import.file_name,
            "sha256": sha256,
            "rows": registry_import.rows,
            "left_out": len(problems),
            "not_covered": registry_import.not_covered,
            "not_eligible": registry_import.not_eligible,
            "new": registry_import.new_differences,
            "cleared": registry_import.cleared,
        },
    )
    return ImportResult(registry_import, created=True)


def _update_worklist(registry_import: RegistryImport, found: Sequence[Found]) -> None:
    county = registry_import.county
    open_rows = {
        (row.resident_id, row.kind): row.pk
        for row in RegistryDifference.objects.filter(county=county, status=DifferenceStatus.OPEN)
    }
    keys = {(f.resident_id, f.kind) for f in found}
    still = [pk for key, pk in open_rows.items() if key in keys]
    gone = [pk for key, pk in open_rows.items() if key not in keys]
    RegistryDifference.objects.filter(pk__in=still).update(last_seen_by=registry_import)
    registry_import.cleared = RegistryDifference.objects.filter(pk__in=gone).update(
        status=DifferenceStatus.CLEARED, cleared_by=registry_import
    )
    new = [
        RegistryDifference(
            county=county,
            region_id=f.region_id,
            kind=f.kind,
            resident_id=f.resident_id,
            name=f.name[:50],
            registry_status=f.registry_status,
            member_id=f.member_id,
            case_id=f.case_id,
            found_by=registry_import,
            last_seen_by=registry_import,
        )
        for f in found
        if (f.resident_id, f.kind) not in open_rows
    ]
    RegistryDifference.objects.bulk_create(new, batch_size=2000)
    registry_import.new_differences = len(new)
    registry_import.save(update_fields=["cleared", "new_differences"])


def differences_for(user: User) -> Any:
    """The worklist rows of the counties the user reads (any status)."""
    if not access.reads(user, access.REGISTRY_ROLE):
        return RegistryDifference.objects.none()
    counties = [c.pk for c in access.counties_for(user)]
    # A difference about a case the user is recused from is not theirs to see (R7).
    return RegistryDifference.objects.filter(county_id__in=counties).exclude(
        case__recusals__user=user.pk
    )


@transaction.atomic
def do_resolve_difference(difference_id: int, *, actor: User, note: str) -> RegistryDifference:
    """A county approver records what was done about a difference; it leaves the worklist."""
    access.require_acting(actor, access.REGISTRY_ROLE)
    difference = differences_for(actor).select_for_update().filter(pk=difference_id).first()
    if difference is None:
        raise Http404("No such difference.")
    note = note.strip()
    if len(note) < 2 or len(note) > 2000:
        raise ActionError(_("Say what was found or done (2 to 2,000 characters)."))
    if difference.status != DifferenceStatus.OPEN:
        raise ActionError(_("This difference is no longer open."))
    difference.status = DifferenceStatus.RESOLVED
    difference.resolved_by = actor
    difference.resolved_at = clock.now()
    difference.note = note
    difference.save(update_fields=["status", "resolved_by", "resolved_at", "note"])
    audit.record(
        "registry.difference_resolved",
        actor=actor,
        role=access.REGISTRY_ROLE,
        region_id=difference.county_id,
        case_id=difference.case_id,
        payload={
            "difference": difference.pk,
            "kind": difference.kind,
            "resident_id_tail": difference.resident_id[-4:],
            "note": note,
        },
    )
    return difference
