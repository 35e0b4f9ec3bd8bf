"""Benchmark: peak memory of a worker building a large export.

Each export (the briefing, the plan table) runs in a fresh Python process, the way a Celery
worker runs ``supervision.tasks.run_export``: an ExportJob is recorded for a superuser and the
task's function is called in the process; its peak resident set size (``ru_maxrss``) is printed
beside the target, and beside the process's size before the build (Django and the app loaded).

Target (issue 13): a worker stays under 400 MB at 100,000 sub-items.

Usage: DATABASE_URL=postgres://… python bench/export_memory.py [--items 20000 --subitems 100000]
(default DATABASE_URL sqlite:////tmp/bench_export_memory.sqlite3); the plan is built with
``manage.py seed_scale`` when it is missing, which at 100,000 sub-items takes a while.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MB = 400
KINDS = ("briefing", "plan_table", "lagging")


def _rss_mb() -> float:
    import resource

    # Linux reports kilobytes (macOS bytes; this benchmark runs on Linux).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, plan_id: int) -> None:
    """Run one export job in this (fresh) process and print its figures as JSON."""
    from common import setup_django

    setup_django("sqlite:////tmp/bench_export_memory.sqlite3")
    from django.conf import settings

    from core.dates import today
    from projects.models import Plan, User
    from supervision.documents.models import ExportJob
    from supervision.tasks import run_export

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-export-media-")
    user, _ = User.objects.get_or_create(username="bench-exporter", defaults={"is_superuser": True})
    plan = Plan.objects.get(pk=plan_id)
    job = ExportJob.objects.create(
        user=user, kind=kind, params={"plan_id": plan.pk, "as_of": today().isoformat(), "filters": {}}
    )
    before = _rss_mb()
    started = time.perf_counter()
    state = run_export(job.pk)
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    size = job.file.size if job.file else 0
    print(
        json.dumps(
            {
                "kind": kind,
                "state": state,
                "error": job.error,
                "rows": job.rows_total,
                "seconds": elapsed,
                "before_mb": before,
                "peak_mb": _rss_mb(),
                "file_mb": size / 1024 / 1024,
            }
        )
    )
    if job.file:
        job.file.delete(save=False)
    job.delete()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--subitems", type=int, default=100_000)
    parser.add_argument("--title", default="", help="an existing plan's title (instead of building one)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PLAN_ID"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return 0

    from common import scale_plan, setup_django

    setup_django("sqlite:////tmp/bench_export_memory.sqlite3")
    from projects.models import Plan, SubItem

    plan = Plan.objects.get(title=args.title) if args.title else scale_plan(args.items, args.subitems)
    count = SubItem.objects.filter(item__plan=plan).count()
    print(f"plan: {plan} ({count:,} sub-items); one fresh process per export")
    failed = False
    for kind in KINDS:
        output = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(plan.pk)],
            check=True,
            capture_output=True,
            text=True,
            env=os.environ.copy(),
        ).stdout
        result = json.loads(output.strip().splitlines()[-1])
        over = result["peak_mb"] >= TARGET_MB or result["state"] != "done"
        failed |= over
        print(
            f"{kind:<10} {result['state']:<6} {result['rows']:>8,} rows  {result['seconds']:6.1f} s  "
            f"file {result['file_mb']:5.1f} MB  process before {result['before_mb']:5.0f} MB, "
            f"peak RSS {result['peak_mb']:5.0f} MB  (target < {TARGET_MB} MB){'  OVER' if over else ''}"
            + (f"  error: {result['error']}" if result["error"] else "")
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
