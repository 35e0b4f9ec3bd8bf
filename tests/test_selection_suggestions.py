"""Suggestions: the public form and its tracking code, deputies' and the office's entries, triage."""

import datetime as dt

import pytest
from django.core.cache import cache

from core.dates import today
from projects.models import Category
from selection.models import Candidate, Suggestion
from tests.captcha import solved_captcha
from tests.factories import UnitFactory, deputy_user, leader_user, office_user

pytestmark = pytest.mark.django_db

YEAR = today().year + 1


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()


def candidate(title="社区养老服务中心", **kwargs):
    return Candidate.objects.create(
        year=kwargs.pop("year", YEAR),
        title=title,
        content="建设内容",
        target_text="新建8个",
        lead_unit=kwargs.pop("lead_unit", None) or UnitFactory(),
        **kwargs,
    )


def post_public(client, **fields):
    data = {"text": "希望社区建老年食堂", "place": "城关街道", "phone": "13800001234", "name": "王女士"}
    return client.post("/public/suggestions/new/", data | fields | solved_captcha())


def test_a_resident_sends_a_suggestion_without_signing_in_and_gets_a_tracking_code(client):
    category = Category.objects.create(name="养老")
    form = client.get("/public/suggestions/new/")
    assert form.status_code == 200 and 'name="viewport"' in form.content.decode()
    assert f"征集{YEAR}年民生实事项目建议" in form.content.decode()

    response = post_public(client, category=category.pk)

    suggestion = Suggestion.objects.get()
    assert response.status_code == 200 and suggestion.code in response.content.decode()
    assert (suggestion.source, suggestion.year, suggestion.category, suggestion.phone) == (
        "online",
        YEAR,
        category,
        "13800001234",
    )
    status = client.get(f"/public/suggestions/{suggestion.code}/").content.decode()
    assert "已受理" in status and "希望社区建老年食堂" in status
    assert "13800001234" not in status and "王女士" not in status


def test_a_suggestion_without_text_is_refused_in_chinese_and_nothing_is_saved(client):
    response = post_public(client, text="   ")
    assert "请填写建议内容" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_a_wrong_captcha_is_refused(client):
    response = client.post("/public/suggestions/new/", {"text": "x"} | solved_captcha() | {"captcha_1": "no"})
    assert "验证码不正确" in response.content.decode() and not Suggestion.objects.exists()


def test_the_public_form_is_rate_limited_per_address(client):
    for _ in range(5):
        post_public(client)
    response = post_public(client)
    assert "提交过于频繁" in response.content.decode()
    assert Suggestion.objects.count() == 5


def test_an_unknown_tracking_code_answers_404(client):
    assert client.get("/public/suggestions/NOSUCH99/").status_code == 404


def test_a_deputy_files_a_signed_suggestion_marked_as_a_deputys(client):
    deputy = deputy_user(last_name="林", first_name="代表")
    client.force_login(deputy)
    response = client.post(
        f"/selections/{YEAR}/suggestions/new/", {"text": "关于建设零工市场的建议", "place": "城关"}
    )
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    assert (suggestion.source, suggestion.deputy, suggestion.name) == ("deputy", deputy, "林代表")
    page = client.get(f"/selections/{YEAR}/suggestions/new/").content.decode()
    assert suggestion.code in page and "已受理" in page


def test_the_office_enters_hotline_paper_and_phone_suggestions_with_their_source(client):
    client.force_login(office_user())
    data = {"source": "hotline", "text": "12345热线汇总：停车难", "people": 9, "received_on": "2026-09-01"}
    assert client.post(f"/selections/{YEAR}/suggestions/new/", data).status_code == 302
    suggestion = Suggestion.objects.get()
    assert (suggestion.source, suggestion.people, suggestion.received_on) == (
        "hotline",
        9,
        dt.date(2026, 9, 1),
    )
    refused = client.post(f"/selections/{YEAR}/suggestions/new/", data | {"text": ""})
    assert "请填写建议内容" in refused.content.decode() and Suggestion.objects.count() == 1


def test_leaders_and_the_public_cannot_enter_suggestions_for_others(client):
    client.force_login(leader_user())
    assert client.post(f"/selections/{YEAR}/suggestions/new/", {"text": "x"}).status_code == 403
    client.logout()
    assert client.get(f"/selections/{YEAR}/suggestions/").status_code == 302


def _suggestion(**kwargs):
    from selection import services

    return services.submit_suggestion(
        year=kwargs.pop("year", YEAR),
        source="online",
        text=kwargs.pop("text", "建议"),
        received_on=kwargs.pop("received_on", dt.date(2026, 8, 1)),
        **kwargs,
    )


def test_the_office_merges_duplicates_into_one_candidate_keeping_each_link_and_the_count(client):
    target = candidate()
    first, second, third = _suggestion(people=1), _suggestion(people=91), _suggestion(people=34)
    client.force_login(office_user())

    response = client.post(
        f"/selections/{YEAR}/suggestions/merge/",
        {"suggestions": [first.pk, second.pk, third.pk], "candidate": target.pk},
    )

    assert response.status_code == 302
    assert set(target.suggestions.values_list("pk", flat=True)) == {first.pk, second.pk, third.pk}
    home = client.get(f"/selections/{YEAR}/").content.decode()
    assert "126 人次建议" in home
    detail = client.get(f"/selections/{YEAR}/candidates/{target.pk}/").content.decode()
    assert "126 人次建议" in detail and first.code in detail
    status = client.get(f"/public/suggestions/{first.code}/").content.decode()
    assert "已合并至候选项目" in status and target.title in status


def test_the_office_declines_with_a_reason_which_the_sender_reads(client):
    suggestion = _suggestion()
    client.force_login(office_user())
    empty = client.post(
        f"/selections/{YEAR}/suggestions/{suggestion.pk}/decline/", {"reason": " "}, follow=True
    )
    assert "请填写未采纳的理由" in empty.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.state == "received"

    client.post(f"/selections/{YEAR}/suggestions/{suggestion.pk}/decline/", {"reason": "不属于区级事权"})

    page = client.get(f"/public/suggestions/{suggestion.code}/").content.decode()
    assert "未采纳" in page and "不属于区级事权" in page


def test_a_deputy_may_not_triage(client):
    suggestion = _suggestion()
    client.force_login(deputy_user())
    assert (
        client.post(f"/selections/{YEAR}/suggestions/{suggestion.pk}/decline/", {"reason": "x"}).status_code
        == 403
    )


def test_the_pool_filters_by_field_place_and_source_and_reads_as_of_a_day(client):
    housing = Category.objects.create(name="住房")
    _suggestion(text="加装电梯", category=housing, place="南门社区", received_on=dt.date(2026, 8, 1))
    _suggestion(text="停车难", place="东街社区", received_on=dt.date(2026, 9, 1))
    client.force_login(office_user())

    by_field = client.get(f"/selections/{YEAR}/suggestions/", {"category": housing.pk}).content.decode()
    by_place = client.get(f"/selections/{YEAR}/suggestions/", {"place": "东街"}).content.decode()
    by_source = client.get(f"/selections/{YEAR}/suggestions/", {"source": "hotline"}).content.decode()
    august = client.get(f"/selections/{YEAR}/suggestions/", {"as_of": "2026-08-15"}).content.decode()

    assert "加装电梯" in by_field and "停车难" not in by_field
    assert "停车难" in by_place and "加装电梯" not in by_place
    assert "没有符合条件的建议" in by_source
    assert "加装电梯" in august and "停车难" not in august
