"""The demo's report history gives the review queue, my-tasks states and timelines real data."""

import pytest

from supervision.ledger.services import latest_accepted_report
from supervision.models import ProgressReport

pytestmark = pytest.mark.django_db


def test_both_demo_plans_have_reports_that_were_returned_once_then_accepted(demo):
    for plan in (demo["plan_2023"], demo["plan_now"]):
        resubmitted = ProgressReport.objects.filter(sub_item__item__plan=plan, state="accepted").exclude(
            return_reason=""
        )
        assert resubmitted.exists()


def test_this_years_plan_has_reports_in_every_open_state(demo):
    states = set(
        ProgressReport.objects.filter(sub_item__item__plan=demo["plan_now"])
        .exclude(state="accepted")
        .values_list("state", flat=True)
    )
    assert states == {"draft", "submitted", "returned"}
    assert (
        not ProgressReport.objects.filter(sub_item__item__plan=demo["plan_2023"])
        .exclude(state="accepted")
        .exists()
    )


def test_open_reports_leave_the_current_figures_at_the_latest_accepted_report(demo):
    for report in ProgressReport.objects.exclude(state="accepted").select_related("sub_item"):
        latest = latest_accepted_report(report.sub_item_id)
        assert report.sub_item.progress_percent == latest.progress_percent
        assert report.sub_item.actual_value == latest.actual_value


def test_a_demo_liaison_sees_a_returned_report_and_the_office_a_queue(client, login, demo):
    returned = ProgressReport.objects.filter(state="returned").select_related("created_by").first()
    login(returned.created_by)
    assert returned.return_reason in client.get("/my/tasks/").content.decode()
    login("office")
    assert 'id="review-queue"' in client.get("/reports/review/").content.decode()
