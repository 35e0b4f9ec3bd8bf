"""Benchmark: the briefing workbook of a 10,000-sub-item plan.

Prints the time to read the plan (plan_progress), to build and save the styled briefing, and
peak memory, next to the time bare openpyxl takes to write and save the same cell values with
no styles, merges or print settings. Target: styled build under 2x the bare write. Uses
DATABASE_URL, default sqlite:////tmp/bench_export.sqlite3; builds the plan with
``manage.py seed_scale`` when it is missing.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from io import BytesIO

from common import scale_plan, setup_django  # noqa: E402

setup_django("sqlite:////tmp/bench_export.sqlite3")

from openpyxl import Workbook  # noqa: E402

from core.xlsx import workbook_bytes  # noqa: E402
from projects.models import Plan  # noqa: E402
from supervision.progress import plan_progress  # noqa: E402
from supervision.services.briefing import build_briefing  # noqa: E402

ITEMS, SUBITEMS = 2_000, 10_000
TARGET_RATIO = 2.0


def styled(plan: Plan) -> tuple[float, float, bytes, Workbook]:
    started = time.perf_counter()
    progress = plan_progress(plan)
    read = time.perf_counter() - started
    started = time.perf_counter()
    wb = build_briefing(progress)
    data = workbook_bytes(wb)
    return read, time.perf_counter() - started, data, wb


def cell_values(wb: Workbook) -> list[tuple[str, list[tuple]]]:
    return [(ws.title, list(ws.iter_rows(values_only=True))) for ws in wb.worksheets]


def bare(sheets: list[tuple[str, list[tuple]]]) -> float:
    started = time.perf_counter()
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(BytesIO())
    return time.perf_counter() - started


def main() -> int:
    plan = scale_plan(ITEMS, SUBITEMS)
    read, build, data, wb = styled(plan)
    sheets = cell_values(wb)
    cells = sum(len(rows) * (len(rows[0]) if rows else 0) for _, rows in sheets)
    bare_time = min(bare(sheets) for _ in range(2))
    read, build, data, _ = min((styled(plan) for _ in range(2)), key=lambda r: r[1])

    tracemalloc.start()
    styled(plan)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    ratio = build / bare_time
    print(f"plan: {plan} — {len(sheets)} sheets, {cells:,} cells, {len(data) / 1024 / 1024:.1f} MB")
    print(f"read (plan_progress):            {read:6.2f} s")
    print(f"briefing build + save (styled):  {build:6.2f} s")
    print(f"bare openpyxl, same cell values: {bare_time:6.2f} s")
    print(f"ratio styled / bare:             {ratio:6.2f}x  (target < {TARGET_RATIO:.0f}x)")
    print(f"read + build / bare:             {(read + build) / bare_time:6.2f}x")
    print(f"peak memory (tracemalloc):       {peak / 1024 / 1024:6.1f} MB")
    return 0 if ratio < TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
