"""When the year turns: a list whose year is over but which is not closed says so, and while
the next list is being chosen the dashboards say how far the choosing has got."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from projects.models import Plan
from selection import results
from selection.demo import seed_selection
from tests import clock
from tests.factories import PlanFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "closed_on", "on", "over"),
    [
        (Plan.Status.PUBLISHED, None, dt.date(2026, 12, 31), False),
        (Plan.Status.PUBLISHED, None, dt.date(2027, 1, 1), True),
        (Plan.Status.PUBLISHED, None, dt.date(2028, 3, 1), True),
        (Plan.Status.CLOSED, dt.date(2027, 1, 20), dt.date(2027, 1, 19), True),
        (Plan.Status.CLOSED, dt.date(2027, 1, 20), dt.date(2027, 1, 20), False),
        (Plan.Status.CLOSED, dt.date(2026, 12, 31), dt.date(2027, 1, 5), False),
        (Plan.Status.DRAFT, None, dt.date(2027, 1, 5), False),
    ],
)
def test_a_list_is_over_its_year_from_1_january_until_it_is_closed(status, closed_on, on, over):
    plan = PlanFactory.build(year=2026, status=status, closed_on=closed_on)
    assert plan.year_over(on) is over
    assert plan.status_on(on) == ("年度已结束，待验收收尾" if over else plan.get_status_display())


def test_the_plan_list_and_pages_say_the_year_is_over_instead_of_published(client):
    from tests.factories import SubItemFactory, office_user

    plan = PlanFactory(year=clock.YEAR - 1, status=Plan.Status.PUBLISHED)
    SubItemFactory(item__plan=plan)
    client.force_login(office_user())
    for path in (
        "/plans/",
        f"/plans/{plan.pk}/",
        f"/plans/{plan.pk}/dashboard/",
        f"/plans/{plan.pk}/lagging/",
    ):
        page = client.get(path).content.decode()
        assert "年度已结束，待验收收尾" in page, path
    assert 'id="year-over-banner"' in client.get(f"/public/plans/{plan.pk}/").content.decode()
    # Read as of a day inside its year, it was an ordinary live list.
    page = client.get(f"/plans/{plan.pk}/", {"as_of": f"{plan.year}-06-30"}).content.decode()
    assert "年度已结束" not in page


def test_the_choosing_of_next_years_list_is_read_stage_by_stage(demo):
    year = clock.YEAR + 1
    assert results.under_way(clock.TODAY) == results.UnderWay(year, "候选项目已拟定，待人大代表票决")
    session_day, after_vote = dt.date(year, 1, 6), clock.AFTER_VOTE
    with time_machine.travel(clock.at(session_day), tick=True):
        seed_selection(session_day)
        assert results.under_way(session_day) == results.UnderWay(year, "人大代表票决中（1月8日表决）")
    with time_machine.travel(clock.at(after_vote), tick=True):
        seed_selection(after_vote)
        assert results.under_way(after_vote) == results.UnderWay(year, "人大代表已票决，清单待公布")
        draft = Plan.objects.get(year=year, status=Plan.Status.DRAFT)
        Plan.objects.filter(pk=draft.pk).update(status=Plan.Status.PUBLISHED, published_on=after_vote)
        assert results.under_way(after_vote) is None


def test_the_dashboard_says_the_next_list_is_being_chosen_only_above_an_earlier_list(demo, client, login):
    login("leader")
    page = client.get(f"/plans/{demo['plan_now'].pk}/dashboard/").content.decode()
    assert f"{clock.YEAR + 1}年民生实事项目正在产生：候选项目已拟定，待人大代表票决。" in page
    assert (
        'id="selection-under-way"'
        not in client.get(
            f"/plans/{demo['plan_now'].pk}/dashboard/", {"as_of": f"{clock.YEAR}-06-30"}
        ).content.decode()
    )
    # A closed list's dashboard is its record, not the place to announce the next list.
    assert (
        'id="selection-under-way"'
        not in client.get(f"/plans/{demo['plan_2023'].pk}/dashboard/").content.decode()
    )


def test_in_january_the_selection_pages_open_on_the_list_being_voted_not_the_next_years_suggestions(
    demo, client, login
):
    from selection import services
    from selection.models import Suggestion

    year = clock.YEAR + 1
    session_day = dt.date(year, 1, 6)
    with time_machine.travel(clock.at(session_day), tick=True):
        seed_selection(session_day)
        services.submit_suggestion(
            year=year + 1,
            source=Suggestion.Source.ONLINE,
            text="建议明年新建社区图书室。",
            received_on=session_day,
        )
        login("office")
        response = client.get("/selections/")
        assert response.status_code == 302 and response["Location"] == f"/selections/{year}/"
