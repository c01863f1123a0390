"""Stored state of a dibao instance at each stage of its lifecycle, on PostgreSQL.

    python bench/state_size.py [--cases 20] [--database-url postgres://root@127.0.0.1:5432/doudi_bench_state]

Runs dibao cases through the real runtime (start, acceptance, the check result, the home
investigation and its cosignature, the township's opinion, the public notice's time limit,
the county's confirmation) and prints, for each stage, the mean bytes per instance of
`pg_column_size(state)` (what PostgreSQL stores, compressed and TOASTed) and of
`octet_length(state::text)` (the JSON as text). The database named is dropped and recreated.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench/queue.py shares its name with the standard library's queue: keep bench/ off the path.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.fresh_db import fresh_django  # noqa: E402

STAGES = (
    "started",
    "accepted",
    "checked",
    "investigated",
    "cosigned",
    "opinion",
    "notice_passed",
    "confirmed",
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument(
        "--database-url", default="postgres://root@127.0.0.1:5432/doudi_bench_state"
    )
    return parser.parse_args()


def run(cases: int) -> dict[str, dict[str, int]]:
    """Stage -> {"stored": mean pg_column_size, "text": mean octet_length of the JSON text,
    "max_stored": the largest stored}, over `cases` dibao cases. Needs an empty database (a
    test's own, or a fresh one); it adds its own regions, policy, staff and definitions."""
    from django.contrib.auth.models import User

    from assistance.actions import process_data
    from assistance.demo import default_policy
    from assistance.models import Case, Household, Region, RegionPolicy
    from engine import registry, runtime
    from engine.clock import clock
    from engine.files import bundle_sources
    from engine.models import ProcessInstance, Task

    province = Region.objects.create(code="990000", name="省", level="province")
    county = Region.objects.create(code="991102", name="县", level="county", parent=province)
    township = Region.objects.create(code="991102001", name="镇", level="township", parent=county)
    village = Region.objects.create(
        code="991102001001", name="村", level="village", parent=township
    )
    RegionPolicy.objects.create(
        region=county, effective_from=date(2020, 1, 1), values=default_policy()
    )
    staff = {
        name: User.objects.create(username=f"state-bench-{name}")
        for name in ("clerk", "inv1", "inv2", "rev", "appr")
    }
    runtime.deploy(
        bundle_sources(ROOT / "workflows", ROOT / "workflows" / "dibao.bpmn"),
        "dibao.bpmn",
        actor=None,
    )

    sizes: dict[str, list[tuple[int, int]]] = {stage: [] for stage in STAGES}
    # Scans are uploads, not engine work: every case has every kind on file (the domain's
    # lookup is put back afterwards, for the smoke test's neighbours).
    domain_lookup = list(registry._evidence_on_file)
    registry.register_evidence_lookup(lambda case_id: set(registry.evidence_kinds()))
    try:
        for index in range(cases):
            clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
            household = Household.objects.create(region=village, address="村", hukou="rural")
            case = Case.objects.create(
                number=f"S{index}", assistance_type="dibao", household=household, region=village
            )
            instance = runtime.start(
                "dibao",
                case_id=case.pk,
                region_id=village.pk,
                actor=None,
                # The case has no members on file: say what its household would make true.
                data=process_data(case) | {"household": _household(), "notice_required": True},
            )

            def measure(stage: str, pk: int = instance.pk) -> None:
                sizes[stage].append(_state_bytes(ProcessInstance, pk))

            def do(spec: str, user: str, instance: Any = instance, **form: Any) -> None:
                pk = Task.objects.get(instance=instance, spec_name=spec).pk
                runtime.complete(pk, actor=staff[user], data=form)

            measure("started")
            do("acceptance", "clerk", acceptance_decision="complete")
            measure("accepted")
            runtime.send_message(case.pk, "check_result", {"result": "eligible"}, actor=None)
            measure("checked")
            do(
                "investigate",
                "inv1",
                visited_on="2026-03-02",
                findings="入户核实属实",
                matches_declaration=True,
            )
            measure("investigated")
            do("cosign", "inv2", cosign_agrees=True)
            measure("cosigned")
            do("opinion", "rev", opinion="approve")
            measure("opinion")
            clock.advance(timedelta(days=8))
            if not runtime.fire_instance_timers(instance.pk):
                raise AssertionError(f"case {case.number}: the public notice did not end")
            measure("notice_passed")
            do("county_confirm", "appr", decision="approve")
            measure("confirmed")
            if Case.objects.get(pk=case.pk).status != "active":
                raise AssertionError(f"case {case.number} did not end active")
    finally:
        clock.reset()
        registry._evidence_on_file[:] = domain_lookup
    return {
        stage: {
            "stored": int(statistics.mean(stored for stored, _text in rows)),
            "text": int(statistics.mean(text for _stored, text in rows)),
            "max_stored": max(stored for stored, _text in rows),
        }
        for stage, rows in sizes.items()
    }


def _state_bytes(model: Any, pk: int) -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pg_column_size(state), octet_length(state::text) "
            f"FROM {model._meta.db_table} WHERE id = %s",
            [pk],
        )
        stored, text = cursor.fetchone()
        return int(stored), int(text)


def _household() -> dict[str, Any]:
    return {
        "hukou": "rural",
        "members": [
            {"key": "1", "covered": True, "minor": False},
            {"key": "2", "covered": True, "minor": False},
        ],
        "incomes": [{"member": "1", "kind": "wage", "monthly": "500.00"}],
        "deductions": [],
        "single_person": None,
    }


def main() -> None:
    args = parse_args()
    fresh_django(args.database_url)
    print(json.dumps({"cases": args.cases, "bytes_per_instance": run(args.cases)}, indent=2))


if __name__ == "__main__":
    main()
