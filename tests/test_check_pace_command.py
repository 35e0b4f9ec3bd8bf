"""`manage.py check_pace` runs the daily check at once, optionally as of a date or for one plan."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.lights import Light
from supervision.models import Flag, SubItemPace
from tests.test_pace_check import CHECK_DAY, build_plan


def run(*args) -> str:
    out = StringIO()
    call_command("check_pace", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_check_pace_records_lights_and_prints_a_summary_per_plan():
    plan, subs = build_plan()
    output = run("--date", CHECK_DAY.isoformat())

    assert f"{plan.title}（截至2025-07-01）：5项" in output
    assert "严重滞后1" in output and "新转红灯1项" in output
    assert SubItemPace.objects.get(sub_item=subs["red"][0]).light == Light.RED


@pytest.mark.django_db
def test_check_pace_for_one_plan_leaves_the_others_alone():
    plan, _ = build_plan()
    other, _ = build_plan()
    run("--plan", str(plan.pk), "--date", CHECK_DAY.isoformat())

    assert SubItemPace.objects.filter(sub_item__item__plan=plan, checked_on=CHECK_DAY).count() == 5
    assert not SubItemPace.objects.filter(sub_item__item__plan=other, checked_on=CHECK_DAY).exists()
    assert not Flag.objects.filter(sub_item__item__plan=other).exists()


@pytest.mark.django_db
def test_check_pace_as_of_a_past_date_ignores_later_reports():
    from tests.test_pace_check import report

    plan, subs = build_plan()
    report(subs["red"][0], 6, 80, accepted_on=date(2025, 7, 3))
    run("--date", CHECK_DAY.isoformat())

    assert Flag.objects.filter(sub_item=subs["red"][0], kind=Flag.Kind.RED, raised_on=CHECK_DAY).exists()


@pytest.mark.django_db
def test_check_pace_rejects_a_malformed_date_and_an_unknown_plan():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--date", "2025-13-01")
    with pytest.raises(CommandError, match="不存在"):
        run("--plan", "999999")


def test_demo_site_shows_lights_without_a_worker(demo):
    run()
    assert SubItemPace.objects.filter(sub_item__item__plan=demo["plan_now"]).exclude(light="").exists()
    assert SubItemPace.objects.filter(light__in=[Light.YELLOW, Light.RED]).exists()
