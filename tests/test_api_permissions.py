"""The API grants exactly what the web grants (projects.permissions), whether the caller signs
in with a session cookie or with a token."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core import dates
from projects.models import Plan
from supervision.models import ProgressReport, Rectification
from tests.factories import (
    ItemFactory,
    PlanFactory,
    ProgressReportFactory,
    SubItemFactory,
    UnitFactory,
    api_token,
    deputy_user,
    leader_user,
    liaison_user,
    office_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["session", "token"])
def api_as(request):
    """An API client signed in as a user, by session or by token."""

    def _as(user) -> APIClient:
        client = APIClient()
        if request.param == "session":
            client.force_login(user)
        else:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
        return client

    return _as


@pytest.fixture
def county():
    housing, water = UnitFactory(code="housing", name="住建局"), UnitFactory(code="water", name="水务局")
    plan = PlanFactory()
    sub_housing = SubItemFactory(item=ItemFactory(plan=plan, lead_unit=housing))
    sub_water = SubItemFactory(item=ItemFactory(plan=plan, lead_unit=water))
    liaison_housing, liaison_water = liaison_user(housing), liaison_user(water)
    return {
        "plan": plan,
        "sub_housing": sub_housing,
        "sub_water": sub_water,
        "liaison_housing": liaison_housing,
        "liaison_water": liaison_water,
        "water_draft": ProgressReportFactory(sub_item=sub_water, created_by=liaison_water),
        "office": office_user(),
        "deputy": deputy_user(),
        "leader": leader_user(),
    }


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _submitted(sub_item, author) -> ProgressReport:
    return ProgressReportFactory(
        sub_item=sub_item, created_by=author, state=ProgressReport.State.SUBMITTED, progress_percent=40
    )


def test_liaison_cannot_see_another_units_draft_in_the_list_or_by_id(api_as, county):
    client = api_as(county["liaison_housing"])
    own = ProgressReportFactory(sub_item=county["sub_housing"], created_by=county["liaison_housing"])

    assert _ids(client.get("/api/reports/")) == {own.pk}
    assert client.get(f"/api/reports/{county['water_draft'].pk}/").status_code == 404


def test_liaison_cannot_create_a_report_on_another_units_sub_item(api_as, county):
    client = api_as(county["liaison_housing"])

    response = client.post(
        "/api/reports/", {"sub_item": county["sub_water"].pk, "progress_percent": "50"}, format="json"
    )

    assert response.status_code in (400, 403)
    assert not ProgressReport.objects.filter(created_by=county["liaison_housing"]).exists()


def test_liaison_cannot_change_or_submit_another_units_report(api_as, county):
    client = api_as(county["liaison_housing"])
    draft = county["water_draft"]

    edit = client.patch(f"/api/reports/{draft.pk}/", {"progress_percent": "90", "version": 1}, format="json")
    submit = client.post(f"/api/reports/{draft.pk}/submit/", {"version": 1}, format="json")

    assert (edit.status_code, submit.status_code) == (404, 404)
    draft.refresh_from_db()
    assert (draft.state, draft.progress_percent) == (ProgressReport.State.DRAFT, 50)


def test_liaison_creates_a_draft_on_own_units_sub_item(api_as, county):
    client = api_as(county["liaison_housing"])

    response = client.post(
        "/api/reports/", {"sub_item": county["sub_housing"].pk, "progress_percent": "35"}, format="json"
    )

    assert response.status_code == 201, response.content
    report = ProgressReport.objects.get(pk=response.json()["id"])
    assert (report.state, report.progress_percent, report.created_by) == (
        ProgressReport.State.DRAFT,
        35,
        county["liaison_housing"],
    )


@pytest.mark.parametrize("role", ["deputy", "leader", "office"])
def test_only_liaisons_create_reports(api_as, county, role):
    client = api_as(county[role])

    response = client.post(
        "/api/reports/", {"sub_item": county["sub_housing"].pk, "progress_percent": "50"}, format="json"
    )

    assert response.status_code == 403
    assert "联络员" in response.json()["detail"]
    assert not ProgressReport.objects.filter(sub_item=county["sub_housing"]).exists()


@pytest.mark.parametrize("role", ["liaison_water", "deputy", "leader"])
def test_only_the_office_accepts_or_returns_reports(api_as, county, role):
    report = _submitted(county["sub_water"], county["liaison_water"])
    client = api_as(county[role])

    accept = client.post(f"/api/reports/{report.pk}/accept/", {"version": report.version}, format="json")
    send_back = client.post(
        f"/api/reports/{report.pk}/return/", {"version": report.version, "reason": "数据有误"}, format="json"
    )

    assert (accept.status_code, send_back.status_code) == (403, 403)
    report.refresh_from_db()
    assert report.state == ProgressReport.State.SUBMITTED


def test_office_accepts_a_submitted_report_and_the_sub_item_follows_it(api_as, county):
    report = _submitted(county["sub_water"], county["liaison_water"])

    response = api_as(county["office"]).post(
        f"/api/reports/{report.pk}/accept/", {"version": report.version}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "accepted"
    county["sub_water"].refresh_from_db()
    assert county["sub_water"].progress_percent == 40


@pytest.mark.parametrize("role", ["deputy", "leader"])
def test_deputies_and_leaders_read_accepted_reports_only(api_as, county, role):
    accepted = ProgressReportFactory(
        sub_item=county["sub_water"],
        created_by=county["liaison_water"],
        state=ProgressReport.State.ACCEPTED,
        accepted_on=dates.today(),
    )

    client = api_as(county[role])

    assert _ids(client.get("/api/reports/")) == {accepted.pk}
    assert client.get(f"/api/reports/{county['water_draft'].pk}/").status_code == 404


def test_office_reads_every_units_drafts(api_as, county):
    assert county["water_draft"].pk in _ids(api_as(county["office"]).get("/api/reports/"))


def test_liaison_reads_only_own_units_sub_items_and_items(api_as, county):
    client = api_as(county["liaison_housing"])

    assert _ids(client.get("/api/subitems/")) == {county["sub_housing"].pk}
    assert client.get(f"/api/subitems/{county['sub_water'].pk}/").status_code == 404
    assert _ids(client.get("/api/items/")) == {county["sub_housing"].item_id}
    assert client.get(f"/api/items/{county['sub_water'].item_id}/").status_code == 404


def test_draft_plans_are_visible_to_the_office_only(api_as, county):
    draft_plan = PlanFactory(status=Plan.Status.DRAFT)
    SubItemFactory(item=ItemFactory(plan=draft_plan, lead_unit=county["sub_housing"].responsible_unit))

    assert draft_plan.pk in _ids(api_as(county["office"]).get("/api/plans/"))
    for role in ("deputy", "liaison_housing"):
        client = api_as(county[role])
        assert draft_plan.pk not in _ids(client.get("/api/plans/"))
        assert client.get(f"/api/plans/{draft_plan.pk}/summary/").status_code == 404


def test_liaisons_cannot_read_visits_but_read_their_units_rectifications(api_as, county):
    office = county["office"]
    own = Rectification.objects.create(
        plan=county["plan"],
        source=Rectification.Source.OTHER,
        unit=county["sub_housing"].responsible_unit,
        title="台账不全",
        required_action="补齐台账",
        deadline=dates.today(),
        created_by=office,
    )
    Rectification.objects.create(
        plan=county["plan"],
        source=Rectification.Source.OTHER,
        unit=county["sub_water"].responsible_unit,
        title="进度滞后",
        required_action="加快进度",
        deadline=dates.today(),
        created_by=office,
    )
    client = api_as(county["liaison_housing"])

    assert client.get("/api/visits/").status_code == 403
    assert _ids(client.get("/api/rectifications/")) == {own.pk}
    assert api_as(county["deputy"]).get("/api/visits/").status_code == 200


def test_anonymous_callers_and_bad_tokens_are_refused(county):
    anonymous = APIClient()
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    for client in (anonymous, bad_token):
        for path in ("/api/plans/", "/api/reports/", f"/api/subitems/{county['sub_housing'].pk}/"):
            assert client.get(path).status_code in (401, 403)


def test_a_token_is_issued_for_a_valid_username_and_password(county):
    user = county["liaison_housing"]

    response = APIClient().post(
        "/api/token/", {"username": user.username, "password": "pw-for-tests-123"}, format="json"
    )

    assert response.status_code == 200, response.content
    signed_in = APIClient()
    signed_in.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert signed_in.get("/api/plans/").status_code == 200
