"""Benchmark: the briefing workbook of a 10,000-sub-item plan.

Prints the time to read the plan (plan_progress), to build and save the styled briefing, and
peak memory, next to two floors: bare openpyxl (a write-only workbook) and bare XlsxWriter (the
library the briefing is written with), each writing and saving the same cell values with no
formats, merges, row heights or print settings. All three are alternated, run after run, so
that they see the same machine load; the best run of each is compared.

Target (issue 13): the styled build under 1.5x bare openpyxl. The styled build also derives the
rows from the read model, and writes a quarter more cells than the bare ones (the bordered
empty cells and the padding of some 8,000 merged ranges), each with a format. Beside it, the
ratio to bare XlsxWriter, the stricter floor (about 2.5 times faster than openpyxl).

Uses DATABASE_URL, default sqlite:////tmp/bench_export_xlsx.sqlite3; builds the plan with
``manage.py seed_scale`` when it is missing.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from datetime import datetime
from io import BytesIO

from common import scale_plan, setup_django  # noqa: E402

setup_django("sqlite:////tmp/bench_export_xlsx.sqlite3")

import xlsxwriter  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from projects.models import Plan  # noqa: E402
from supervision.documents.briefing import build_briefing  # noqa: E402
from supervision.reading.progress import plan_progress  # noqa: E402

ITEMS, SUBITEMS = 2_000, 10_000
TARGET_RATIO = 1.5  # styled build / bare openpyxl
RUNS = 3


def styled(plan: Plan) -> tuple[float, float, bytes]:
    started = time.perf_counter()
    progress = plan_progress(plan)
    read = time.perf_counter() - started
    started = time.perf_counter()
    data = build_briefing(progress)
    return read, time.perf_counter() - started, data


def cell_values(data: bytes) -> list[tuple[str, list[tuple]]]:
    wb = load_workbook(BytesIO(data), read_only=True)
    return [(ws.title, list(ws.iter_rows(values_only=True))) for ws in wb.worksheets]


def bare(sheets: list[tuple[str, list[tuple]]]) -> float:
    """The same values, each with the typed write the briefing uses, and nothing else."""
    started = time.perf_counter()
    wb = xlsxwriter.Workbook(BytesIO(), {"in_memory": True})
    for title, rows in sheets:
        ws = wb.add_worksheet(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    ws.write_blank(r, c, None)  # without a format, XlsxWriter leaves the cell out
                elif isinstance(value, str):
                    ws.write_string(r, c, value)
                elif isinstance(value, datetime):
                    ws.write_datetime(r, c, value)
                else:
                    ws.write_number(r, c, value)
    wb.close()
    return time.perf_counter() - started


def bare_openpyxl(sheets: list[tuple[str, list[tuple]]]) -> float:
    """The same values through openpyxl's write-only workbook, the issue's floor."""
    started = time.perf_counter()
    wb = Workbook(write_only=True)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(BytesIO())
    return time.perf_counter() - started


def main() -> int:
    plan = scale_plan(ITEMS, SUBITEMS)
    read, build, data = styled(plan)
    sheets = cell_values(data)
    cells = sum(len(rows) * (len(rows[0]) if rows else 0) for _, rows in sheets)
    builds, bares, openpyxls = [], [], []
    for _ in range(RUNS):
        builds.append(styled(plan))
        openpyxls.append(bare_openpyxl(sheets))
        bares.append(bare(sheets))
    read, build, data = min(builds, key=lambda r: r[1])
    bare_time = min(bares)
    openpyxl_time = min(openpyxls)

    tracemalloc.start()
    styled(plan)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    ratio = build / openpyxl_time
    print(f"plan: {plan} — {len(sheets)} sheets, {cells:,} cells, {len(data) / 1024 / 1024:.1f} MB")
    print(f"best of {RUNS} alternated runs each")
    print(f"read (plan_progress):                     {read:6.2f} s")
    print(f"briefing build + save (styled):           {build:6.2f} s")
    print(f"bare openpyxl (write-only), same values:  {openpyxl_time:6.2f} s")
    print(f"bare XlsxWriter, same cell values:        {bare_time:6.2f} s")
    print(f"styled / bare openpyxl:                   {ratio:6.2f}x  (target < {TARGET_RATIO}x)")
    print(f"styled / bare XlsxWriter:                 {build / bare_time:6.2f}x")
    print(f"read + build / bare openpyxl:             {(read + build) / openpyxl_time:6.2f}x")
    print(f"peak memory (tracemalloc):                {peak / 1024 / 1024:6.1f} MB")
    return 0 if ratio < TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
