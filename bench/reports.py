"""The abuse reports (audit/reports/) on a province of N cases, on PostgreSQL.

    python bench/reports.py [--cases 1000000] [--fanout 10] [--repeat 3]
                            [--database-url postgres://root@127.0.0.1:5432/doudi_bench_reports]

The province has `fanout` cities x counties x townships x villages (10: 10,000 villages);
each case is its own household, spread evenly over the villages, built in SQL with
generate_series: dibao 70%, 特困 10%, disability 10%, elderly 10%; 80% active, 10% closed,
10% in progress; one to three members; three completed steps on the audit trail of each
active or closed case (investigation, second investigator, county confirmation by three
different staff). The clean data shows no pattern. Each rule's pattern is planted in one case
out of every thousand (two for the duplicates and amounts, three for relatives), chosen by
the case's index modulo 1000, so the number of cases each report must find is known.

For each report, for a province auditor (everything) and a county auditor: milliseconds for
the counts per township alone (the list of reports: one query), for the counts and the first
page of cases (the report's page: the findings worked out once into a temporary table, then
two queries on it) and for the whole page through Django's test client; the best of `repeat`
runs, and the cases found against those planted. The database is dropped and recreated.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench/queue.py shares its name with the standard library's queue: keep bench/ off the path.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.fresh_db import fresh_django  # noqa: E402

# The pattern planted in the case whose index modulo 1000 is the key (all on active dibao
# cases, but 84: a closed one, and 93: one in progress; see `plan`).
PLANTED: dict[str, tuple[int, ...]] = {
    "relatives": (1, 2, 93),
    "deceased": (4, 84),
    "duplicates": (5,),
    "tekun_on_dibao": (6,),
    "income_above_standard": (10,),
    "reviews_overdue": (20,),
    "same_staff": (30,),
    "amount_outliers": (40, 41),
}
# Round standards (as tests/fixtures.py): rural 600, urban 800 a month, no 增发.
POLICY_OVERRIDES = {
    "dibao_standard_urban": "800.00",
    "dibao_standard_rural": "600.00",
    "employment_cost_cap": "600.00",
    "dibao_supplement_elderly": "0.00",
    "dibao_supplement_minor": "0.00",
    "dibao_supplement_severe_disability": "0.00",
    "dibao_supplement_serious_illness": "0.00",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--fanout", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the reports on the database a previous run built (same --cases)",
    )
    parser.add_argument(
        "--database-url", default="postgres://root@127.0.0.1:5432/doudi_bench_reports"
    )
    return parser.parse_args()


def planted(cases: int) -> dict[str, int]:
    """How many cases each report must find among `cases` (indices 0 .. cases-1)."""

    def count(residue: int) -> int:
        return len(range(residue, cases, 1000))

    expected = {code: sum(count(r) for r in residues) for code, residues in PLANTED.items()}
    expected["duplicates"] *= 2  # the household's case and its twin
    return expected


def build_regions(cursor: Any, fanout: int) -> None:
    """Province > fanout cities > counties > townships > villages, in SQL."""
    cursor.execute(
        """
        INSERT INTO assistance_region (code, name, level, parent_id, path)
        VALUES ('43', '省', 'province', NULL, '');
        UPDATE assistance_region SET path = '/' || id || '/' WHERE code = '43';
        """
    )
    parent_level = "province"
    for level, name in (("city", "市"), ("county", "县"), ("township", "镇"), ("village", "村")):
        cursor.execute(
            """
            INSERT INTO assistance_region (code, name, level, parent_id, path)
            SELECT p.code || lpad(n::text, 2, '0'), %s || p.code || '-' || n, %s, p.id, ''
            FROM assistance_region p, generate_series(1, %s) n WHERE p.level = %s;
            UPDATE assistance_region r SET path = p.path || r.id || '/'
            FROM assistance_region p WHERE r.parent_id = p.id AND r.level = %s;
            """,
            [name, level, fanout, parent_level, level],
        )
        parent_level = level


# Per case index g: kind, status, members, ages, wages and amount (see the module docstring).
KIND = """(CASE WHEN {g} %% 10 <= 6 THEN 'dibao' WHEN {g} %% 10 = 7 THEN 'tekun'
               WHEN {g} %% 10 = 8 THEN 'disability' ELSE 'elderly' END)"""
STATUS = """(CASE WHEN ({g} / 10) %% 10 <= 7 THEN 'active' WHEN ({g} / 10) %% 10 = 8
                 THEN 'closed' ELSE 'in_progress' END)"""
MEMBERS = "(CASE WHEN {g} %% 10 IN (7, 9) THEN 1 ELSE 1 + {g} %% 3 END)"
STANDARD = "(CASE WHEN {g} %% 5 = 0 THEN 800 ELSE 600 END)"
WAGE = f"""(CASE WHEN {{g}} %% 1000 = 10 THEN {STANDARD} * {MEMBERS} + 100
                WHEN {{g}} %% 1000 = 6 OR {{g}} %% 10 IN (7, 9) THEN 0
                ELSE ({{g}} %% 5) * 50 END)"""


def expr(template: str, g: str = "g") -> str:
    return template.format(g=g)


def build_cases(cursor: Any, cases: int, today: date) -> None:
    g = "h.g"
    cursor.execute(
        """
        CREATE TEMP TABLE bench_village AS
        SELECT row_number() OVER (ORDER BY v.id) - 1 AS n, v.id, v.parent_id AS township_id
        FROM assistance_region v WHERE v.level = 'village';
        CREATE TEMP TABLE bench_staff AS
        SELECT t.id AS township_id, t.parent_id AS county_id FROM assistance_region t
        WHERE t.level = 'township';
        INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                               is_staff, is_active, date_joined)
        SELECT '!', false, role || '-' || s.township_id, '', '', '', false, true, now()
        FROM bench_staff s, (VALUES ('inv1'), ('inv2')) r(role)
        UNION ALL
        SELECT '!', false, 'appr-' || c.id, '', '', '', false, true, now()
        FROM assistance_region c WHERE c.level = 'county';
        ALTER TABLE bench_staff ADD inv1 int, ADD inv2 int, ADD appr int;
        UPDATE bench_staff s SET inv1 = (SELECT id FROM auth_user WHERE username = 'inv1-' || s.township_id),
                                 inv2 = (SELECT id FROM auth_user WHERE username = 'inv2-' || s.township_id),
                                 appr = (SELECT id FROM auth_user WHERE username = 'appr-' || s.county_id);
        """
    )
    cursor.execute(
        f"""
        INSERT INTO assistance_household (region_id, address, hukou, created_at)
        SELECT v.id, 'B' || g, CASE WHEN g %% 5 = 0 THEN 'urban' ELSE 'rural' END, now()
        FROM generate_series(0, %(cases)s - 1) g
        JOIN bench_village v ON v.n = g %% (SELECT count(*) FROM bench_village);
        CREATE TEMP TABLE bench_hh AS
        SELECT h.id, substr(h.address, 2)::int AS g, h.region_id, v.township_id
        FROM assistance_household h JOIN bench_village v ON v.id = h.region_id
        WHERE h.address LIKE 'B%%';
        INSERT INTO assistance_member (household_id, name, resident_id, birth_date, sex, relation,
                                       is_applicant, covered, disability_grade, seriously_ill)
        SELECT h.id, '成员' || h.g || '-' || j, 'B' || lpad((h.g * 3 + j)::text, 17, '0'),
               %(today)s::date - make_interval(years => CASE
                   WHEN j = 0 AND {g} %% 1000 = 6 THEN 75 WHEN j > 0 AND {g} %% 1000 = 6 THEN 72
                   WHEN j > 0 THEN 10 WHEN {g} %% 10 = 7 THEN 70 WHEN {g} %% 10 = 9 THEN 85
                   ELSE 45 END) - ({g} %% 200) * interval '1 day',
               'M', CASE WHEN j = 0 THEN 'self' ELSE 'child' END, j = 0, true,
               CASE WHEN j = 0 AND {g} %% 10 = 8 THEN 2 END, false
        FROM bench_hh h CROSS JOIN LATERAL generate_series(0, {expr(MEMBERS, g)} - 1) j;
        INSERT INTO assistance_incomeitem (member_id, kind, monthly_amount, note)
        SELECT m.id, 'wage', {expr(WAGE, g)}, ''
        FROM bench_hh h JOIN assistance_member m ON m.household_id = h.id AND m.is_applicant
        WHERE {expr(WAGE, g)} > 0;
        """,
        {"cases": cases, "today": today},
    )
    per_capita = f"round({expr(WAGE, g)}::numeric / {expr(MEMBERS, g)}, 2)"
    dibao = f"round(({expr(STANDARD, g)} - {per_capita}) * {expr(MEMBERS, g)}, 2)"
    amount = f"""(CASE WHEN {expr(STATUS, g)} = 'in_progress' THEN NULL
        WHEN {g} %% 1000 = 10 THEN 100 WHEN {g} %% 1000 = 41 THEN 1
        WHEN {g} %% 1000 = 40 THEN {expr(STANDARD, g)} * {expr(MEMBERS, g)} * 2 + 1
        WHEN {g} %% 10 <= 6 THEN {dibao}
        WHEN {g} %% 10 = 7 THEN ceil({expr(STANDARD, g)} * 1.3 * 100) / 100
        WHEN {g} %% 10 = 8 THEN 65 ELSE 30 END)"""
    decided = f"""(CASE WHEN {expr(STATUS, g)} = 'in_progress' THEN NULL
        WHEN {expr(STATUS, g)} = 'closed' THEN %(today)s::date - 400 - {g} %% 300
        WHEN {g} %% 1000 = 20 THEN %(today)s::date - 500
        ELSE %(today)s::date - {g} %% 300 END)"""
    start = f"(date_trunc('month', {decided}) + interval '1 month')::date"
    cursor.execute(
        f"""
        INSERT INTO assistance_case (number, assistance_type, household_id, region_id, status,
            stage, monthly_amount, start_month, decided_on, outcome_reasons, relative_flag,
            details, review_class, ended_on, end_reason, procedure_extension_reason,
            payee_name, bank_name, bank_card, created_at)
        SELECT prefix || h.g, {expr(KIND, g)}, h.id, h.region_id, {expr(STATUS, g)}, '',
               {amount}, {start}, {decided}, '', false, '{{}}'::jsonb,
               CASE WHEN {expr(STATUS, g)} <> 'in_progress' AND {g} %% 10 <= 7 THEN 'A' ELSE '' END,
               CASE WHEN {expr(STATUS, g)} = 'closed'
                    THEN ({start} + interval '6 months')::date END,
               CASE WHEN {expr(STATUS, g)} = 'closed' THEN 'moved_away' ELSE '' END,
               '', '', '', '', now()
        FROM bench_hh h, (VALUES ('BC')) p(prefix)
        UNION ALL
        SELECT 'BD' || h.g, 'dibao', h.id, h.region_id, 'active', '', {amount}, {start},
               {decided}, '', false, '{{}}'::jsonb, 'A', NULL, '', '', '', '', '', now()
        FROM bench_hh h WHERE {g} %% 1000 = 5;
        CREATE TEMP TABLE bench_case AS
        SELECT c.id, h.g, c.region_id, c.status, c.ended_on, h.township_id, h.id AS household_id
        FROM assistance_case c JOIN bench_hh h ON h.id = c.household_id
        WHERE c.number LIKE 'BC%%';
        """,
        {"today": today},
    )


def build_patterns(cursor: Any, today: date) -> None:
    cursor.execute(
        """
        -- Relatives: a township investigator's declared parent (active; in progress and
        -- acted on), and a staff member's own household.
        INSERT INTO assistance_nearrelative (staff_id, name, resident_id, relation, declared_at)
        SELECT s.inv1, m.name, m.resident_id, 'parent', now()
        FROM bench_case c JOIN bench_staff s ON s.township_id = c.township_id
        JOIN assistance_member m ON m.household_id = c.household_id AND m.is_applicant
        WHERE c.g %% 1000 IN (1, 93);
        INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                               is_staff, is_active, date_joined)
        SELECT '!', false, 'own-' || c.g, '', '', '', false, true, now()
        FROM bench_case c WHERE c.g %% 1000 = 2;
        INSERT INTO assistance_staffprofile (user_id, full_name, office_id, resident_id)
        SELECT u.id, '职工' || c.g, NULL, m.resident_id
        FROM bench_case c JOIN auth_user u ON u.username = 'own-' || c.g
        JOIN assistance_member m ON m.household_id = c.household_id AND m.is_applicant
        WHERE c.g %% 1000 = 2;
        -- The deceased: an active case's applicant died 100 days ago; a closed case's 70 days
        -- before it ended.
        INSERT INTO assistance_deathrecord (resident_id, died_on, source, imported_at)
        SELECT m.resident_id,
               CASE WHEN c.status = 'closed' THEN c.ended_on - 70 ELSE %(today)s::date - 100 END,
               'bench', now()
        FROM bench_case c
        JOIN assistance_member m ON m.household_id = c.household_id AND m.is_applicant
        WHERE c.g %% 1000 IN (4, 84);
        -- The audit trail: investigation, second investigator, county confirmation (by the
        -- investigator himself on every thousandth case); in progress, the investigation only.
        -- Planted rows, not hash chains: PostgreSQL would only take events appended onto a
        -- chain head (engine migration 0010), so its triggers are off for this one statement
        -- (a superuser's right; the benchmark's own database).
        SET session_replication_role = replica;
        INSERT INTO engine_auditevent (stream, seq, at, actor_id, actor_name, role, region_id,
            case_id, instance_id, action, payload, prev_hash, hash, event_id)
        SELECT 'case:' || c.id, x.seq, now(), x.actor, '', x.role, c.region_id, c.id, NULL,
               'task.completed', jsonb_build_object('task', x.task), repeat('0', 64),
               md5(c.id || '-' || x.seq) || md5(x.seq || '-' || c.id),
               md5('event-' || c.id || '-' || x.seq)::uuid
        FROM bench_case c JOIN bench_staff s ON s.township_id = c.township_id
        CROSS JOIN LATERAL (VALUES
            (1, 'investigate', s.inv1, 'township_investigator'),
            (2, 'cosign', s.inv2, 'township_investigator'),
            (3, 'county_confirm', CASE WHEN c.g %% 1000 = 30 THEN s.inv1 ELSE s.appr END,
             'county_approver')
        ) x(seq, task, actor, role)
        WHERE c.status <> 'in_progress' OR (c.g %% 1000 = 93 AND x.seq = 1);
        SET session_replication_role = DEFAULT;
        """,
        {"today": today},
    )


def build(cursor: Any, cases: int, fanout: int, today: date) -> None:
    """The whole synthetic province (the caller adds the policy and the auditors)."""
    build_regions(cursor, fanout)
    build_cases(cursor, cases, today)
    build_patterns(cursor, today)
    cursor.execute("DROP TABLE bench_village, bench_staff, bench_hh, bench_case; ANALYZE;")


def add_policy_and_auditors(today: date) -> dict[str, Any]:
    """The province's policy (and a no-op record on every other county, so the merge has
    work), a province auditor and the auditor of the first county."""
    from django.contrib.auth.models import Group, User
    from guardian.shortcuts import assign_perm

    from assistance.demo import default_policy
    from assistance.models import Region, RegionPolicy

    province = Region.objects.get(level="province")
    RegionPolicy.objects.create(
        region=province,
        effective_from=date(2020, 1, 1),
        values={**default_policy(), **POLICY_OVERRIDES},
    )
    counties = list(Region.objects.filter(level="county").order_by("id"))
    RegionPolicy.objects.bulk_create(
        RegionPolicy(region=county, effective_from=date(2021, 1, 1), values={"notice_days": 7})
        for county in counties[1::2]
    )
    group, _ = Group.objects.get_or_create(name="auditor")
    auditors = {}
    for name, region in (("province_auditor", province), ("county_auditor", counties[0])):
        user = User.objects.create_user(name)
        user.groups.add(group)
        assign_perm("assistance.act_in_region", user, region)
        auditors[name] = user
    return auditors


def best_of(repeat: int, function: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        best = min(best, (time.perf_counter() - started) * 1000)
    return round(best, 1), result


def detail(rule: Any, scope: Any) -> list[Any]:
    """What the report's page asks: its counts per township and its first page of cases."""
    from audit.reports import queries

    with queries.run(rule, scope) as report:
        report.counts()
        return report.page(None, 1)


def time_reports(auditors: dict[str, Any], repeat: int, client: bool = True) -> dict[str, Any]:
    """Per auditor and report: counts, first page and whole page, in milliseconds."""
    from django.test import Client

    from audit.reports import all_rules, queries
    from engine.clock import clock

    results: dict[str, Any] = {}
    for name, user in auditors.items():
        scope = queries.scope_for(user, clock.today())
        browser = Client()
        browser.force_login(user)
        per_rule: dict[str, Any] = {}
        for rule in all_rules():
            counts_ms, counts = best_of(
                repeat, lambda rule=rule, scope=scope: queries.township_counts(rule, scope)
            )
            page_ms, page = best_of(repeat, lambda rule=rule, scope=scope: detail(rule, scope))
            entry = {
                "found": sum(count.cases for count in counts),
                "townships": len(counts),
                "counts_ms": counts_ms,
                "counts_and_first_page_ms": page_ms,
                "rows_on_page": len(page),
            }
            if client:
                url = f"/audit/reports/{rule.code}/"
                view_ms, response = best_of(
                    repeat, lambda url=url, browser=browser: browser.get(url)
                )
                assert response.status_code == 200, url
                entry["view_ms"] = view_ms
            per_rule[rule.code] = entry
        results[name] = per_rule
        if client:
            list_ms, response = best_of(
                repeat, lambda browser=browser: browser.get("/audit/reports/")
            )
            assert response.status_code == 200
            results[f"{name}_list_page_ms"] = list_ms
    return results


def run(cases: int, fanout: int, repeat: int, reuse: bool = False) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.db import connection

    from engine.clock import clock

    today = clock.today()
    started = time.perf_counter()
    if reuse:
        names = ("province_auditor", "county_auditor")
        auditors = {name: User.objects.get(username=name) for name in names}
    else:
        with connection.cursor() as cursor:
            build(cursor, cases, fanout, today)
        auditors = add_policy_and_auditors(today)
    generated = round(time.perf_counter() - started, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM assistance_case), (SELECT count(*) FROM "
            "assistance_member), (SELECT count(*) FROM engine_auditevent), "
            "pg_size_pretty(pg_database_size(current_database()))"
        )
        total_cases, members, events, size = cursor.fetchone()
    timings = time_reports(auditors, repeat)
    return {
        "cases": total_cases,
        "members": members,
        "audit_events": events,
        "database_size": size,
        "generated_s": generated,
        "planted": planted(cases),
        "timings": timings,
    }


def main() -> None:
    args = parse_args()
    if args.reuse:
        os.environ["DATABASE_URL"] = args.database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        import django

        django.setup()
    else:
        fresh_django(args.database_url)
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    report = run(args.cases, args.fanout, args.repeat, args.reuse)
    found = {code: entry["found"] for code, entry in report["timings"]["province_auditor"].items()}
    report["all_planted_found"] = found == report["planted"]
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
