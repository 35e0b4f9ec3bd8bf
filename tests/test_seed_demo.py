"""The demo county: the 2023 list reproduces the inspection speech, and seeding is idempotent."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from core import dates
from projects.models import Item, Plan, SubItem, Unit, User
from supervision.models import ProgressReport
from supervision.progress import plan_progress


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
    assert base_stations.completion_rate == Decimal("3.775")
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
