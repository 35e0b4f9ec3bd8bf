"""Reporting through the API: a liaison saves, corrects and submits; the office returns or
accepts. The same rules and the same optimistic lock as the web form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from core import dates
from projects.models import Plan
from supervision.models import Notification, ProgressReport
from tests.factories import SubItemFactory, UnitFactory, accepted_report, api_token, liaison_user, office_user

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


@pytest.fixture
def setup():
    unit = UnitFactory(code="housing")
    sub_item = SubItemFactory(item__lead_unit=unit, target_value=Decimal("120"), target_at_least=True)
    liaison, office = liaison_user(unit), office_user()
    return {"sub_item": sub_item, "liaison": _client(liaison), "office": _client(office), "user": liaison}


def _create(setup, **figures):
    payload = {"sub_item": setup["sub_item"].pk, "progress_percent": "30", **figures}
    return setup["liaison"].post("/api/reports/", payload, format="json")


def test_a_liaison_saves_a_draft_corrects_it_and_submits_it(setup):
    created = _create(setup, work_done="完成选址")
    assert created.status_code == 201, created.content
    report = created.json()
    assert (report["state"], report["version"], report["work_done"]) == ("draft", 1, "完成选址")

    edited = setup["liaison"].patch(
        f"/api/reports/{report['id']}/", {"progress_percent": "45", "version": 1}, format="json"
    )
    assert edited.status_code == 200, edited.content
    assert (edited.json()["progress_percent"], edited.json()["work_done"]) == ("45.00", "完成选址")

    submitted = setup["liaison"].post(f"/api/reports/{report['id']}/submit/", {"version": 2}, format="json")
    assert submitted.status_code == 200, submitted.content
    stored = ProgressReport.objects.get(pk=report["id"])
    assert (stored.state, stored.progress_percent) == (ProgressReport.State.SUBMITTED, 45)
    assert stored.submitted_at is not None


def test_a_stale_version_is_refused_with_409_and_nothing_is_overwritten(setup):
    report_id = _create(setup).json()["id"]
    setup["liaison"].patch(
        f"/api/reports/{report_id}/", {"progress_percent": "40", "version": 1}, format="json"
    )

    stale = setup["liaison"].patch(
        f"/api/reports/{report_id}/", {"progress_percent": "99", "version": 1}, format="json"
    )

    assert stale.status_code == 409
    assert "已被他人修改" in stale.json()["detail"]
    assert ProgressReport.objects.get(pk=report_id).progress_percent == 40


def test_editing_without_the_version_is_refused(setup):
    report_id = _create(setup).json()["id"]

    response = setup["liaison"].patch(f"/api/reports/{report_id}/", {"progress_percent": "40"}, format="json")

    assert response.status_code == 400
    assert "版本号" in response.json()["version"][0]


def test_submit_true_sends_a_new_report_straight_to_review(setup):
    response = _create(setup, submit=True)

    assert response.status_code == 201
    assert response.json()["state"] == "submitted"


def test_a_second_open_report_on_the_same_sub_item_is_refused(setup):
    _create(setup)

    second = _create(setup)

    assert second.status_code == 409
    assert "未完成的填报" in second.json()["detail"]


@pytest.mark.parametrize("progress", ["-1", "100.5"])
def test_progress_outside_0_to_100_is_refused(setup, progress):
    response = _create(setup, progress_percent=progress)

    assert response.status_code == 400
    assert "progress_percent" in response.json()
    assert not ProgressReport.objects.exists()


def test_complete_needs_the_target_reached(setup):
    short = _create(setup, progress_percent="100", actual_value="100", marks_complete=True)

    assert short.status_code == 400
    assert "目标值" in short.json()["marks_complete"][0]

    reached = _create(setup, progress_percent="90", actual_value="453", marks_complete=True)
    assert reached.status_code == 201, reached.content
    assert reached.json()["progress_percent"] == "100.00"


def test_going_below_the_last_accepted_progress_needs_an_explanation(setup):
    accepted_report(setup["sub_item"], on=dates.today() - dt.timedelta(days=40), progress="60")

    unexplained = _create(setup, progress_percent="50")
    explained = _create(setup, progress_percent="50", regression_explanation="上月统计口径有误")

    assert unexplained.status_code == 400
    assert "请说明原因" in unexplained.json()["regression_explanation"][0]
    assert explained.status_code == 201, explained.content


def test_no_reports_on_sub_items_of_a_closed_plan(setup):
    Plan.objects.filter(pk=setup["sub_item"].item.plan_id).update(
        status=Plan.Status.CLOSED, closed_on=dates.today()
    )

    response = _create(setup)

    assert response.status_code == 403
    assert not ProgressReport.objects.exists()


def test_the_office_returns_a_report_with_a_reason_and_the_liaison_resubmits(setup):
    report_id = _create(setup, submit=True).json()["id"]

    no_reason = setup["office"].post(
        f"/api/reports/{report_id}/return/", {"version": 1, "reason": " "}, format="json"
    )
    returned = setup["office"].post(
        f"/api/reports/{report_id}/return/", {"version": 1, "reason": "完成量与台账不符"}, format="json"
    )

    assert no_reason.status_code == 400
    assert "退回理由" in no_reason.json()["reason"][0]
    assert returned.status_code == 200, returned.content
    assert (returned.json()["state"], returned.json()["return_reason"]) == ("returned", "完成量与台账不符")
    assert Notification.objects.filter(
        recipient=setup["user"], kind=Notification.Kind.REPORT_RETURNED
    ).exists()

    resubmitted = setup["liaison"].put(
        f"/api/reports/{report_id}/",
        {"progress_percent": "35", "actual_value": "40", "version": 2, "submit": True},
        format="json",
    )
    assert resubmitted.status_code == 200, resubmitted.content
    assert resubmitted.json()["state"] == "submitted"


def test_accepting_makes_the_report_official_and_tells_its_author(setup):
    report_id = _create(setup, progress_percent="70", actual_value="90", submit=True).json()["id"]

    stale = setup["office"].post(f"/api/reports/{report_id}/accept/", {"version": 7}, format="json")
    accepted = setup["office"].post(f"/api/reports/{report_id}/accept/", {"version": 1}, format="json")
    again = setup["office"].post(f"/api/reports/{report_id}/accept/", {"version": 2}, format="json")

    assert stale.status_code == 409
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["accepted_on"] == dates.today().isoformat()
    assert again.status_code == 409
    sub_item = setup["sub_item"]
    sub_item.refresh_from_db()
    assert (sub_item.progress_percent, sub_item.actual_value) == (70, 90)
    assert Notification.objects.filter(
        recipient=setup["user"], kind=Notification.Kind.REPORT_ACCEPTED
    ).exists()


def test_an_accepted_report_can_no_longer_be_edited(setup):
    report_id = _create(setup, submit=True).json()["id"]
    setup["office"].post(f"/api/reports/{report_id}/accept/", {"version": 1}, format="json")

    response = setup["liaison"].patch(
        f"/api/reports/{report_id}/", {"progress_percent": "80", "version": 2}, format="json"
    )

    assert response.status_code == 409
    assert "不能再修改" in response.json()["detail"]
