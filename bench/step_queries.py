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
STEPS = [
    "start",
    "acceptance",
    "check_result message",
    "investigate",
    "cosign",
    "opinion",
    "fire timers",
    "county_confirm",
]


class QueryCounter(lifecycle.Timer):
    """Counts the queries of each call instead of timing it."""

    def run(self, function: Callable[[], Any]) -> Any:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            result = function()
        self.samples.append(len(queries.captured_queries))
        return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=3)
    parser.add_argument("--database-url", default="postgres://root@127.0.0.1:5432/doudi_bench")
    args = parser.parse_args()
    fresh_django(args.database_url)
    lifecycle.Timer = QueryCounter  # type: ignore[misc]
    counter, _notice, _final = lifecycle.doudi_run(args.cases)
    counts: dict[str, list[int]] = {step: [] for step in STEPS}
    for index, count in enumerate(counter.samples):
        counts[STEPS[index % len(STEPS)]].append(count)
    print(
        "{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in counts.items()) + "\n}"
    )


if __name__ == "__main__":
    main()
