"""The read side of the abuse reports: the auditor's scope, counts per township, the cases.

Each page costs a fixed number of queries whatever the size of the jurisdiction: one for the
regions, one for the policies in force, one per report for the counts and one for a page of
cases. The rule's SQL is wrapped, never rewritten:

    WITH scope AS (...), policies AS (...), hits AS (<rule SQL>) SELECT ...
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import pgettext

from assistance import access
from assistance.access import AnyUser
from assistance.models import AssistanceType, CaseStatus, Region, RegionLevel, RegionPolicy
from audit.reports import Rule
from audit.reports.sql import policy_columns

PAGE_SIZE = 50
# A report is one analytic query over a whole jurisdiction: no just-in-time compilation (it
# costs seconds on queries whose estimates look big) and room to hash in memory.
QUERY_SETTINGS = ("SET LOCAL jit = off", "SET LOCAL work_mem = '128MB'")


class ReportsUnavailable(Exception):
    """The reports are written for PostgreSQL (arrays, jsonb); the embedded SQLite has none."""


def available() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def _cursor() -> Iterator[Any]:
    if not available():
        raise ReportsUnavailable
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("; ".join(QUERY_SETTINGS))
        yield cursor


@dataclass
class Place:
    id: int
    name: str
    path: str
    level: str
    # The township a case here is counted in (the region itself above township level).
    township_id: int = 0


@dataclass
class Scope:
    """What an auditor may see: the regions of their jurisdiction and the policy in force."""

    today: date
    places: dict[int, Place] = field(default_factory=dict)
    # Regions inside the jurisdiction (the ancestors above it are in `places` too, for names).
    region_ids: list[int] = field(default_factory=list)
    policy_of: dict[int, int] = field(default_factory=dict)
    policies: list[dict[str, Any]] = field(default_factory=list)

    def township(self, township_id: int) -> Place | None:
        """A township (or a region above township level that cases are counted in) of the
        jurisdiction; None for anything else."""
        place = self.places.get(township_id)
        if place is None or township_id not in self.policy_of or place.township_id != place.id:
            return None
        return place

    def county_name(self, place: Place) -> str:
        for part in reversed(place.path.strip("/").split("/")):
            ancestor = self.places.get(int(part))
            if ancestor is not None and ancestor.level == RegionLevel.COUNTY:
                return ancestor.name
        return ""

    @property
    def narrow(self) -> bool:
        """A county's or township's jurisdiction rather than a city's or province's."""
        inside = set(self.region_ids)
        wide = (RegionLevel.PROVINCE, RegionLevel.CITY)
        for pk in self.region_ids:
            place = self.places[pk]
            parent = place.path.strip("/").split("/")[-2:-1]
            if place.level in wide and (not parent or int(parent[0]) not in inside):
                return False
        return True

    def params(self) -> dict[str, Any]:
        return {
            "today": self.today,
            "scope_narrow": self.narrow,
            "scope_regions": self.region_ids,
            "scope_townships": [self.places[pk].township_id for pk in self.region_ids],
            "scope_policies": [self.policy_of[pk] for pk in self.region_ids],
            "policy_ids": list(range(len(self.policies))),
            "policy_values": [json.dumps(values) for values in self.policies],
        }


def scope_for(user: AnyUser, today: date) -> Scope:
    """The user's jurisdiction with each region's township and policy (two queries)."""
    scope = Scope(today=today)
    paths = access.jurisdiction_paths(user)
    if not paths:
        return scope
    above = {int(part) for path in paths for part in path.strip("/").split("/")[:-1]}
    inside = Q(pk__in=[])
    for path in paths:
        inside |= Q(path__startswith=path)
    rows = Region.objects.filter(inside | Q(pk__in=above)).values_list(
        "id", "name", "path", "level"
    )
    for pk, name, path, level in rows:
        scope.places[pk] = Place(pk, name, path, level)
    records: dict[int, list[dict[str, Any]]] = {}
    for region_id, values in (
        RegionPolicy.objects.filter(region_id__in=list(scope.places), effective_from__lte=today)
        .order_by("effective_from")
        .values_list("region_id", "values")
    ):
        records.setdefault(region_id, []).append(values)
    _resolve(scope, paths, records)
    return scope


def _resolve(scope: Scope, paths: list[str], records: dict[int, list[dict[str, Any]]]) -> None:
    """Each region's township and merged policy, shallow to deep: the nearest region's newest
    record wins (as assistance.policy.merge_records), shared by regions that add nothing."""
    merged_of: dict[int, tuple[int, dict[str, Any]]] = {}
    by_depth = sorted(scope.places.values(), key=lambda place: place.path.count("/"))
    for place in by_depth:
        ids = [int(part) for part in place.path.strip("/").split("/")]
        parent = ids[-2] if len(ids) > 1 else None
        township = next(
            (pk for pk in ids if pk in scope.places and scope.places[pk].level == "township"),
            place.id,
        )
        place.township_id = township
        inherited = merged_of.get(parent) if parent is not None else None
        if place.id in records:
            values = dict(inherited[1]) if inherited else {}
            for record in records[place.id]:
                values.update(record)
            scope.policies.append(values)
            merged_of[place.id] = (len(scope.policies) - 1, values)
        elif inherited is not None:
            merged_of[place.id] = inherited
        else:
            scope.policies.append({})
            merged_of[place.id] = (len(scope.policies) - 1, {})
        if any(place.path.startswith(path) for path in paths):
            scope.region_ids.append(place.id)
            scope.policy_of[place.id] = merged_of[place.id][0]


def _with(rule: Rule, scope: Scope) -> tuple[str, dict[str, Any]]:
    params = {**scope.params(), **rule.params(scope.today)}
    head = f"""
        WITH scope AS (
            SELECT * FROM unnest(%(scope_regions)s::bigint[], %(scope_townships)s::bigint[],
                                 %(scope_policies)s::int[]) AS s(region_id, township_id, policy_id)
        ), policies AS MATERIALIZED (
            SELECT id, {policy_columns()} FROM (
                SELECT id, raw::jsonb AS v
                FROM unnest(%(policy_ids)s::int[], %(policy_values)s::text[]) AS p(id, raw)
            ) raw_policies
        ), hits AS ({rule.sql()})
    """
    return head, params


@dataclass
class TownshipCount:
    township: Place
    county: str
    cases: int


def _counts(scope: Scope, rows: list[tuple[int, int]]) -> list[TownshipCount]:
    counts = [
        TownshipCount(scope.places[township], scope.county_name(scope.places[township]), n)
        for township, n in rows
    ]
    counts.sort(key=lambda row: (-row.cases, row.township.name, row.township.id))
    return counts


def township_counts(rule: Rule, scope: Scope) -> list[TownshipCount]:
    """Cases showing the pattern per township, most first (one query: the list of reports)."""
    if not scope.region_ids:
        return []
    head, params = _with(rule, scope)
    with _cursor() as cursor:
        cursor.execute(
            head + "SELECT township_id, count(DISTINCT case_id) FROM hits GROUP BY township_id",
            params,
        )
        return _counts(scope, cursor.fetchall())


@dataclass
class Finding:
    """One case of a report with every reason it shows the pattern."""

    case_id: int
    number: str
    assistance_type: str
    status: str
    monthly_amount: Decimal | None
    township: str
    county: str
    applicant: str
    reasons: list[str]

    @property
    def why(self) -> str:
        return pgettext("reasons separator", "; ").join(self.reasons)

    @property
    def kind_label(self) -> str:
        return str(dict(AssistanceType.choices).get(self.assistance_type, self.assistance_type))

    @property
    def status_label(self) -> str:
        return str(dict(CaseStatus.choices).get(self.status, self.status))


_FINDINGS = """
    WITH grouped AS (
        SELECT case_id, min(township_id) AS township_id, jsonb_agg(facts) AS findings
        FROM report_hits {where} GROUP BY case_id
    )
    SELECT g.case_id, c.number, c.assistance_type, c.status, c.monthly_amount, g.township_id,
           (SELECT m.name FROM assistance_member m
             WHERE m.household_id = c.household_id AND m.is_applicant
             ORDER BY m.id LIMIT 1) AS applicant,
           g.findings
    FROM grouped g JOIN assistance_case c ON c.id = g.case_id
    ORDER BY g.case_id
"""


class Run:
    """One report worked out once (into a temporary table) for a page or an export: its counts
    per township, a page of its cases, or all of them, each one more query."""

    def __init__(self, cursor: Any, rule: Rule, scope: Scope) -> None:
        self.cursor, self.rule, self.scope = cursor, rule, scope

    def counts(self) -> list[TownshipCount]:
        if self.cursor is None:
            return []
        self.cursor.execute(
            "SELECT township_id, count(DISTINCT case_id) FROM report_hits GROUP BY township_id"
        )
        return _counts(self.scope, self.cursor.fetchall())

    def page(self, township_id: int | None, page: int, size: int = PAGE_SIZE) -> list[Finding]:
        """One page of the cases; `page` counts from 1."""
        if self.cursor is None:
            return []
        sql, params = self._findings(township_id)
        params.update(limit=size, offset=(page - 1) * size)
        self.cursor.execute(sql + " LIMIT %(limit)s OFFSET %(offset)s", params)
        return [self._finding(row) for row in self.cursor.fetchall()]

    def all(self, township_id: int | None) -> Iterator[Finding]:
        """Every case, fetched in batches (for the export)."""
        if self.cursor is None:
            return
        sql, params = self._findings(township_id)
        self.cursor.execute(sql, params)
        while batch := self.cursor.fetchmany(2000):
            for row in batch:
                yield self._finding(row)

    def _findings(self, township_id: int | None) -> tuple[str, dict[str, Any]]:
        if township_id is None:
            return _FINDINGS.format(where=""), {}
        return _FINDINGS.format(where="WHERE township_id = %(township)s"), {"township": township_id}

    def _finding(self, row: tuple[Any, ...]) -> Finding:
        case_id, number, kind, status, amount, township_id, applicant, findings = row
        if isinstance(findings, str):
            findings = json.loads(findings)
        township = self.scope.places[township_id]
        return Finding(
            case_id=case_id,
            number=number,
            assistance_type=kind,
            status=status,
            monthly_amount=amount,
            township=township.name,
            county=self.scope.county_name(township),
            applicant=applicant or "",
            reasons=self.rule.reasons(findings),
        )


@contextmanager
def run(rule: Rule, scope: Scope) -> Iterator[Run]:
    """The report's findings in a temporary table for the length of one transaction."""
    if not scope.region_ids:
        yield Run(None, rule, scope)
        return
    head, params = _with(rule, scope)
    with _cursor() as cursor:
        cursor.execute(
            "DROP TABLE IF EXISTS pg_temp.report_hits; "
            "CREATE TEMPORARY TABLE report_hits ON COMMIT DROP AS "
            + head
            + " SELECT case_id, township_id, facts FROM hits",
            params,
        )
        yield Run(cursor, rule, scope)


def findings_page(
    rule: Rule, scope: Scope, township_id: int | None, page: int, size: int = PAGE_SIZE
) -> list[Finding]:
    """One page of the cases (for tests and the bench)."""
    with run(rule, scope) as report:
        return report.page(township_id, page, size)


def case_ids(rule: Rule, scope: Scope) -> set[int]:
    """The cases showing the pattern (for tests and the bench)."""
    if not scope.region_ids:
        return set()
    head, params = _with(rule, scope)
    with _cursor() as cursor:
        cursor.execute(head + "SELECT DISTINCT case_id FROM hits", params)
        return {row[0] for row in cursor.fetchall()}
