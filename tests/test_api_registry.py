"""Reading the registry through the API: the plan summary, filters, pace fields, pagination."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from core.lights import Light
from projects.models import Plan, SubItem, User
from supervision.models import Flag, ItemPace, SubItemPace
from tests.factories import (
    CategoryFactory,
    ItemFactory,
    PlanFactory,
    SubItemFactory,
    UnitFactory,
    office_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_api() -> APIClient:
    client = APIClient()
    client.force_login(office_user())
    return client


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _pace(sub_item: SubItem, light: str, lag: str = "0", **extra) -> SubItemPace:
    return SubItemPace.objects.create(
        sub_item=sub_item,
        checked_on=dt.date.today(),
        scheduled_percent=Decimal("60"),
        progress_percent=Decimal("60") - Decimal(lag),
        lag_points=Decimal(lag),
        light=light,
        **extra,
    )


def test_plan_summary_gives_the_inspection_speech_figures(demo):
    client = APIClient()
    client.force_login(User.objects.get(username="office"))

    summary = client.get(f"/api/plans/{demo['plan_2023'].pk}/summary/").json()

    assert (summary["items_total"], summary["subitems_total"]) == (10, 13)
    assert (summary["items_completed"], summary["subitems_completed"]) == (6, 8)
    assert summary["item_completion_rate"] == 0.6
    assert sum(summary["lights"].values()) == 13
    assert set(summary["funding"]) >= {"planned", "allocated", "paid"}
    assert summary["as_of"] == dt.date.today().isoformat()


def test_plan_summary_as_of_a_past_date_recomputes_the_figures(demo):
    client = APIClient()
    client.force_login(User.objects.get(username="office"))

    summary = client.get(f"/api/plans/{demo['plan_2023'].pk}/summary/?as_of=2023-06-30").json()

    assert summary["as_of"] == "2023-06-30"
    assert summary["items_completed"] < 6


@pytest.mark.parametrize(
    ("as_of", "message"),
    [("2023-13-01", "截至日期格式应为 YYYY-MM-DD"), ("0001-01-01", "截至日期不能早于2000年1月1日")],
)
def test_plan_summary_refuses_a_bad_as_of_date_in_chinese(office_api, as_of, message):
    plan = SubItemFactory().item.plan

    response = office_api.get(f"/api/plans/{plan.pk}/summary/?as_of={as_of}")

    assert response.status_code == 400
    assert response.json() == {"as_of": [message]}


def test_plans_filter_by_year_and_status(office_api):
    this_year = PlanFactory(year=2025)
    PlanFactory(year=2024)
    PlanFactory(year=2025, status=Plan.Status.CLOSED)

    assert _ids(office_api.get("/api/plans/?year=2025&status=published")) == [this_year.pk]


def test_sub_items_filter_by_category_unit_status_and_deadline(office_api):
    plan = PlanFactory(year=2025)
    housing, water = CategoryFactory(name="住房"), CategoryFactory(name="饮水")
    unit = UnitFactory()
    wanted = SubItemFactory(
        item=ItemFactory(plan=plan, category=housing),
        responsible_unit=unit,
        status=SubItem.Status.IN_PROGRESS,
        planned_end=dt.date(2025, 6, 30),
    )
    SubItemFactory(item=ItemFactory(plan=plan, category=water), responsible_unit=unit)
    SubItemFactory(item=wanted.item, responsible_unit=UnitFactory(), status=SubItem.Status.IN_PROGRESS)
    SubItemFactory(item=wanted.item, responsible_unit=unit, planned_end=dt.date(2025, 12, 31))

    response = office_api.get(
        f"/api/subitems/?year=2025&category={housing.pk}&unit={unit.pk}&status=in_progress"
        "&planned_end_before=2025-07-01"
    )

    assert _ids(response) == [wanted.pk]


def test_sub_items_show_the_last_pace_check_and_filter_by_light_and_lagging(office_api):
    red, yellow, green, unchecked = (SubItemFactory() for _ in range(4))
    _pace(red, Light.RED, "35", overdue_report=True)
    _pace(yellow, Light.YELLOW, "12")
    _pace(green, Light.GREEN)

    rows = {row["id"]: row for row in office_api.get("/api/subitems/").json()["results"]}

    assert (rows[red.pk]["light"], rows[red.pk]["lag_points"], rows[red.pk]["scheduled_percent"]) == (
        "red",
        "35.00",
        "60.00",
    )
    assert rows[red.pk]["overdue_report"] is True
    assert (rows[unchecked.pk]["light"], rows[unchecked.pk]["lag_points"]) == (None, None)
    assert _ids(office_api.get("/api/subitems/?light=yellow")) == [yellow.pk]
    assert set(_ids(office_api.get("/api/subitems/?lagging=true"))) == {red.pk, yellow.pk}
    assert set(_ids(office_api.get("/api/subitems/?lagging=false"))) == {green.pk, unchecked.pk}
    assert _ids(office_api.get("/api/subitems/?lagging=true&ordering=-pace__lag_points")) == [
        red.pk,
        yellow.pk,
    ]


def test_items_filter_by_responsible_unit_and_item_light(office_api):
    unit = UnitFactory()
    wanted = SubItemFactory(responsible_unit=unit).item
    SubItemFactory(item=wanted)
    other = SubItemFactory().item
    ItemPace.objects.create(
        item=wanted,
        checked_on=dt.date.today(),
        scheduled_percent=50,
        progress_percent=10,
        lag_points=40,
        light=Light.RED,
    )

    assert _ids(office_api.get(f"/api/items/?unit={unit.pk}")) == [wanted.pk]
    assert _ids(office_api.get("/api/items/?lagging=true")) == [wanted.pk]
    assert _ids(office_api.get("/api/items/?lagging=false")) == [other.pk]
    assert office_api.get(f"/api/items/{wanted.pk}/").json()["light"] == "red"


def test_flags_filter_by_kind_open_unit_and_date(office_api):
    unit = UnitFactory()
    sub_item = SubItemFactory(responsible_unit=unit)
    open_red = Flag.objects.create(sub_item=sub_item, kind=Flag.Kind.RED, raised_on=dt.date(2025, 5, 3))
    Flag.objects.create(
        sub_item=sub_item, kind=Flag.Kind.RED, raised_on=dt.date(2025, 3, 1), cleared_on=dt.date(2025, 4, 1)
    )
    Flag.objects.create(sub_item=sub_item, kind=Flag.Kind.OVERDUE_REPORT, raised_on=dt.date(2025, 5, 6))
    Flag.objects.create(sub_item=SubItemFactory(), kind=Flag.Kind.RED, raised_on=dt.date(2025, 5, 3))

    response = office_api.get(
        f"/api/flags/?kind=red&open=true&unit={unit.pk}&raised_on_after=2025-05-01&raised_on_before=2025-05-31"
    )

    assert _ids(response) == [open_red.pk]
    assert response.json()["results"][0]["is_open"] is True


def test_lists_are_paginated_by_page_size(office_api):
    for _ in range(7):
        SubItemFactory()

    first = office_api.get("/api/subitems/?page_size=5").json()
    second = office_api.get("/api/subitems/?page_size=5&page=2").json()

    assert (first["count"], len(first["results"]), len(second["results"])) == (7, 5, 2)
    assert first["next"].endswith("page=2&page_size=5")


def test_page_size_is_capped_at_200(office_api):
    item = SubItemFactory().item
    SubItem.objects.bulk_create(
        SubItem(item=item, number=n, content=f"任务{n}", responsible_unit=item.lead_unit)
        for n in range(1000, 1200)
    )

    page = office_api.get("/api/subitems/?page_size=500").json()

    assert (page["count"], len(page["results"])) == (201, 200)


def test_an_unknown_id_answers_404_in_chinese(office_api):
    response = office_api.get("/api/subitems/987654/")

    assert response.status_code == 404
    assert response.json()["detail"] == "不存在，或您无权查看"


def test_filter_values_out_of_range_answer_400_not_500(office_api):
    response = office_api.get("/api/subitems/?plan=99999999999999999999999")

    assert response.status_code == 400
    assert "plan" in response.json()
