"""Reading the registry through the API: the plan summary, filters, pace fields, pagination."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from projects.models import Plan, SubItem, User
from supervision.models import Flag
from tests.factories import (
    CategoryFactory,
    FundingLineFactory,
    ItemFactory,
    PlanFactory,
    SubItemFactory,
    UnitFactory,
    accepted_report,
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


def test_plan_summary_gives_the_inspection_speech_figures(demo):
    client = APIClient()
    client.force_login(User.objects.get(username="office"))

    summary = client.get(f"/api/plans/{demo['plan_2023'].pk}/summary/").json()

    assert (summary["items_total"], summary["subitems_total"]) == (10, 13)
    assert (summary["items_completed"], summary["subitems_completed"]) == (6, 8)
    assert summary["item_completion_rate"] == 0.6
    assert sum(summary["lights"].values()) == 13
    assert set(summary["funding"]) >= {"planned", "allocated", "paid"}
    # A closed list reads as of its closing date unless another date is asked for.
    assert summary["as_of"] == "2024-01-20"
    assert summary["is_final"] is True
    # Issue 15: the five unfinished sub-items were carried into the 2024 continuation (结转).
    assert summary["verdicts"] == {"on_time": 8, "late": 0, "unfinished": 0, "carried": 5, "terminated": 0}


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
        item=ItemFactory(plan=plan, category=housing), responsible_unit=unit, planned_end=dt.date(2025, 6, 30)
    )
    accepted_report(wanted, on=dt.date(2025, 3, 4), progress="30")
    SubItemFactory(item=ItemFactory(plan=plan, category=water), responsible_unit=unit)
    started_elsewhere = SubItemFactory(item=wanted.item, responsible_unit=UnitFactory())
    accepted_report(started_elsewhere, on=dt.date(2025, 3, 4), progress="30")
    SubItemFactory(item=wanted.item, responsible_unit=unit, planned_end=dt.date(2025, 12, 31))

    response = office_api.get(
        f"/api/subitems/?year=2025&category={housing.pk}&unit={unit.pk}&status=in_progress"
        "&planned_end_before=2025-07-01"
    )

    assert _ids(response) == [wanted.pk]


AS_OF = dt.date(2025, 7, 1)  # scheduled pace of a calendar-year task: 181 of 364 days, 49.73%


def _year_task(
    plan, progress: str | None, *, reported_for: dt.date = dt.date(2025, 5, 1), **report
) -> SubItem:
    sub = SubItemFactory(
        item__plan=plan, planned_start=dt.date(2025, 1, 1), planned_end=dt.date(2025, 12, 31)
    )
    if progress is not None:
        accepted_report(
            sub, on=reported_for.replace(day=28), progress=progress, period_start=reported_for, **report
        )
    return sub


def test_sub_items_show_pace_as_of_a_date_and_filter_by_light_and_lagging(office_api):
    plan = PlanFactory(year=2025)
    red = _year_task(plan, "10", reported_for=dt.date(2025, 3, 1))
    yellow = _year_task(plan, "35")
    green = _year_task(plan, "50")
    blue = _year_task(plan, "100", actual="120", complete=True)

    rows = {row["id"]: row for row in office_api.get(f"/api/subitems/?as_of={AS_OF}").json()["results"]}

    assert (rows[red.pk]["light"], rows[red.pk]["lag_points"], rows[red.pk]["scheduled_percent"]) == (
        "red",
        "39.73",
        "49.73",
    )
    assert rows[red.pk]["overdue_report"] is True  # its last report was for March
    assert rows[yellow.pk]["overdue_report"] is False
    assert rows[red.pk]["as_of"] == AS_OF.isoformat()
    assert _ids(office_api.get(f"/api/subitems/?as_of={AS_OF}&light=yellow")) == [yellow.pk]
    assert _ids(office_api.get(f"/api/subitems/?as_of={AS_OF}&overdue_report=true")) == [red.pk]
    assert set(_ids(office_api.get(f"/api/subitems/?as_of={AS_OF}&lagging=true"))) == {red.pk, yellow.pk}
    assert set(_ids(office_api.get(f"/api/subitems/?as_of={AS_OF}&lagging=false"))) == {green.pk, blue.pk}
    assert _ids(office_api.get(f"/api/subitems/?as_of={AS_OF}&lagging=true&ordering=-pace__lag_points")) == [
        red.pk,
        yellow.pk,
    ]
    # Before any report was accepted, nothing had been done: as of 1 March all four lag.
    early = {
        row["id"]: row["progress_percent"]
        for row in office_api.get("/api/subitems/?as_of=2025-03-01").json()["results"]
    }
    assert set(early.values()) == {"0.00"}


def test_sub_items_carry_the_money_reported_by_then(office_api):
    plan = PlanFactory(year=2025)
    sub = _year_task(plan, "20", reported_for=dt.date(2025, 3, 1), allocated="80", paid="40")
    FundingLineFactory(sub_item=sub, planned=Decimal("100"))
    accepted_report(sub, on=dt.date(2025, 5, 28), progress="40", period_start=dt.date(2025, 5, 1))

    march = office_api.get(f"/api/subitems/{sub.pk}/?as_of=2025-04-01").json()
    june = office_api.get(f"/api/subitems/{sub.pk}/?as_of=2025-06-01").json()

    assert (march["funds_allocated"], march["funds_paid"]) == ("80.00", "40.00")
    # May's report left the money blank: the money stands as March's report stated it.
    assert (june["funds_allocated"], june["funds_paid"], june["progress_percent"]) == (
        "80.00",
        "40.00",
        "40.00",
    )
    assert june["funding_lines"] == [
        {"source": "county", "planned": "100.00", "allocated": "80.00", "paid": "40.00"}
    ]


def test_items_filter_by_responsible_unit_and_item_light(office_api):
    plan = PlanFactory(year=2025)
    unit = UnitFactory()
    behind = _year_task(plan, "5")
    behind.responsible_unit = unit
    behind.save()
    wanted = behind.item
    other = _year_task(plan, "60").item

    assert _ids(office_api.get(f"/api/items/?unit={unit.pk}")) == [wanted.pk]
    assert _ids(office_api.get(f"/api/items/?as_of={AS_OF}&lagging=true")) == [wanted.pk]
    assert _ids(office_api.get(f"/api/items/?as_of={AS_OF}&lagging=false")) == [other.pk]
    assert office_api.get(f"/api/items/{wanted.pk}/?as_of={AS_OF}").json()["light"] == "red"


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


def test_sub_items_filter_by_last_accepted_and_completed_dates(office_api):
    plan = PlanFactory(year=2025)
    early = _year_task(plan, "30", reported_for=dt.date(2025, 2, 1))
    late = _year_task(plan, "100", reported_for=dt.date(2025, 5, 1), actual="120", complete=True)

    before_march = office_api.get("/api/subitems/", {"as_of": AS_OF, "last_accepted_on_before": "2025-03-01"})
    finished = office_api.get("/api/subitems/", {"as_of": AS_OF, "completed_on_after": "2025-05-01"})

    assert _ids(before_march) == [early.pk]
    assert _ids(finished) == [late.pk]
    assert office_api.get("/api/subitems/", {"last_accepted_on_before": "2000-01-01"}).json()["count"] == 0
