"""API security: tokens that expire and are revoked, and the API's answers at its edges (bodies
that are not objects, unknown addresses, CSRF failures, nonsense query values, out-of-range
figures and dates)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from projects import roles
from supervision.models import ProgressReport
from tests.factories import (
    ProgressReportFactory,
    SubItemFactory,
    UnitFactory,
    UserFactory,
    api_token,
    liaison_user,
    office_user,
)

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"


def _obtain(username: str, password: str = PASSWORD):
    return APIClient().post("/api/token/", {"username": username, "password": password}, format="json")


def _with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# 5. Tokens


def test_a_token_lasts_thirty_idle_days_and_then_stops_working(settings):
    UserFactory(username="clerk", role=roles.OFFICE)

    issued = _obtain("clerk")

    assert issued.status_code == 200, issued.content
    client = _with_token(issued.json()["token"])
    assert client.get("/api/plans/").status_code == 200
    token = AuthToken.objects.get(user__username="clerk")
    assert token.expiry - timezone.now() > dt.timedelta(days=29)
    token.expiry = timezone.now() - dt.timedelta(seconds=1)
    token.save()
    assert client.get("/api/plans/").status_code in (401, 403)


def test_api_logout_revokes_the_token_used_and_site_logout_revokes_them_all():
    user = UserFactory(username="clerk", role=roles.OFFICE)
    laptop, phone, tablet = (_obtain("clerk").json()["token"] for _ in range(3))

    assert _with_token(laptop).post("/api/logout/").status_code == 204

    assert _with_token(laptop).get("/api/plans/").status_code in (401, 403)
    assert _with_token(phone).get("/api/plans/").status_code == 200
    browser = APIClient()
    browser.force_login(user)
    browser.post("/accounts/logout/")
    assert _with_token(phone).get("/api/plans/").status_code in (401, 403)
    assert _with_token(tablet).get("/api/plans/").status_code in (401, 403)
    assert not AuthToken.objects.filter(user=user).exists()


def test_changing_the_password_revokes_the_users_tokens(client):
    user = UserFactory(username="clerk", role=roles.OFFICE)
    token = _obtain("clerk").json()["token"]
    client.force_login(user)

    changed = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "A-new-pw-4-2026", "new_password2": "A-new-pw-4-2026"},
    )

    assert changed.status_code == 302
    assert _with_token(token).get("/api/plans/").status_code in (401, 403)


def test_a_user_lists_and_revokes_their_own_tokens_but_never_anothers():
    UserFactory(username="clerk", role=roles.OFFICE)
    colleague = UserFactory(username="colleague", role=roles.OFFICE)
    mine, spare = _obtain("clerk").json()["token"], _obtain("clerk").json()["token"]
    theirs = api_token(colleague)
    client = _with_token(mine)

    listed = client.get("/api/tokens/").json()["results"]

    assert sorted(row["id"] for row in listed) == sorted([mine[:15], spare[:15]])
    assert set(listed[0]) >= {"id", "created", "expiry", "last_used"}
    assert client.delete(f"/api/tokens/{theirs[:15]}/").status_code == 404
    assert _with_token(theirs).get("/api/plans/").status_code == 200
    assert client.delete(f"/api/tokens/{spare[:15]}/").status_code == 204
    assert _with_token(spare).get("/api/plans/").status_code in (401, 403)
    assert client.get("/api/plans/").status_code == 200


def test_a_locked_out_account_is_told_so_in_chinese_even_with_the_right_password(settings):
    UserFactory(username="clerk", role=roles.OFFICE)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _obtain("clerk", "wrong")

    response = _obtain("clerk")

    assert response.status_code == 403
    assert "锁定" in response.json()["detail"]
    assert not AuthToken.objects.exists()


# 6. API edges


@pytest.fixture
def housing():
    unit = UnitFactory(code="housing")
    sub_item = SubItemFactory(item__lead_unit=unit)
    return {"sub_item": sub_item, "liaison": liaison_user(unit), "office": office_user()}


def test_a_list_as_the_body_of_a_post_is_a_chinese_400(housing):
    report = ProgressReportFactory(
        sub_item=housing["sub_item"], created_by=housing["liaison"], state=ProgressReport.State.SUBMITTED
    )
    office = _with_token(api_token(housing["office"]))

    returned = office.post(f"/api/reports/{report.pk}/return/", [1, 2], format="json")
    created = _with_token(api_token(housing["liaison"])).post("/api/reports/", [], format="json")
    token = APIClient().post("/api/token/", ["clerk"], format="json")

    for response in (returned, created, token):
        assert response.status_code == 400
        assert "JSON对象" in response.json()["detail"]
    report.refresh_from_db()
    assert report.state == ProgressReport.State.SUBMITTED


def test_an_unknown_api_address_answers_json_404(housing):
    client = _with_token(api_token(housing["office"]))

    for path in ("/api/nothing-here/", "/api/reports/1/nothing/", "/api/x/y/"):
        response = client.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"] == "接口不存在"


def test_a_session_post_without_csrf_token_is_refused_in_chinese_json(housing):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(housing["liaison"])

    for path in ("/api/reports/", "/api/nothing-here/"):
        response = browser.post(
            path, {"sub_item": housing["sub_item"].pk, "progress_percent": "30"}, format="json"
        )
        assert response.status_code == 403
        assert response["Content-Type"] == "application/json"
        assert "CSRF校验失败" in response.json()["detail"]
    assert not ProgressReport.objects.exists()


def test_nonsense_page_and_page_size_are_refused(housing):
    client = _with_token(api_token(housing["office"]))

    assert client.get("/api/plans/?page_size=null").status_code == 400
    assert "每页条数" in client.get("/api/plans/?page_size=0").json()["page_size"][0]
    assert "页码" in client.get("/api/plans/?page=abc").json()["page"][0]
    assert client.get("/api/plans/?page_size=500&page=1").status_code == 200


def test_a_percentage_above_100_gets_the_ledgers_message_whatever_its_decimals(housing):
    client = _with_token(api_token(housing["liaison"]))

    for typed in ("100.001", "-0.001", "150"):
        response = client.post(
            "/api/reports/", {"sub_item": housing["sub_item"].pk, "progress_percent": typed}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["progress_percent"] == ["累计进度须在0–100之间"]
    too_precise = client.post(
        "/api/reports/", {"sub_item": housing["sub_item"].pk, "progress_percent": "50.001"}, format="json"
    )
    assert too_precise.status_code == 400
    assert not ProgressReport.objects.exists()


def test_dates_before_2000_or_after_2100_are_refused(housing):
    client = _with_token(api_token(housing["office"]))

    for path in (
        "/api/rectifications/?as_of=2101-01-01",
        f"/api/subitems/?as_of=2101-01-01&plan={housing['sub_item'].item.plan_id}",
        "/api/reports/?period_start_after=2101-01-01",
        "/api/reports/?period_start_before=1999-12-31",
        "/api/visits/?date_after=2101-01-01",
        "/api/visits/?as_of=2101-01-01",
    ):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "2100" in str(response.json()), path
    assert client.get("/api/visits/?as_of=2100-12-31").status_code == 200


def test_the_issue_api_token_command_prints_a_working_token(db):
    from io import StringIO

    from django.core.management import call_command

    from tests.factories import office_user

    office_user(username="office-cli")
    out = StringIO()
    call_command("issue_api_token", "office-cli", stdout=out)
    key = out.getvalue().strip()

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/plans/").status_code == 200
