"""Where each role lands after signing in (and at /): leaders and deputies on the current
list's dashboard, a responsible leader with the items they answer for (我分管的) on top, a
deputy with the latest visits before the figures."""

from __future__ import annotations

import pytest

from core import dates
from projects.models import Plan
from tests.factories import (
    ItemFactory,
    PlanFactory,
    SubItemFactory,
    UnitFactory,
    deputy_user,
    leader_user,
    liaison_user,
    office_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lists():
    """Last year's closed list, this year's published one and next year's draft."""
    year = dates.today().year
    closed = PlanFactory(year=year - 1, status=Plan.Status.CLOSED, title="去年的清单")
    current = PlanFactory(year=year, status=Plan.Status.PUBLISHED, title="今年的清单")
    draft = PlanFactory(year=year + 1, status=Plan.Status.DRAFT, title="明年的草稿")
    for plan in (closed, current, draft):
        SubItemFactory(item=ItemFactory(plan=plan))
    return {"closed": closed, "current": current, "draft": draft}


def test_a_leader_lands_on_the_current_lists_dashboard(client, lists):
    client.force_login(leader_user())
    assert client.get("/").url == f"/plans/{lists['current'].pk}/dashboard/"


def test_signing_in_sends_a_leader_to_the_current_lists_dashboard(client, lists):
    leader = leader_user(username="vice-head")
    leader.set_password("a-long-enough-password")
    leader.save()
    response = client.post(
        "/accounts/login/", {"username": "vice-head", "password": "a-long-enough-password"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/plans/{lists['current'].pk}/dashboard/"
    assert "今年的清单" in response.content.decode()


def test_a_deputy_lands_on_the_dashboard_with_the_latest_visits_first(client, lists):
    client.force_login(deputy_user())
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == f"/plans/{lists['current'].pk}/dashboard/"
    page = response.content.decode()
    assert page.index("最近视察督查") < page.index('id="headline"')


def test_a_leader_sees_visits_after_the_figures(client, lists):
    client.force_login(leader_user())
    page = client.get(f"/plans/{lists['current'].pk}/dashboard/").content.decode()
    assert page.index('id="headline"') < page.index("最近视察督查")


def test_without_a_published_list_a_leader_lands_on_the_lists(client):
    PlanFactory(status=Plan.Status.CLOSED)
    client.force_login(leader_user())
    assert client.get("/").url == "/plans/"


def test_the_office_and_liaisons_keep_their_start_pages(client, lists):
    client.force_login(office_user())
    assert client.get("/").url == "/plans/"
    client.force_login(liaison_user(UnitFactory()))
    assert client.get("/").url == "/my/tasks/"


def test_a_responsible_leader_sees_the_items_they_answer_for(client, lists):
    chen = leader_user(username="leader-chen")
    plan = lists["current"]
    mine = SubItemFactory(item=ItemFactory(plan=plan, title="养老助餐", responsible_leader_account=chen)).item
    ItemFactory(plan=plan, title="公路提档", responsible_leader_account=leader_user())
    SubItemFactory(
        item=ItemFactory(plan=lists["closed"], title="去年的养老", responsible_leader_account=chen)
    )
    client.force_login(chen)
    response = client.get("/", follow=True)
    page = response.content.decode()
    assert "我分管的" in page
    section = page[page.index('id="answered-items"') : page.index('id="headline"')]
    assert "养老助餐" in section
    assert f"/items/{mine.pk}/" in section
    assert "公路提档" not in section and "去年的养老" not in section


def test_a_leader_answering_for_nothing_sees_no_answered_block(client, lists):
    client.force_login(leader_user())
    assert "我分管的" not in client.get(f"/plans/{lists['current'].pk}/dashboard/").content.decode()


def test_the_demo_vice_head_answers_for_her_items(client, demo):
    from projects.models import User

    chen = User.objects.get(username="leader-chen")
    assert chen.groups.filter(name="领导").exists()
    plan = demo["plan_now"]
    client.force_login(chen)
    page = client.get("/", follow=True).content.decode()
    section = page[page.index('id="answered-items"') : page.index('id="headline"')]
    for item in plan.items.filter(responsible_leader="副区长 陈静"):
        assert item.title in section
    for item in plan.items.exclude(responsible_leader="副区长 陈静"):
        assert item.title not in section


def test_the_answered_items_cost_the_same_queries_however_many_there_are(client, lists):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    chen = leader_user(username="leader-chen")
    plan = lists["current"]
    url = f"/plans/{plan.pk}/dashboard/"
    client.force_login(chen)

    def queries() -> tuple[int, str]:
        client.get(url)  # the shared body, cached for the plan's figures
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url).content.decode()
        return len(captured), page

    SubItemFactory(item=ItemFactory(plan=plan, responsible_leader_account=chen))
    one, _page = queries()
    for _ in range(12):
        SubItemFactory(item=ItemFactory(plan=plan, responsible_leader_account=chen))
    thirteen, page = queries()
    assert page.count('class="card-row"') == 13
    assert thirteen == one and one < 40


def test_only_leaders_can_be_chosen_as_an_items_responsible_leader(client, lists):
    import re

    leader_user(username="vice-head")
    liaison_user(UnitFactory(), username="a-liaison")
    office = office_user(username="the-office", is_superuser=True)
    item = lists["current"].items.get()
    client.force_login(office)
    page = client.get(f"/admin/projects/item/{item.pk}/change/").content.decode()
    select = re.search(r'<select name="responsible_leader_account".*?</select>', page, flags=re.S).group(0)
    assert "vice-head" in select
    assert "a-liaison" not in select and "the-office" not in select
