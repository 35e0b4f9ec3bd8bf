"""The completion dashboard deputies and leaders open before a meeting or an inspection."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import dates
from projects.models import Category, Plan, Unit
from supervision.models import InspectionVisit, Rectification
from supervision.reading.progress import plan_progress
from tests.factories import (
    FundingLineFactory,
    ItemFactory,
    PlanFactory,
    SubItemFactory,
    accepted_report,
    deputy_user,
    leader_user,
    liaison_user,
    office_user,
)


def dashboard_url(plan, query: str = "") -> str:
    return f"/plans/{plan.pk}/dashboard/" + (f"?{query}" if query else "")


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def headline_text(page: str) -> str:
    match = re.search(r'<p class="headline[^"]*" id="headline">(.*?)</p>', page, re.S)
    return text_of(match.group(1))


def chart_data(response) -> dict:
    match = re.search(
        r'<script id="dashboard-data" type="application/json">(.*?)</script>', response.text, re.S
    )
    return json.loads(match.group(1))


def plan_table_rows(client, url: str) -> int:
    return client.get(html.unescape(url)).text.count("data-subitem=")


@pytest.fixture
def deputy_client(client, demo):
    client.force_login(deputy_user())
    return client


def test_deputy_sees_the_2023_headline_as_the_government_says_it(deputy_client, demo):
    response = deputy_client.get(dashboard_url(demo["plan_2023"]))

    assert response.status_code == 200
    assert headline_text(response.text) == "10件13项，已完成6件8项，完成率60%"


def test_light_counts_link_to_the_plan_table_showing_exactly_those_sub_items(deputy_client, demo):
    response = deputy_client.get(dashboard_url(demo["plan_2023"]))
    lights = chart_data(response)["lights"]

    assert {row["key"]: row["value"] for row in lights} == {"blue": 8, "green": 0, "yellow": 0, "red": 5}
    for row in lights:
        assert plan_table_rows(deputy_client, row["url"]) == row["value"]


def test_each_category_row_links_to_the_list_of_its_sub_items(deputy_client, demo):
    response = deputy_client.get(dashboard_url(demo["plan_2023"]))
    categories = chart_data(response)["categories"]
    housing = next(row for row in categories if row["name"] == "住房")

    assert (housing["completed"], housing["remaining"]) == (0, 3)
    assert plan_table_rows(deputy_client, housing["url"]) == 3
    assert sum(row["completed"] + row["remaining"] for row in categories) == 13


def test_red_list_names_the_reason_and_the_units_problem(deputy_client, demo):
    page = deputy_client.get(dashboard_url(demo["plan_2023"])).text
    attention = text_of(re.search(r'id="table-attention">(.*?)</table>', page, re.S).group(1))

    assert "红灯、黄灯子项（5项）" in page
    assert "已超过完成时限（2023-12-31）仍未完成" in attention
    assert "落后序时进度" in attention
    assert "资金" in attention or "拆迁" in attention or "协调" in attention


def test_funding_table_shows_planned_allocated_paid_and_rates(deputy_client, demo):
    response = deputy_client.get(dashboard_url(demo["plan_2023"]))
    funding = chart_data(response)["funding"]
    table = text_of(re.search(r'id="table-funding">(.*?)</table>', response.text, re.S).group(1))

    assert funding["planned"] > funding["allocated"] >= funding["paid"] > 0
    assert "资金到位率" in table and "支付率" in table
    assert f"{funding['allocation_rate'] * 100:.1f}".rstrip("0").rstrip(".") + "%" in table


def test_trend_has_every_month_of_the_year_and_ends_at_the_headline(deputy_client, demo):
    trend = chart_data(deputy_client.get(dashboard_url(demo["plan_2023"])))["trend"]

    assert [row["label"] for row in trend[:12]] == [f"2023年{m}月" for m in range(1, 13)]
    assert trend[-1]["completed"] == 8
    assert trend[5]["average_progress"] < trend[5]["average_scheduled"]
    assert all(row["url"].startswith(dashboard_url(demo["plan_2023"], "as_of=")) for row in trend)


def test_as_of_date_shows_the_figures_of_that_day(deputy_client, demo):
    response = deputy_client.get(dashboard_url(demo["plan_2023"], "as_of=2023-06-30"))

    june = plan_progress(demo["plan_2023"], dt.date(2023, 6, 30)).summary
    assert june.items_completed < 6
    assert headline_text(response.text) == june.headline
    assert "以下为截至 2023年6月30日 的情况" in response.text
    assert "as_of=2023-06-30" in chart_data(response)["lights"][0]["url"]


def test_light_filter_narrows_every_figure_to_that_light(deputy_client, demo):
    response = deputy_client.get(dashboard_url(demo["plan_2023"], "light=red"))

    assert headline_text(response.text) == "4件5项，已完成0件0项，完成率0%"
    assert sum(row["completed"] + row["remaining"] for row in chart_data(response)["categories"]) == 5


def test_category_and_unit_filters_carry_into_the_drill_down_links(deputy_client, demo):
    housing = Category.objects.get(name="住房")
    response = deputy_client.get(dashboard_url(demo["plan_2023"], f"category={housing.pk}"))
    red = next(row for row in chart_data(response)["lights"] if row["key"] == "red")

    assert headline_text(response.text) == "2件3项，已完成0件0项，完成率0%"
    assert f"category={housing.pk}" in red["url"]
    assert plan_table_rows(deputy_client, red["url"]) == 3


def test_units_are_ranked_by_on_time_completion_then_lag(deputy_client, demo):
    page = deputy_client.get(dashboard_url(demo["plan_2023"])).text
    table = re.search(r'id="table-units">(.*?)</table>', page, re.S).group(1)
    names = [text_of(cell) for cell in re.findall(r"<td><a [^>]*>(.*?)</a></td>", table)]
    housing = Unit.objects.get(code="housing")

    assert names[-1] == str(housing)  # two red sub-items, the furthest behind
    assert names.index("区通信办") < names.index(str(housing))


def test_leader_and_office_may_open_the_dashboard(client, demo):
    for user in (leader_user(), office_user()):
        client.force_login(user)
        assert client.get(dashboard_url(demo["plan_2023"])).status_code == 200


def test_liaison_may_not_open_the_dashboard(client, demo):
    client.force_login(liaison_user(Unit.objects.get(code="water")))

    assert client.get(dashboard_url(demo["plan_2023"])).status_code == 403


def test_anonymous_visitor_is_sent_to_log_in(client, demo):
    response = client.get(dashboard_url(demo["plan_2023"]))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_deputy_cannot_see_a_draft_plans_dashboard(client, db):
    draft = PlanFactory(status=Plan.Status.DRAFT)
    SubItemFactory(item=ItemFactory(plan=draft))
    client.force_login(deputy_user())

    assert client.get(dashboard_url(draft)).status_code == 404


def test_plan_page_has_a_dashboard_button_for_deputies(deputy_client, demo):
    page = deputy_client.get(f"/plans/{demo['plan_2023'].pk}/").text

    assert f'href="{dashboard_url(demo["plan_2023"])}"' in page
    assert "看板" in page


def _build_plan(items: int, subs_per_item: int) -> Plan:
    today = dates.today()
    plan = PlanFactory(year=today.year)
    office = office_user()
    for _ in range(items):
        item = ItemFactory(
            plan=plan,
            lead_unit=Unit.objects.create(
                name=f"单位{Unit.objects.count()}", code=f"u{Unit.objects.count()}"
            ),
        )
        for number in range(1, subs_per_item + 1):
            sub = SubItemFactory(item=item, number=number)
            FundingLineFactory(sub_item=sub, planned=Decimal("100"))
            accepted_report(sub, on=today, progress="40", actual="40", reviewer=office)
    visit = InspectionVisit.objects.create(
        plan=plan, date=today, kind=InspectionVisit.Kind.DEPUTY_INSPECTION, title="视察", recorded_by=office
    )
    Rectification.objects.create(
        plan=plan,
        source=Rectification.Source.VISIT,
        visit=visit,
        unit=item.lead_unit,
        title="整改",
        required_action="加快进度",
        deadline=today + dt.timedelta(days=10),
        created_by=office,
    )
    return plan


def _queries(client, url: str) -> int:
    """Queries of a dashboard computed afresh (the month-end snapshots already stored)."""
    client.get(url)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_dashboard_runs_the_same_number_of_queries_whatever_the_plans_size(client, db):
    small, large = _build_plan(2, 1), _build_plan(9, 3)
    client.force_login(deputy_user())

    assert _queries(client, dashboard_url(small)) == _queries(client, dashboard_url(large))
    assert _queries(client, dashboard_url(small, "light=red")) == _queries(
        client, dashboard_url(large, "light=red")
    )


def test_a_newly_accepted_report_shows_on_the_next_view(client, db):
    plan = _build_plan(2, 1)
    client.force_login(deputy_user())
    assert "已完成0件0项" in headline_text(client.get(dashboard_url(plan)).text)

    accepted_report(plan.items.first().sub_items.get(), on=dates.today(), progress="100", complete=True)

    assert "已完成1件1项" in headline_text(client.get(dashboard_url(plan)).text)


def test_moving_a_deadline_relights_the_sub_item_on_the_next_view(client, db):
    sub = SubItemFactory()
    accepted_report(sub, on=dates.today(), progress="95")
    plan = sub.item.plan
    client.force_login(deputy_user())
    before = {row["key"]: row["value"] for row in chart_data(client.get(dashboard_url(plan)))["lights"]}
    sub.planned_start = dates.today() - dt.timedelta(days=300)
    sub.planned_end = dates.today() - dt.timedelta(days=1)
    sub.save()

    after = {row["key"]: row["value"] for row in chart_data(client.get(dashboard_url(plan)))["lights"]}

    assert before["red"] == 0
    assert after["red"] == 1


def test_a_dashboard_without_its_stored_month_ends_says_they_are_being_computed(client, login, demo):
    from supervision.models import PlanSnapshot

    PlanSnapshot.objects.filter(plan=demo["plan_2023"]).delete()
    login("deputy")

    page = client.get(f"/plans/{demo['plan_2023'].pk}/dashboard/").content.decode()

    assert "另有12个月末的数据正在后台生成" in page
    assert not PlanSnapshot.objects.filter(plan=demo["plan_2023"]).exists()


def test_a_province_of_units_ranks_the_best_and_the_worst_and_links_to_every_unit(deputy_client, db):
    from supervision.reading.views.dashboard import UNIT_ROWS

    plan = PlanFactory()
    total = UNIT_ROWS + 5
    for number in range(1, total + 1):
        SubItemFactory(item=ItemFactory(plan=plan, number=number))
    cache.clear()
    page = deputy_client.get(dashboard_url(plan)).text
    table = re.search(r'id="table-units">(.*?)</table>', page, re.S).group(1)
    ranks = [int(n) for n in re.findall(r"<tr>\s*<td>(\d+)</td>", table)]

    assert ranks == [*range(1, UNIT_ROWS // 2 + 1), *range(total - UNIT_ROWS // 2 + 1, total + 1)]
    gap = re.search(r'<tr class="units-gap">(.*?)</tr>', table, re.S).group(1)
    assert f"共{total}个单位" in gap
    every_unit = html.unescape(re.search(r'href="([^"]+)"', gap).group(1))
    grouped = deputy_client.get(every_unit).text
    assert len(re.findall(r"<tr data-group=", grouped)) == total
