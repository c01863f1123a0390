"""Building one county's monthly payment roster for N active cases, on PostgreSQL.

    python bench/roster.py [--cases 1000000] [--townships 20] [--villages 25] [--export]
                           [--database-url postgres://root@127.0.0.1:5432/doudi_bench_roster]

One county of `townships` x `villages`; each case is its own household of one member,
spread evenly over the villages, built in SQL with generate_series: dibao 70%, 特困 10%,
disability 10%, elderly 10%, all active from January 2026 with a bank account; one case in
every thousand has no account (index % 1000 = 1), one is dead since February (= 2: its
DeathRecord), one closed by an exit that stops it in the roster month (= 3, ended). The
roster for March 2026 is built through do_build_roster and its Celery task (run in-process);
reported: seconds, lines and exclusions against the planted ones, the process's peak
resident memory (getrusage) before and after, and the rebuild's seconds (the same month
again: every line replaced, none paid twice). With --export, the bank file's seconds and size.
The database is dropped and recreated.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench/queue.py shares its name with the standard library's queue: keep bench/ off the path.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.fresh_db import fresh_django  # noqa: E402

MONTH = date(2026, 3, 1)
KIND = """(CASE WHEN g %% 10 <= 6 THEN 'dibao' WHEN g %% 10 = 7 THEN 'tekun'
               WHEN g %% 10 = 8 THEN 'disability' ELSE 'elderly' END)"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--townships", type=int, default=20)
    parser.add_argument("--villages", type=int, default=25)
    parser.add_argument("--export", action="store_true")
    parser.add_argument(
        "--database-url", default="postgres://root@127.0.0.1:5432/doudi_bench_roster"
    )
    return parser.parse_args()


def planted(cases: int) -> dict[str, int]:
    def count(residue: int) -> int:
        return cases // 1000 + (1 if cases % 1000 > residue else 0)

    return {"no_account": count(1), "dead": count(2), "ended": count(3)}


def build_world(cursor: Any, cases: int, townships: int, villages: int) -> int:
    """The county, its regions and cases in SQL; returns the county's id."""
    cursor.execute(
        """
        INSERT INTO assistance_region (code, name, level, parent_id, path)
        VALUES ('439900', '基准县', 'county', NULL, '');
        UPDATE assistance_region SET path = '/' || id || '/' WHERE code = '439900';
        INSERT INTO assistance_region (code, name, level, parent_id, path)
        SELECT '439900' || lpad(t::text, 3, '0'), '镇' || t, 'township', c.id, ''
        FROM assistance_region c, generate_series(1, %(townships)s) t WHERE c.code = '439900';
        UPDATE assistance_region r SET path = p.path || r.id || '/'
        FROM assistance_region p WHERE r.parent_id = p.id AND r.level = 'township';
        INSERT INTO assistance_region (code, name, level, parent_id, path)
        SELECT t.code || lpad(v::text, 3, '0'), t.name || '村' || v, 'village', t.id, ''
        FROM assistance_region t, generate_series(1, %(villages)s) v WHERE t.level = 'township';
        UPDATE assistance_region r SET path = p.path || r.id || '/'
        FROM assistance_region p WHERE r.parent_id = p.id AND r.level = 'village';
        CREATE TEMP TABLE bench_village AS
        SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM assistance_region
        WHERE level = 'village';
        """,
        {"townships": townships, "villages": villages},
    )
    cursor.execute(
        f"""
        INSERT INTO assistance_household (region_id, address, hukou, created_at)
        SELECT v.id, 'B' || g, 'rural', now()
        FROM generate_series(0, %(cases)s - 1) g
        JOIN bench_village v ON v.n = g %% (SELECT count(*) FROM bench_village);
        INSERT INTO assistance_member (household_id, name, resident_id, birth_date, sex, relation,
                                       is_applicant, covered, seriously_ill)
        SELECT h.id, '对象' || substr(h.address, 2), 'B' || lpad(substr(h.address, 2), 17, '0'),
               DATE '1960-01-01', 'M', 'self', true, true, false
        FROM assistance_household h;
        INSERT INTO assistance_case (number, assistance_type, household_id, region_id, status,
            stage, monthly_amount, start_month, outcome_reasons, relative_flag, details,
            review_class, procedure_extension_reason, payee_name, bank_name, bank_card,
            created_at, ended_on, end_reason)
        SELECT 'BR' || lpad(g::text, 10, '0'), {KIND}, h.id, h.region_id,
               CASE WHEN g %% 1000 = 3 THEN 'closed' ELSE 'active' END, '',
               300 + (g %% 7) * 50, DATE '2026-01-01', '', false, '{{}}'::jsonb, '', '',
               CASE WHEN g %% 1000 = 1 THEN '' ELSE '对象' || g END,
               CASE WHEN g %% 1000 = 1 THEN '' ELSE '农商银行' END,
               CASE WHEN g %% 1000 = 1 THEN '' ELSE '6217' || lpad(g::text, 15, '0') END,
               now(), CASE WHEN g %% 1000 = 3 THEN %(month)s::date END,
               CASE WHEN g %% 1000 = 3 THEN 'moved_away' ELSE '' END
        FROM (SELECT id, region_id, substr(address, 2)::int AS g FROM assistance_household) h;
        UPDATE assistance_case c SET single_person_id = m.id FROM assistance_member m
        WHERE m.household_id = c.household_id AND c.assistance_type <> 'dibao';
        INSERT INTO assistance_deathrecord (resident_id, died_on, source, imported_at)
        SELECT 'B' || lpad(g::text, 17, '0'), DATE '2026-02-10', '基准', now()
        FROM generate_series(0, %(cases)s - 1) g WHERE g %% 1000 = 2;
        ANALYZE;
        """,
        {"cases": cases, "month": MONTH},
    )
    cursor.execute("SELECT id FROM assistance_region WHERE code = '439900'")
    return int(cursor.fetchone()[0])


def finance_user(county_id: int) -> Any:
    from django.contrib.auth.models import Group, User
    from guardian.shortcuts import assign_perm

    from assistance.models import Region

    user = User.objects.create_user("bench-finance", password=None)
    group, _created = Group.objects.get_or_create(name="county_finance")
    user.groups.add(group)
    assign_perm("assistance.act_in_region", user, Region.objects.get(pk=county_id))
    return User.objects.get(pk=user.pk)


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def time_build(county_id: int, actor: Any) -> tuple[float, Any]:
    from django.db import transaction

    from payments.actions import do_build_roster

    started = time.perf_counter()
    with transaction.atomic():
        roster = do_build_roster(county_id, MONTH, actor=actor)
    # The on-commit hook ran the task in-process (eager Celery): the roster is built.
    roster.refresh_from_db()
    return round(time.perf_counter() - started, 2), roster


def run(cases: int, townships: int, villages: int, export: bool = False) -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Count

    from engine.clock import clock
    from payments.models import RosterExclusion, RosterLine

    clock.set(clock.now().replace(year=2026, month=3, day=2))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        county_id = build_world(cursor, cases, townships, villages)
    generated = round(time.perf_counter() - started, 1)
    actor = finance_user(county_id)
    rss_before = peak_rss_mb()
    seconds, roster = time_build(county_id, actor)
    rss_after = peak_rss_mb()
    excluded = dict(
        RosterExclusion.objects.filter(roster=roster)
        .order_by()
        .values_list("reason")
        .annotate(n=Count("pk"))
    )
    rebuild_seconds, rebuilt = time_build(county_id, actor)
    report: dict[str, Any] = {
        "cases": cases,
        "generated_s": generated,
        "status": roster.status,
        "build_s": seconds,
        "rebuild_s": rebuild_seconds,
        "lines": roster.line_count,
        "lines_after_rebuild": RosterLine.objects.filter(roster=rebuilt).count(),
        "total_amount": str(roster.total_amount),
        "excluded": excluded,
        "planted": planted(cases),
        "peak_rss_mb_before": rss_before,
        "peak_rss_mb_after": rss_after,
        "progress": [roster.progress_done, roster.progress_total],
    }
    if export:
        from payments.actions import do_approve_roster, do_export_roster
        from payments.models import Roster

        second = finance_user_2(county_id)
        do_approve_roster(roster.pk, actor=actor)
        do_approve_roster(roster.pk, actor=second)
        started = time.perf_counter()
        result = do_export_roster(roster.pk, "bank", actor=actor)
        report["export_s"] = round(time.perf_counter() - started, 2)
        report["export_bytes"] = result.size
        report["peak_rss_mb_after_export"] = peak_rss_mb()
        assert Roster.objects.get(pk=roster.pk).status == "exported"
    clock.reset()
    return report


def finance_user_2(county_id: int) -> Any:
    from django.contrib.auth.models import Group, User
    from guardian.shortcuts import assign_perm

    from assistance.models import Region

    user = User.objects.create_user("bench-finance-2", password=None)
    user.groups.add(Group.objects.get(name="county_finance"))
    assign_perm("assistance.act_in_region", user, Region.objects.get(pk=county_id))
    return User.objects.get(pk=user.pk)


def main() -> None:
    args = parse_args()
    fresh_django(args.database_url)
    from django.conf import settings

    # As in production: the embedded default's DEBUG would keep every query's SQL in memory.
    settings.DEBUG = False
    report = run(args.cases, args.townships, args.villages, args.export)
    report["all_planted_excluded"] = report["excluded"] == report["planted"]
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
