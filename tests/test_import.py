"""Importing the adopted list from a spreadsheet: published layouts, every problem at once with
its row and column, all-or-nothing saving, bad files, the upload page and the command."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core import dates
from projects.models import Category, Item, Plan, SubItem, Unit
from projects.services import plan_import
from projects.services.plan_import import ImportFileError, PlanImportInvalid, parse_date, parse_quantity
from tests.factories import (
    CategoryFactory,
    ItemFactory,
    PlanFactory,
    SubItemFactory,
    UnitFactory,
    leader_user,
    liaison_user,
    office_user,
)

pytestmark = pytest.mark.django_db


def xlsx_bytes(rows, *, merges=(), number_formats=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "附件"
    for row in rows:
        ws.append(row)
    for cell, fmt in (number_formats or {}).items():
        ws[cell].number_format = fmt
    for merge in merges:
        ws.merge_cells(merge)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def units():
    return {
        "edu": UnitFactory(name="测试县教育局", short_name="县教育局", code="edu-t"),
        "water": UnitFactory(name="测试县水利局", short_name="县水利局", code="water-t"),
        "finance": UnitFactory(name="测试县财政局", short_name="县财政局", code="finance-t"),
    }


def published_table() -> bytes:
    """A table as counties publish it: title row, synonyms, a section row, merged item cells."""
    return xlsx_bytes(
        [
            ["2024年测试县十件民生实事项目表"],
            [],
            [
                "编号",
                "实事名称",
                "建设内容",
                "牵头单位",
                "实施单位",
                "分管领导",
                "数量",
                "完成时间",
                "配合单位",
            ],
            ["一、教育类（1件）"],
            [
                "1",
                "新增学前教育学位",
                "新建幼儿园3所",
                "测试县教育局",
                "县教育局",
                "副县长 张三",
                "1500个以上",
                "2024年8月底",
                "",
            ],
            [
                2,
                "农村饮水安全",
                "新建管网120公里",
                "县水利局",
                "县水利局",
                "副县长 李四",
                120,
                dt.datetime(2024, 9, 30),
                "县财政局、县教育局",
            ],
            [None, None, "建设水厂2座", None, "县水利局", None, "2座", "三季度", ""],
            ["合计", "2件3项"],
        ],
        merges=["A1:I1", "A6:A7", "B6:B7", "D6:D7", "F6:F7"],
    )


def test_published_table_with_title_row_synonyms_and_merged_cells_is_read(units):
    parsed = plan_import.parse_file(published_table(), year=2024)
    assert parsed.problems == []
    assert parsed.title == "2024年测试县十件民生实事项目表"
    assert parsed.headline == "2件3项"
    first, second = parsed.items
    assert (first.number, first.title, first.category, first.lead_unit) == (
        1,
        "新增学前教育学位",
        "教育",
        "测试县教育局",
    )
    sub = first.sub_items[0]
    assert (sub.target_value, sub.target_unit, sub.target_at_least) == (Decimal("1500"), "个", True)
    assert sub.planned_end == dt.date(2024, 8, 31)
    assert second.lead_unit == "县水利局" and second.responsible_leader == "副县长 李四"
    assert [s.content for s in second.sub_items] == ["新建管网120公里", "建设水厂2座"]
    assert second.sub_items[1].planned_end == dt.date(2024, 9, 30)
    assert second.sub_items[0].cooperating_units == ["县财政局", "县教育局"]


def test_published_table_is_saved_as_a_draft_plan(units):
    parsed = plan_import.parse_file(published_table(), year=2024)
    plan = plan_import.save_plan(parsed, year=2024, title=parsed.title, region="测试县")
    assert plan.status == Plan.Status.DRAFT
    water = plan.items.get(number=2)
    assert water.lead_unit == units["water"]
    assert list(water.sub_items.values_list("number", "target_value", "target_unit")) == [
        (1, Decimal("120.00"), ""),
        (2, Decimal("2.00"), "座"),
    ]
    pipes = water.sub_items.get(number=1)
    assert set(pipes.cooperating_units.all()) == {units["finance"], units["edu"]}
    assert Category.objects.filter(name="教育").exists()


def test_every_problem_is_reported_at_once_with_row_and_column(units):
    data = xlsx_bytes(
        [
            ["序号", "项目名称", "目标任务", "责任单位", "目标值", "完成时限"],
            [1, "", "任务甲", "县教育局", 10, "2024-06-30"],
            [2, "项目乙", "任务乙", "县教育局", "很多", "明年春天"],
            [1, "项目丙", "", "县教育局", 5, "2024年13月"],
            [3, "项目丁", "任务丁", "县教育局", 5, "2024-03-01"],
        ]
    )
    parsed = plan_import.parse_file(data, year=2024)
    where = {(p.row, p.column) for p in parsed.problems}
    assert where == {(2, "B"), (3, "E"), (3, "F"), (4, "A"), (4, "C"), (4, "F")}
    messages = [str(p) for p in parsed.problems]
    assert "第2行B列：项目名称不能为空" in messages
    assert "第4行A列：序号1与第2行重复" in messages
    assert any(m.startswith("第3行E列：目标值“很多”不是数字") for m in messages)
    with pytest.raises(PlanImportInvalid):
        plan_import.save_plan(parsed, year=2024, title="有错的清单", region="测试县")
    assert not Plan.objects.filter(title="有错的清单").exists()


def test_nothing_is_saved_when_a_late_row_fails(units, monkeypatch):
    """A model rule that only the save can check (simulated on the last row) rolls back the
    plan, the items already saved and the units created for the import."""

    def reject_second_task(sub_item):
        if sub_item.content == "任务乙":
            raise ValidationError({"content": "模拟的校验失败"})

    monkeypatch.setattr(SubItem, "clean", reject_second_task)
    data = xlsx_bytes(
        [
            ["序号", "项目名称", "目标任务", "责任单位"],
            [1, "项目甲", "任务甲", "全新的单位"],
            [2, "项目乙", "任务乙", "县教育局"],
        ]
    )
    parsed = plan_import.parse_file(data, year=2024)
    assert parsed.unknown_units == {"全新的单位": ["D2"]}
    with pytest.raises(PlanImportInvalid) as raised:
        plan_import.save_plan(parsed, year=2024, title="回滚测试", region="测试县", create_units=True)
    assert [str(p) for p in raised.value.problems] == ["第3行C列：模拟的校验失败"]
    assert not Plan.objects.filter(title="回滚测试").exists()
    assert not Unit.objects.filter(name="全新的单位").exists()
    assert Item.objects.count() == 0


def test_unknown_units_are_errors_unless_creation_is_confirmed(units):
    data = xlsx_bytes([["序号", "项目名称", "目标任务", "牵头单位"], [1, "项目甲", "任务甲", "新成立的局"]])
    parsed = plan_import.parse_file(data, year=2024)
    with pytest.raises(PlanImportInvalid) as raised:
        plan_import.save_plan(parsed, year=2024, title="新单位", region="测试县")
    assert str(raised.value.problems[0]).startswith("第2行D列：单位“新成立的局”不存在")
    plan = plan_import.save_plan(parsed, year=2024, title="新单位", region="测试县", create_units=True)
    assert plan.items.get().lead_unit.name == "新成立的局"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("120个以上", (Decimal("120.00"), "个", True)),
        ("不少于35公里", (Decimal("35.00"), "公里", True)),
        ("2,000户", (Decimal("2000.00"), "户", False)),
        ("—", (None, "", False)),
    ],
)
def test_targets_are_read_from_text_as_clerks_write_them(text, expected):
    assert parse_quantity(text) == expected


def test_a_number_formatted_with_its_unit_keeps_the_unit_and_at_least():
    assert parse_quantity(120, '0"个以上"') == (Decimal("120.00"), "个", True)


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2024年6月底", True, dt.date(2024, 6, 30)),
        ("2024-06-30", True, dt.date(2024, 6, 30)),
        ("6月底", True, dt.date(2024, 6, 30)),
        ("2024年3月", False, dt.date(2024, 3, 1)),
        ("年底", True, dt.date(2024, 12, 31)),
        ("上半年", True, dt.date(2024, 6, 30)),
        ("2024.2.29", True, dt.date(2024, 2, 29)),
    ],
)
def test_dates_are_read_from_text_as_clerks_write_them(text, end, expected):
    assert parse_date(text, 2024, end=end) == expected


def test_a_sheet_without_a_recognisable_header_says_so():
    parsed = plan_import.parse_file(xlsx_bytes([["随便写的"], ["没有表头"]]), year=2024)
    assert "未找到表头" in str(parsed.problems[0])


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "不是工作簿")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("list.xlsx", b"just some text", "不是 Excel"),
        ("list.xlsx", b"\xd0\xcf\x11\xe0" + b"\0" * 100, "不支持旧版 .xls"),
        ("list.xlsx", _zip_without_workbook(), "无法识别"),
        ("list.xlsx", published_table()[:1500], "已损坏"),
        ("list.csv", b"a,b", "请上传 Excel"),
        ("list.xlsx", b"PK\x03\x04" + b"0" * (5 * 1024 * 1024), "文件过大"),
    ],
)
def test_bad_files_get_a_clear_chinese_error_not_a_500(client, login, name, content, message):
    login(office_user())
    response = client.post(
        reverse("plan_import"),
        {"file": SimpleUploadedFile(name, content), "year": 2024, "region": "测试县", "title": "坏文件"},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Plan.objects.filter(title="坏文件").exists()


def test_read_workbook_refuses_an_empty_upload():
    with pytest.raises(ImportFileError, match="文件为空"):
        plan_import.read_workbook(b"")


def test_upload_preview_then_confirm_creates_the_plan_and_new_units(client, login):
    UnitFactory(name="测试县水利局", short_name="县水利局", code="water-t")
    login(office_user())
    response = client.post(
        reverse("plan_import"),
        {"file": SimpleUploadedFile("list.xlsx", published_table()), "year": 2024, "region": "测试县"},
    )
    page = response.content.decode()
    assert "共识别 2件3项" in page
    assert "创建以下新单位" in page and "测试县教育局" in page
    token = response.context["form"].initial["token"]
    fields = {"token": token, "year": 2024, "region": "测试县", "title": "2024年测试县十件民生实事"}

    refused = client.post(reverse("plan_import_confirm"), fields)
    assert refused.status_code == 200
    assert "单位“测试县教育局”不存在" in refused.content.decode()
    assert not Plan.objects.filter(title=fields["title"]).exists()

    done = client.post(reverse("plan_import_confirm"), {**fields, "create_units": "on"})
    plan = Plan.objects.get(title=fields["title"])
    assert done.status_code == 302 and done["Location"] == plan.get_absolute_url()
    assert plan.items.count() == 2 and SubItem.objects.filter(item__plan=plan).count() == 3
    assert Unit.objects.filter(name="测试县教育局").exists()
    assert not client.post(reverse("plan_import_confirm"), fields).status_code == 500


def test_preview_reports_a_title_already_used_that_year(client, login, units):
    PlanFactory(year=2024, title="2024年测试县十件民生实事项目表")
    login(office_user())
    response = client.post(
        reverse("plan_import"),
        {"file": SimpleUploadedFile("list.xlsx", published_table()), "year": 2024, "region": "测试县"},
    )
    assert "2024年已有名为“2024年测试县十件民生实事项目表”的清单" in response.content.decode()
    assert not response.context["can_confirm"]


@pytest.mark.parametrize("make_user", [leader_user, lambda: liaison_user(UnitFactory())])
def test_only_the_office_may_import_or_download_the_template(client, login, make_user):
    login(make_user())
    assert client.get(reverse("plan_import")).status_code == 403
    assert client.get(reverse("plan_import_template")).status_code == 403


def test_the_template_filled_in_imports_cleanly(client, login, units):
    login(office_user())
    response = client.get(reverse("plan_import_template"))
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == ["清单", "填写说明"]
    ws = wb["清单"]
    ws.append(
        [
            1,
            "新增学位",
            "教育",
            "新建幼儿园",
            "县教育局",
            "县教育局",
            "",
            "副县长",
            "局长",
            3,
            "所",
            "2024-03-01",
            "2024年底",
            "城关",
        ]
    )
    buffer = BytesIO()
    wb.save(buffer)
    parsed = plan_import.parse_file(buffer.getvalue(), year=2024)
    assert parsed.problems == []
    sub = parsed.items[0].sub_items[0]
    assert (sub.target_value, sub.target_unit, sub.planned_start, sub.planned_end, sub.location) == (
        Decimal("3.00"),
        "所",
        dt.date(2024, 3, 1),
        dt.date(2024, 12, 31),
        "城关",
    )


def test_import_plan_command_prints_every_problem_and_fails(tmp_path, units):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(
        xlsx_bytes(
            [["序号", "项目名称", "目标任务", "责任单位", "目标值"], [1, "甲", "任务", "县教育局", "若干"]]
        )
    )
    err = StringIO()
    with pytest.raises(CommandError, match="共1处问题"):
        call_command("import_plan", str(path), year=2024, stderr=err, stdout=StringIO())
    assert "第2行E列" in err.getvalue()
    assert Plan.objects.count() == 0


def test_import_plan_command_dry_run_saves_nothing_and_real_run_saves(tmp_path, units):
    path = tmp_path / "list.xlsx"
    path.write_bytes(published_table())
    out = StringIO()
    call_command("import_plan", str(path), year=2024, dry_run=True, region="测试县", stdout=out)
    assert "检查通过" in out.getvalue() and Plan.objects.count() == 0
    call_command("import_plan", str(path), year=2024, title="命令导入", region="测试县", stdout=out)
    assert Plan.objects.get(title="命令导入").items.count() == 2


def test_import_plan_command_rejects_a_file_that_is_not_xlsx(tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(CommandError, match="不是 Excel"):
        call_command("import_plan", str(path), year=2024)


def _registry(plan: Plan) -> list[tuple]:
    rows = []
    for sub in SubItem.objects.filter(item__plan=plan).select_related("item__category", "item__lead_unit"):
        item = sub.item
        rows.append(
            (
                item.number,
                item.title,
                item.category.name if item.category else "",
                item.lead_unit_id,
                item.responsible_leader,
                sub.number,
                sub.content,
                sub.target_value,
                sub.target_unit,
                sub.target_at_least,
                sub.responsible_unit_id,
                sorted(sub.cooperating_units.values_list("pk", flat=True)),
                sub.first_responsible_person,
                sub.planned_start,
                sub.planned_end,
                sub.location,
            )
        )
    return sorted(rows, key=lambda r: (r[0], r[5]))


def test_an_exported_plan_imports_back_as_the_same_registry(client, login):
    plan = PlanFactory(year=2024, title="往返清单")
    edu, water, power = (UnitFactory(code=c) for c in ("rt-edu", "rt-water", "rt-power"))
    first = ItemFactory(
        plan=plan,
        number=1,
        title="新建5G基站和充电桩",
        lead_unit=edu,
        category=CategoryFactory(name="新型基础设施"),
    )
    five_g = SubItemFactory(
        item=first,
        number=1,
        content="建成5G基站120个以上",
        target_value=Decimal("120"),
        target_at_least=True,
        responsible_unit=edu,
        first_responsible_person="主任 钱鹏",
        location="全区",
        planned_start=dt.date(2024, 2, 1),
        planned_end=dt.date(2024, 10, 31),
    )
    five_g.cooperating_units.set([water, power])
    SubItemFactory(
        item=first,
        number=2,
        content="新建充电桩",
        target_value=Decimal("35.5"),
        target_unit="公里",
        responsible_unit=power,
        planned_start=None,
        planned_end=dt.date(2024, 6, 30),
    )
    second = ItemFactory(
        plan=plan, number=2, title="老旧小区改造", lead_unit=water, category=None, responsible_leader=""
    )
    SubItemFactory(
        item=second,
        number=1,
        content="改造老旧小区\n第二行说明",
        target_value=None,
        target_unit="",
        responsible_unit=water,
    )

    login(office_user())
    response = client.get(reverse("plan_export_xlsx", args=[plan.pk]))
    parsed = plan_import.parse_file(response.content, year=2025)
    assert parsed.problems == [] and parsed.unknown_units == {}
    copy = plan_import.save_plan(parsed, year=2025, title="往返清单（导入）", region="测试区")
    assert _registry(copy) == _registry(plan)


def test_the_briefing_detail_sheet_imports_as_a_list(client, login):
    from django.utils import timezone

    from supervision.ledger.services import accept_report
    from supervision.models import ProgressReport
    from tests.factories import ProgressReportFactory
    from tests.test_briefing import build_plan

    plan = build_plan(items=2, subs_per_item=2)
    # The report texts printed as rows of their own under a sub-item are not sub-items.
    sub = SubItem.objects.get(item__plan=plan, item__number=2, number=1)
    report = ProgressReportFactory(
        sub_item=sub,
        period_start=dates.today().replace(day=1),
        progress_percent=Decimal("6"),
        work_done="完成选址",
        problems="征地拆迁受阻",
        next_steps="协调推进",
        state=ProgressReport.State.SUBMITTED,
        submitted_at=timezone.now(),
    )
    accept_report(report, office_user(username="reviewer-i"), on=dates.today())
    login(office_user())
    briefing = client.get(reverse("plan_briefing_xlsx", args=[plan.pk])).content
    parsed = plan_import.parse_file(briefing, year=2030)
    assert parsed.sheet == "进展明细" and parsed.problems == []
    assert parsed.subitem_count == 4
    copy = plan_import.save_plan(parsed, year=2030, title="简报导入", region="测试区")
    subs = SubItem.objects.filter(item__plan=copy).order_by("item__number", "number")
    assert [(s.target_value, s.target_unit, s.target_at_least) for s in subs][0] == (
        Decimal("120.00"),
        "个",
        True,
    )
    assert [s.responsible_unit.short_name for s in subs] == ["区通信办", "区水利局", "区水利局", "区水利局"]


def test_the_office_sees_the_upload_page_with_the_template_link(client, login):
    login(office_user())
    page = client.get(reverse("plan_import")).content.decode()
    assert "从Excel导入年度清单" in page
    assert reverse("plan_import_template") in page


def test_plan_page_offers_the_briefing_and_the_filtered_export(client, login):
    from tests.test_briefing import build_plan

    plan = build_plan(items=1, subs_per_item=1)
    login(leader_user())
    page = client.get(reverse("plan_detail", args=[plan.pk]), {"light": "red"}).content.decode()
    assert reverse("plan_briefing_xlsx", args=[plan.pk]) in page
    assert f"{reverse('plan_export_xlsx', args=[plan.pk])}?light=red" in page
