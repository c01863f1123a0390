"""A burst of due timers drained by real Celery workers: beat's sweep sends each instance to a
task of its own, so the drain should scale with the worker processes (up to the cores).

    python bench/timers.py [--timers 100000] [--workers 1,2,4] [--runs 3]
        [--database-url postgres://root@127.0.0.1:5432/doudi_bench_timers]
        [--broker-url redis://127.0.0.1:6379/13]

Each run makes a fresh burst: a few instances of a one-hour time limit started through the
runtime an hour and a half ago, and copies of one of them (each on a case of its own, its
timer's id renamed in the state) made in SQL up to --timers. Then a Celery worker with N
processes (`celery worker --pool prefork --concurrency N`, a queue of this run's own) drains
it: the clock starts when the sweep starts sending and stops when no timer is left. Prints,
per worker count, timers drained per second (min and median of the runs) and the sweep's own
sending rate. The database named is dropped and recreated.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench/queue.py shares its name with the standard library's queue: keep bench/ off the path.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.fresh_db import fresh_django  # noqa: E402

# Started through the runtime in each burst; the rest are copies of one of them.
STARTED = 3

TIMED_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  id="defs" targetNamespace="http://doudi.example/bench">
  <bpmn:process id="bench_timed" name="Bench time limit" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="wait" name="一小时"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="t1"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">'PT1H'</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:scriptTask id="after" name="到期"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>outcome = 'closed'</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="after" />
    <bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--timers", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--database-url", default="postgres://root@127.0.0.1:5432/doudi_bench_timers"
    )
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/13")
    return parser.parse_args()


def setup() -> dict[str, int]:
    """A village, a household and the deployed diagram; the ids the bursts need."""
    from assistance.models import Household, Region
    from engine import runtime

    province = Region.objects.create(code="439900", name="省", level="province")
    county = Region.objects.create(code="439901", name="县", level="county", parent=province)
    township = Region.objects.create(code="439901001", name="镇", level="township", parent=county)
    village = Region.objects.create(
        code="439901001001", name="村", level="village", parent=township
    )
    household = Household.objects.create(region=village, address="村1组", hukou="rural")
    runtime.deploy({"bench_timed.bpmn": TIMED_BPMN}, "bench_timed.bpmn", actor=None)
    return {"village": village.pk, "household": household.pk}


def make_burst(world: dict[str, int], timers: int, label: str) -> int:
    """`timers` instances whose time limit fell due half an hour ago, all with ids above the
    one returned."""
    from assistance.models import Case
    from engine import runtime
    from engine.clock import clock
    from engine.models import ProcessInstance, Timer

    before = ProcessInstance.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = []
    clock.set(clock.now() - timedelta(minutes=90))
    try:
        for index in range(min(STARTED, timers)):
            case = Case.objects.create(
                number=f"B{label}-S{index}",
                assistance_type="dibao",
                household_id=world["household"],
                region_id=world["village"],
            )
            started.append(
                runtime.start(
                    "bench_timed",
                    case_id=case.pk,
                    region_id=world["village"],
                    actor=None,
                    data={},
                )
            )
    finally:
        clock.reset()
    template = started[-1]
    copies = timers - len(started)
    if copies > 0:
        _copy(template, Timer.objects.get(instance=template), copies, label)
    return before


def _copy(template: Any, timer: Any, copies: int, label: str) -> None:
    """Copies of the template instance, each on a copy of its case, with its own timer id."""
    from django.db import connection

    from assistance.models import Case
    from engine.models import ProcessInstance

    projected = template.projected or {}
    # Only the timer's id must differ between copies: it is unique in its projection table.
    assert projected.get("timers") == [str(timer.spiff_id)], projected
    assert not projected.get("tasks") and not projected.get("waits"), projected

    def columns(model: Any, *skip: str) -> list[str]:
        return [
            field.column
            for field in model._meta.concrete_fields
            if not field.primary_key and field.column not in skip
        ]

    case_columns = columns(Case, "number")
    instance_columns = columns(ProcessInstance, "case_id", "state", "projected")
    sql = f"""
        WITH cases AS (
            INSERT INTO assistance_case (number, {", ".join(case_columns)})
            SELECT %(prefix)s || g, {", ".join("t." + name for name in case_columns)}
            FROM generate_series(1, %(copies)s) AS g, assistance_case AS t WHERE t.id = %(case)s
            RETURNING id
        ), renamed AS (
            SELECT id AS case_id, gen_random_uuid()::text AS timer FROM cases
        ), instances AS (
            INSERT INTO engine_processinstance
                (case_id, state, projected, {", ".join(instance_columns)})
            SELECT r.case_id, replace(t.state::text, %(timer)s, r.timer)::jsonb,
                replace(t.projected::text, %(timer)s, r.timer)::jsonb,
                {", ".join("t." + name for name in instance_columns)}
            FROM renamed AS r, engine_processinstance AS t WHERE t.id = %(instance)s
            RETURNING id, projected
        )
        INSERT INTO engine_timer (instance_id, spiff_id, spec_name, due_at)
        SELECT i.id, (i.projected -> 'timers' ->> 0)::uuid, t.spec_name, t.due_at
        FROM instances AS i, engine_timer AS t WHERE t.id = %(timer_row)s
    """
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "prefix": f"B{label}-C",
                "copies": copies,
                "case": template.case_id,
                "timer": str(timer.spiff_id),
                "instance": template.pk,
                "timer_row": timer.pk,
            },
        )


@contextmanager
def broker(url: str, queue: str) -> Iterator[None]:
    """Send this process's tasks to `url`, on `queue`, instead of running them in-process."""
    from portal.celery import app

    keys = ("broker_url", "task_always_eager", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(broker_url=url, task_always_eager=False, task_default_queue=queue)
    _forget_cached_routing(app)
    try:
        yield
    finally:
        app.conf.update(saved)
        _forget_cached_routing(app)


def _forget_cached_routing(app: Any) -> None:
    # The queues, router, producers and connection pool (the ping's) are built once per app
    # from the configuration.
    for cached in ("queues", "router", "_producer_pool"):
        app.amqp.__dict__.pop(cached, None)
    app._pool = None


@contextmanager
def worker(processes: int, *, database_url: str, broker_url: str, queue: str) -> Iterator[None]:
    """A real `celery worker` with `processes` processes, reading only `queue`."""
    from portal.celery import app

    node = f"bench-{uuid.uuid4().hex[:8]}@localhost"
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": broker_url}
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "portal",
        "worker",
        "--pool=prefork",
        f"--concurrency={processes}",
        f"--queues={queue}",
        f"--hostname={node}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=WARNING",
    ]
    # The worker's banner would bury the report; its warnings and errors still show.
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[node], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start (exit code {process.poll()})")
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def drain(after: int, *, timeout: float) -> dict[str, float]:
    """Sweep (send every due instance) and wait until the workers fired every timer."""
    from engine import tasks
    from engine.models import Timer

    began = time.perf_counter()
    sent = tasks.fire_due_timers()
    sweep_s = time.perf_counter() - began
    deadline = began + timeout
    while Timer.objects.filter(instance_id__gt=after).exists():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"timers still waiting after {timeout:.0f}s")
        time.sleep(0.05)
    return {"sent": sent, "sweep_s": sweep_s, "drain_s": time.perf_counter() - began}


def run(
    *,
    timers: int,
    worker_counts: list[int],
    runs: int,
    database_url: str,
    broker_url: str,
    timeout: float = 3600,
) -> dict[str, Any]:
    """Drain `runs` bursts of `timers` with each worker count; the report (a JSON object)."""
    from engine.models import AuditEvent, Incident, InstanceStatus, ProcessInstance, Timer

    world = setup()
    queue = f"doudi-bench-timers-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    report: dict[str, Any] = {
        "timers": timers,
        "runs": runs,
        "cpus": os.cpu_count(),
        "by_workers": {},
    }
    with broker(broker_url, queue):
        for processes in worker_counts:
            rates, sweep_rates = [], []
            with worker(processes, database_url=database_url, broker_url=broker_url, queue=queue):
                for attempt in range(runs):
                    after = make_burst(world, timers, f"{processes}-{attempt}")
                    result = drain(after, timeout=timeout)
                    burst = ProcessInstance.objects.filter(pk__gt=after)
                    completed = burst.filter(status=InstanceStatus.COMPLETED).count()
                    fired = AuditEvent.objects.filter(
                        instance_id__gt=after, action="timer.fired"
                    ).count()
                    if result["sent"] != timers or completed != timers or fired != timers:
                        raise RuntimeError(
                            f"burst of {timers}: sent {result['sent']}, "
                            f"completed {completed}, fired {fired}"
                        )
                    rates.append(timers / result["drain_s"])
                    sweep_rates.append(timers / result["sweep_s"])
            report["by_workers"][str(processes)] = {
                "drained_per_s_min": round(min(rates), 1),
                "drained_per_s_median": round(statistics.median(rates), 1),
                "drained_per_s_runs": [round(rate, 1) for rate in rates],
                "sweep_sent_per_s_median": round(statistics.median(sweep_rates), 1),
            }
    report["timers_left"] = Timer.objects.count()
    report["incidents"] = Incident.objects.count()
    return report


def main() -> None:
    args = parse_args()
    fresh_django(args.database_url)
    report = run(
        timers=args.timers,
        worker_counts=[int(count) for count in args.workers.split(",")],
        runs=args.runs,
        database_url=args.database_url,
        broker_url=args.broker_url,
    )
    print(json.dumps(report, indent=2))
    print(f"\n{report['timers']} due timers, {report['runs']} runs, {report['cpus']} CPUs")
    print(f"{'workers':>8} {'min/s':>10} {'median/s':>10} {'sweep sends/s':>14}")
    for processes, row in report["by_workers"].items():
        print(
            f"{processes:>8} {row['drained_per_s_min']:>10} {row['drained_per_s_median']:>10}"
            f" {row['sweep_sent_per_s_median']:>14}"
        )


if __name__ == "__main__":
    main()
