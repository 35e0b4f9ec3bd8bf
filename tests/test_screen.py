"""The meeting-room display (大屏) and its JSON twin: the dashboard's figures, as of a day,
for internal readers only, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest

from projects.models import Plan
from tests.factories import (
    ItemFactory,
    PlanFactory,
    SubItemFactory,
    UnitFactory,
    accepted_report,
    deputy_user,
    leader_user,
    liaison_user,
    office_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    plan = PlanFactory(year=2025)
    for number in range(1, 4):
        sub = SubItemFactory(item=ItemFactory(plan=plan, number=number))
        accepted_report(sub, on=dt.date(2025, 3, 4), progress="30", period_start=dt.date(2025, 2, 1))
    done = SubItemFactory(item=ItemFactory(plan=plan, number=4))
    accepted_report(
        done, on=dt.date(2025, 5, 6), progress="100", period_start=dt.date(2025, 4, 1), complete=True
    )
    return plan


def test_the_screen_json_states_the_dashboards_figures_as_of_a_day(client, plan):
    client.force_login(leader_user())
    for as_of in ("2025-03-31", "2025-06-30"):
        data = client.get(f"/plans/{plan.pk}/screen.json", {"as_of": as_of}).json()
        summary = client.get(f"/api/plans/{plan.pk}/summary/", {"as_of": as_of}).json()
        assert data["as_of"] == as_of
        assert data["figures"] == summary
        assert sum(row["subitems_completed"] for row in data["categories"]) == summary["subitems_completed"]
        assert sum(row["subitems_total"] for row in data["units"]) == summary["subitems_total"]
    march = client.get(f"/plans/{plan.pk}/screen.json", {"as_of": "2025-03-31"}).json()
    june = client.get(f"/plans/{plan.pk}/screen.json", {"as_of": "2025-06-30"}).json()
    assert march["figures"]["subitems_completed"] == 0
    assert june["figures"]["subitems_completed"] == 1
    assert june["rates"]["subitem_completion"] == "25%"
    assert june["trend"][-1]["as_of"] == "2025-06-30"


def test_the_screen_page_carries_its_figures_and_refreshes_from_its_twin(client, plan):
    client.force_login(deputy_user())
    page = client.get(f"/plans/{plan.pk}/screen/", {"as_of": "2025-06-30"}).content.decode()
    assert "4件4项，已完成1件1项，完成率25%" in page
    assert f'data-url="/plans/{plan.pk}/screen.json?as_of=2025-06-30"' in page
    assert "echarts.min.js" in page and "//cdn" not in page


def test_the_screen_is_for_internal_readers(client, plan):
    for user in (office_user(), leader_user(), deputy_user()):
        client.force_login(user)
        assert client.get(f"/plans/{plan.pk}/screen/").status_code == 200
    client.force_login(liaison_user(UnitFactory()))
    assert client.get(f"/plans/{plan.pk}/screen/").status_code == 403
    assert client.get(f"/plans/{plan.pk}/screen.json").status_code == 403
    client.logout()
    assert client.get(f"/plans/{plan.pk}/screen.json").status_code == 302


def test_a_draft_list_has_no_screen_but_for_the_office(client):
    draft = PlanFactory(status=Plan.Status.DRAFT)
    client.force_login(leader_user())
    assert client.get(f"/plans/{draft.pk}/screen/").status_code == 404
    client.force_login(office_user())
    assert client.get(f"/plans/{draft.pk}/screen/").status_code == 200


def test_the_screen_reads_a_fixed_number_of_queries(client, plan, django_assert_max_num_queries):
    client.force_login(leader_user())
    client.get(f"/plans/{plan.pk}/screen.json")
    for number in range(5, 25):
        SubItemFactory(item=ItemFactory(plan=plan, number=number, lead_unit=UnitFactory()))
    with django_assert_max_num_queries(30):
        client.get(f"/plans/{plan.pk}/screen/")
    with django_assert_max_num_queries(30):
        client.get(f"/plans/{plan.pk}/screen.json", {"as_of": "2025-06-30"})


def test_the_screen_shows_the_latest_photos_accepted_by_the_day(client, plan):
    from supervision.models import ProgressReport, ReportPhoto

    sub = plan.items.get(number=1).sub_items.get()
    reports = ProgressReport.objects.filter(sub_item=sub, state=ProgressReport.State.ACCEPTED)
    ReportPhoto.objects.create(report=reports.get(), image="reports/march.jpg", caption="开工前")
    later = accepted_report(sub, on=dt.date(2025, 7, 3), progress="60", period_start=dt.date(2025, 6, 1))
    ReportPhoto.objects.create(report=later, image="reports/july.jpg", caption="主体封顶")
    client.force_login(leader_user())

    june = client.get(f"/plans/{plan.pk}/screen.json", {"as_of": "2025-06-30"}).json()["photos"]
    july = client.get(f"/plans/{plan.pk}/screen.json", {"as_of": "2025-07-31"}).json()["photos"]

    assert [p["caption"] for p in june] == [f"{sub.code} 开工前"]
    assert [p["caption"] for p in july] == [f"{sub.code} 主体封顶", f"{sub.code} 开工前"]
    assert july[0]["date"] == "2025-07-03" and july[0]["url"].startswith("/reports/photos/")
