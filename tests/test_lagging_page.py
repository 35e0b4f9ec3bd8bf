"""The lagging list (滞后清单): red then yellow, by unit, with lag, last report, problems and
days overdue; liaisons see only their own unit's."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import dates
from supervision.followup.services import pace_check
from supervision.ledger.services import accept_report
from supervision.models import ProgressReport
from tests.factories import (
    ItemFactory,
    ProgressReportFactory,
    SubItemFactory,
    UnitFactory,
    liaison_user,
    office_user,
)
from tests.test_pace_check import build_plan, report

pytestmark = pytest.mark.django_db


def page(client, plan, **params):
    return client.get(reverse("plan_lagging", args=[plan.pk]), params)


def test_lagging_list_shows_red_before_yellow_with_lag_last_report_and_days_overdue(client):
    plan, subs = build_plan()
    client.force_login(office_user())
    response = page(client, plan, as_of="2025-07-01")

    html = response.content.decode()
    assert response.status_code == 200
    red_at, yellow_at = html.index('id="lagging-red"'), html.index('id="lagging-yellow"')
    assert red_at < html.index(subs["red"][0].short_content) < yellow_at
    assert html.index(subs["yellow"][0].short_content) > yellow_at
    assert subs["green"][0].short_content not in html and subs["done"][0].short_content not in html
    assert "44.73" in html  # the red sub-item's lag in points
    assert "2025-06-04" in html  # its last accepted report
    assert "超期未报26天" in html  # the silent sub-item: May's report was due on 5 June


def test_lagging_list_shows_the_reason_the_unit_gave(client):
    plan, subs = build_plan()
    draft = ProgressReportFactory(
        sub_item=subs["red"][0],
        period_start=date(2025, 6, 1),
        progress_percent=6,
        problems="上级补助资金未实际到位",
        state=ProgressReport.State.SUBMITTED,
    )
    accept_report(draft, office_user(username="reviewer2"), on=date(2025, 7, 4))
    client.force_login(office_user())
    response = page(client, plan, as_of="2025-07-05")

    assert "上级补助资金未实际到位" in response.content.decode()


def test_past_the_deadline_counts_days_overdue(client):
    plan, subs = build_plan()
    client.force_login(office_user())
    response = page(client, plan, as_of="2026-01-10")

    assert "超过完成时限10天" in response.content.decode()


def test_filter_by_unit_and_liaisons_see_only_their_own_unit(client):
    plan, subs = build_plan()
    mine = UnitFactory(code="mine")
    own_item = ItemFactory(plan=plan, number=99, lead_unit=mine)
    own_red = SubItemFactory(item=own_item, number=1, responsible_unit=mine, content="本单位严重滞后任务")
    report(own_red, 5, 2)

    client.force_login(liaison_user(mine, username="liaison-mine"))
    html = page(client, plan, as_of="2025-07-01").content.decode()
    assert "本单位严重滞后任务" in html and subs["red"][0].short_content not in html

    client.force_login(office_user())
    response = page(client, plan, as_of="2025-07-01", unit=str(mine.pk))
    assert [r.state.sub_item for r in response.context["red_rows"]] == [own_red]
    assert response.context["yellow_rows"] == []


def test_liaison_of_a_unit_without_sub_items_in_the_plan_gets_404(client):
    plan, _ = build_plan()
    client.force_login(liaison_user(UnitFactory(code="stranger"), username="liaison-stranger"))

    assert page(client, plan).status_code == 404


def test_todays_list_shows_the_stored_forecast_and_flags_it_late(client):
    plan, subs = build_plan()
    pace_check.check_plan(plan)  # a 2025 plan checked today: every deadline has passed
    client.force_login(office_user())
    response = page(client, plan)

    rows = {r.state.sub_item.pk: r for r in response.context["red_rows"]}
    assert rows[subs["green"][0].pk].forecast == dates.today()
    assert "预计逾期" in response.content.decode()


def test_plan_page_links_to_the_lagging_list(client):
    plan, _ = build_plan()
    client.force_login(office_user())
    html = client.get(reverse("plan_detail", args=[plan.pk])).content.decode()

    assert reverse("plan_lagging", args=[plan.pk]) in html


def test_query_count_is_the_same_for_a_larger_plan(client):
    small, _ = build_plan(groups=1)
    large, _ = build_plan(groups=3)
    client.force_login(office_user())
    counts = []
    for plan in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert page(client, plan).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
