"""The deputies' satisfaction evaluation (满意度测评): the rules (满意率, threshold, a paper tally
that adds up), deputies voting once on their phones, the office's paper tallies, closing with
one rectification per item judged 不满意, and the results page, API, briefing sheet and public
section, each as of a day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from openpyxl import load_workbook
from rest_framework.test import APIClient

from core.dates import today
from supervision.demo.evaluation import BELOW_THRESHOLD
from supervision.models import (
    InspectionVisit,
    Rectification,
    Satisfaction,
    VisitedItem,
)
from supervision.yearend import evaluation as rules
from supervision.yearend.models import (
    Evaluation,
    EvaluationBallot,
    EvaluationRectification,
    EvaluationVote,
    PaperTally,
)
from supervision.yearend.services import evaluation as service
from tests.factories import (
    ItemFactory,
    PlanFactory,
    deputy_user,
    leader_user,
    liaison_user,
    office_user,
)

S, F, U = Satisfaction.SATISFIED, Satisfaction.FAIRLY, Satisfaction.DISSATISFIED


# --- the rules ------------------------------------------------------------------------------


def test_the_rate_is_satisfied_and_basically_satisfied_over_valid_ballots():
    assert rules.satisfaction_rate(14, 16, 57) == Decimal("0.5263")
    assert rules.satisfaction_rate(30, 30, 60) == Decimal("1.0000")
    assert rules.satisfaction_rate(0, 0, 5) == Decimal("0.0000")


def test_without_a_valid_ballot_there_is_no_rate_and_no_verdict():
    assert rules.satisfaction_rate(0, 0, 0) is None
    assert rules.passes(0, 0, 0, Decimal(60)) is None


def test_an_item_exactly_at_the_threshold_passes_and_one_ballot_under_fails():
    assert rules.passes(30, 6, 60, Decimal(60)) is True  # 60%
    assert rules.passes(30, 5, 60, Decimal(60)) is False  # 58.3%


def test_the_threshold_is_compared_exactly_not_on_the_rounded_rate():
    # 2/3 = 66.666…% rounds to 0.6667, yet it is under a 66.67% threshold.
    assert rules.satisfaction_rate(2, 0, 3) == Decimal("0.6667")
    assert rules.passes(2, 0, 3, Decimal("66.67")) is False
    assert rules.passes(2, 0, 3, Decimal("66.66")) is True


def tally(**changes):
    figures = dict(issued=60, returned=58, valid=57, satisfied=14, basically_satisfied=16, unsatisfied=27)
    figures.update(changes)
    return figures


def test_a_tally_that_adds_up_is_accepted():
    rules.check_tally(**tally())


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"returned": 61}, "returned", "收回票数（61）不能多于发出票数（60）。"),
        ({"valid": 59, "unsatisfied": 29}, "valid", "有效票数（59）不能多于收回票数（58）。"),
        ({"unsatisfied": 28}, "unsatisfied", "满意、基本满意、不满意票数之和（58）应等于有效票数（57）。"),
        ({"unsatisfied": 20}, "unsatisfied", "满意、基本满意、不满意票数之和（50）应等于有效票数（57）。"),
        ({"issued": -1}, "issued", "票数应为不小于0的整数。"),
    ],
)
def test_a_tally_that_does_not_add_up_is_refused_naming_the_field(changes, field, message):
    with pytest.raises(ValidationError) as caught:
        rules.check_tally(**tally(**changes))
    assert message in caught.value.message_dict[field]


# --- a small plan ---------------------------------------------------------------------------


@pytest.fixture
def plan(db):
    plan = PlanFactory(year=today().year)
    for number, title in ((1, "新建学校"), (2, "老旧小区改造"), (3, '=HYPERLINK("x")')):
        ItemFactory(plan=plan, number=number, title=title)
    return plan


def items_of(plan):
    return {item.number: item for item in plan.items.order_by("number")}


def opened(plan, on=None):
    return service.open_evaluation(office_user(), plan, on=on or today())


def vote(client, plan, choices: dict[int, str]):
    items = items_of(plan)
    data = {f"item_{items[number].pk}": choice for number, choice in choices.items()}
    return client.post(f"/plans/{plan.pk}/evaluation/vote/", data)


def api_rows(user, plan, **params):
    api = APIClient()
    api.force_authenticate(user)
    response = api.get(f"/api/plans/{plan.pk}/evaluation/", params)
    assert response.status_code == 200
    return {row["number"]: row for row in response.json()["items"]}


@pytest.mark.django_db
def test_a_deputy_rates_every_item_on_the_phone_once(client, plan):
    opened(plan)
    deputy = deputy_user()
    client.force_login(deputy)
    form = client.get(f"/plans/{plan.pk}/evaluation/vote/")
    assert form.status_code == 200 and 'type="radio"' in form.content.decode()

    response = vote(client, plan, {1: S, 2: U, 3: F})
    assert response.status_code == 302

    rows = api_rows(office_user(), plan)
    assert (rows[1]["satisfied"], rows[2]["unsatisfied"], rows[3]["basically_satisfied"]) == (1, 1, 1)
    assert rows[2] == {
        "number": 2,
        "title": "老旧小区改造",
        "satisfied": 0,
        "basically_satisfied": 0,
        "unsatisfied": 1,
        "valid": 1,
        "rate": 0.0,
        "passed": False,
    }

    again = vote(client, plan, {1: U, 2: U, 3: U})
    assert again.status_code == 400
    assert "您已参加本次满意度测评，不能重复投票。" in again.content.decode()
    assert EvaluationVote.objects.count() == 3 and EvaluationBallot.objects.count() == 1


@pytest.mark.django_db
def test_who_voted_is_kept_apart_from_what_was_voted(plan):
    evaluation = opened(plan)
    service.cast_ballot(deputy_user(), evaluation, {i.pk: S for i in plan.items.all()})
    vote_fields = {f.name for f in EvaluationVote._meta.get_fields()}
    assert "deputy" not in vote_fields and EvaluationBallot.objects.get().deputy.groups.exists()


@pytest.mark.django_db
def test_a_ballot_missing_an_item_is_refused_and_saves_nothing(client, plan):
    opened(plan)
    client.force_login(deputy_user())
    response = vote(client, plan, {1: S, 3: F})
    assert response.status_code == 400
    assert "请对第2件“老旧小区改造”作出评价。" in response.content.decode()
    assert not EvaluationBallot.objects.exists() and not EvaluationVote.objects.exists()


@pytest.mark.django_db
def test_the_service_refuses_a_second_ballot_with_the_same_message(plan):
    evaluation = opened(plan)
    deputy = deputy_user()
    choices = {i.pk: S for i in plan.items.all()}
    service.cast_ballot(deputy, evaluation, choices)
    with pytest.raises(ValidationError, match="不能重复投票"):
        service.cast_ballot(deputy, evaluation, choices)


@pytest.mark.django_db
def test_only_deputies_vote(client, plan):
    opened(plan)
    client.force_login(office_user())
    assert vote(client, plan, {1: S, 2: S, 3: S}).status_code == 403
    client.force_login(leader_user())
    assert vote(client, plan, {1: S, 2: S, 3: S}).status_code == 403
    assert not EvaluationVote.objects.exists()


@pytest.mark.django_db
def test_no_vote_and_no_tally_once_the_evaluation_is_closed(plan):
    evaluation = opened(plan)
    items = items_of(plan)
    service.enter_tally(
        office_user(),
        evaluation,
        items[1],
        **tally(valid=30, returned=58, satisfied=30, basically_satisfied=0, unsatisfied=0),
    )
    service.close_evaluation(office_user(), evaluation)
    with pytest.raises(ValidationError, match="已结束"):
        service.cast_ballot(deputy_user(), evaluation, {i.pk: S for i in plan.items.all()})
    with pytest.raises(ValidationError, match="已结束"):
        service.enter_tally(office_user(), evaluation, items[2], **tally())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes, message",
    [
        ({"returned": "61"}, "收回票数（61）不能多于发出票数（60）。"),
        ({"valid": "59", "unsatisfied": "29"}, "有效票数（59）不能多于收回票数（58）。"),
        ({"unsatisfied": "28"}, "应等于有效票数（57）"),
        ({"issued": ""}, "请填写发出票数。"),
    ],
)
def test_the_office_form_refuses_a_tally_that_does_not_add_up(client, plan, changes, message):
    opened(plan)
    client.force_login(office_user())
    item = items_of(plan)[2]
    data = {k: str(v) for k, v in tally().items()} | changes
    response = client.post(f"/plans/{plan.pk}/evaluation/items/{item.pk}/tally/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PaperTally.objects.exists()


@pytest.mark.django_db
def test_paper_tallies_add_to_phone_votes_and_a_correction_replaces_the_tally(client, plan):
    evaluation = opened(plan)
    items = items_of(plan)
    service.cast_ballot(deputy_user(), evaluation, {items[1].pk: U, items[2].pk: S, items[3].pk: S})
    client.force_login(office_user())
    url = f"/plans/{plan.pk}/evaluation/items/{items[2].pk}/tally/"
    assert client.post(url, tally(unsatisfied=27)).status_code == 302
    assert client.post(url, tally(valid=58, satisfied=15, unsatisfied=27)).status_code == 302

    row = api_rows(office_user(), plan)[2]
    # the phone vote (满意) plus the corrected paper tally (15, 16, 27 of 58)
    assert (row["satisfied"], row["basically_satisfied"], row["unsatisfied"], row["valid"]) == (
        16,
        16,
        27,
        59,
    )
    assert row["rate"] == float(rules.satisfaction_rate(16, 16, 59)) and row["passed"] is False
    assert PaperTally.objects.count() == 2  # the first tally is kept, the latest counts


@pytest.mark.django_db
def test_closing_gives_each_item_under_the_threshold_one_rectification_for_its_lead_unit(client, plan):
    evaluation = opened(plan)
    items = items_of(plan)
    office = office_user()
    for number, (s, f, u) in {1: (40, 10, 8), 2: (14, 16, 27), 3: (30, 6, 22)}.items():
        service.enter_tally(
            office,
            evaluation,
            items[number],
            **tally(valid=s + f + u, satisfied=s, basically_satisfied=f, unsatisfied=u),
        )
    client.force_login(office)
    assert client.post(f"/plans/{plan.pk}/evaluation/close/").status_code == 302

    rectification = Rectification.objects.get()
    assert rectification.item == items[2] and rectification.unit == items[2].lead_unit
    assert rectification.source == Rectification.Source.EVALUATION
    assert "满意率52.6%" in rectification.title
    assert rectification.deadline == today() + dt.timedelta(days=service.RECTIFICATION_DAYS)

    # again, and publishing after it: nothing more
    service.rectify_failed_items(office, evaluation)
    client.post(f"/plans/{plan.pk}/evaluation/close/")
    client.post(f"/plans/{plan.pk}/evaluation/close/", {"publish": "1"})
    assert Rectification.objects.count() == 1 and EvaluationRectification.objects.count() == 1
    evaluation.refresh_from_db()
    assert evaluation.published_on == today()

    page = client.get(f"/plans/{plan.pk}/evaluation/").content.decode()
    assert f"/rectifications/{rectification.pk}/" in page


@pytest.mark.django_db
def test_only_the_office_opens_enters_and_closes(client, plan):
    with pytest.raises(PermissionDenied, match="督查室"):
        service.open_evaluation(deputy_user(), plan)
    evaluation = opened(plan)
    client.force_login(deputy_user())
    assert client.post(f"/plans/{plan.pk}/evaluation/close/").status_code == 403
    item = items_of(plan)[1]
    assert client.post(f"/plans/{plan.pk}/evaluation/items/{item.pk}/tally/", tally()).status_code == 403
    evaluation.refresh_from_db()
    assert evaluation.closed_on is None and not PaperTally.objects.exists()


@pytest.mark.django_db
def test_a_plan_has_one_evaluation_and_a_threshold_between_0_and_100(client, plan):
    client.force_login(office_user())
    assert client.post(f"/plans/{plan.pk}/evaluation/open/", {"threshold": "120"}).status_code == 302
    assert not Evaluation.objects.exists()
    client.post(f"/plans/{plan.pk}/evaluation/open/", {"threshold": "70"})
    assert Evaluation.objects.get().threshold == Decimal(70)
    with pytest.raises(ValidationError, match="已组织满意度测评"):
        opened(plan)


@pytest.mark.django_db
def test_liaisons_read_neither_the_page_nor_the_api(client, plan):
    opened(plan)
    liaison = liaison_user(plan.items.first().lead_unit)
    client.force_login(liaison)
    assert client.get(f"/plans/{plan.pk}/evaluation/").status_code == 403
    api = APIClient()
    api.force_authenticate(liaison)
    assert api.get(f"/api/plans/{plan.pk}/evaluation/").status_code == 403


@pytest.mark.django_db
def test_the_page_the_api_and_the_briefing_read_the_evaluation_as_of_a_day(client, plan):
    first_day = today() - dt.timedelta(days=10)
    evaluation = opened(plan, on=first_day)
    items = items_of(plan)
    service.cast_ballot(deputy_user(), evaluation, {i.pk: S for i in items.values()}, on=first_day)
    service.cast_ballot(
        deputy_user(), evaluation, {i.pk: U for i in items.values()}, on=first_day + dt.timedelta(days=2)
    )
    office = office_user()
    client.force_login(office)
    before = first_day - dt.timedelta(days=1)

    assert (
        "尚未组织满意度测评"
        in client.get(f"/plans/{plan.pk}/evaluation/", {"as_of": before}).content.decode()
    )
    assert api_rows(office, plan, as_of=before) == {}
    first = api_rows(office, plan, as_of=first_day)
    assert (first[1]["valid"], first[1]["passed"]) == (1, True)
    now = api_rows(office, plan)
    assert (now[1]["valid"], now[1]["rate"], now[1]["passed"]) == (2, 0.5, False)

    book = load_workbook(BytesIO(client.get(f"/plans/{plan.pk}/briefing.xlsx", {"as_of": first_day}).content))
    assert "满意度测评" in book.sheetnames
    old = load_workbook(BytesIO(client.get(f"/plans/{plan.pk}/briefing.xlsx", {"as_of": before}).content))
    assert "满意度测评" not in old.sheetnames


@pytest.mark.django_db
def test_the_briefing_sheet_writes_titles_as_text(client, plan):
    evaluation = opened(plan)
    service.cast_ballot(deputy_user(), evaluation, {i.pk: F for i in plan.items.all()})
    client.force_login(office_user())
    sheet = load_workbook(BytesIO(client.get(f"/plans/{plan.pk}/briefing.xlsx").content))["满意度测评"]
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=4)}
    assert cells[3][1].value == '=HYPERLINK("x")' and cells[3][1].data_type == "s"
    assert [c.value for c in cells[1][3:9]] == [0, 1, 0, 1, 1, "满意"]


@pytest.mark.django_db
def test_visits_ratings_are_summarised_per_item_beside_the_evaluation(client, plan):
    items = items_of(plan)
    office = office_user()
    for day, rating in ((today() - dt.timedelta(days=40), S), (today() - dt.timedelta(days=5), U)):
        visit = InspectionVisit.objects.create(
            plan=plan, date=day, kind=InspectionVisit.Kind.SUPERVISION, title=f"督查{day}", recorded_by=office
        )
        VisitedItem.objects.create(visit=visit, item=items[2], satisfaction=rating)
    opened(plan, on=today() - dt.timedelta(days=20))
    rows = {row.number: row for row in rules.evaluation_rows(plan)}
    assert rows[2].visit_ratings == {S: 1, U: 1}
    assert rows[2].visit_ratings_text == "满意 1、不满意 1"
    earlier = {row.number: row for row in rules.evaluation_rows(plan, today() - dt.timedelta(days=10))}
    assert earlier[2].visit_ratings == {S: 1}
    client.force_login(office)
    assert "满意 1、不满意 1" in client.get(f"/plans/{plan.pk}/evaluation/").content.decode()


@pytest.mark.django_db
def test_evaluation_rows_is_none_for_a_plan_without_an_evaluation(plan):
    assert rules.evaluation_rows(plan) is None


@pytest.mark.django_db
def test_the_public_page_shows_the_results_only_once_published(client, plan):
    evaluation = opened(plan, on=today() - dt.timedelta(days=3))
    office = office_user()
    for item in plan.items.all():
        service.enter_tally(office, evaluation, item, **tally(), on=today() - dt.timedelta(days=3))
    service.close_evaluation(office, evaluation, on=today() - dt.timedelta(days=2))
    assert 'id="public-evaluation"' not in client.get(f"/public/plans/{plan.pk}/").content.decode()

    service.publish_evaluation(office, evaluation, on=today() - dt.timedelta(days=1))
    page = client.get(f"/public/plans/{plan.pk}/").content.decode()
    assert 'id="public-evaluation"' in page and "52.6%" in page
    assert "/rectifications/" not in page  # no internal links on the public page
    before = client.get(f"/public/plans/{plan.pk}/", {"as_of": today() - dt.timedelta(days=2)})
    assert 'id="public-evaluation"' not in before.content.decode()


@pytest.mark.django_db
def test_the_page_reads_in_a_fixed_number_of_queries(client, plan, django_assert_max_num_queries):
    evaluation = opened(plan)
    service.cast_ballot(deputy_user(), evaluation, {i.pk: S for i in plan.items.all()})
    for number in range(4, 40):
        ItemFactory(plan=plan, number=number)
    client.force_login(deputy_user())
    with django_assert_max_num_queries(14):
        response = client.get(f"/plans/{plan.pk}/evaluation/")
    assert response.status_code == 200 and "我要投票" in response.content.decode()


# --- the demo -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_2023_evaluation_fails_only_the_old_residential_areas(demo, client):
    plan = demo["plan_2023"]
    rows = {row.title: row for row in rules.evaluation_rows(plan)}
    assert len(rows) == 10
    assert [title for title, row in rows.items() if not row.passed] == [BELOW_THRESHOLD]
    assert all(row.valid in (57, 58) and row.tally.issued == 60 for row in rows.values())
    failed = rows[BELOW_THRESHOLD]
    rectification = Rectification.objects.get(plan=plan, source=Rectification.Source.EVALUATION)
    assert rectification.item == failed.item and rectification.unit == failed.item.lead_unit
    assert rules.evaluation_rows(demo["plan_now"]) is None

    call_command("seed_demo", stdout=StringIO())
    assert Rectification.objects.filter(source=Rectification.Source.EVALUATION).count() == 1
    assert PaperTally.objects.count() == 10 and Evaluation.objects.count() == 1

    page = client.get(f"/public/plans/{plan.pk}/").content.decode()
    assert 'id="public-evaluation"' in page and BELOW_THRESHOLD in page
