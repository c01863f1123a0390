"""How many dibao cases a server gets through: N worker processes, each with its own
database connection, each taking cases from application to the county's approval (the eight
runtime calls of bench/lifecycle.py, public notice included) for a fixed time or count.

    python bench/throughput.py [--workers 1,2] [--seconds 20 | --lifecycles 50] [--repeat 3]
                               [--database-url postgres://root@127.0.0.1:5432/doudi_bench]

For each number of workers, over the repetitions (min and median): cases (lifecycles) per
second, CPU milliseconds per case (the workers' own, their sandbox processes', and their
PostgreSQL backends' read from /proc, the database being local), and SQL statements per
runtime call (those sent through Django's cursors and each transaction's BEGIN and COMMIT,
as bench/step_queries.py counts them). The region tree, staff and deployed process are made once, before any timing; each
worker also runs one case untimed first (caches, sandbox pool). The machine's load average is
reported with the figures: other work on the machine slows the workers down. The database
named is dropped and recreated.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench/queue.py shares its name with the standard library's queue: keep bench/ off the path.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench import lifecycle  # noqa: E402
from bench.fresh_db import fresh_django  # noqa: E402
from bench.lifecycle import backend_pid, children_cpu, process_cpu  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--workers",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 2],
        help="numbers of worker processes, comma-separated",
    )
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument("--seconds", type=float, help="time each worker runs (default 20)")
    amount.add_argument("--lifecycles", type=int, help="cases each worker runs")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default="postgres://root@127.0.0.1:5432/doudi_bench")
    args = parser.parse_args()
    if args.seconds is None and args.lifecycles is None:
        args.seconds = 20.0
    return args


class CountingTimer(lifecycle.Timer):
    """Times each runtime call and counts the statements it sends; as a Django execute
    wrapper it counts every statement of the connection."""

    def __init__(self) -> None:
        super().__init__()
        self.statements: list[int] = []
        self.count = 0

    def run(self, function: Callable[[], Any]) -> Any:
        before = self.count
        try:
            return super().run(function)
        finally:
            self.statements.append(self.count - before)

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def connection_settings() -> dict[str, Any]:
    """What worker processes need to connect where this process's Django is connected: all
    of it, as a test database (one per pytest-xdist worker) is named only here."""
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("bench/throughput.py measures PostgreSQL: set a postgres:// URL")
    return dict(connection.settings_dict)


def worker(
    database: dict[str, Any],
    label: str,
    lifecycles: int | None,
    seconds: float | None,
    warmup: int,
    barrier: Any,
    results: Any,
) -> None:
    """One worker process: Django on the given database, then cases until told to stop."""
    try:
        results.put(_work(database, label, lifecycles, seconds, warmup, barrier))
    except BaseException:
        barrier.abort()
        results.put({"label": label, "error": traceback.format_exc()})


def _work(
    database: dict[str, Any],
    label: str,
    lifecycles: int | None,
    seconds: float | None,
    warmup: int,
    barrier: Any,
) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from django.conf import settings

    settings.DATABASES["default"] = database
    import django

    django.setup()
    logging.getLogger().setLevel(logging.WARNING)
    from django.db import connection

    world = lifecycle.doudi_world()
    for index in range(warmup):
        lifecycle.doudi_case(world, f"{label}-w{index}", lifecycle.Timer())

    backend = backend_pid()
    timer = CountingTimer()
    barrier.wait()
    started = time.monotonic()
    cpu, sandbox, database_cpu = time.process_time(), children_cpu(), process_cpu(backend)
    done = 0
    begin = connection.set_autocommit

    def set_autocommit(autocommit: bool, *args: Any, **kwargs: Any) -> None:
        if not autocommit:
            timer.count += 2  # the BEGIN the driver sends, and the COMMIT or ROLLBACK
        begin(autocommit, *args, **kwargs)

    connection.set_autocommit = set_autocommit  # type: ignore[method-assign]
    with connection.execute_wrapper(timer):
        while (lifecycles is None or done < lifecycles) and (
            seconds is None or time.monotonic() - started < seconds
        ):
            lifecycle.doudi_case(world, f"{label}-{done}", timer)
            done += 1
    ended = time.monotonic()
    del connection.set_autocommit
    cpu, sandbox = time.process_time() - cpu, children_cpu() - sandbox
    database_cpu = process_cpu(backend) - database_cpu
    # The same backend throughout, or its CPU time is not the cases'.
    same_backend = backend_pid() == backend
    return {
        "label": label,
        "lifecycles": done,
        "started": started,
        "ended": ended,
        "cpu_s": {
            "worker": cpu,
            "sandbox": sandbox,
            "postgres": database_cpu if same_backend else None,
        },
        "calls": len(timer.statements),
        "statements_in_calls": sum(timer.statements),
        "statements": timer.count,
        "statements_by_step": {
            step: sum(counts) for step, counts in _by_step(timer.statements).items()
        },
    }


def _by_step(samples: list[int]) -> dict[str, list[int]]:
    steps = lifecycle.STEPS
    return {step: samples[index :: len(steps)] for index, step in enumerate(steps)}


def measure(
    workers: int,
    database: dict[str, Any],
    label: str,
    lifecycles: int | None,
    seconds: float | None,
    warmup: int = 1,
) -> dict[str, Any]:
    """One timed run of `workers` processes started together."""
    import multiprocessing

    # Fresh interpreters: a forked child would share this process's database connection.
    context = multiprocessing.get_context("spawn")
    # A worker that dies before it gets there must not leave the others waiting for ever.
    barrier = context.Barrier(workers, timeout=600)
    results = context.Queue()
    processes = [
        context.Process(
            target=worker,
            args=(database, f"{label}.{k}", lifecycles, seconds, warmup, barrier, results),
        )
        for k in range(workers)
    ]
    for process in processes:
        process.start()
    outcomes: list[dict[str, Any]] = []
    while len(outcomes) < workers:
        try:
            outcomes.append(results.get(timeout=1))
        except Exception:  # queue.Empty, under a name bench/queue.py hides
            if not any(process.is_alive() for process in processes) and results.empty():
                raise SystemExit(f"a worker died: {[p.exitcode for p in processes]}") from None
    for process in processes:
        process.join()
    errors = [outcome["error"] for outcome in outcomes if "error" in outcome]
    if errors:
        raise SystemExit("a worker failed:\n" + "\n".join(errors))
    load = os.getloadavg()[0]

    total = sum(outcome["lifecycles"] for outcome in outcomes)
    window = max(o["ended"] for o in outcomes) - min(o["started"] for o in outcomes)
    calls = sum(outcome["calls"] for outcome in outcomes)
    cpu = {
        part: (
            None
            if any(o["cpu_s"][part] is None for o in outcomes)
            else sum(o["cpu_s"][part] for o in outcomes) * 1000 / total
        )
        for part in ("worker", "sandbox", "postgres")
    }
    known = [value for value in cpu.values() if value is not None]
    return {
        "lifecycles": total,
        "seconds": window,
        "lifecycles_per_s": total / window,
        "cpu_ms_per_lifecycle": cpu | {"total": sum(known)},
        "runtime_calls": calls,
        "statements_per_call": sum(o["statements_in_calls"] for o in outcomes) / calls,
        "statements_per_lifecycle": sum(o["statements"] for o in outcomes) / total,
        "statements_by_step": {
            step: sum(o["statements_by_step"][step] for o in outcomes) / total
            for step in lifecycle.STEPS
        },
        "load_average_1min": load,
    }


def figures(runs: list[dict[str, Any]], *keys: str) -> dict[str, float] | None:
    """Min and median over the repetitions of the figure at `keys`; None if a repetition
    could not tell."""
    values: list[Any] = []
    for one in runs:
        value: Any = one
        for key in keys:
            value = value[key]
        values.append(value)
    numbers = [float(value) for value in values if value is not None]
    if len(numbers) < len(values):
        return None
    return {"min": round(min(numbers), 2), "median": round(statistics.median(numbers), 2)}


def run(
    workers: list[int],
    database: dict[str, Any],
    *,
    lifecycles: int | None = None,
    seconds: float | None = None,
    repeat: int = 3,
    warmup: int = 1,
) -> dict[str, Any]:
    """Measure each number of workers `repeat` times on a database set up by
    lifecycle.doudi_setup (and committed: the workers are other processes)."""
    if (lifecycles is None) == (seconds is None):
        raise ValueError("give either lifecycles or seconds")
    # Unique case numbers if the same database is measured again.
    run_id = f"T{os.getpid()}.{int(time.time()) % 100000}"
    report: dict[str, Any] = {
        "workers": {},
        "per_worker": {"lifecycles": lifecycles, "seconds": seconds, "warmup": warmup},
        "repeat": repeat,
        "cpus": os.cpu_count(),
        "load_average_1min_before": os.getloadavg()[0],
    }
    for count in workers:
        runs = [
            measure(count, database, f"{run_id}.{count}.{rep}", lifecycles, seconds, warmup)
            for rep in range(repeat)
        ]

        report["workers"][str(count)] = {
            "lifecycles": [one["lifecycles"] for one in runs],
            "lifecycles_per_s": figures(runs, "lifecycles_per_s"),
            "cpu_ms_per_lifecycle": {
                part: figures(runs, "cpu_ms_per_lifecycle", part)
                for part in ("worker", "sandbox", "postgres", "total")
            },
            "statements_per_call": figures(runs, "statements_per_call"),
            "statements_per_lifecycle": figures(runs, "statements_per_lifecycle"),
            "statements_by_step": {
                step: figures(runs, "statements_by_step", step) for step in lifecycle.STEPS
            },
            "load_average_1min": [round(one["load_average_1min"], 2) for one in runs],
        }
    return report


def main() -> None:
    args = parse_args()
    fresh_django(args.database_url)
    lifecycle.doudi_setup()
    database = connection_settings()
    from django.db import connections

    connections.close_all()
    report = run(
        args.workers,
        database,
        lifecycles=args.lifecycles,
        seconds=args.seconds,
        repeat=args.repeat,
    )
    print(lifecycle.as_json(report))


if __name__ == "__main__":
    main()
