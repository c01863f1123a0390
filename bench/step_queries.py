"""Database queries per runtime call of bench/lifecycle.py's dibao case, BEGIN and COMMIT
included: most of Doudi's cost over the bare engine is these round trips.

    python bench/step_queries.py [--cases 3] [--database-url postgres://root@127.0.0.1:5432/doudi_bench]

Prints each step's count for every case (the first case also reads the definition and the
working-day calendar the process then keeps). The database named is dropped and recreated.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench/queue.py shares its name with the standard library's queue: keep bench/ off the path.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench import lifecycle  # noqa: E402
from bench.fresh_db import fresh_django  # noqa: E402

# The runtime calls of one case, in the order lifecycle.doudi_run makes them.
STEPS = list(lifecycle.STEPS)


class QueryCounter(lifecycle.Timer):
    """Counts the queries of each call instead of timing it."""

    def run(self, function: Callable[[], Any]) -> Any:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            result = function()
        self.samples.append(float(len(queries.captured_queries)))
        return result


def count(cases: int) -> dict[str, list[int]]:
    """Each step's query count, case by case, on the database Django is connected to."""
    saved = lifecycle.Timer
    lifecycle.Timer = QueryCounter  # type: ignore[misc]
    try:
        counter, _notice, _final = lifecycle.doudi_run(cases)
    finally:
        lifecycle.Timer = saved  # type: ignore[misc]
    counts: dict[str, list[int]] = {step: [] for step in STEPS}
    for index, number in enumerate(counter.samples):
        counts[STEPS[index % len(STEPS)]].append(int(number))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=3)
    parser.add_argument("--database-url", default="postgres://root@127.0.0.1:5432/doudi_bench")
    args = parser.parse_args()
    fresh_django(args.database_url)
    counts = count(args.cases)
    print(
        "{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in counts.items()) + "\n}"
    )


if __name__ == "__main__":
    main()
