"""Issue 26, point 4: the cycle has a region. 青山区's suggestions, candidates and vote are
青山区's: 西岭区's office neither reads nor acts on them (404, nothing changes), and runs its own
selection of the same year beside them; the year-end evaluation and the handover records belong
to the list's region; a liaison's handover page shows their own unit's works only."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from rest_framework.test import APIClient

from core.dates import today
from projects import roles
from projects.models import Plan, Region, Stewardship, Unit, User
from selection import demo as selection_demo
from selection import services
from selection.models import Candidate, Suggestion, Tally, VotingSession
from supervision.yearend.models import Evaluation
from supervision.yearend.services import evaluation as evaluation_service
from tests import clock
from tests.captcha import solved_captcha
from tests.factories import ItemFactory, PlanFactory, UnitFactory, office_user, region

YEAR = clock.YEAR + 1
QINGSHAN, XILING = "990102", "990104"
REFUSAL = "只能管理本地区（西岭区）及下级区划的清单"


def _snapshot() -> tuple:
    """Everything of 青山区's selection an action could change."""
    return (
        sorted(Suggestion.objects.values_list("pk", "region_id", "state", "candidate_id", "decline_reason")),
        sorted(Candidate.objects.values_list("pk", "region_id", "ballot_order", "item_id")),
        sorted(
            VotingSession.objects.values_list(
                "pk", "region_id", "round", "state", "paper_ballots_issued", "paper_ballots_valid"
            )
        ),
        sorted(Tally.objects.values_list("pk", "votes_for", "votes_against", "abstentions")),
        sorted(Plan.objects.values_list("pk", "region_id", "status")),
    )


def _api(username: str) -> APIClient:
    api = APIClient()
    api.force_authenticate(User.objects.get(username=username))
    return api


# --- The demo's selection is 青山区's --------------------------------------------------------------


def test_the_demo_selection_and_the_list_it_made_are_qingshans(demo_voted):
    for model in (Suggestion, Candidate, VotingSession):
        rows = model.objects.filter(year=YEAR)
        assert rows.exists()
        assert set(rows.values_list("region__code", flat=True)) == {QINGSHAN}, model
    plan = Plan.objects.get(year=YEAR, title=selection_demo.plan_title(YEAR))
    assert plan.region.code == QINGSHAN and plan.region_name == "青山区"
    # The evaluation of the 2023 list belongs to that list's region.
    assert Evaluation.objects.get(plan=demo_voted["plan_2023"]).plan.region.code == QINGSHAN


# --- A neighbour's office: 404, nothing changes ----------------------------------------------------


def test_xilings_office_neither_sees_nor_touches_qingshans_vote(demo_voted, client, login):
    session = VotingSession.objects.get(year=YEAR, round=1, region__code=QINGSHAN)
    candidate = Candidate.objects.filter(year=YEAR, region__code=QINGSHAN).first()
    waiting = Suggestion.objects.filter(year=YEAR, region__code=QINGSHAN, state="received").first()
    before = _snapshot()
    login("xiling-office")

    for path in (
        f"/selections/sessions/{session.pk}/",
        f"/selections/sessions/{session.pk}/tally/",
        f"/selections/{YEAR}/candidates/{candidate.pk}/",
        f"/selections/{YEAR}/result/",
    ):
        assert client.get(path).status_code == 404, path
    for path, data in (
        (f"/selections/sessions/{session.pk}/tally/", {"paper_ballots_issued": 1}),
        (f"/selections/sessions/{session.pk}/count/", {}),
        (f"/selections/{YEAR}/suggestions/{waiting.pk}/decline/", {"reason": "不予采纳"}),
        (f"/selections/{YEAR}/suggestions/merge/", {"suggestions": [waiting.pk], "candidate": candidate.pk}),
    ):
        assert client.post(path, data).status_code == 404, path
    # Its year's pages are its own region's: none of 青山区's suggestions, candidates or rounds.
    home = client.get(f"/selections/{YEAR}/").content.decode()
    pool = client.get(f"/selections/{YEAR}/suggestions/").content.decode()
    assert "西岭区" in home and selection_demo.SESSION_TITLE not in home and candidate.title not in home
    assert waiting.code not in pool and "没有符合条件的建议" in pool
    # Opening, a second round and the list act on 西岭区's own (empty) selection only.
    for path, data in (
        (
            f"/selections/{YEAR}/sessions/new/",
            {"title": "会议", "held_on": "2027-01-14", "deputies_total": 9, "seats": 2},
        ),
        (f"/selections/{YEAR}/runoff/", {}),
        (f"/selections/{YEAR}/plan/", {"title": "2027年区级民生实事", "region": "青山区", "level": "区级"}),
    ):
        assert client.post(path, data).status_code == 302, path
    # Asking for 青山区's selection by its code is refused; so is the API.
    assert client.get(f"/selections/{YEAR}/", {"region": QINGSHAN}).status_code == 403
    api = _api("xiling-office")
    assert api.get(f"/api/selections/{YEAR}/result/").status_code == 404
    assert api.get(f"/api/selections/{YEAR}/result/", {"region": QINGSHAN}).status_code == 403
    assert _snapshot() == before


def test_the_services_refuse_a_neighbours_office_with_the_reason(demo_voted):
    xiling = User.objects.get(username="xiling-office")
    qingshan = Region.objects.get(code=QINGSHAN)
    session = VotingSession.objects.get(year=YEAR, round=1, region=qingshan)
    candidate = Candidate.objects.filter(year=YEAR, region=qingshan).first()
    waiting = Suggestion.objects.filter(year=YEAR, region=qingshan, state="received").first()
    before = _snapshot()
    calls = [
        lambda: services.count_session(xiling, session, today()),
        lambda: services.record_tally(xiling, session, issued=0, returned=0, valid=0, rows={}),
        lambda: services.decline_suggestion(xiling, waiting, "不予采纳", today()),
        lambda: services.merge_suggestions(xiling, [waiting], candidate, today()),
        lambda: services.open_runoff(xiling, YEAR, today(), region=qingshan),
        lambda: services.open_session(
            xiling, year=YEAR, title="会议", held_on=today(), deputies_total=9, seats=2, region=qingshan
        ),
        lambda: services.create_draft_plan(
            xiling, YEAR, title="另一个清单", region="青山区", level="区级", on=today(), vote_region=qingshan
        ),
        lambda: services.submit_suggestion(
            year=YEAR, source="paper", text="建议", received_on=today(), by=xiling, region=qingshan
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied, match=REFUSAL):
            call()
    assert _snapshot() == before


# --- 西岭区 runs its own selection of the same year ----------------------------------------------


def _admin_candidate(client, **fields):
    data = {
        "year": YEAR,
        "content": "建设内容",
        "target_text": "新建10个",
        "target_unit": "个",
        "feasibility": "",
        "funding-TOTAL_FORMS": "0",
        "funding-INITIAL_FORMS": "0",
        "funding-MIN_NUM_FORMS": "0",
        "funding-MAX_NUM_FORMS": "1000",
    }
    return client.post("/admin/selection/candidate/add/", data | fields)


def test_xiling_runs_its_own_vote_of_the_same_year_beside_qingshans(demo_voted, client, login):
    xiling = Region.objects.get(code=XILING)
    qingshan_titles = list(
        Candidate.objects.filter(year=YEAR, region__code=QINGSHAN).order_by("ballot_order")[:3]
    )
    qingshan_before = _api("office").get(f"/api/selections/{YEAR}/result/").json()
    lead = Unit.objects.filter(region=xiling).first()
    login("xiling-office")

    filed = client.post(
        f"/selections/{YEAR}/suggestions/new/",
        {"source": "paper", "text": "岭南街道希望扩建小学。", "people": 3, "received_on": "2027-01-10"},
    )
    assert filed.status_code == 302
    suggestion = Suggestion.objects.get(text="岭南街道希望扩建小学。")
    assert suggestion.region == xiling
    # The same titles and ballot numbers as 青山区's: each county numbers its own ballot.
    for order, same in enumerate(qingshan_titles, start=1):
        response = _admin_candidate(
            client, region=xiling.pk, title=same.title, ballot_order=order, lead_unit=lead.pk
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    ours = list(Candidate.objects.filter(year=YEAR, region=xiling).order_by("ballot_order"))
    assert [c.title for c in ours] == [c.title for c in qingshan_titles]
    # It cannot draft one into 青山区's selection, nor see 青山区's in the admin.
    refused = _admin_candidate(
        client,
        region=Region.objects.get(code=QINGSHAN).pk,
        title="别区的项目",
        ballot_order=9,
        lead_unit=lead.pk,
    )
    assert refused.status_code == 200 and not Candidate.objects.filter(title="别区的项目").exists()
    changelist = client.get("/admin/selection/candidate/").content.decode()
    assert all(f"/admin/selection/candidate/{c.pk}/change/" not in changelist for c in qingshan_titles)
    assert all(f"/admin/selection/candidate/{c.pk}/change/" in changelist for c in ours)

    merged = client.post(
        f"/selections/{YEAR}/suggestions/merge/", {"suggestions": [suggestion.pk], "candidate": ours[0].pk}
    )
    assert merged.status_code == 302
    opened = client.post(
        f"/selections/{YEAR}/sessions/new/",
        {"title": "西岭区人民代表大会会议", "held_on": "2027-01-14", "deputies_total": 9, "seats": 2},
    )
    session = VotingSession.objects.get(year=YEAR, round=1, region=xiling)
    assert opened.status_code == 302 and opened["Location"] == f"/selections/sessions/{session.pk}/"
    assert client.get(f"/selections/sessions/{session.pk}/").status_code == 200
    votes = dict(zip([c.pk for c in ours], (8, 7, 3), strict=True))
    tally = {"paper_ballots_issued": 9, "paper_ballots_returned": 9, "paper_ballots_valid": 9}
    for pk, votes_for in votes.items():
        tally |= {f"c{pk}_for": votes_for, f"c{pk}_against": 9 - votes_for, f"c{pk}_abstain": 0}
    assert client.post(f"/selections/sessions/{session.pk}/tally/", tally).status_code == 302
    counted = client.post(f"/selections/sessions/{session.pk}/count/")
    assert counted.status_code == 302 and counted["Location"] == f"/selections/{YEAR}/result/?region={XILING}"

    page = client.get(f"/selections/{YEAR}/result/")
    assert page.status_code == 200 and page.context["result"].session == session
    data = _api("xiling-office").get(f"/api/selections/{YEAR}/result/").json()
    assert (data["deputies_total"], data["seats"], len(data["candidates"])) == (9, 2, 3)
    made = client.post(
        f"/selections/{YEAR}/plan/",
        {"title": f"{YEAR}年西岭区民生实事（票决）", "region": "西岭区", "level": "区级"},
    )
    plan = Plan.objects.get(title=f"{YEAR}年西岭区民生实事（票决）")
    assert made.status_code == 302 and plan.region == xiling and plan.status == Plan.Status.DRAFT
    assert list(plan.items.order_by("number").values_list("title", flat=True)) == [c.title for c in ours[:2]]

    # 青山区's vote is as it was, and 青山区's pages do not show 西岭区's.
    assert _api("office").get(f"/api/selections/{YEAR}/result/").json() == qingshan_before
    login("office")
    home = client.get(f"/selections/{YEAR}/").content.decode()
    assert "青山区" in home and "西岭区人民代表大会会议" not in home and selection_demo.SESSION_TITLE in home
    assert client.get(f"/selections/sessions/{session.pk}/").status_code == 200  # the office acts everywhere
    assert "西岭区人民代表大会会议" in client.get(f"/selections/{YEAR}/", {"region": XILING}).content.decode()


def test_the_city_office_reads_a_districts_selection_by_its_code(demo_voted, client, login):
    login("city-office")
    own = client.get(f"/selections/{YEAR}/").content.decode()
    district = client.get(f"/selections/{YEAR}/", {"region": QINGSHAN}).content.decode()
    assert selection_demo.SESSION_TITLE not in own
    assert selection_demo.SESSION_TITLE in district and "社区嵌入式养老服务中心" in district


# --- Suggestions from the public are for the site's county ----------------------------------------


def test_the_public_form_collects_for_the_sites_county_or_the_one_its_link_names(demo, client):
    year = today().year + 1
    form = client.get("/public/suggestions/new/").content.decode()
    assert "青山区" in form
    fields = {"text": "希望社区建老年食堂", "place": "城关街道", "phone": "", "name": ""}
    assert client.post("/public/suggestions/new/", fields | solved_captcha()).status_code == 200
    cache.clear()  # the form's rate limit counts by address
    response = client.post(
        f"/public/suggestions/new/?region={XILING}", fields | {"text": "岭北希望建公园"} | solved_captcha()
    )
    assert response.status_code == 200
    assert Suggestion.objects.get(year=year, text="希望社区建老年食堂").region.code == QINGSHAN
    assert Suggestion.objects.get(year=year, text="岭北希望建公园").region.code == XILING
    assert client.get("/public/suggestions/new/?region=999999").status_code == 404


# --- The migration's data step ----------------------------------------------------------------------


def test_old_rows_take_the_region_of_the_list_they_led_to_else_the_years_only_county_list(db):
    migration = importlib.import_module("selection.migrations.0002_cycle_region")
    province = region("980000", "测试省")
    city = region("980100", "测试市", province)
    east, west = region("980101", "东区", city), region("980102", "西区", city)
    unit = UnitFactory()
    # 2030: the vote made 东区's list.
    item = ItemFactory(plan=PlanFactory(year=2030, region=east), lead_unit=unit)
    listed = Candidate.objects.create(
        year=2030, title="甲", content="x", target_text="x", lead_unit=unit, item=item
    )
    left = Candidate.objects.create(year=2030, title="乙", content="x", target_text="x", lead_unit=unit)
    session = VotingSession.objects.create(
        year=2030, title="会", held_on=dt.date(2030, 1, 8), deputies_total=9, seats=1
    )
    session.candidates.set([listed, left])
    merged = services.submit_suggestion(
        year=2030, source="online", text="建议甲", received_on=dt.date(2029, 9, 1), region=None
    )
    Suggestion.objects.filter(pk=merged.pk).update(
        state="merged", candidate=listed, merged_on=dt.date(2029, 11, 1)
    )
    # 2031: no list made yet, one county list of that year (西区's) and the city's.
    PlanFactory(year=2031, region=west)
    PlanFactory(year=2031, region=city)
    waiting = services.submit_suggestion(
        year=2031, source="online", text="建议乙", received_on=dt.date(2030, 9, 1), region=None
    )
    # 2032: two county lists, nothing to tell which: no region.
    PlanFactory(year=2032, region=east)
    PlanFactory(year=2032, region=west)
    unknown = services.submit_suggestion(
        year=2032, source="online", text="建议丙", received_on=dt.date(2031, 9, 1), region=None
    )

    migration.give_regions(apps, None)

    for row, expected in ((listed, east), (left, east), (session, east), (merged, east), (waiting, west)):
        row.refresh_from_db()
        assert row.region == expected, row
    unknown.refresh_from_db()
    assert unknown.region is None


def test_rows_without_a_region_keep_their_year_unique_among_themselves(db):
    from django.core.exceptions import ValidationError

    unit = UnitFactory()
    county = region("970101", "某区", region("970100", "某市", region("970000", "某省")))
    fields = {
        "year": 2030,
        "title": "甲",
        "content": "x",
        "target_text": "x",
        "lead_unit": unit,
        "ballot_order": 1,
    }
    Candidate.objects.create(**fields)
    Candidate.objects.create(region=county, **fields)  # another region's ballot may repeat it
    with pytest.raises(ValidationError, match="同一年度票面顺序不能重复"):
        Candidate(**fields).full_clean()
    with pytest.raises(ValidationError, match="同一区划同一年度票面顺序不能重复"):
        Candidate(region=county, **fields).full_clean()


# --- The year's end belongs to the list's region ---------------------------------------------------


def test_another_regions_office_cannot_open_tally_or_close_qingshans_evaluation(demo, client, login):
    plan_now, plan_2023 = demo["plan_now"], demo["plan_2023"]
    evaluation = Evaluation.objects.get(plan=plan_2023)
    item = plan_2023.items.first()
    before = (Evaluation.objects.count(), evaluation.closed_on, evaluation.published_on)
    login("xiling-office")
    assert client.post(f"/plans/{plan_now.pk}/evaluation/open/", {"threshold": "60"}).status_code == 404
    assert client.post(f"/plans/{plan_2023.pk}/evaluation/close/", {"publish": "1"}).status_code == 404
    assert client.get(f"/plans/{plan_2023.pk}/evaluation/items/{item.pk}/tally/").status_code == 404
    xiling = User.objects.get(username="xiling-office")
    with pytest.raises(PermissionDenied, match=REFUSAL):
        evaluation_service.open_evaluation(xiling, plan_now)
    with pytest.raises(PermissionDenied, match=REFUSAL):
        evaluation_service.close_evaluation(xiling, evaluation)
    evaluation.refresh_from_db()
    assert (Evaluation.objects.count(), evaluation.closed_on, evaluation.published_on) == before


def test_a_county_office_reads_the_citys_list_but_may_not_open_its_evaluation(demo, client):
    qingshan = Region.objects.get(code=QINGSHAN)
    county_office = office_user(unit=UnitFactory(region=qingshan))
    city_plan = demo["plan_city"]
    client.force_login(county_office)
    assert client.get(f"/plans/{city_plan.pk}/evaluation/").status_code == 200
    refused = client.post(f"/plans/{city_plan.pk}/evaluation/open/", {"threshold": "60"})
    assert (
        refused.status_code == 403 and "只能管理本地区（青山区）及下级区划的清单" in refused.content.decode()
    )
    assert not Evaluation.objects.filter(plan=city_plan).exists()


def test_a_liaisons_handover_page_lists_only_their_own_units_works(demo, client):
    plan = demo["plan_2023"]
    stewards = list(Stewardship.objects.filter(sub_item__item__plan=plan).select_related("sub_item"))
    units = {s.sub_item.responsible_unit_id for s in stewards}
    liaison = (
        User.objects.filter(unit_id__in=units, groups__name=roles.LIAISON, username__startswith="liaison-")
        .order_by("username")
        .first()
    )
    assert liaison is not None and len(units) > 1
    client.force_login(liaison)

    page = client.get(f"/plans/{plan.pk}/handover/")

    assert page.status_code == 200
    shown = {state.sub_item.responsible_unit_id for state, _steward in page.context["rows"]}
    assert shown == {liaison.unit_id}
    body = page.content.decode()
    for steward in stewards:
        mine = steward.sub_item.responsible_unit_id == liaison.unit_id
        assert (f'data-subitem="{steward.sub_item_id}"' in body) is mine
        if not mine and steward.responsible_person:
            assert steward.responsible_person not in body
    # The office still sees every unit's.
    client.force_login(User.objects.get(username="office"))
    everyone = client.get(f"/plans/{plan.pk}/handover/").context["rows"]
    assert {state.sub_item.responsible_unit_id for state, _steward in everyone} >= units
