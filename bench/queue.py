"""Queue page server time with 10k and 1M open tasks across a province, on PostgreSQL.

    python bench/queue.py [--sizes 10000 1000000] [--requests 40]
                          [--database-url postgres://root@127.0.0.1:5432/doudi_bench_queue]

The province has 10 cities x 10 counties x 10 townships x 10 villages; tasks are spread
evenly over villages and lanes. The page is the office tab of a township clerk and of a
county approver, rendered in-process by Django's test client (server time, no network).
Prints median and p95 for each size and their ratio. The database is dropped and recreated.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# This file is named like the standard library's `queue`: keep bench/ off the import path.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.fresh_db import fresh_django  # noqa: E402

LANES = [
    "township_clerk",
    "township_investigator",
    "township_reviewer",
    "county_approver",
    "county_checker",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument(
        "--database-url", default="postgres://root@127.0.0.1:5432/doudi_bench_queue"
    )
    return parser.parse_args()


def build_regions(cursor: Any) -> None:
    """Province > 10 cities > 100 counties > 1,000 townships > 10,000 villages, in SQL."""
    cursor.execute(
        """
        INSERT INTO assistance_region (code, name, level, parent_id, path)
        VALUES ('43', 'province', 'province', NULL, '');
        UPDATE assistance_region SET path = '/' || id || '/' WHERE code = '43';
        """
    )
    levels = [("city", 10), ("county", 10), ("township", 10), ("village", 10)]
    parent_level = "province"
    for level, fanout in levels:
        cursor.execute(
            """
            INSERT INTO assistance_region (code, name, level, parent_id, path)
            SELECT p.code || lpad(n::text, 2, '0'), %s || ' ' || p.code || '-' || n, %s, p.id, ''
            FROM assistance_region p, generate_series(1, %s) n WHERE p.level = %s;
            UPDATE assistance_region r SET path = p.path || r.id || '/'
            FROM assistance_region p WHERE r.parent_id = p.id AND r.level = %s;
            """,
            [level, level, fanout, parent_level, level],
        )
        parent_level = level


def build_tasks(cursor: Any, count: int, instance_id: int) -> None:
    """`count` open tasks, each on its own case and household, spread over villages and lanes."""
    cursor.execute(
        "SELECT array_agg(id ORDER BY id) FROM assistance_region WHERE level = 'village'"
    )
    villages = cursor.fetchone()[0]
    cursor.execute(
        "CREATE TEMP TABLE village_ids AS SELECT ord - 1 AS n, id FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(id, ord)",
        [villages],
    )
    cursor.execute(
        """
        INSERT INTO assistance_household (region_id, address, hukou, created_at)
        SELECT v.id, 'bench ' || g, 'rural', now()
        FROM generate_series(0, %s - 1) g JOIN village_ids v ON v.n = g %% %s;
        """,
        [count, len(villages)],
    )
    cursor.execute(
        """
        INSERT INTO assistance_case (number, assistance_type, household_id, region_id, status, stage,
                                     outcome_reasons, relative_flag, created_at)
        SELECT 'Q' || h.id, 'dibao', h.id, h.region_id, 'in_progress', '', '', false, now()
        FROM assistance_household h WHERE h.address LIKE 'bench %%';
        """
    )
    cursor.execute(
        """
        INSERT INTO engine_task (instance_id, case_id, region_id, spiff_id, spec_name, title, lane_role,
                                 form, evidence_required, created_at, due_date)
        SELECT %s, c.id, c.region_id, md5(c.id::text)::uuid,
               (ARRAY['acceptance','investigate','opinion','county_confirm','check'])[1 + abs(hashtext(c.id::text)) %% 5],
               (ARRAY['受理审查','入户调查','乡镇审核意见','县级审核确认','核对'])[1 + abs(hashtext(c.id::text)) %% 5],
               (%s::text[])[1 + abs(hashtext(c.id::text)) %% 5], 'dibao_acceptance.json', '', now(),
               current_date + (abs(hashtext('due' || c.id)) %% 40 - 10)::int
        FROM assistance_case c WHERE c.number LIKE 'Q%%';
        """,
        [instance_id, LANES],
    )
    cursor.execute("DROP TABLE village_ids; ANALYZE;")


def measure(client: Any, url: str, requests: int) -> tuple[float, float, int]:
    client.get(url)  # warm caches and connections
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    rows = response.content.decode().count("data-task=")
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], rows


def run_size(size: int, requests: int) -> dict[str, Any]:
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from guardian.shortcuts import assign_perm

    from assistance.models import Case, Household, Region
    from engine import runtime
    from engine.files import bundle_sources
    from engine.models import ProcessInstance

    with connection.cursor() as cursor:
        # The audit tables refuse TRUNCATE unless the session says so (engine migration 0007);
        # this is the benchmark's own throwaway database.
        cursor.execute("SET doudi.allow_audit_truncate = 'on'")
    call_command("flush", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        build_regions(cursor)
    definition, _ = runtime.deploy(
        bundle_sources(ROOT / "workflows", ROOT / "workflows" / "dibao.bpmn"),
        "dibao.bpmn",
        actor=None,
    )
    village = Region.objects.filter(level="village").order_by("id").first()
    household = Household.objects.create(region=village, address="template", hukou="rural")
    case = Case.objects.create(
        number="TEMPLATE", assistance_type="dibao", household=household, region=village
    )
    instance = ProcessInstance.objects.create(
        definition=definition,
        case=case,
        region=village,
        state={},
        created_at=case.created_at,
        updated_at=case.created_at,
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        build_tasks(cursor, size, instance.pk)
    generated = time.perf_counter() - started

    township = Region.objects.filter(level="township").order_by("id")[3]
    county = Region.objects.filter(level="county").order_by("id")[3]
    users = {}
    for name, role, region in (
        ("clerk", "township_clerk", township),
        ("approver", "county_approver", county),
    ):
        user = User.objects.create_user(name)
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        assign_perm("assistance.act_in_region", user, region)
        users[name] = user
    result: dict[str, Any] = {"open_tasks": size, "generated_s": round(generated, 1)}
    for name, user in users.items():
        client = Client()
        client.force_login(user)
        median, p95, rows = measure(client, "/?tab=office", requests)
        result[name] = {
            "median_ms": round(median, 2),
            "p95_ms": round(p95, 2),
            "rows_on_page": rows,
        }
        filtered = "/?tab=office&due_within=5"
        median, p95, rows = measure(client, filtered, requests)
        result[f"{name}_due_within_5"] = {
            "median_ms": round(median, 2),
            "p95_ms": round(p95, 2),
            "rows_on_page": rows,
        }
    return result


def main() -> None:
    args = parse_args()
    fresh_django(args.database_url)
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    results = [run_size(size, args.requests) for size in args.sizes]
    small, large = results[0], results[-1]
    report = {
        "results": results,
        "ratio_median_largest_to_smallest": {
            name: round(large[name]["median_ms"] / small[name]["median_ms"], 2)
            for name in ("clerk", "approver")
        },
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
