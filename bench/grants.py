"""Approval of a relocation list of many households: the time and queries of the request
(do_approve_batch) and of the granting job (run_grant_batch), on PostgreSQL.

    python bench/grants.py [--rows 2000] [--database-url postgres://root@127.0.0.1:5432/doudi_bench_grants]

The database named is dropped and recreated. BENCH_PROFILE=/tmp/job.prof profiles the job. Works on a tree where approval still grants in
the request (before the job existed): the job's figures are then absent.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/queue.py shares its name with the standard library's queue: keep bench/ off the path.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.fresh_db import fresh_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument(
        "--database-url", default="postgres://root@127.0.0.1:5432/doudi_bench_grants"
    )
    args = parser.parse_args()
    fresh_django(args.database_url)

    from unittest import mock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assistance.models import Household, Member, RegionLevel, RegionPolicy
    from payments import actions_grants
    from payments.models import OneOffGrant
    from tests.fixtures import county_policy, make_region, make_user
    from tests.payments.grants_world import born, card, rid, xlsx

    province = make_region("430000", "湖南省", RegionLevel.PROVINCE, None)
    county = make_region("431100", "示范县", RegionLevel.COUNTY, province)
    township = make_region("431101001", "东镇", RegionLevel.TOWNSHIP, county)
    village = make_region("431101001001", "东村", RegionLevel.VILLAGE, township)
    RegionPolicy.objects.create(
        region=county, effective_from=date(2020, 1, 1), values=county_policy()
    )
    finance = make_user("finance", "county_finance", county)
    approver = make_user("approver", "county_approver", county)
    homes = Household.objects.bulk_create(
        [Household(region=village, address=f"东村{i}号", hukou="rural") for i in range(args.rows)]
    )
    Member.objects.bulk_create(
        [
            Member(
                household=home,
                name=f"户主{i}",
                resident_id=rid(i + 1),
                birth_date=born(i + 1),
                sex="M",
                is_applicant=True,
            )
            for i, home in enumerate(homes)
        ]
    )
    lines = [[rid(i + 1), f"户主{i}", "东村", 1, card(i + 1)] for i in range(args.rows)]
    batch = actions_grants.do_import_relocation_list(
        county.pk, actor=finance, file_name="list.xlsx", data=xlsx(lines)
    )
    actions_grants.do_submit_batch(batch.pk, actor=finance)
    print(f"rows {len(batch.rows)}, kept {sum(1 for row in batch.rows if row['ok'])}")

    queued: list[tuple[int, str]] = []
    job = None
    try:
        from payments import tasks_grants

        job = mock.patch.object(
            tasks_grants.grant_batch, "delay", side_effect=lambda *a: queued.append(a)
        )
    except ImportError:
        pass
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        if job is not None:
            with job:
                actions_grants.do_approve_batch(batch.pk, actor=approver)
        else:
            actions_grants.do_approve_batch(batch.pk, actor=approver)
        request_s = time.perf_counter() - started
    print(f"request (do_approve_batch): {request_s:.2f} s, {len(captured)} queries")
    if queued:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            if os.environ.get("BENCH_PROFILE"):
                import cProfile

                cProfile.runctx(
                    "actions_grants.run_grant_batch(*queued[0])",
                    globals(),
                    locals(),
                    os.environ["BENCH_PROFILE"],
                )
                outcome = "profiled"
            else:
                outcome = actions_grants.run_grant_batch(*queued[0])
            job_s = time.perf_counter() - started
        print(f"job (run_grant_batch): {job_s:.2f} s, {len(captured)} queries, {outcome}")
    print(f"grants {OneOffGrant.objects.filter(batch=batch).count()}")


if __name__ == "__main__":
    main()
