"""Several levels at once: who sees which lists (a county office sees its own list and the
city's shares that fall to it, 上级下达), pages and the API read through ?region=, the region
page, and the city dashboard comparing its counties."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook
from rest_framework.test import APIClient

from projects.shares import ShareRow, save_shares
from supervision.reading.progress import plan_progress
from supervision.reading.summary import plan_figures
from tests.factories import (
    ItemFactory,
    PlanFactory,
    SubItemFactory,
    UnitFactory,
    accepted_report,
    leader_user,
    office_user,
    region,
)

YEAR = 2026
pytestmark = pytest.mark.django_db


@pytest.fixture
def levels():
    with time_machine.travel(dt.datetime(YEAR, 7, 15, 10, 0), tick=False):
        province = region("440000", "示范省")
        city = region("440100", "示范市", province)
        east, green, west = (
            region(code, name, city)
            for code, name in (("440105", "东湖区"), ("440106", "青山区"), ("440107", "西岭区"))
        )
        city_plan = PlanFactory(year=YEAR, region=city, region_name="示范市", title="2026年示范市民生实事")
        sub = SubItemFactory(
            item=ItemFactory(plan=city_plan, number=1), target_value=D("120"), target_unit="个"
        )
        units = {d.code: UnitFactory(name=f"{d.name}工信局", region=d) for d in (east, green, west)}
        shares = save_shares(
            sub,
            [
                ShareRow(region=d, responsible_unit=units[d.code], target_value=t)
                for d, t in ((east, D("50")), (green, D("40")), (west, D("30")))
            ],
        )
        unsplit = SubItemFactory(item=ItemFactory(plan=city_plan, number=2), target_value=D("10"))
        accepted_report(
            sub, share=shares[0], on=dt.date(YEAR, 7, 3), progress="100", actual="60", complete=True
        )
        accepted_report(sub, share=shares[1], on=dt.date(YEAR, 7, 3), progress="20", actual="8")
        green_plan = PlanFactory(year=YEAR, region=green, region_name="青山区", title="2026年青山区民生实事")
        SubItemFactory(item=ItemFactory(plan=green_plan, number=1))
        east_plan = PlanFactory(year=YEAR, region=east, region_name="东湖区", title="2026年东湖区民生实事")
        SubItemFactory(item=ItemFactory(plan=east_plan, number=1))
        green_office = office_user(unit=UnitFactory(name="青山区政府办", region=green))
        city_office = office_user(unit=UnitFactory(name="示范市政府办", region=city))
        yield {
            "city": city,
            "districts": (east, green, west),
            "city_plan": city_plan,
            "green_plan": green_plan,
            "east_plan": east_plan,
            "sub": sub,
            "unsplit": unsplit,
            "green_office": green_office,
            "city_office": city_office,
        }


class TestWhoSeesWhat:
    def test_a_county_office_sees_its_own_list_and_the_citys_list_but_not_a_neighbours(self, levels, client):
        client.force_login(levels["green_office"])
        page = client.get("/plans/").content.decode()
        assert "2026年青山区民生实事" in page and "2026年示范市民生实事" in page
        assert "2026年东湖区民生实事" not in page
        assert client.get(f"/plans/{levels['east_plan'].pk}/").status_code == 404

    def test_a_county_office_reads_the_citys_list_through_its_own_shares_marked_as_handed_down(
        self, levels, client
    ):
        client.force_login(levels["green_office"])
        page = client.get(f"/plans/{levels['city_plan'].pk}/")
        html = page.content.decode()
        assert "上级下达" in html and "青山区承担部分" in html
        (state,) = [s for item in page.context["items"] for s in item.sub_states]
        assert state.sub_item == levels["sub"]  # the city's own unsplit sub-item is not the county's
        assert (state.target_value, state.actual_value) == (D("40"), D("8"))
        assert "40个" in html

    def test_a_county_office_cannot_read_another_countys_shares(self, levels, client):
        client.force_login(levels["green_office"])
        east = levels["districts"][0]
        response = client.get(f"/plans/{levels['city_plan'].pk}/", {"region": east.code})
        assert response.status_code == 403
        assert client.get(f"/regions/{east.code}/").status_code == 403

    def test_a_city_office_sees_every_countys_list_and_the_whole_roll_up(self, levels, client):
        client.force_login(levels["city_office"])
        page = client.get("/plans/").content.decode()
        assert all(t in page for t in ("青山区民生实事", "东湖区民生实事", "示范市民生实事"))
        state = plan_progress(levels["city_plan"]).sub_states[0]
        assert state.actual_value == D("68") and state.target_value == D("120")

    def test_an_unknown_region_code_is_not_found(self, levels, client):
        client.force_login(office_user())
        assert client.get(f"/plans/{levels['city_plan'].pk}/", {"region": "999999"}).status_code == 404

    def test_the_api_applies_the_same_rules(self, levels):
        api = APIClient()
        api.force_login(levels["green_office"])
        assert api.get(f"/api/plans/{levels['east_plan'].pk}/summary/").status_code == 404
        east = levels["districts"][0]
        refused = api.get(f"/api/plans/{levels['city_plan'].pk}/summary/", {"region": east.code})
        assert refused.status_code == 403 and "只能查看本地区" in refused.json()["detail"]


class TestReadingThroughARegion:
    def test_the_summary_gives_the_figures_of_the_regions_shares(self, levels):
        api = APIClient()
        api.force_login(leader_user())
        plan, green = levels["city_plan"], levels["districts"][1]
        with time_machine.travel(dt.datetime(YEAR, 7, 15, 10, 0), tick=False):
            answer = api.get(f"/api/plans/{plan.pk}/summary/", {"region": green.code}).json()
            expected = plan_figures(plan_progress(plan, region=green))
            whole = api.get(f"/api/plans/{plan.pk}/summary/").json()
        assert answer["subitems_total"] == 1 and answer["subitems_completed"] == 0
        assert answer == {**expected, "as_of": expected["as_of"]}
        assert whole["subitems_total"] == 2

    def test_the_dashboard_lagging_list_and_briefing_take_a_region(self, levels, client):
        client.force_login(office_user())
        plan, east = levels["city_plan"], levels["districts"][0]
        with time_machine.travel(dt.datetime(YEAR, 7, 15, 10, 0), tick=False):
            dashboard = client.get(f"/plans/{plan.pk}/dashboard/", {"region": east.code})
            lagging = client.get(f"/plans/{plan.pk}/lagging/", {"region": east.code})
            briefing = client.get(f"/plans/{plan.pk}/briefing.xlsx", {"region": east.code})
        assert dashboard.status_code == 200 and "东湖区承担部分" in dashboard.content.decode()
        text = re.sub(r"<[^>]+>", "", dashboard.content.decode())
        assert "1件1项，已完成1件1项" in text
        assert lagging.status_code == 200 and "东湖区承担部分" in lagging.content.decode()
        sheet = load_workbook(BytesIO(briefing.content))["进展明细"]
        (row,) = [row for row in sheet.iter_rows(values_only=True) if row[4] == levels["sub"].content]
        assert row[7:10] == (50, 60, 1.2)  # the share's target, its actual, 120%

    def test_the_city_dashboard_ranks_its_counties_side_by_side(self, levels, client):
        client.force_login(levels["city_office"])
        with time_machine.travel(dt.datetime(YEAR, 7, 15, 10, 0), tick=False):
            page = client.get(f"/plans/{levels['city_plan'].pk}/dashboard/")
        names = [row.region.name for row, _url in page.context["comparison"]]
        assert names == ["东湖区", "青山区", "西岭区"]  # done, 20%, not started
        html = page.content.decode()
        assert 'id="chart-regions"' in html and 'id="region-data"' in html
        assert "?region=440105" in html


class TestRegionPage:
    def test_it_lists_every_list_touching_the_region_with_its_headline(
        self, levels, client, django_assert_max_num_queries
    ):
        client.force_login(levels["green_office"])
        green = levels["districts"][1]
        with (
            time_machine.travel(dt.datetime(YEAR, 7, 15, 10, 0), tick=False),
            django_assert_max_num_queries(40),
        ):
            page = client.get(f"/regions/{green.code}/")
        rows = {row.plan.title: row for row in page.context["lists"]}
        assert set(rows) == {"2026年青山区民生实事", "2026年示范市民生实事"}
        assert rows["2026年示范市民生实事"].relation == "higher"
        assert rows["2026年示范市民生实事"].summary.headline == "1件1项，已完成0件0项，完成率0%"
        html = page.content.decode()
        assert "上级下达" in html and f"?region={green.code}" in html

    def test_the_city_page_lists_its_own_and_its_counties_lists(self, levels, client):
        client.force_login(levels["city_office"])
        page = client.get(f"/regions/{levels['city'].code}/")
        relations = {row.plan.title: row.relation for row in page.context["lists"]}
        assert relations == {
            "2026年示范市民生实事": "own",
            "2026年青山区民生实事": "lower",
            "2026年东湖区民生实事": "lower",
        }
