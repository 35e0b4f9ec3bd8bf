"""The briefing on paper: printed through LibreOffice as a leader would print it, page by page.

The plan printed here is built to be awkward: 18 fields (so the overview runs onto a second page
and a heading lands near a page foot), report texts from a few words to 2,000 characters, and
one item with 22 sub-items, taller than a page; every other item fits on a page. What the PDF must show:

- every character at 9 pt or more (nothing shrunk to fit);
- as many pages as the workbook's own page breaks make: LibreOffice adds none, so no item that
  fits on a page is split and no row is cut across two pages;
- each sub-item's row of figures on the same page as its report's texts, and each item on the
  page of its first sub-item when it fits on one; a heading on the page of its table;
- the header row at the top of every page of a table, and "第 N 页 共 M 页" at every page's foot.

LibreOffice needs Carlito (fonts-crosextra-carlito, which .ci/run installs) to draw columns as
wide as Excel draws them in Calibri, the workbook's default font.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core import dates
from projects.models import Category
from supervision.documents.briefing import build_briefing
from supervision.ledger.services import accept_report
from supervision.models import ProgressReport
from supervision.reading.progress import plan_progress
from tests.factories import (
    FundingLineFactory,
    ItemFactory,
    PlanFactory,
    ProgressReportFactory,
    SubItemFactory,
    UnitFactory,
    office_user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.libreoffice, pytest.mark.slow]

FIELDS = [f"领域{n:02d}" for n in range(1, 19)]
BIG_ITEM = 7
BIG_ITEM_SUBS = 22


def _text(key: str, length: int) -> str:
    """A report text with a marker at its start and its end, so the PDF shows where it went."""
    body = "推进征地拆迁和管线迁改，协调资金按期拨付，" * (length // 20 + 1)
    return f"始{key}始" + body[:length] + f"终{key}终"


def _awkward_plan():
    today = dates.today()
    plan = PlanFactory(title="打印测试区民生实事")
    unit = UnitFactory(name="打印测试区住房和城乡建设局", short_name="区住建局", code="print-t")
    reviewer = office_user(username="print-reviewer")
    for number, field in enumerate(FIELDS, start=1):
        category = Category.objects.create(name=field)
        item = ItemFactory(
            plan=plan,
            number=number,
            title=f"实事{number:02d}号城镇老旧小区改造提升工程",
            category=category,
            lead_unit=unit,
        )
        subs = BIG_ITEM_SUBS if number == BIG_ITEM else 1 + number % 2
        for sub_number in range(1, subs + 1):
            key = f"{number:02d}x{sub_number:02d}"
            sub = SubItemFactory(
                item=item,
                number=sub_number,
                content=f"目{key}目改造老旧小区{sub_number}个，完善水电气路等配套设施",
                target_value=Decimal("120"),
                target_unit="个",
                responsible_unit=unit,
                planned_start=today - dt.timedelta(days=200),
                planned_end=today + dt.timedelta(days=40),
            )
            FundingLineFactory(sub_item=sub, planned=Decimal("100"))
            long = 2000 if (number, sub_number) == (3, 1) else (40 + 23 * ((number + sub_number) % 5))
            report = ProgressReportFactory(
                sub_item=sub,
                period_start=today.replace(day=1),
                progress_percent=Decimal(10 + (number * 7 + sub_number) % 60),
                actual_value=None,
                work_done=_text(f"W{key}", long),
                problems=_text(f"P{key}", 30) if sub_number % 2 else "",
                next_steps=_text(f"N{key}", 15),
                state=ProgressReport.State.SUBMITTED,
                submitted_at=timezone.now(),
            )
            accept_report(report, reviewer, on=today)
    return plan


def _print(tmp_path, data: bytes) -> tuple[list[str], list[str], dict[str, float]]:
    """The pages' texts (whitespace dropped), their lines as laid out, and the PDF's font sizes
    by font spec."""
    source = tmp_path / "briefing.xlsx"
    source.write_bytes(data)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        timeout=240,
        check=True,
    )
    pdf = tmp_path / "briefing.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    pages, feet = [], []
    for page in range(1, count + 1):
        for layout, into in ((False, pages), (True, feet)):
            text = subprocess.run(
                [
                    "pdftotext",
                    # -raw: in the order LibreOffice drew the text, a cell at a time.
                    "-layout" if layout else "-raw",
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    str(pdf),
                    "-",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            lines = [re.sub(r"\s+", "", line) for line in text.splitlines()]
            into.append([line for line in lines if line] if layout else "".join(lines))
    xml = subprocess.run(
        ["pdftohtml", "-xml", "-i", "-zoom", "1", "-stdout", str(pdf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    sizes = {spec: float(size) for spec, size in re.findall(r'<fontspec id="(\d+)" size="([\d.]+)"', xml)}
    return pages, feet, sizes


def _page_of(pages: list[str], marker: str) -> int:
    found = [number for number, text in enumerate(pages, start=1) if marker in text]
    assert len(found) == 1, f"{marker} on pages {found}"
    return found[0]


def test_the_briefing_prints_on_a4_at_9_points_or_more_with_whole_items_per_page(tmp_path):
    plan = _awkward_plan()
    data = build_briefing(plan_progress(plan))
    pages, feet, sizes = _print(tmp_path, data)

    # Nothing shrunk to fit: the smallest text is the funding note's 9 pt, the tables' 10 pt.
    assert min(sizes.values()) >= 9

    # The workbook's own page breaks are the only ones: LibreOffice needed no page of its own.
    book = load_workbook(BytesIO(data))
    planned = {ws.title: len(ws.row_breaks.brk) + 1 for ws in book.worksheets}
    assert planned["进展明细"] >= 5 and planned["总体情况"] >= 2, planned
    assert len(pages) == sum(planned.values())

    total = len(pages)
    assert [lines[-1] for lines in feet] == [f"第{number}页共{total}页" for number in range(1, total + 1)]

    # Each sub-item's figures and texts on one page; each item that fits a page on one page.
    detail_first = planned["总体情况"] + 1
    detail_pages = range(detail_first, detail_first + planned["进展明细"])
    for page in detail_pages:
        header = "序号项目名称牵头单位责任领导目标任务责任单位完成时限目标值完成值完成率进度序时进度状态"
        assert header in feet[page - 1][:4], page  # the header row, on every page
    detail = pages[detail_first - 1 : detail_first - 1 + planned["进展明细"]]

    def page_of(marker: str) -> int:
        return detail_first - 1 + _page_of(detail, marker)

    for number in range(1, len(FIELDS) + 1):
        subs = BIG_ITEM_SUBS if number == BIG_ITEM else 1 + number % 2
        item_pages = set()
        for sub_number in range(1, subs + 1):
            key = f"{number:02d}x{sub_number:02d}"
            page = page_of(f"目{key}目")
            markers = [f"始W{key}始", f"终W{key}终", f"始N{key}始", f"终N{key}终"]
            if sub_number % 2:
                markers += [f"始P{key}始", f"终P{key}终"]
            if (number, sub_number) != (3, 1):  # the 2,000 characters are cut into rows: see below
                assert {page_of(m) for m in markers} == {page}, key
            item_pages.add(page)
        if number == BIG_ITEM:
            assert len(item_pages) >= 2
            # The item's name is printed again, marked as continued, where it goes on.
            assert all(f"实事{number:02d}号" in pages[p - 1] for p in item_pages)
            assert any("（续）" in pages[p - 1] for p in item_pages)
        elif number != 3:  # item 3 holds the 2,000 characters, taller than a page
            assert len(item_pages) == 1, (number, item_pages)
    # The 2,000-character text begins beside its sub-item and ends whole, in rows of its own.
    assert page_of("始W03x01始") == page_of("目03x01目")
    assert page_of("终W03x01终") - page_of("始W03x01始") <= 1

    # No heading alone at a page's foot: each is on the page of its table's header.
    overview = pages[: planned["总体情况"]]
    for heading, header in [
        ("一、完成情况", "指标件项"),
        ("二、序时进度（红黄绿灯）", "状态项数占比"),
        ("三、分领域情况", "领域件数项数"),
        ("四、资金情况（万元）", "计划投资到位资金"),
    ]:
        page = _page_of(overview, heading)
        assert header in overview[page - 1].split(heading, 1)[1], heading
    assert _page_of(overview, "领域18") == _page_of(overview, "领域01")
