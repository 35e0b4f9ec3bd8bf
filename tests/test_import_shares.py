"""Importing lists split across lower regions: a city list whose annex gives each county's share
(a column per county, or rows per county on an annex sheet) and a county list naming its
townships' shares."""

from __future__ import annotations

from decimal import Decimal as D
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from projects.models import Plan, SubItemShare
from projects.services import plan_import
from projects.services.plan_import import PlanImportInvalid
from tests.factories import UnitFactory, office_user, region

pytestmark = pytest.mark.django_db

HEADER = ["序号", "项目名称", "目标任务", "牵头单位", "责任单位", "目标值", "计量单位", "完成时限"]


def workbook(sheets: dict[str, list[list]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def city():
    city = region("440100", "示范市", region("440000", "示范省"))
    counties = [
        region(code, name, city)
        for code, name in (("440105", "东湖区"), ("440106", "青山区"), ("440107", "西岭区"))
    ]
    UnitFactory(name="示范市教育局", region=city)
    for county in counties:
        UnitFactory(name=f"{county.name}教育局", region=county)
    return city, counties


def _import(data: bytes, **extra) -> Plan:
    parsed = plan_import.parse_file(data, year=2026)
    return plan_import.save_plan(parsed, year=2026, title="2026年示范市民生实事", region="示范市", **extra)


def test_a_city_list_with_a_column_per_county_is_split_into_their_shares(city):
    data = workbook(
        {
            "清单": [
                ["2026年示范市民生实事"],
                [*HEADER, "东湖区", "青山区", "西岭区"],
                [
                    1,
                    "扩充学位",
                    "新增公办中小学学位6000个",
                    "示范市教育局",
                    "示范市教育局",
                    6000,
                    "个",
                    "2026年10月底",
                    2500,
                    2000,
                    1500,
                ],
            ]
        }
    )
    plan = _import(data, region_code="440100")
    shares = SubItemShare.objects.filter(sub_item__item__plan=plan).select_related(
        "region", "responsible_unit"
    )
    assert {(s.region.name, s.target_value, s.responsible_unit.name) for s in shares} == {
        ("东湖区", D("2500"), "东湖区教育局"),
        ("青山区", D("2000"), "青山区教育局"),
        ("西岭区", D("1500"), "西岭区教育局"),
    }
    assert plan.region.code == "440100"


def test_a_county_list_names_its_townships_shares_on_an_annex_sheet():
    county = region("440106", "青山区", region("440100", "示范市", region("440000", "示范省")))
    towns = [region(f"440106{n:03d}", name, county) for n, name in ((1, "城关街道"), (2, "河西镇"))]
    UnitFactory(name="青山区水利局", region=county)
    for town in towns:
        UnitFactory(name=f"{town.name}办事处", region=town)
    data = workbook(
        {
            "清单": [
                [*HEADER],
                [
                    1,
                    "农村供水",
                    "新建改造供水管网80公里",
                    "青山区水利局",
                    "青山区水利局",
                    80,
                    "公里",
                    "11月底",
                ],
            ],
            "分解表": [
                ["序号", "乡镇（街道）", "分解目标", "责任单位", "第一责任人", "完成时限"],
                ["1", "城关街道", 50, "城关街道办事处", "街道主任 甲", "10月底"],
                ["1", "440106002", 30, "河西镇办事处", "镇长 乙", ""],
            ],
        }
    )
    parsed = plan_import.parse_file(data, year=2026)
    plan = plan_import.save_plan(
        parsed, year=2026, title="2026年青山区民生实事", region="青山区", region_code="440106"
    )
    shares = {s.region.name: s for s in SubItemShare.objects.filter(sub_item__item__plan=plan)}
    assert (
        shares["城关街道"].target_value == D("50")
        and shares["城关街道"].first_responsible_person == "街道主任 甲"
    )
    assert str(shares["城关街道"].planned_end) == "2026-10-31"
    assert str(shares["河西镇"].planned_end) == "2026-11-30"  # the sub-item's deadline
    assert shares["河西镇"].responsible_unit.name == "河西镇办事处"


def test_shares_exceeding_the_target_without_a_reason_are_refused_with_their_place(city):
    data = workbook(
        {
            "清单": [
                [*HEADER, "东湖区", "青山区", "西岭区"],
                [
                    1,
                    "扩充学位",
                    "新增学位6000个",
                    "示范市教育局",
                    "示范市教育局",
                    6000,
                    "个",
                    "10月底",
                    3000,
                    2000,
                    1500,
                ],
            ]
        }
    )
    with pytest.raises(PlanImportInvalid) as exc:
        _import(data, region_code="440100")
    assert [str(p) for p in exc.value.problems] == [
        "第2行I列：各区划分解目标之和为6500个，本项目标为6000个，超出目标，须在“分解说明”中说明原因"
    ]
    assert not Plan.objects.exists() and not SubItemShare.objects.exists()


def test_an_annex_may_state_why_the_shares_differ_from_the_target(city):
    data = workbook(
        {
            "清单": [
                [*HEADER],
                [1, "扩充学位", "新增学位6000个", "示范市教育局", "示范市教育局", 6000, "个", "10月底"],
            ],
            "附件2 任务分解": [
                ["序号", "县（市、区）", "分解目标", "分解说明"],
                ["1", "东湖区", 3000, "东湖区主动多承担500个"],
                ["1", "青山区", 2000, ""],
                ["1", "西岭区", 1500, ""],
            ],
        }
    )
    plan = _import(data, region_code="440100")
    sub = plan.items.get().sub_items.get()
    assert sub.share_note == "东湖区主动多承担500个" and sub.shares.count() == 3


def test_a_region_outside_the_list_an_unknown_sub_item_and_a_missing_unit_are_each_named(city):
    other = region("450102", "他市某区", region("450100", "他市", region("450000", "他省")))
    UnitFactory(name="他市某区教育局", region=other)
    data = workbook(
        {
            "清单": [
                [*HEADER],
                [1, "扩充学位", "新增学位6000个", "示范市教育局", "示范市教育局", 6000, "个", "10月底"],
            ],
            "分解表": [
                ["序号", "区划", "分解目标", "责任单位"],
                ["1", "他市某区", 3000, ""],
                ["1", "西岭区", 3000, "西岭区不存在的局"],
            ],
        }
    )
    with pytest.raises(PlanImportInvalid) as exc:
        _import(data, region_code="440100")
    assert [str(p) for p in exc.value.problems] == [
        "工作表“分解表”第2行B列：“他市某区”不是“示范市”的下级区划",
        "工作表“分解表”第3行B列：找不到“西岭区”的责任单位“西岭区不存在的局”，请先建立该单位或在分解表中写明",
    ]
    assert not Plan.objects.exists()


def test_an_annex_row_naming_no_sub_item_of_the_list_is_refused_before_anything_is_saved(city):
    data = workbook(
        {
            "清单": [
                [*HEADER],
                [1, "扩充学位", "新增学位6000个", "示范市教育局", "示范市教育局", 6000, "个", "10月底"],
            ],
            "分解表": [["序号", "区划", "分解目标"], ["4.2", "青山区", 2000]],
        }
    )
    parsed = plan_import.parse_file(data, year=2026)
    assert [str(p) for p in parsed.problems] == [
        "工作表“分解表”第2行A列：序号“4.2”在清单中找不到对应的子项（如“3”或“3.2”）"
    ]


def test_a_split_list_needs_the_plans_region(city):
    data = workbook(
        {
            "清单": [
                [*HEADER, "东湖区"],
                [1, "扩充学位", "新增学位6000个", "示范市教育局", "示范市教育局", 6000, "个", "10月底", 6000],
            ]
        }
    )
    with pytest.raises(PlanImportInvalid) as exc:
        _import(data)
    assert [str(p) for p in exc.value.problems] == [
        "第2行I列：清单未设所属区划，不能分解到下级区划（请填写“所属区划代码”）"
    ]


def test_the_upload_page_takes_the_region_code_and_refuses_an_unknown_one(city, client):
    client.force_login(office_user())
    data = workbook(
        {
            "清单": [
                [*HEADER, "东湖区", "青山区", "西岭区"],
                [
                    1,
                    "扩充学位",
                    "新增学位6000个",
                    "示范市教育局",
                    "示范市教育局",
                    6000,
                    "个",
                    "10月底",
                    2500,
                    2000,
                    1500,
                ],
            ]
        }
    )
    bad = client.post(
        reverse("plan_import"),
        {
            "file": SimpleUploadedFile("list.xlsx", data),
            "year": 2026,
            "region": "示范市",
            "region_code": "123456",
        },
    )
    assert "没有代码为“123456”的行政区划" in bad.content.decode()
    good = client.post(
        reverse("plan_import"),
        {
            "file": SimpleUploadedFile("list.xlsx", data),
            "year": 2026,
            "region": "示范市",
            "region_code": "440100",
        },
    )
    form = good.context["form"]
    assert good.context["problems"] == []
    done = client.post(
        reverse("plan_import_confirm"),
        {
            "token": form.initial["token"],
            "year": 2026,
            "title": "2026年示范市民生实事",
            "region": "示范市",
            "region_code": "440100",
        },
    )
    assert done.status_code == 302
    assert SubItemShare.objects.filter(sub_item__item__plan__title="2026年示范市民生实事").count() == 3
