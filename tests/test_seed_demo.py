"""The demo county: the 2023 list reproduces the inspection speech, and seeding is idempotent."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from core import dates
from projects.completion import completion_rate
from projects.models import Item, Plan, SubItem, Unit, User
from supervision.models import ProgressReport
from supervision.reading.progress import plan_progress


def test_the_2023_list_has_ten_items_thirteen_sub_items_and_six_eight_done(demo):
    plan = demo["plan_2023"]
    summary = plan_progress(plan).summary
    assert summary.headline == "10件13项，已完成6件8项，完成率60%"


def test_the_2023_list_has_the_named_projects_and_figures(demo):
    plan = demo["plan_2023"]
    titles = set(Item.objects.filter(plan=plan).values_list("title", flat=True))
    assert {"新增学前教育学位", "农村饮水安全工程", "征拆未安置户安置", "城镇老旧小区改造"} <= titles
    base_stations = SubItem.objects.get(item__plan=plan, content__contains="5G基站")
    assert base_stations.target_value == 120 and base_stations.target_at_least
    assert base_stations.actual_value == 453
    assert completion_rate(base_stations.actual_value, base_stations.target_value) == Decimal("3.775")
    piles = SubItem.objects.get(item__plan=plan, content__contains="充电桩")
    assert (piles.target_value, piles.actual_value) == (100, 169)
    resettlement = SubItem.objects.get(item__plan=plan, content__contains="未安置户")
    assert resettlement.target_value >= 2000
    renovation = SubItem.objects.get(item__plan=plan, content__contains="老旧小区")
    assert "资金未实际到位" in renovation.reports.filter(state="accepted").latest("accepted_on").problems


def test_the_figures_held_at_the_late_october_2023_inspection(demo):
    as_of = plan_progress(demo["plan_2023"], dt.date(2023, 10, 26)).summary
    assert (as_of.items_completed, as_of.subitems_completed) == (6, 8)


def test_current_figures_are_those_of_the_latest_accepted_report(demo):
    for sub in SubItem.objects.filter(item__plan=demo["plan_2023"]):
        latest = (
            sub.reports.filter(state=ProgressReport.State.ACCEPTED).order_by("-accepted_on", "-id").first()
        )
        assert latest is not None
        assert sub.actual_value == latest.actual_value
        assert sub.is_complete == latest.marks_complete


def test_this_years_plan_is_alive_with_a_mix_of_lights(demo):
    progress = plan_progress(demo["plan_now"])
    assert progress.plan.year == dates.today().year or progress.plan.year >= 2026
    assert progress.light_counts["red"] >= 1
    assert progress.light_counts["yellow"] >= 1
    assert progress.light_counts["green"] >= 1
    assert progress.overdue_report_count >= 1


def test_demo_accounts_exist_with_roles_and_units(demo):
    assert User.objects.get(username="office").groups.filter(name="督查室").exists()
    assert User.objects.get(username="deputy").groups.filter(name="人大代表").exists()
    assert User.objects.get(username="leader").groups.filter(name="领导").exists()
    liaison = User.objects.get(username="liaison-edu")
    assert liaison.unit.code == "edu" and liaison.check_password("livelihood-demo")
    for unit in Unit.objects.filter(responsible_sub_items__isnull=False).distinct():
        assert User.objects.filter(username=f"liaison-{unit.code}", unit=unit).exists()


@pytest.mark.django_db
def test_seed_demo_is_idempotent(demo):
    counts = (
        Plan.objects.count(),
        SubItem.objects.count(),
        ProgressReport.objects.count(),
        User.objects.count(),
    )
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert (
        Plan.objects.count(),
        SubItem.objects.count(),
        ProgressReport.objects.count(),
        User.objects.count(),
    ) == counts


def _outcome(day: dt.date) -> dict:
    from projects.demo import current_plan_title, running_year
    from projects.models import Acceptance
    from selection.models import Candidate, Suggestion, VotingSession
    from supervision.yearend.models import Evaluation

    year = running_year(day)
    plan = Plan.objects.get(year=year, title=current_plan_title(year))
    return {
        "plan": plan,
        "latest_accepted": ProgressReport.objects.filter(state=ProgressReport.State.ACCEPTED)
        .order_by("-accepted_on")
        .values_list("accepted_on", flat=True)
        .first(),
        "latest_written": ProgressReport.objects.order_by("-created_at")
        .values_list("created_at", flat=True)
        .first(),
        "accepted_this_year": Acceptance.objects.filter(sub_item__item__plan=plan).count(),
        "evaluated": Evaluation.objects.filter(plan=plan).exists(),
        "suggestions": Suggestion.objects.filter(year=year + 1).count(),
        "candidates": Candidate.objects.filter(year=year + 1).count(),
        "sessions": VotingSession.objects.filter(year=year + 1).count(),
    }


@pytest.mark.slow
def test_seeded_on_5_january_the_demo_is_last_years_list_being_closed_while_the_new_is_chosen(db):
    """``--today`` builds the county as it stands on that day, whatever the clock says (the
    suite's clock is in November): the year's list is over and being accepted, every report of
    its December is in, the congress has not met yet, the new list's candidates are ready."""
    from django.utils import timezone

    day = dt.date(2027, 1, 5)
    call_command("seed_demo", today=day, stdout=open("/dev/null", "w"))

    seen = _outcome(day)
    plan = seen["plan"]
    assert (plan.year, plan.status, plan.published_on) == (2026, Plan.Status.PUBLISHED, dt.date(2026, 2, 1))
    assert plan.year_over(day) and plan.status_on(day) == "年度已结束，待验收收尾"
    assert seen["latest_accepted"] == dt.date(2027, 1, 4)  # December's reports, by the 5th
    assert timezone.localdate(seen["latest_written"]) <= day
    assert seen["accepted_this_year"] >= 1 and not seen["evaluated"]
    assert seen["candidates"] == 13 and seen["sessions"] == 0
    summary = plan_progress(plan, day).summary
    assert summary.headline == "8件11项，已完成4件6项，完成率50%"
    assert not Plan.objects.filter(year=2027, status=Plan.Status.PUBLISHED).exists()
    # The 2023 list keeps the inspection speech's figures whatever the day.
    assert plan_progress(Plan.objects.get(year=2023)).summary.headline == "10件13项，已完成6件8项，完成率60%"
    assert dates.today() == dt.date(2026, 11, 24), "the command gives the clock back"


@pytest.mark.slow
def test_after_the_january_session_last_years_list_is_evaluated_and_the_new_one_drafted(db):
    from selection.models import VotingSession
    from supervision.yearend.models import Evaluation

    day = dt.date(2027, 1, 20)
    call_command("seed_demo", today=day, stdout=open("/dev/null", "w"))

    seen = _outcome(day)
    evaluation = Evaluation.objects.get(plan=seen["plan"])
    assert evaluation.opened_on == dt.date(2027, 1, 6) and evaluation.published_on == dt.date(2027, 1, 10)
    session = VotingSession.objects.get(year=2027)
    assert (session.state, session.counted_on) == (VotingSession.State.COUNTED, dt.date(2027, 1, 8))
    assert Plan.objects.get(year=2027, status=Plan.Status.DRAFT).items.count() == 10


def test_seed_demo_refuses_a_day_it_cannot_build_in_chinese():
    with pytest.raises(Exception, match="格式应为 YYYY-MM-DD"):
        call_command("seed_demo", "--today", "2027-13-01")
    with pytest.raises(Exception, match="演示数据的日期须在2025年2月1日"):
        call_command("seed_demo", "--today", "2023-05-01")
