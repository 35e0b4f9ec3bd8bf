"""A unit's name is unique within its region, not across the registry: two counties each have a
住房和城乡建设局, and a list imported for one county names its own, never the other's."""

from __future__ import annotations

from io import BytesIO, StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from openpyxl import Workbook
from rest_framework.test import APIClient

from projects.api.serializers import UnitSerializer
from projects.demo import UNITS
from projects.models import Item, Plan, Region, SubItem, SubItemShare, Unit
from projects.services import plan_import
from projects.services.plan_import import PlanImportInvalid
from tests.factories import UnitFactory, office_user, region

pytestmark = pytest.mark.django_db

HOUSING = "住房和城乡建设局"
HEADER = [
    "序号",
    "项目名称",
    "目标任务",
    "牵头单位",
    "责任单位",
    "配合单位",
    "目标值",
    "计量单位",
    "完成时限",
]


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
def counties():
    """A city and two of its counties, each county with its own 住房和城乡建设局 (区住建局)."""
    city = region("440100", "示范市", region("440000", "示范省"))
    east, green = region("440105", "东湖区", city), region("440106", "青山区", city)
    return {
        "city": city,
        "a": east,
        "b": green,
        "housing_a": UnitFactory(name=HOUSING, short_name="区住建局", code="dh-housing", region=east),
        "housing_b": UnitFactory(name=HOUSING, short_name="区住建局", code="qs-housing", region=green),
    }


def _unit(name: str, code: str, region=None) -> Unit:
    unit = Unit(name=name, code=code, region=region)
    unit.full_clean()
    unit.save()
    return unit


# --- the model --------------------------------------------------------------------------


def test_two_regions_may_each_have_a_unit_of_the_same_name(counties):
    assert Unit.objects.filter(name=HOUSING).count() == 2
    _unit("区教育局", "dh-edu", counties["a"])
    _unit("区教育局", "qs-edu", counties["b"])
    _unit("区教育局", "edu-none")  # and one without a region
    assert Unit.objects.filter(name="区教育局").count() == 3


def test_one_region_cannot_have_two_units_of_the_same_name(counties):
    with pytest.raises(ValidationError) as refused:
        _unit(HOUSING, "dh-housing-2", counties["a"])
    assert refused.value.messages == ["本区划已有同名单位"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(name=HOUSING, code="dh-housing-3", region=counties["a"])


def test_units_without_a_region_cannot_share_a_name_either():
    _unit("区教育局", "edu-1")
    with pytest.raises(ValidationError) as refused:
        _unit("区教育局", "edu-2")
    assert refused.value.messages == ["未设区划的单位中已有同名单位"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(name="区教育局", code="edu-3")


def test_the_code_stays_unique_across_regions(counties):
    with pytest.raises(ValidationError) as refused:
        _unit("区教育局", "dh-housing", counties["b"])
    assert "code" in refused.value.message_dict


# --- the admin and the API --------------------------------------------------------------


def _admin_add(client, **fields):
    data = {"name": "", "short_name": "", "code": "", "kind": "department", "is_active": "on", "region": ""}
    return client.post("/admin/projects/unit/add/", {**data, **fields})


def test_the_admin_adds_a_same_named_unit_in_another_region_and_refuses_it_in_the_same(
    client, login, counties
):
    login(office_user(is_superuser=True))
    city = counties["city"]
    added = _admin_add(client, name=HOUSING, code="city-housing", region=city.pk)
    assert added.status_code == 302
    assert Unit.objects.get(code="city-housing").region == city

    refused = _admin_add(client, name=HOUSING, code="qs-housing-2", region=counties["b"].pk)
    assert refused.status_code == 200
    assert "本区划已有同名单位" in refused.content.decode()
    assert not Unit.objects.filter(code="qs-housing-2").exists()

    changed = Unit.objects.get(code="city-housing")
    moved = client.post(
        f"/admin/projects/unit/{changed.pk}/change/",
        {
            "name": HOUSING,
            "short_name": "",
            "code": "city-housing",
            "kind": "department",
            "region": counties["a"].pk,
        },
    )
    assert "本区划已有同名单位" in moved.content.decode()
    changed.refresh_from_db()
    assert changed.region == city


def test_the_api_tells_same_named_units_apart_by_region_and_validates_the_name_per_region(counties):
    api = APIClient()
    api.force_login(office_user())
    rows = api.get("/api/units/", {"page_size": 100}).json()["results"]
    assert {(r["name"], r["region_code"]) for r in rows} == {(HOUSING, "440105"), (HOUSING, "440106")}

    # The registry API is read-only; its unit serializer still checks the rule, should units
    # ever be written through it: a 400 with the Chinese message, not an IntegrityError.
    other_region = UnitSerializer(data={"name": HOUSING, "code": "city-housing", "region_code": "440100"})
    assert other_region.is_valid(), other_region.errors
    same_region = UnitSerializer(data={"name": HOUSING, "code": "qs-housing-2", "region_code": "440106"})
    assert not same_region.is_valid()
    assert same_region.errors["non_field_errors"] == ["本区划已有同名单位"]
    renamed = UnitSerializer(counties["housing_a"], data={"short_name": "东湖住建"}, partial=True)
    assert renamed.is_valid(), renamed.errors  # the unit itself is no duplicate


# --- the list import --------------------------------------------------------------------


def _list(*rows) -> bytes:
    return workbook({"清单": [HEADER, *rows]})


def _upload(client, data: bytes, region_code: str, title: str):
    fields = {"year": 2026, "region": "青山区", "region_code": region_code, "title": title}
    preview = client.post(reverse("plan_import"), {"file": SimpleUploadedFile("list.xlsx", data), **fields})
    assert preview.status_code == 200
    return preview, {**fields, "token": preview.context["form"].initial["token"]}


def test_a_list_of_region_b_names_b_s_unit_never_a_s_and_creates_new_units_in_b(client, login, counties):
    a, b = counties["a"], counties["b"]
    culture_a = UnitFactory(name="区文化旅游局", short_name="区文旅局", code="dh-culture", region=a)
    data = _list(
        [1, "老旧小区改造", "改造老旧小区12个", "区住建局", HOUSING, "区数据局", 12, "个", "10月底"],
        [2, "乡村文化", "建设农家书屋5个", "区文旅局", "区文旅局", "", 5, "个", "11月底"],
    )
    login(office_user())
    preview, fields = _upload(client, data, "440106", "2026年青山区民生实事")
    # Region A's 区文旅局 is not B's: it is a new unit of B, like 区数据局.
    assert set(preview.context["parsed"].unknown_units) == {"区数据局", "区文旅局"}
    assert preview.context["can_confirm"]

    done = client.post(reverse("plan_import_confirm"), {**fields, "create_units": "on"})
    plan = Plan.objects.get(title="2026年青山区民生实事")
    assert done.status_code == 302 and plan.region == b
    first = Item.objects.get(plan=plan, number=1)
    sub = SubItem.objects.get(item=first)
    assert first.lead_unit == counties["housing_b"] and sub.responsible_unit == counties["housing_b"]
    data_bureau = sub.cooperating_units.get()
    assert (data_bureau.name, data_bureau.region) == ("区数据局", b)
    second = Item.objects.get(plan=plan, number=2)
    assert second.lead_unit != culture_a and (second.lead_unit.name, second.lead_unit.region) == (
        "区文旅局",
        b,
    )
    assert not Item.objects.filter(lead_unit=counties["housing_a"]).exists()
    culture_a.refresh_from_db()
    assert culture_a.region == a and not culture_a.led_items.exists()


def test_a_list_of_region_a_names_a_s_unit(counties):
    data = _list([1, "老旧小区改造", "改造老旧小区12个", "区住建局", "区住建局", "", 12, "个", "10月底"])
    parsed = plan_import.parse_file(data, year=2026)
    plan = plan_import.save_plan(
        parsed, year=2026, title="2026年东湖区民生实事", region="东湖区", region_code="440105"
    )
    assert plan.items.get().lead_unit == counties["housing_a"]


def test_the_import_command_takes_the_list_s_region(tmp_path, counties):
    path = tmp_path / "list.xlsx"
    path.write_bytes(
        _list([1, "老旧小区改造", "改造老旧小区12个", "区住建局", "区住建局", "", 12, "个", "10月底"])
    )
    call_command(
        "import_plan", str(path), year=2026, region="青山区", region_code="440106", stdout=StringIO()
    )
    assert Plan.objects.get(region=counties["b"]).items.get().lead_unit == counties["housing_b"]


def test_a_county_list_names_its_townships_units_and_units_without_a_region(counties):
    b = counties["b"]
    town = region("440106001", "城关街道", b)
    office = UnitFactory(name="城关街道办事处", short_name="城关街道", code="cg-office", region=town)
    legacy = UnitFactory(name="区财政局", short_name="区财政局", code="finance-none")
    data = _list([1, "背街小巷", "整治背街小巷8条", "区住建局", "城关街道", "区财政局", 8, "条", "10月底"])
    parsed = plan_import.parse_file(data, year=2026, region_code="440106")
    assert parsed.problems == [] and parsed.unknown_units == {}
    plan = plan_import.save_plan(
        parsed, year=2026, title="2026年青山区民生实事", region="青山区", region_code="440106"
    )
    sub = SubItem.objects.get(item__plan=plan)
    assert (sub.item.lead_unit, sub.responsible_unit) == (counties["housing_b"], office)
    assert list(sub.cooperating_units.all()) == [legacy]


def test_a_list_without_a_region_refuses_a_name_several_regions_share(counties):
    data = _list([1, "老旧小区改造", "改造老旧小区12个", HOUSING, HOUSING, "", 12, "个", "10月底"])
    parsed = plan_import.parse_file(data, year=2026)
    with pytest.raises(PlanImportInvalid) as refused:
        plan_import.save_plan(parsed, year=2026, title="未设区划的清单", region="某地", create_units=True)
    messages = {str(p) for p in refused.value.problems}
    assert any("有2个同名单位（东湖区、青山区）" in m and "请填写清单的所属区划代码" in m for m in messages)
    assert not Plan.objects.filter(title="未设区划的清单").exists()

    # A unit without a region of that name is the one a list without a region means.
    legacy = UnitFactory(name=HOUSING, short_name="", code="housing-none")
    plan = plan_import.save_plan(
        plan_import.parse_file(data, year=2026), year=2026, title="未设区划的清单", region="某地"
    )
    assert plan.items.get().lead_unit == legacy


def test_the_shares_of_a_split_name_each_region_s_own_unit(counties):
    city = counties["city"]
    UnitFactory(name=f"示范市{HOUSING}", short_name="市住建局", code="city-housing", region=city)
    data = workbook(
        {
            "清单": [
                HEADER,
                [1, "老旧小区改造", "改造老旧小区50个", "市住建局", "市住建局", "", 50, "个", "11月底"],
            ],
            "分解表": [
                ["序号", "区划", "分解目标", "责任单位"],
                ["1", "东湖区", 30, "区住建局"],
                ["1", "440106", 20, HOUSING],
            ],
        }
    )
    parsed = plan_import.parse_file(data, year=2026, region_code="440100")
    plan = plan_import.save_plan(
        parsed, year=2026, title="2026年示范市民生实事", region="示范市", region_code="440100"
    )
    shares = SubItemShare.objects.filter(sub_item__item__plan=plan)
    assert {s.region.name: s.responsible_unit for s in shares} == {
        "东湖区": counties["housing_a"],
        "青山区": counties["housing_b"],
    }


def test_a_share_never_takes_another_region_s_same_named_unit(counties):
    city = counties["city"]
    region("440107", "西岭区", city)  # has no 住房和城乡建设局 of its own
    UnitFactory(name=f"示范市{HOUSING}", short_name="市住建局", code="city-housing", region=city)
    data = workbook(
        {
            "清单": [
                HEADER,
                [1, "老旧小区改造", "改造老旧小区5个", "市住建局", "市住建局", "", 5, "个", "11月底"],
            ],
            "分解表": [["序号", "区划", "分解目标", "责任单位"], ["1", "西岭区", 5, HOUSING]],
        }
    )
    parsed = plan_import.parse_file(data, year=2026, region_code="440100")
    with pytest.raises(PlanImportInvalid) as refused:
        plan_import.save_plan(
            parsed, year=2026, title="2026年示范市民生实事", region="示范市", region_code="440100"
        )
    assert any(f"找不到“西岭区”的责任单位“{HOUSING}”" in str(p) for p in refused.value.problems)


# --- the migration ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_existing_units_and_adds_the_constraints():
    """Units as the demo county has them before the migration (names unique across the
    registry, some with a region, some without) are all there after it."""
    before = [("projects", "0008_regions_and_shares")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    county = old.get_model("projects", "Region").objects.create(code="990102", name="青山区", level="county")
    old_unit = old.get_model("projects", "Unit")
    for n, (code, name, short, kind, *_) in enumerate(UNITS):
        old_unit.objects.create(
            code=code, name=name, short_name=short, kind=kind, region=county if n % 2 else None
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    kept = {u.code: (u.name, u.short_name, u.region_id is not None) for u in Unit.objects.all()}
    assert kept == {code: (name, short, bool(n % 2)) for n, (code, name, short, *_) in enumerate(UNITS)}
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Unit._meta.db_table)
    assert constraints["unit_name_unique_in_region"]["unique"]
    assert constraints["unit_name_unique_in_region"]["columns"] == ["region_id", "name"]
    assert constraints["unit_name_unique_without_region"]["unique"]
    # The field's own unique index is gone: the same name may now stand in another region.
    other = Region.objects.create(code="990104", name="西岭区", level="county")
    Unit.objects.create(name=Unit.objects.get(code="housing").name, code="xl-housing", region=other)
