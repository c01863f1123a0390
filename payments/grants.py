"""Batch grants (seeds 000, 002): who may prepare, approve and read them, the preview of an
imported relocation list matched against the register, the class of recipients of a
price-linked subsidy, and the figures the pages show.

Roles: a county payments officer or a county approver prepares a batch; a county approver
who did not prepare it approves or returns it (four eyes, also a database check); auditors
of the county read every batch; to anyone else the pages do not exist (404).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from assistance import access
from assistance.access import AnyUser
from assistance.ids import (
    InvalidBankCard,
    InvalidResidentId,
    mask_resident_id,
    parse_bank_card,
    parse_resident_id,
)
from assistance.models import (
    AssistanceType,
    Case,
    CaseStatus,
    DeathRecord,
    Member,
    Region,
    RegionLevel,
)
from assistance.policy import policy_for
from engine.clock import clock
from payments.grants_files import RawRow
from payments.models import BatchStatus, GrantBatch, GrantKind, OneOffGrant

PREPARE_ROLES = frozenset({"county_finance", "county_approver"})
APPROVE_ROLES = frozenset({"county_approver"})
READ_ROLES = frozenset({"auditor"})
CENT = Decimal("0.01")
MAX_PEOPLE = 30
# The classes of recipients a price-linked subsidy may go to, and the default choice.
SUBSIDY_TYPES = (
    AssistanceType.DIBAO,
    AssistanceType.TEKUN,
    AssistanceType.ORPHAN,
    AssistanceType.DISABILITY,
    AssistanceType.ELDERLY,
)
DEFAULT_SUBSIDY_TYPES = (AssistanceType.DIBAO, AssistanceType.TEKUN, AssistanceType.ORPHAN)
HOUSEHOLD_TYPES = frozenset({AssistanceType.DIBAO})
PER_PERSON = "person"
PER_CASE = "case"
RELOCATION_CAUSE = "relocation"

# ---------------------------------------------------------------- access


def _roles(user: AnyUser) -> set[str]:
    return set(access.user_roles(user))


def may_see_grants(user: AnyUser) -> bool:
    return bool(user.is_authenticated and (PREPARE_ROLES | READ_ROLES) & _roles(user))


def counties_for_user(user: AnyUser) -> list[Region]:
    """The counties whose batches the user sees: a grant on the county or above it."""
    if not may_see_grants(user):
        return []
    paths = access.jurisdiction_paths(user)
    return [
        county
        for county in Region.objects.filter(level=RegionLevel.COUNTY).order_by("code")
        if any(county.path.startswith(path) for path in paths)
    ]


def preparing_counties(user: AnyUser) -> list[Region]:
    """The counties the user may prepare batches for (none for a read-only role)."""
    if not PREPARE_ROLES & set(access.acting_roles(user)):
        return []
    return counties_for_user(user)


def batches_for_user(user: AnyUser) -> QuerySet[GrantBatch]:
    counties = counties_for_user(user)
    if not counties:
        return GrantBatch.objects.none()
    return GrantBatch.objects.filter(county__in=counties)


def get_batch_for_user(user: AnyUser, batch_id: int, *, lock: bool = False) -> GrantBatch:
    """A batch of a county the user sees, else 404."""
    batches = batches_for_user(user)
    if lock:
        batches = batches.select_for_update(of=("self",))
    batch = batches.select_related("county", "created_by", "decided_by").filter(pk=batch_id).first()
    if batch is None:
        raise Http404("No such batch.")
    return batch


def batch_progress_for_user(user: AnyUser, batch_id: int) -> GrantBatch:
    """The job fields of a batch the user sees (not its rows: polled every second), else 404."""
    fields = ("pk", "status", "job_total", "job_done", "job_error")
    batch = batches_for_user(user).only(*fields).filter(pk=batch_id).first()
    if batch is None:
        raise Http404("No such batch.")
    return batch


def require_role(user: AnyUser, county: Region, roles: frozenset[str]) -> str:
    """The acting role the user does this in; 404 outside the county, 403 for a read-only
    role or one that may not do it."""
    if county not in counties_for_user(user):
        raise Http404("No such county.")
    held = sorted(roles & set(access.acting_roles(user)))
    if not held:
        raise PermissionDenied("Your role may not do this.")
    return held[0]


def require_write_access(user: AnyUser) -> None:
    """For the pages that make batches: 404 to those who see no batch, 403 to readers."""
    if not may_see_grants(user) or not counties_for_user(user):
        raise Http404("No such page.")
    if not preparing_counties(user):
        raise PermissionDenied("Your role may not prepare batches.")


# ---------------------------------------------------------------- problems

PROBLEMS: dict[str, Any] = {
    "formula": _("The %(column)s cell holds a formula; type the value itself."),
    "rounded": _(
        "The %(column)s cell holds a number Excel has rounded; format the column as text."
    ),
    "odd_characters": _("The %(column)s cell holds invisible or control characters."),
    "too_long": _("The %(column)s cell is too long."),
    "missing": _("The %(column)s cell is empty."),
    "people": _("The number of people relocated must be a whole number from 1 to %(max)s."),
    "unknown_person": _("Nobody with this resident ID is registered."),
    "name_mismatch": _("The register has another name for this resident ID: %(registered)s."),
    "other_county": _("The household is registered in %(region)s, not in this county."),
    "village_mismatch": _("The household is registered in %(village)s, not in %(given)s."),
    "people_over": _(
        "The household has %(members)s registered members, fewer than the people listed."
    ),
    "deceased": _("The head of the household is recorded as deceased."),
    "duplicate": _("The same household is already on line %(line)s."),
    "already_granted": _("The household already had the relocation grant: batch %(batch)s."),
    "pending": _("The household is in batch %(batch)s, awaiting approval."),
    "no_longer_active": _("The case is no longer active."),
    "already_subsidised": _("The case already has this month's subsidy: batch %(batch)s."),
}
COLUMNS: dict[str, Any] = {
    "resident_id": _("resident ID"),
    "name": _("name"),
    "village": _("village"),
    "people": _("people"),
    "card": _("bank card"),
    "bank": _("bank"),
}


def _reason(problem: Mapping[str, Any]) -> str:
    """Why an ID or a card was refused, in the reader's language: checked again on display,
    since the import stored the cell, not a message in the importer's language."""
    value = str(problem.get("value", ""))
    try:
        if problem.get("code") == "resident_id":
            parse_resident_id(value, today=clock.today())
        else:
            parse_bank_card(value)
    except (InvalidResidentId, InvalidBankCard) as exc:
        return str(exc)
    return str(problem.get("reason", ""))


def problem_text(problem: Mapping[str, Any]) -> str:
    params = {key: value for key, value in problem.items() if key not in ("code", "value")}
    if problem.get("code") in ("resident_id", "card"):
        # The checks' own messages name the ID or the card.
        return _reason(problem) or str(_("Not accepted."))
    if "column" in params:
        params["column"] = str(COLUMNS.get(params["column"], params["column"]))
    template = PROBLEMS.get(problem.get("code", ""), _("Not accepted."))
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


# ---------------------------------------------------------------- relocation


def per_person_amount(county: Region, day: date) -> Decimal:
    return Decimal(str(policy_for(county, day)["relocation_grant_per_person"])).quantize(CENT)


def _people(text: str) -> int | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.to_integral_value():
        return None
    if not 1 <= number <= MAX_PEOPLE:
        return None
    return int(number)


def match_relocation_rows(
    county: Region,
    raw_rows: Iterable[RawRow],
    per_person: Decimal,
    today: date,
    *,
    exclude_batch: int | None = None,
) -> list[dict[str, Any]]:
    """Each imported row checked against the register: the household it names, the amount
    (people x the per-person amount) and its problems. A row with problems is excluded."""
    rows: list[dict[str, Any]] = []
    for raw in raw_rows:
        cells = raw.cells
        row: dict[str, Any] = {
            "line": raw.line,
            "resident_id": cells["resident_id"].upper(),
            "name": cells["name"],
            "village_given": cells["village"],
            "people": None,
            "card": "",
            "bank": cells["bank"],
            "problems": list(raw.problems),
        }
        for column in ("resident_id", "name", "village", "people", "card"):
            already = any(p.get("column") == column for p in raw.problems)
            if not cells[column] and not already:
                row["problems"].append({"code": "missing", "column": column})
        if cells["resident_id"]:
            try:
                row["resident_id"] = parse_resident_id(cells["resident_id"], today=today).number
            except InvalidResidentId:
                row["problems"].append({"code": "resident_id", "value": cells["resident_id"]})
                row["resident_id"] = ""
        if cells["people"]:
            row["people"] = _people(cells["people"])
            if row["people"] is None:
                row["problems"].append({"code": "people", "max": MAX_PEOPLE})
        if cells["card"]:
            try:
                row["card"] = parse_bank_card(cells["card"])
            except InvalidBankCard:
                row["problems"].append({"code": "card", "value": cells["card"]})
        rows.append(row)
    _match_register(county, rows, exclude_batch=exclude_batch)
    for row in rows:
        ok = not row["problems"]
        row["ok"] = ok
        row["amount"] = str((per_person * row["people"]).quantize(CENT)) if ok else "0.00"
    return rows


def _match_register(
    county: Region, rows: list[dict[str, Any]], *, exclude_batch: int | None
) -> None:
    ids = [row["resident_id"] for row in rows if row["resident_id"]]
    members = {
        member.resident_id: member
        for member in Member.objects.filter(resident_id__in=ids).select_related(
            "household__region__parent"
        )
    }
    household_ids = {member.household_id for member in members.values()}
    sizes = dict(
        Member.objects.filter(household_id__in=household_ids)
        .values_list("household_id")
        .annotate(n=Count("pk"))
        .values_list("household_id", "n")
    )
    dead = set(
        DeathRecord.objects.filter(resident_id__in=ids).values_list("resident_id", flat=True)
    )
    granted = {
        household: title
        for household, title in OneOffGrant.objects.filter(
            kind=GrantKind.RELOCATION, case__household_id__in=household_ids
        ).values_list("case__household_id", "batch__title")
    }
    pending: dict[int, str] = {}
    waiting = GrantBatch.objects.filter(
        # Approved batches still granting hold their households too (the job skips them).
        kind=GrantKind.RELOCATION,
        status__in=[BatchStatus.SUBMITTED, BatchStatus.GRANTING],
        county=county,
    )
    if exclude_batch is not None:
        waiting = waiting.exclude(pk=exclude_batch)
    for title, batch_rows in waiting.values_list("title", "rows"):
        for other in batch_rows or []:
            if other.get("ok") and other.get("household_id") in household_ids:
                pending.setdefault(other["household_id"], title)
    seen: dict[int, int] = {}
    for row in rows:
        member = members.get(row["resident_id"]) if row["resident_id"] else None
        if row["resident_id"] and member is None:
            row["problems"].append({"code": "unknown_person"})
        if member is None:
            continue
        household = member.household
        village = household.region
        township = village.parent if village.level == RegionLevel.VILLAGE else village
        row.update(
            member_id=member.pk,
            household_id=household.pk,
            village_id=village.pk,
            village=village.name,
            township_id=township.pk if township else village.pk,
            township=township.name if township else village.name,
        )
        if row["name"] and row["name"] != member.name:
            row["problems"].append({"code": "name_mismatch", "registered": member.name})
        if not county.contains(village):
            row["problems"].append({"code": "other_county", "region": village.name})
        elif row["village_given"] and row["village_given"] not in (village.code, village.name):
            row["problems"].append(
                {"code": "village_mismatch", "village": village.name, "given": row["village_given"]}
            )
        if row["people"] and row["people"] > sizes.get(household.pk, 0):
            row["problems"].append({"code": "people_over", "members": sizes.get(household.pk, 0)})
        if member.resident_id in dead:
            row["problems"].append({"code": "deceased"})
        if household.pk in granted:
            row["problems"].append({"code": "already_granted", "batch": granted[household.pk]})
        elif household.pk in pending:
            row["problems"].append({"code": "pending", "batch": pending[household.pk]})
        if household.pk in seen:
            row["problems"].append({"code": "duplicate", "line": seen[household.pk]})
        else:
            seen[household.pk] = row["line"]


# ---------------------------------------------------------------- price-linked subsidy


@dataclass(frozen=True)
class SubsidyClass:
    """Who gets a price-linked subsidy: cases of these types in the county, active and paid
    since `as_of` at the latest; `amount` per person covered or per case; paid in `month`."""

    types: tuple[str, ...]
    as_of: date
    per: str
    amount: Decimal
    month: date

    def as_json(self) -> dict[str, Any]:
        return {
            "types": list(self.types),
            "as_of": self.as_of.isoformat(),
            "per": self.per,
            "amount": str(self.amount),
            "month": self.month.isoformat(),
        }


def subsidy_cases(county: Region, chosen: SubsidyClass) -> QuerySet[Case]:
    started = Q(start_month__lte=chosen.as_of) | Q(
        start_month__isnull=True, decided_on__lte=chosen.as_of
    )
    return Case.objects.filter(
        started,
        region__path__startswith=county.path,
        assistance_type__in=chosen.types,
        status=CaseStatus.ACTIVE,
    )


def subsidy_rows(
    county: Region, chosen: SubsidyClass, *, exclude_batch: int | None = None
) -> list[dict[str, Any]]:
    """One row per case of the class: its township, type, people covered and amount; a case
    that already has a price subsidy for the month is listed with that problem."""
    cases = (
        subsidy_cases(county, chosen)
        .annotate(covered=Count("household__members", filter=Q(household__members__covered=True)))
        .values(
            "pk",
            "number",
            "assistance_type",
            "single_person_id",
            "covered",
            "region__parent_id",
            "region__parent__name",
        )
        .order_by("region__parent__code", "assistance_type", "number")
    )
    already = dict(
        OneOffGrant.objects.filter(
            kind=GrantKind.PRICE_SUBSIDY,
            payable_from=chosen.month,
            case__region__path__startswith=county.path,
        )
        .exclude(batch_id=exclude_batch)
        .values_list("case_id", "batch__title")
    )
    rows = []
    for case in cases:
        # Dibao covers the household's covered members (one under single-person cover);
        # every other type is one person's benefit (特困, orphan, disability, elderly).
        whole = case["assistance_type"] in HOUSEHOLD_TYPES and not case["single_person_id"]
        people = max(case["covered"], 1) if whole else 1
        amount = chosen.amount * (people if chosen.per == PER_PERSON else 1)
        problems = []
        if case["pk"] in already:
            problems.append({"code": "already_subsidised", "batch": already[case["pk"]]})
        rows.append(
            {
                "case_id": case["pk"],
                "number": case["number"],
                "type": case["assistance_type"],
                "township_id": case["region__parent_id"],
                "township": case["region__parent__name"] or "",
                "people": people,
                "amount": str(amount.quantize(CENT)) if not problems else "0.00",
                "problems": problems,
                "ok": not problems,
            }
        )
    return rows


# ---------------------------------------------------------------- figures


@dataclass
class Total:
    township: str
    type: str
    rows: int = 0
    people: int = 0
    amount: Decimal = Decimal("0.00")


def totals(batch: GrantBatch) -> dict[str, Any]:
    """Counts and sums of the rows kept, per township and type, and of the rows excluded."""
    groups: dict[tuple[str, str], Total] = {}
    kept = excluded = people = 0
    amount = Decimal("0.00")
    for row in batch.rows:
        if not row.get("ok"):
            excluded += 1
            continue
        kept += 1
        key = (row.get("township", ""), row.get("type", AssistanceType.TEMPORARY))
        group = groups.setdefault(key, Total(*key))
        group.rows += 1
        group.people += int(row.get("people") or 0)
        group.amount += Decimal(row["amount"])
        people += int(row.get("people") or 0)
        amount += Decimal(row["amount"])
    return {
        "groups": sorted(groups.values(), key=lambda g: (g.township, g.type)),
        "kept": kept,
        "excluded": excluded,
        "people": people,
        "amount": amount.quantize(CENT),
    }


def kept_total(rows: Iterable[Mapping[str, Any]]) -> Decimal:
    return sum((Decimal(row["amount"]) for row in rows if row.get("ok")), Decimal("0.00"))


def display_rows(
    rows: Iterable[Mapping[str, Any]], *, full_ids: bool, cases: Mapping[int, Case] | None = None
) -> list[dict[str, Any]]:
    """Rows as a page shows them: IDs masked unless the role needs them whole, the card's last
    four digits, the problems in words, and the case created for the row once approved."""
    shown = []
    for row in rows:
        resident_id = row.get("resident_id", "")
        shown.append(
            {
                **row,
                "resident_id_shown": resident_id
                if full_ids or not resident_id
                else mask_resident_id(resident_id),
                "card_tail": row.get("card", "")[-4:],
                "problem_texts": [problem_text(p) for p in row.get("problems", [])],
                "case": (cases or {}).get(row.get("case_id") or 0),
            }
        )
    return shown


def first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def batch_list(user: AnyUser) -> QuerySet[GrantBatch]:
    """The batches on the list page, newest first, in a fixed number of queries."""
    return (
        batches_for_user(user)
        .select_related("county", "created_by__staff")
        .annotate(grant_count=Count("grants"))
        .defer("rows")
        .order_by("-created_at", "-pk")
    )


def cases_of(batch: GrantBatch, rows: Iterable[Mapping[str, Any]]) -> dict[int, Case]:
    ids = [row["case_id"] for row in rows if row.get("case_id")]
    if not ids:
        return {}
    return {case.pk: case for case in Case.objects.filter(pk__in=ids, grants__batch=batch)}


def same_file_batch(batch: GrantBatch) -> GrantBatch | None:
    """An earlier batch of the county made from the very same file, if any."""
    if not batch.source_sha256:
        return None
    return (
        GrantBatch.objects.filter(county_id=batch.county_id, source_sha256=batch.source_sha256)
        .filter(pk__lt=batch.pk)
        .only("pk", "title", "status")
        .order_by("pk")
        .first()
    )


def person(user: Any) -> str:
    if user is None:
        return ""
    staff = getattr(user, "staff", None)
    return staff.full_name if staff is not None else user.get_username()
