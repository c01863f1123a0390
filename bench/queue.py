"""The queue page's SQL with 10k and 1M open tasks across a province, on PostgreSQL.

    python bench/queue.py [--sizes 10000 1000000] [--runs 50] [--repeats 3]
                          [--database-url postgres://root@127.0.0.1:5432/doudi_queue_bench]

The province has 10 cities x 10 counties x 10 townships x 10 villages. Every size holds the
same HOT tasks per measured lane in one township (inside the measured county), so the
township clerk's and the county approver's office tabs are equally full (50 rows) at every
size; the other tasks are spread evenly over all villages and lanes (a tenth claimed by a
colleague, a few of the approver's cases recused). For each role the office tab is
requested once through Django's test client to capture the SQL it runs on the task and wait
tables; those statements are then run `--runs` times and the p95 of their summed time is
taken, `--repeats` times: min and median of the p95s are printed, with the page's own server
time, the plan of each statement (the indexes it scans on engine_task) and the ratio of the
largest size to the smallest. The database is dropped and recreated.
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
MEASURED = {"clerk": "township_clerk", "approver": "county_approver"}
# Tasks per measured lane kept in the measured township at every size: a full page and more.
HOT = 60
URL = "/?tab=office"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--database-url", default="postgres://root@127.0.0.1:5432/doudi_queue_bench"
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


def _defaults(model: Any, given: set[str], connection: Any) -> tuple[list[str], list[Any]]:
    """Columns the bench does not set, with the model's defaults: new NOT NULL columns with a
    Python default need no edit here."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in given or field.primary_key or field.has_db_default():
            continue
        columns.append(field.column)
        values.append(field.get_db_prep_save(field.get_default(), connection))
    return columns, values


def _insert_select(cursor: Any, model: Any, given: dict[str, str], rest: str, params: list) -> None:
    """INSERT INTO model's table the `given` column expressions FROM `rest`, defaults else."""
    from django.db import connection

    columns, defaults = _defaults(model, set(given), connection)
    names = [*given, *columns]
    expressions = [*given.values(), *["%s"] * len(defaults)]
    cursor.execute(
        f"INSERT INTO {model._meta.db_table} ({', '.join(names)}) "
        f"SELECT {', '.join(expressions)} {rest}",
        [*defaults, *params],
    )


def build_tasks(
    cursor: Any, count: int, instance_id: int, hot_village_ids: list[int], colleague: int
) -> None:
    """HOT tasks per measured lane in the hot villages, the rest spread over every village and
    lane (a tenth claimed by `colleague`); each task on its own case and household."""
    from assistance.models import Case, Household
    from engine.models import Task

    villages = _village_ids(cursor)
    hot = min(HOT * len(MEASURED), count)
    cursor.execute(
        """
        CREATE TEMP TABLE bench_rows AS
        SELECT g, CASE WHEN g < %(hot)s THEN (%(hot_villages)s::bigint[])[1 + g %% %(n_hot)s]
                       ELSE (%(all_villages)s::bigint[])[1 + g %% %(villages)s] END AS region_id,
               CASE WHEN g < %(hot)s THEN (%(measured)s::text[])[1 + g %% %(n_measured)s]
                    ELSE (%(lanes)s::text[])[1 + (g / %(villages)s) %% %(n_lanes)s] END AS lane_role
        FROM generate_series(0, %(count)s - 1) g
        """,
        {
            "hot": hot,
            "hot_villages": hot_village_ids,
            "n_hot": len(hot_village_ids),
            "all_villages": villages,
            "villages": len(villages),
            "measured": list(MEASURED.values()),
            "n_measured": len(MEASURED),
            "lanes": LANES,
            "n_lanes": len(LANES),
            "count": count,
        },
    )
    _insert_select(
        cursor,
        Household,
        {
            "region_id": "region_id",
            "address": "'bench ' || g",
            "hukou": "'rural'",
            "created_at": "now()",
        },
        "FROM bench_rows",
        [],
    )
    _insert_select(
        cursor,
        Case,
        {
            "number": "'Q' || h.id",
            "assistance_type": "'dibao'",
            "household_id": "h.id",
            "region_id": "h.region_id",
            "status": "'in_progress'",
            "created_at": "now()",
        },
        "FROM assistance_household h WHERE h.address LIKE 'bench %%'",
        [],
    )
    columns = {
        "instance_id": str(int(instance_id)),
        "case_id": "c.id",
        "region_id": "c.region_id",
        "spiff_id": "md5(c.id::text)::uuid",
        "spec_name": "r.lane_role",
        "title": "r.lane_role",
        "lane_role": "r.lane_role",
        "form": "'dibao_acceptance.json'",
        "created_at": "now()",
        "due_date": "current_date + (abs(hashtext('due' || c.id)) %% 40 - 10)::int",
        # A tenth of the spread tasks are claimed by a colleague: not on the office tab.
        "claimed_by_id": f"CASE WHEN r.g >= {hot} AND r.g %% 10 = 9 THEN {int(colleague)} END",
        "region_path": "v.path",
    }
    _insert_select(
        cursor,
        Task,
        columns,
        """FROM assistance_case c
           JOIN assistance_household h ON h.id = c.household_id
           JOIN bench_rows r ON 'bench ' || r.g = h.address
           JOIN assistance_region v ON v.id = c.region_id
           WHERE c.number LIKE 'Q%%'""",
        [],
    )
    cursor.execute("DROP TABLE bench_rows")


def _village_ids(cursor: Any) -> list[int]:
    cursor.execute(
        "SELECT array_agg(id ORDER BY id) FROM assistance_region WHERE level = 'village'"
    )
    return list(cursor.fetchone()[0])


def clear_tasks(cursor: Any) -> None:
    cursor.execute(
        """
        DELETE FROM assistance_caserecusal WHERE reason = 'bench';
        DELETE FROM engine_task WHERE case_id IN (SELECT id FROM assistance_case WHERE number LIKE 'Q%%');
        DELETE FROM assistance_case WHERE number LIKE 'Q%%';
        DELETE FROM assistance_household WHERE address LIKE 'bench %%';
        """
    )


def queue_statements(client: Any, url: str) -> tuple[list[str], float]:
    """The SQL the page runs on the task and wait tables, and the page's server time (ms)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        page_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.status_code
    statements = [
        query["sql"]
        for query in queries.captured_queries
        if '"engine_task"' in query["sql"] or '"engine_wait"' in query["sql"]
    ]
    return statements, page_ms


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.95 + 0.5) - 1)]


def time_statements(statements: list[str], runs: int) -> list[float]:
    from django.db import connection

    samples = []
    with connection.cursor() as cursor:
        for _ in range(runs):
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def plan_of(sql: str) -> dict[str, Any]:
    """What the plan does with engine_task: the indexes it scans, whether it reads it whole."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    indexes: list[str] = []
    seq_scan = False
    nodes = [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        nodes.extend(node.get("Plans", []))
        if node.get("Relation Name") == "engine_task" and node["Node Type"] == "Seq Scan":
            seq_scan = True
        name = node.get("Index Name", "")
        if name and node.get("Relation Name", "engine_task") == "engine_task":
            indexes.append(f"{node['Node Type']} using {name}")
    return {"task_indexes": sorted(set(indexes)), "task_seq_scan": seq_scan}


def in_scope(user: Any) -> int:
    from assistance import access

    return access.inbox(user).unclaimed().count()


def setup(root: Path = ROOT) -> dict[str, Any]:
    """Regions, a deployed diagram, an instance to hang tasks on, the two measured users."""
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from guardian.shortcuts import assign_perm

    from assistance.models import Case, Household, Region
    from engine import runtime
    from engine.files import bundle_sources
    from engine.models import ProcessInstance

    with connection.cursor() as cursor:
        build_regions(cursor)
    definition, _ = runtime.deploy(
        bundle_sources(root / "workflows", root / "workflows" / "dibao.bpmn"),
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
    county = Region.objects.filter(level="county").order_by("id")[3]
    township = Region.objects.filter(level="township", parent=county).order_by("id")[3]
    hot = list(Region.objects.filter(parent=township).order_by("id").values_list("pk", flat=True))
    users = {}
    for name, region in (("clerk", township), ("approver", county)):
        user = User.objects.create_user(name)
        user.groups.add(Group.objects.get_or_create(name=MEASURED[name])[0])
        assign_perm("assistance.act_in_region", user, region)
        users[name] = user
    colleague = User.objects.create_user("colleague")
    return {"instance": instance.pk, "hot": hot, "users": users, "colleague": colleague.pk}


def fill(world: dict[str, Any], size: int) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        clear_tasks(cursor)
        build_tasks(cursor, size, world["instance"], world["hot"], world["colleague"])
        # The approver is recused from three of the hot cases (R7).
        cursor.execute(
            """
            INSERT INTO assistance_caserecusal (case_id, user_id, reason)
            SELECT t.case_id, %s, 'bench' FROM engine_task t
            WHERE t.lane_role = 'county_approver' AND t.region_id = ANY(%s)
              AND t.claimed_by_id IS NULL
            ORDER BY t.id LIMIT 3
            """,
            [world["users"]["approver"].pk, world["hot"]],
        )
    with connection.cursor() as cursor:
        # Fresh statistics and visibility maps, as autovacuum keeps them on a live database.
        cursor.execute(
            "VACUUM ANALYZE engine_task, assistance_case, assistance_household,"
            " assistance_caserecusal, assistance_region"
        )
    return time.perf_counter() - started


def run_size(world: dict[str, Any], size: int, runs: int, repeats: int) -> dict[str, Any]:
    from django.test import Client

    result: dict[str, Any] = {"open_tasks": size, "fill_s": round(fill(world, size), 1)}
    for name, user in world["users"].items():
        client = Client()
        client.force_login(user)
        statements, page_ms = queue_statements(client, URL)
        response = client.get(URL)
        p95s = [p95(time_statements(statements, runs)) for _ in range(repeats)]
        result[name] = {
            "rows_on_page": response.content.decode().count("data-task="),
            "in_scope": in_scope(user),
            "statements": len(statements),
            "p95_ms_min": round(min(p95s), 3),
            "p95_ms_median": round(statistics.median(p95s), 3),
            "page_ms": round(page_ms, 1),
            "plans": [plan_of(sql) for sql in statements],
        }
    return result


def run(sizes: list[int], runs: int = 50, repeats: int = 3) -> dict[str, Any]:
    """Measure the queue at each size (ascending), in the current database (empty)."""
    world = setup()
    results = [run_size(world, size, runs, repeats) for size in sorted(sizes)]
    small, large = results[0], results[-1]
    return {
        "results": results,
        "ratio_p95_largest_to_smallest": {
            name: round(large[name]["p95_ms_median"] / small[name]["p95_ms_median"], 2)
            for name in MEASURED
        },
    }


def main() -> None:
    args = parse_args()
    fresh_django(args.database_url)
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    print(json.dumps(run(args.sizes, args.runs, args.repeats), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
