"""The leaders' briefing workbook: what it says, how it prints, who may download it."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core import dates
from projects.models import FundingLine, SubItem
from supervision.ledger.services import accept_report
from supervision.models import ProgressReport
from tests.factories import (
    FundingLineFactory,
    ItemFactory,
    PlanFactory,
    ProgressReportFactory,
    SubItemFactory,
    UnitFactory,
    accepted_report,
    deputy_user,
    leader_user,
    liaison_user,
    office_user,
)

pytestmark = pytest.mark.django_db


def build_plan(items: int = 2, subs_per_item: int = 2, title: str = "测试区十件民生实事"):
    """A plan whose first sub-item is the 5G example (120个以上, 453 built = 377.5%) and whose
    other sub-items are far behind their pace (red), each with a county funding line."""
    today = dates.today()
    plan = PlanFactory(title=title)
    telecom = UnitFactory(name="测试区通信办", short_name="区通信办", code="telecom-t")
    water = UnitFactory(name="测试区水利局", short_name="区水利局", code="water-t")
    for number in range(1, items + 1):
        item = ItemFactory(plan=plan, number=number, title=f"第{number}件实事", lead_unit=telecom)
        for sub_number in range(1, subs_per_item + 1):
            first = number == 1 and sub_number == 1
            sub = SubItemFactory(
                item=item,
                number=sub_number,
                content="建成5G基站120个以上" if first else f"任务{number}.{sub_number}",
                target_value=Decimal("120"),
                target_at_least=first,
                responsible_unit=telecom if first else water,
                planned_start=today - dt.timedelta(days=200),
                planned_end=today + dt.timedelta(days=10),
            )
            FundingLineFactory(sub_item=sub, planned=Decimal("100"))
            if first:
                accepted_report(
                    sub, on=today, progress="100", actual="453", complete=True, allocated="80", paid="40"
                )
            elif number == 1:
                accepted_report(sub, on=today, progress="5", actual="6", allocated="80", paid="40")
            else:
                accepted_report(sub, on=today, progress="0", allocated="80", paid="40")
    return plan


def briefing_of(client, plan, **params):
    response = client.get(reverse("plan_briefing_xlsx", args=[plan.pk]), params)
    assert response.status_code == 200
    return load_workbook(BytesIO(response.content))


def test_briefing_has_the_four_sheets_and_the_headline(client, login):
    plan = build_plan()
    login(office_user())
    wb = briefing_of(client, plan)
    assert wb.sheetnames == ["总体情况", "进展明细", "滞后项目", "资金情况"]
    overview = [v for row in wb["总体情况"].iter_rows(values_only=True) for v in row if v is not None]
    assert "总体情况：测试区十件民生实事共2件4项，已完成0件1项，完成率0%。" in overview


def test_completion_rate_is_a_real_number_shown_as_percent(client, login):
    plan = build_plan()
    login(leader_user())
    ws = briefing_of(client, plan)["进展明细"]
    header = [c.value for c in ws[3]]
    assert header == [
        "序号",
        "项目名称",
        "牵头单位",
        "责任领导",
        "目标任务",
        "责任单位",
        "完成时限",
        "目标值",
        "完成值",
        "完成率",
        "进度",
        "序时进度",
        "状态",
    ]
    rate = ws.cell(row=4, column=header.index("完成率") + 1)
    assert rate.value == 3.775
    assert rate.number_format == "0.0%"
    target = ws.cell(row=4, column=header.index("目标值") + 1)
    assert target.value == 120
    assert target.number_format == '0"个以上"'
    deadline = ws.cell(row=4, column=header.index("完成时限") + 1)
    assert isinstance(deadline.value, dt.datetime)
    assert deadline.is_date


def test_an_item_spans_its_sub_item_rows_with_merged_cells(client, login):
    plan = build_plan(items=2, subs_per_item=2)
    login(office_user())
    ws = briefing_of(client, plan)["进展明细"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A4:A5", "B4:B5", "C4:C5", "D4:D5", "A6:A7", "B6:B7"} <= merged
    assert ws["B6"].value == "第2件实事"


def test_report_texts_are_rows_of_their_own_under_their_sub_item(client, login):
    plan = build_plan(items=1, subs_per_item=2)
    sub = SubItem.objects.get(item__plan=plan, number=2)
    report = ProgressReportFactory(
        sub_item=sub,
        period_start=dates.today().replace(day=1),
        progress_percent=Decimal("6"),
        work_done="完成选址",
        problems="征地拆迁受阻" * 40,
        state=ProgressReport.State.SUBMITTED,
        submitted_at=timezone.now(),
    )
    accept_report(report, office_user(username="reviewer-t"), on=dates.today())
    login(office_user())
    ws = briefing_of(client, plan)["进展明细"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert rows[1][4:6] == ["任务1.2", "区水利局"]
    # No 下步计划: the report left it empty.
    assert rows[2][4:6] == ["情况说明", "进展情况：完成选址\n存在问题：" + "征地拆迁受阻" * 40]
    assert len(rows) == 3
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"F6:M6", "A4:A6", "B4:B6"} <= merged
    # A line, then 245 characters across the figure columns (about 44 a line): 7 lines.
    assert ws.row_dimensions[6].height >= 7 * 13.5


def test_rows_are_as_tall_as_their_longest_text_and_no_shorter_than_a_line(client, login):
    plan = build_plan(items=1, subs_per_item=2)
    SubItem.objects.filter(item__plan=plan, number=2).update(
        content="新建、改扩建公办幼儿园5所，新增学前教育学位1500个，同步配建室外活动场地和配套设施"
    )
    login(office_user())
    ws = briefing_of(client, plan)["进展明细"]
    assert ws.row_dimensions[5].height >= 4 * 13.5  # the long 目标任务 wraps to 4 lines or more
    # "测试区通信办" takes two lines of the 10-wide 牵头单位 column; every row has its height.
    assert ws.row_dimensions[4].height == pytest.approx(2 * 13.5 + 4, abs=0.75)  # whole pixels
    assert all(ws.row_dimensions[row].height for row in range(1, ws.max_row + 1))


def test_sheets_print_on_a4_landscape_fitted_to_width_with_frozen_repeated_headers(client, login):
    plan = build_plan()
    login(office_user())
    wb = briefing_of(client, plan)
    for ws in wb.worksheets:
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.paperSize == 9  # A4
        # One page wide: fitToWidth="1" is the OOXML default, which XlsxWriter leaves out.
        assert ws.page_setup.fitToWidth in (None, 1)
        assert ws.page_setup.fitToHeight == 0  # as many pages tall as it takes
        assert ws.sheet_properties.pageSetUpPr.fitToPage
    detail = wb["进展明细"]
    assert detail.freeze_panes == "A4"
    assert detail.print_title_rows == "$3:$3"
    assert detail["A3"].font.b
    assert detail["E4"].alignment.wrap_text
    assert detail.column_dimensions["E"].width >= 20


def test_every_sheet_of_the_briefing_fits_a4_landscape_at_full_size():
    from core import xlsx
    from supervision.documents import briefing

    for columns in (
        briefing.DETAIL_COLUMNS,
        briefing.LAGGING_COLUMNS,
        briefing.FUNDING_COLUMNS,
        briefing.EVALUATION_COLUMNS,
        briefing.OVERVIEW_COLUMNS + [xlsx.Column("", 12)],
    ):
        assert xlsx.fits_page_width(columns), [c.header for c in columns]
    assert not xlsx.fits_page_width(briefing.PLAN_TABLE_COLUMNS)  # the data export is not for paper


def test_lagging_sheet_lists_red_sub_items_by_unit_with_their_lag(client, login):
    plan = build_plan()
    login(office_user())
    ws = briefing_of(client, plan)["滞后项目"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[1]]
    # One unit; the larger lag (not started at all) comes before the one that reported 5%.
    assert [r[1] for r in rows] == ["2.1", "2.2", "1.2"]
    assert rows[0][0] == "区水利局"
    assert all(r[8].startswith("严重滞后") for r in rows)
    assert rows[0][7] > 30
    assert ws["I4"].fill.fgColor.rgb.endswith("F8CBAD")


def test_funding_sheet_gives_rates_by_item_and_source(client, login):
    plan = build_plan()
    login(office_user())
    ws = briefing_of(client, plan)["资金情况"]
    first = [c.value for c in ws[4]]
    assert first[:6] == [1, "第1件实事", "县级财政", 200, 160, 80]
    assert first[6] == pytest.approx(0.8)
    assert first[7] == pytest.approx(0.5)
    assert ws.cell(row=4, column=7).number_format == "0.0%"
    total = [c.value for c in ws[6]]
    assert total[0] == "合计" and total[3] == 400


def test_export_briefing_command_writes_the_same_workbook(tmp_path):
    plan = build_plan()
    output = tmp_path / "out" / "briefing.xlsx"
    call_command("export_briefing", plan=plan.pk, output=str(output), stdout=StringIO())
    wb = load_workbook(output)
    assert wb.sheetnames == ["总体情况", "进展明细", "滞后项目", "资金情况"]
    assert wb["进展明细"]["J4"].value == 3.775


def test_export_briefing_command_refuses_an_unknown_plan_or_bad_date(tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        call_command("export_briefing", plan=999, output=str(tmp_path / "x.xlsx"))
    plan = build_plan(items=1, subs_per_item=1)
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("export_briefing", plan=plan.pk, as_of="30/06/2024", output=str(tmp_path / "x.xlsx"))


def test_briefing_as_of_a_past_date_uses_the_figures_accepted_by_then(client, login):
    plan = build_plan()
    login(office_user())
    yesterday = dates.today() - dt.timedelta(days=1)
    ws = briefing_of(client, plan, as_of=yesterday.isoformat())["进展明细"]
    assert ws["I4"].value is None
    assert ws["M4"].value.startswith("严重滞后")
    assert ws["A2"].value == f"截至{yesterday.year}年{yesterday.month}月{yesterday.day}日"


@pytest.mark.parametrize("make_user", [office_user, leader_user, deputy_user])
def test_office_leaders_and_deputies_may_download_the_briefing(client, login, make_user):
    plan = build_plan(items=1, subs_per_item=1)
    login(make_user())
    response = client.get(reverse("plan_briefing_xlsx", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]


def test_liaisons_and_visitors_cannot_download_the_briefing(client, login):
    plan = build_plan(items=1, subs_per_item=1)
    url = reverse("plan_briefing_xlsx", args=[plan.pk])
    assert client.get(url).status_code == 302
    login(liaison_user(plan.items.first().lead_unit))
    assert client.get(url).status_code == 403


def test_briefing_runs_the_same_number_of_queries_for_a_larger_plan(client, login):
    login(office_user())
    small = build_plan(items=1, subs_per_item=1)
    large = build_plan(items=6, subs_per_item=3, title="大清单")
    counts = []
    for plan in (small, large):
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("plan_briefing_xlsx", args=[plan.pk]))
        counts.append(len(ctx))
    assert counts[0] == counts[1]
    assert FundingLine.objects.filter(sub_item__item__plan=large).count() == 18


@pytest.mark.libreoffice
def test_libreoffice_opens_the_briefing_and_prints_it_to_pdf(tmp_path):
    plan = build_plan(items=3, subs_per_item=2)
    source = tmp_path / "briefing.xlsx"
    call_command("export_briefing", plan=plan.pk, output=str(source))
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    result = subprocess.run(
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
        timeout=180,
        check=False,
    )
    pdf = tmp_path / "briefing.pdf"
    assert pdf.exists(), result.stderr.decode(errors="replace")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert pdf.stat().st_size > 10_000
