"""Benchmark: ``manage.py seed_scale`` builds the 100,000 sub-item case (20,000 items, a year
of monthly accepted reports: about 1.2 million report rows, its month-end snapshots and pace
rows) on PostgreSQL in under 5 minutes, and ``verify_figures`` then finds no drift.

Uses its own database (SEED_SCALE_DATABASE_URL, default
postgres://root@127.0.0.1:5432/bench_seed_scale), dropped and created afresh each run.
``--no-verify`` skips the check (it recomputes every snapshot: minutes at this size).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time

from common import load_line, recreate_database, setup_django

DEFAULT_DATABASE = "postgres://root@127.0.0.1:5432/bench_seed_scale"
TARGET_SECONDS = 300.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--subitems", type=int, default=100_000)
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args(argv)

    database = os.environ.get("SEED_SCALE_DATABASE_URL", DEFAULT_DATABASE)
    os.environ["DATABASE_URL"] = database
    print(load_line("at start"), flush=True)
    recreate_database(database)
    setup_django(database)
    from django.core.management import CommandError, call_command

    from projects.models import Plan

    out = io.StringIO()
    started, cpu = time.perf_counter(), time.process_time()
    call_command("seed_scale", items=args.items, subitems=args.subitems, title="bench", stdout=out)
    elapsed = time.perf_counter() - started
    print(out.getvalue().strip())
    ok = elapsed < TARGET_SECONDS
    print(
        f"seed_scale {args.items:,} items {args.subitems:,} sub-items: {elapsed:.0f} s "
        f"(this process's CPU {time.process_time() - cpu:.0f} s; the snapshot processes' not counted) "
        f"target < {TARGET_SECONDS:.0f} s: {'OK' if ok else 'MISSED'}",
        flush=True,
    )
    print(load_line("after seed_scale"), flush=True)
    if not args.no_verify:
        plan = Plan.objects.get(title="bench")
        report = io.StringIO()
        started = time.perf_counter()
        try:
            call_command("verify_figures", plan=plan.pk, stdout=report)
            drift = 0
        except CommandError:
            drift = sum(1 for line in report.getvalue().splitlines() if "缓存为" in line)
        print(
            f"verify_figures --plan {plan.pk}: {drift} drift ({time.perf_counter() - started:.0f} s) "
            f"target 0: {'OK' if drift == 0 else 'MISSED'}"
        )
        ok &= drift == 0
    print(load_line("at end"))
    print("shared 2-core machine: timings are noisy.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
