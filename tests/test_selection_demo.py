"""The demo county's selection of next year's list (seed_demo), read through its pages and API."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.dates import today
from core.public_forms import refill_captcha_pool
from projects.models import Plan, User
from selection import demo as selection_demo
from selection.models import Candidate, Suggestion, VotingSession
from tests import clock

YEAR = clock.YEAR + 1


def test_next_years_selection_holds_about_forty_suggestions_from_every_source(demo):
    suggestions = Suggestion.objects.filter(year=YEAR)
    assert 35 <= suggestions.count() <= 45
    assert {"online", "deputy", "hotline", "paper", "phone"} <= set(
        suggestions.values_list("source", flat=True)
    )
    assert set(suggestions.values_list("state", flat=True)) == {"received", "merged", "declined"}
    assert suggestions.filter(deputy__username="deputy").count() >= 3


def test_thirteen_candidates_for_ten_places_and_one_short_of_half_of_all_deputies(demo_voted):
    api = APIClient()
    api.force_authenticate(User.objects.get(username="leader"))

    data = api.get(f"/api/selections/{YEAR}/result/").json()

    assert (data["deputies_total"], data["seats"], len(data["candidates"])) == (120, 10, 13)
    assert (data["ballots_issued"], data["ballots_returned"], data["ballots_valid"]) == (118, 117, 115)
    assert sum(row["adopted"] for row in data["candidates"]) == 10
    short = [row for row in data["candidates"] if row["votes_for"] * 2 <= 120]
    assert [row["title"] for row in short] == ["城区公共停车场"] and not short[0]["adopted"]
    for row in data["candidates"]:
        assert row["votes_for"] + row["votes_against"] + row["abstentions"] <= data["ballots_valid"]
    adopted_votes = [row["votes_for"] for row in data["candidates"] if row["adopted"]]
    assert min(adopted_votes) > max(row["votes_for"] for row in data["candidates"] if not row["adopted"])


def test_the_result_became_next_years_draft_list_linked_to_candidates_and_suggestions(demo_voted, client):
    plan = Plan.objects.get(year=YEAR, title=selection_demo.plan_title(YEAR))
    assert plan.status == Plan.Status.DRAFT
    assert plan.items.count() == 10 and all(item.sub_items.count() == 1 for item in plan.items.all())
    first = plan.items.get(number=1)
    assert first.candidate.title == first.title == "社区嵌入式养老服务中心"
    assert first.sub_items.get().funding_lines.count() == 2
    suggestion = first.candidate.suggestions.first()
    page = client.get(f"/public/suggestions/{suggestion.code}/").content.decode()
    assert f"已列入{YEAR}年民生实事" in page
    assert (
        "126 人次建议"
        in _as_office(client).get(f"/selections/{YEAR}/candidates/{first.candidate.pk}/").content.decode()
    )


def _as_office(client):
    client.force_login(User.objects.get(username="office"))
    return client


def test_the_demo_deputy_opens_the_session_and_sees_how_they_voted(demo_voted, client):
    session = VotingSession.objects.get(year=YEAR, round=1)
    client.force_login(User.objects.get(username="deputy"))

    page = client.get(f"/selections/sessions/{session.pk}/").content.decode()

    assert "我的选票（仅本人可见）" in page and "提交选票" not in page
    own = page.split('id="own-ballot"')[1].split("</table>")[0]
    assert own.count("赞成") == 10 and own.count("反对") == 2 and own.count("弃权") == 1
    office_view = _as_office(client).get(f"/selections/sessions/{session.pk}/").content.decode()
    assert "我的选票" not in office_view


def test_the_public_page_announces_the_result_and_invites_suggestions(demo_voted, client):
    page = client.get("/public/").content.decode()
    assert f"10个项目列入{YEAR}年民生实事" in page and "社区嵌入式养老服务中心" in page
    assert "/public/suggestions/new/" in page
    public = client.get(f"/public/selections/{YEAR}/").content.decode()
    assert "全体代表120名，应选10项" in public and "未过全体代表半数" in public
    before = client.get("/public/", {"as_of": (today() - dt.timedelta(days=20)).isoformat()}).content.decode()
    assert f"列入{YEAR}年民生实事" not in before
    assert selection_demo.plan_title(YEAR) not in page


def test_in_late_november_the_candidates_are_drafted_and_the_vote_is_still_to_come(demo, client):
    """The demo's day (tests/clock.py) in the county's calendar: suggestions collected since
    September, the candidates drafted on 20 November, the congress not yet met."""
    assert Candidate.objects.filter(year=YEAR).count() == 13
    assert not VotingSession.objects.filter(year=YEAR).exists()
    assert not Plan.objects.filter(year=YEAR).exists()
    assert Suggestion.objects.filter(year=YEAR, received_on__gt=today()).count() == 0
    client.force_login(User.objects.get(username="office"))
    assert client.get(f"/selections/{YEAR}/").status_code == 200


def test_the_ballot_opens_with_the_congress_session_and_the_demo_deputy_may_vote(demo, client):
    import time_machine

    session_day = dt.date(YEAR, 1, 6)
    with time_machine.travel(clock.at(session_day), tick=True):
        session = selection_demo.seed_selection(session_day)
        assert session.state == VotingSession.State.OPEN and session.held_on == dt.date(YEAR, 1, 8)
        client.force_login(User.objects.get(username="deputy"))
        page = client.get(f"/selections/sessions/{session.pk}/").content.decode()
        assert "提交选票" in page
        assert not Plan.objects.filter(year=YEAR).exists()


def _selection_counts() -> tuple[int, ...]:
    return (
        Suggestion.objects.count(),
        Candidate.objects.count(),
        VotingSession.objects.count(),
        Plan.objects.count(),
    )


def test_reseeding_adds_nothing_before_or_after_the_vote(demo):
    import time_machine
    from django.core.management import call_command

    counts = _selection_counts()
    with open("/dev/null", "w") as devnull:
        call_command("seed_demo", stdout=devnull)
    assert _selection_counts() == counts
    with time_machine.travel(clock.at(clock.AFTER_VOTE), tick=True):
        selection_demo.seed_selection(clock.AFTER_VOTE)
        voted = _selection_counts()
        assert voted == (counts[0], counts[1], 1, counts[3] + 1)
        selection_demo.seed_selection(clock.AFTER_VOTE)
        assert _selection_counts() == voted


def selection_paths():
    session = VotingSession.objects.get(year=YEAR, round=1)
    candidate = Candidate.objects.filter(year=YEAR).first()
    code = Suggestion.objects.filter(year=YEAR).first().code
    paths = []
    for query in ("", f"?as_of={dt.date(YEAR, 1, 9).isoformat()}"):  # the day after the count
        paths += [
            f"/selections/{YEAR}/{query}",
            f"/selections/{YEAR}/suggestions/{query}",
            f"/selections/{YEAR}/candidates/{candidate.pk}/{query}",
            f"/selections/{YEAR}/result/{query}",
            f"/public/selections/{YEAR}/{query}",
            f"/public/suggestions/{code}/{query}",
            f"/api/selections/{YEAR}/result/{query}",
        ]
    return paths + [f"/selections/sessions/{session.pk}/", f"/selections/sessions/{session.pk}/tally/"]


def test_the_public_form_writes_nothing_on_get(db, client):
    """The other GET paths are in tests/test_one_truth.py; the offline captcha's challenge is
    picked from the pool drawn ahead (core.public_forms), so showing the form writes nothing."""
    assert refill_captcha_pool(size=20) == 20
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/public/suggestions/new/")
    assert page.status_code == 200 and 'name="captcha_0"' in page.content.decode()
    writes = [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []


MAIN_PAGES = [
    ("/selections/{year}/", 16),
    ("/selections/{year}/suggestions/", 12),
    ("/selections/{year}/result/", 14),
    ("/public/selections/{year}/", 10),
    ("/selections/{year}/candidates/{candidate}/", 12),
    ("/selections/sessions/{session}/", 14),
]


def test_the_main_pages_read_in_a_fixed_number_of_queries(demo_voted, client, django_assert_max_num_queries):
    ids = {
        "year": YEAR,
        "candidate": Candidate.objects.filter(year=YEAR).first().pk,
        "session": VotingSession.objects.get(year=YEAR, round=1).pk,
    }
    for username in ("office", "deputy"):
        client.force_login(User.objects.get(username=username))
        for path, limit in MAIN_PAGES:
            with django_assert_max_num_queries(limit):
                response = client.get(path.format(**ids))
            assert response.status_code == 200, path


def test_the_result_page_the_public_result_and_the_api_agree_and_the_list_follows_the_result(
    demo_voted, client
):
    _as_office(client)
    api = APIClient()
    api.force_authenticate(User.objects.get(username="office"))
    data = api.get(f"/api/selections/{YEAR}/result/").json()
    from_api = [
        (r["rank"], r["title"], r["votes_for"], r["votes_against"], r["abstentions"], r["adopted"])
        for r in data["candidates"]
    ]
    for page in (client.get(f"/selections/{YEAR}/result/"), client.get(f"/public/selections/{YEAR}/")):
        result = page.context["result"]
        rows = [
            (r.rank, r.candidate.title, r.votes_for, r.votes_against, r.abstentions, r.adopted)
            for r in result.rows
        ]
        assert rows == from_api
        assert (
            f"全体代表{data['deputies_total']}名，应选{data['seats']}项；发出选票{data['ballots_issued']}张，"
            f"收回{data['ballots_returned']}张，有效票{data['ballots_valid']}张" in page.content.decode()
        )
    plan = Plan.objects.get(year=YEAR, status=Plan.Status.DRAFT)
    adopted = [r["title"] for r in sorted(data["candidates"], key=lambda r: -r["votes_for"]) if r["adopted"]]
    assert list(plan.items.order_by("number").values_list("title", flat=True)) == adopted
    home = client.get(f"/selections/{YEAR}/").content.decode()
    total = Suggestion.objects.filter(year=YEAR)
    assert f"共收到建议{total.count()}条" in home
