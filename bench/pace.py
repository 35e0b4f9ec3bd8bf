"""Benchmark: one pace check (check_plan) over plans of 1,000 and 10,000 sub-items.

Prints wall time and query count of a first check (raises every flag) and a repeat (steady
state). Target: under 10 s for 10,000 sub-items on SQLite, and a repeat check that costs the
same queries at both sizes apart from one statement per ``BATCH_SIZE`` paces written (the
pace rows go out in bulk statements of that many rows). Uses DATABASE_URL, default
sqlite:////tmp/bench.sqlite3; builds the plans with ``manage.py seed_scale`` (a year of monthly
accepted reports) when they are missing.
"""

from __future__ import annotations

import math
import sys
import time

from common import scale_plan, setup_django  # noqa: E402

setup_django("sqlite:////tmp/bench.sqlite3")

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from projects.models import Plan  # noqa: E402
from supervision.followup.services.pace_check import BATCH_SIZE, PaceCheckResult, check_plan  # noqa: E402

SIZES = ((200, 1_000), (2_000, 10_000))
TARGET_SECONDS = 10.0


def measure(plan: Plan) -> tuple[float, float, int, PaceCheckResult]:
    """(wall seconds, CPU seconds of this process, queries, result): on a shared machine the
    CPU time shows the check's own cost."""
    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        result = check_plan(plan)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return elapsed, cpu, len(queries), result


def pace_batches(result: PaceCheckResult) -> int:
    return math.ceil(result.sub_items / BATCH_SIZE) + math.ceil(result.items / BATCH_SIZE)


def main() -> int:
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    repeat_fixed, slowest = set(), 0.0
    for items, subitems in SIZES:
        plan = scale_plan(items, subitems)
        for label in ("first check", "repeat check"):
            elapsed, cpu, queries, result = measure(plan)
            print(
                f"{subitems:>6} sub-items  {label:<13} {elapsed:6.2f} s (CPU {cpu:5.2f} s)  {queries:3d} queries"
            )
            if label == "repeat check":
                repeat_fixed.add(queries - pace_batches(result))
            if subitems == SIZES[-1][1]:
                slowest = max(slowest, elapsed)
    # A first check also sends one pace warning per liaison of each unit with sub-items newly
    # red, and raises flags in batches, so it grows with the number of units and of new flags.
    constant = len(repeat_fixed) == 1
    ok = constant and slowest < TARGET_SECONDS
    print(
        f"repeat check queries besides one per {BATCH_SIZE} paces equal at both sizes: "
        f"{'yes' if constant else 'NO'} {sorted(repeat_fixed)}; "
        f"slowest check of {SIZES[-1][1]:,} sub-items {slowest:.2f} s (target < {TARGET_SECONDS:.0f} s): "
        f"{'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
