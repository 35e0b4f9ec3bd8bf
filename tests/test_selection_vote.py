"""The deputies' vote: opening it, phone ballots (once, secret, at most 应选数 赞成), the tellers'
paper tallies, counting, the result page and API, a second round, and the draft list."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from core.dates import today
from projects.models import FundingLine, Plan
from selection import services
from selection.models import (
    Ballot,
    Candidate,
    CandidateFunding,
    Tally,
    VoteParticipation,
    VotingSession,
)
from tests.factories import UnitFactory, deputy_user, leader_user, office_user

pytestmark = pytest.mark.django_db

YEAR = today().year + 1


def make_candidates(n, seats_year=YEAR):
    unit = UnitFactory()
    candidates = []
    for order in range(1, n + 1):
        c = Candidate.objects.create(
            year=seats_year,
            title=f"候选项目{order}",
            content=f"建设内容{order}",
            target_text=f"新建{order * 10}个以上",
            target_value=order * 10,
            target_unit="个",
            target_at_least=True,
            lead_unit=unit,
            ballot_order=order,
        )
        CandidateFunding.objects.create(candidate=c, source="county", amount=100 * order)
        candidates.append(c)
    return candidates


def open_vote(office, n=4, seats=2, total=9):
    candidates = make_candidates(n)
    session = services.open_session(
        office,
        year=YEAR,
        title="区人大会议",
        held_on=today() - dt.timedelta(days=3),
        deputies_total=total,
        seats=seats,
    )
    return session, candidates


def tally(office, session, candidates, votes_for, *, valid=6, issued=7, returned=7):
    services.record_tally(
        office,
        session,
        issued=issued,
        returned=returned,
        valid=valid,
        rows={c.pk: (v, 0, valid - v) for c, v in zip(candidates, votes_for, strict=True)},
    )


def test_the_office_opens_a_vote_with_more_candidates_than_places(client):
    office = office_user()
    make_candidates(3)
    client.force_login(office)
    data = {"title": "区人大会议", "held_on": "2026-11-20", "deputies_total": 120, "seats": 3}

    refused = client.post(f"/selections/{YEAR}/sessions/new/", data, follow=True)

    assert "候选项目（3个）须多于应选数（3个）" in refused.content.decode()
    assert not VotingSession.objects.exists()
    opened = client.post(f"/selections/{YEAR}/sessions/new/", data | {"seats": 2})
    session = VotingSession.objects.get()
    assert opened.status_code == 302 and session.candidates.count() == 3 and session.seats == 2


def test_a_deputy_votes_once_on_the_phone_and_sees_only_their_own_ballot(client):
    session, candidates = open_vote(office_user())
    deputy, other = deputy_user(), deputy_user()
    client.force_login(deputy)
    page = client.get(f"/selections/sessions/{session.pk}/").content.decode()
    assert "提交选票" in page and 'name="viewport"' in page
    choices = {f"c{c.pk}": v for c, v in zip(candidates, ["for", "for", "against", "abstain"], strict=True)}

    assert client.post(f"/selections/sessions/{session.pk}/", choices).status_code == 302
    again = client.post(f"/selections/sessions/{session.pk}/", choices)

    assert "提交选票" not in again.content.decode()
    assert VoteParticipation.objects.count() == 1 and Ballot.objects.count() == 1
    own = client.get(f"/selections/sessions/{session.pk}/").content.decode()
    assert "我的选票（仅本人可见）" in own and "弃权" in own
    client.force_login(other)
    assert "我的选票（仅本人可见）" not in client.get(f"/selections/sessions/{session.pk}/").content.decode()


def test_a_second_vote_by_the_same_deputy_is_refused_in_chinese_and_adds_nothing():
    session, candidates = open_vote(office_user())
    deputy = deputy_user()
    choices = {c.pk: "for" if i < 2 else "against" for i, c in enumerate(candidates)}
    services.cast_ballot(deputy, session, choices)

    with pytest.raises(Exception) as refused:
        services.cast_ballot(deputy, session, choices)

    assert "您已在本轮投票，不能重复投票" in str(refused.value)
    assert (VoteParticipation.objects.count(), Ballot.objects.count()) == (1, 1)
    phone = Tally.objects.filter(session=session, method="phone")
    assert sorted(phone.values_list("votes_for", "votes_against", "abstentions")) == [
        (0, 1, 0),
        (0, 1, 0),
        (1, 0, 0),
        (1, 0, 0),
    ]


def test_a_phone_ballot_with_more_in_favour_than_places_is_refused(client):
    session, candidates = open_vote(office_user(), seats=2)
    client.force_login(deputy_user())
    response = client.post(f"/selections/sessions/{session.pk}/", {f"c{c.pk}": "for" for c in candidates})
    assert "赞成票不能多于应选数：您选了4个赞成，应选2个" in response.content.decode()
    assert not VoteParticipation.objects.exists() and not Ballot.objects.exists()


def test_who_voted_is_stored_apart_from_what_was_voted(settings):
    assert not any(
        getattr(f, "related_model", None) is not None and f.related_model._meta.model_name == "user"
        for f in Ballot._meta.get_fields()
    )
    assert Ballot._meta.pk.get_internal_type() == "UUIDField"
    session, candidates = open_vote(office_user())
    deputy = deputy_user()
    choices = {c.pk: "for" if i == 0 else "abstain" for i, c in enumerate(candidates)}
    services.cast_ballot(deputy, session, choices)
    ballot = Ballot.objects.get()
    # The row tells nothing in clear: no deputy, no choice; only the server opens it for its deputy.
    assert "abstain" not in ballot.sealed and "for" not in ballot.sealed
    assert services.own_ballot(session, deputy) == choices
    assert services.own_ballot(session, deputy_user()) is None
    settings.SECRET_KEY = "another-server-" + "x" * 40
    assert services.receipt_for(session, deputy) != ballot.receipt
    assert services.own_ballot(session, deputy) is None


def test_leaders_and_the_office_cannot_vote(client):
    session, candidates = open_vote(office_user())
    client.force_login(leader_user())
    assert (
        client.post(
            f"/selections/sessions/{session.pk}/", {f"c{c.pk}": "for" for c in candidates}
        ).status_code
        == 403
    )
    assert not Ballot.objects.exists()


def test_a_tally_above_the_valid_ballots_is_refused_and_nothing_is_half_saved(client):
    office = office_user()
    session, candidates = open_vote(office)
    client.force_login(office)
    data = {"paper_ballots_issued": 7, "paper_ballots_returned": 7, "paper_ballots_valid": 6}
    for c in candidates:
        data |= {f"c{c.pk}_for": 3, f"c{c.pk}_against": 2, f"c{c.pk}_abstain": 1}
    data[f"c{candidates[-1].pk}_abstain"] = 2

    response = client.post(f"/selections/sessions/{session.pk}/tally/", data)

    assert "「候选项目4」的赞成、反对、弃权票数之和（7）超过有效票数（6）" in response.content.decode()
    session.refresh_from_db()
    assert not Tally.objects.filter(method="paper").exists() and session.paper_ballots_valid == 0
    data[f"c{candidates[-1].pk}_abstain"] = 1
    assert client.post(f"/selections/sessions/{session.pk}/tally/", data).status_code == 302
    assert Tally.objects.filter(method="paper").count() == 4


def test_paper_ballots_cannot_outnumber_the_deputies_or_each_other():
    office = office_user()
    session, candidates = open_vote(office, total=9)
    with pytest.raises(Exception, match="超过全体代表人数"):
        tally(office, session, candidates, [1, 1, 1, 1], issued=10, returned=9, valid=9)
    with pytest.raises(Exception, match="有效票数（8）不能多于收回票数（7）"):
        tally(office, session, candidates, [1, 1, 1, 1], valid=8)


def counted_vote(office, votes_for, n=4, seats=2, total=9):
    session, candidates = open_vote(office, n=n, seats=seats, total=total)
    tally(office, session, candidates, votes_for, issued=total, returned=total, valid=total)
    services.count_session(office, session, today() - dt.timedelta(days=2))
    return session, candidates


def test_the_result_page_and_api_give_the_figures_and_who_was_adopted(client):
    office = office_user()
    session, candidates = open_vote(office)
    deputy = deputy_user()
    services.cast_ballot(
        deputy,
        session,
        dict(zip([c.pk for c in candidates], ["for", "for", "against", "abstain"], strict=True)),
    )
    tally(office, session, candidates, [5, 3, 6, 1])
    client.force_login(office)
    assert client.get(f"/selections/{YEAR}/result/").status_code == 404
    client.post(f"/selections/sessions/{session.pk}/count/")

    api = APIClient()
    api.force_authenticate(leader_user())
    data = api.get(f"/api/selections/{YEAR}/result/").json()

    assert {
        k: data[k] for k in ("deputies_total", "seats", "ballots_issued", "ballots_returned", "ballots_valid")
    } == {
        "deputies_total": 9,
        "seats": 2,
        "ballots_issued": 8,
        "ballots_returned": 8,
        "ballots_valid": 7,
    }
    rows = {row["title"]: row for row in data["candidates"]}
    assert rows["候选项目1"] == {
        "rank": 1,
        "title": "候选项目1",
        "votes_for": 6,
        "votes_against": 0,
        "abstentions": 1,
        "adopted": True,
        "runoff_votes_for": None,
    }
    assert rows["候选项目3"]["votes_for"] == 6 and rows["候选项目3"]["adopted"] is True
    assert rows["候选项目2"]["votes_for"] == 4 and rows["候选项目2"]["adopted"] is False
    page = client.get(f"/selections/{YEAR}/result/").content.decode()
    assert "全体代表9名，应选2项；发出选票8张，收回8张，有效票7张" in page
    before = api.get(
        f"/api/selections/{YEAR}/result/", {"as_of": (today() - dt.timedelta(days=1)).isoformat()}
    )
    assert before.status_code == 404


def test_the_result_api_is_not_for_liaisons_or_anonymous_callers():
    office = office_user()
    counted_vote(office, [5, 5, 1, 1])
    assert APIClient().get(f"/api/selections/{YEAR}/result/").status_code in (401, 403)


def test_a_tie_at_the_last_place_is_reported_and_settled_by_a_second_round(client):
    office = office_user()
    session, candidates = counted_vote(office, [8, 6, 6, 1], n=4, seats=2, total=9)
    client.force_login(office)
    page = client.get(f"/selections/{YEAR}/result/").content.decode()
    assert "须就并列项目进行第二轮投票，决出余下1个名额" in page
    refused = client.post(f"/selections/{YEAR}/plan/", {"title": "清单", "region": "区"}, follow=True)
    assert "末位并列，须先完成第二轮投票" in refused.content.decode() and not Plan.objects.exists()

    client.post(f"/selections/{YEAR}/runoff/")
    runoff = VotingSession.objects.get(round=2)
    assert runoff.seats == 1 and set(runoff.candidates.all()) == {candidates[1], candidates[2]}
    deputy = deputy_user()
    services.cast_ballot(deputy, runoff, {candidates[1].pk: "against", candidates[2].pk: "for"})
    services.record_tally(
        office,
        runoff,
        issued=8,
        returned=8,
        valid=8,
        rows={candidates[1].pk: (3, 5, 0), candidates[2].pk: (6, 2, 0)},
    )
    services.count_session(office, runoff, today())

    data = APIClient()
    data.force_authenticate(office)
    rows = {r["title"]: r for r in data.get(f"/api/selections/{YEAR}/result/").json()["candidates"]}
    assert rows["候选项目3"]["adopted"] and rows["候选项目3"]["runoff_votes_for"] == 7
    assert not rows["候选项目2"]["adopted"] and rows["候选项目1"]["adopted"]


def test_one_action_turns_the_adopted_candidates_into_next_years_draft_list(client):
    office = office_user()
    session, candidates = counted_vote(office, [8, 3, 7, 6], n=4, seats=2, total=9)
    client.force_login(office)

    response = client.post(
        f"/selections/{YEAR}/plan/", {"title": f"{YEAR}年区级民生实事", "region": "青山区", "level": "区级"}
    )

    plan = Plan.objects.get()
    assert response.status_code == 302 and plan.status == Plan.Status.DRAFT and plan.year == YEAR
    assert plan.adopted_by_vote  # so its later changes need the standing committee's approval
    items = list(plan.items.order_by("number"))
    assert [i.title for i in items] == ["候选项目1", "候选项目3"]
    sub = items[1].sub_items.get()
    assert (sub.content, sub.target_value, sub.target_unit, sub.responsible_unit) == (
        "新建30个以上",
        30,
        "个",
        candidates[2].lead_unit,
    )
    assert list(FundingLine.objects.filter(sub_item=sub).values_list("source", "planned")) == [
        ("county", 300)
    ]
    candidates[2].refresh_from_db()
    assert candidates[2].item == items[1]
    again = client.post(f"/selections/{YEAR}/plan/", {"title": "另一个", "region": "青山区"}, follow=True)
    assert "票决结果已经转为清单" in again.content.decode() and Plan.objects.count() == 1
    # A draft is the office's: deputies and the public do not see it.
    client.force_login(deputy_user())
    assert plan.title not in client.get("/plans/").content.decode()
    assert plan.title not in client.get("/public/").content.decode()


def test_no_more_phone_ballots_than_deputies_in_office():
    office = office_user()
    session, candidates = open_vote(office, total=9)
    tally(office, session, candidates, [1, 1, 1, 1], issued=8, returned=8, valid=8)
    services.cast_ballot(deputy_user(), session, {c.pk: "abstain" for c in candidates})
    with pytest.raises(Exception, match="投票人数已达全体代表人数"):
        services.cast_ballot(deputy_user(), session, {c.pk: "abstain" for c in candidates})
    assert Ballot.objects.count() == 1


def test_a_malformed_as_of_answers_400_in_chinese():
    api = APIClient()
    api.force_authenticate(office_user())
    response = api.get(f"/api/selections/{YEAR}/result/", {"as_of": "2026-13-01"})
    assert response.status_code == 400 and "截至日期格式应为" in response.json()["as_of"][0]
