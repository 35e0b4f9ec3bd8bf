"""``seed_scale`` builds a plan whose cached figures (sub-items' current figures, pace rows,
month-end snapshots) agree with its ledger, and leaves an existing plan of the same title alone.
On PostgreSQL the snapshots and pace rows are computed in parallel processes, which must store
exactly what the single-process path stores."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from projects.models import Plan, SubItem
from supervision.models import PlanSnapshot, ProgressReport, SubItemPace
from supervision.services.snapshots import month_ends

TITLE = "规模测试（小）"


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_scale", items=50, subitems=200, title=TITLE, stdout=out, **options)
    return out.getvalue()


def verify(plan: Plan) -> str:
    out = io.StringIO()
    try:
        call_command("verify_figures", plan=plan.pk, stdout=out)
    except CommandError as exc:
        raise AssertionError(out.getvalue()) from exc
    return out.getvalue()


def expected_snapshots(plan: Plan) -> int:
    return len(month_ends(plan.year, timezone.localdate() - timezone.timedelta(days=1)))


def check_built(plan: Plan) -> None:
    assert SubItem.objects.filter(item__plan=plan).count() == 200
    assert ProgressReport.objects.filter(sub_item__item__plan=plan, state="accepted").exists()
    assert SubItemPace.objects.filter(sub_item__item__plan=plan).count() == 200
    assert PlanSnapshot.objects.filter(plan=plan).count() == expected_snapshots(plan)
    assert "所有缓存数字与账本一致" in verify(plan)


@pytest.mark.slow
def test_small_plan_caches_verify_clean_and_a_rerun_changes_nothing(db):
    output = seed()
    plan = Plan.objects.get(title=TITLE)
    assert "合计" in output and "秒" in output
    check_built(plan)

    again = seed()
    assert "已存在" in again
    assert Plan.objects.filter(title=TITLE).count() == 1
    assert SubItem.objects.filter(item__plan=plan).count() == 200


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_caches_on_postgresql_verify_clean(db):
    seed(jobs=3)
    check_built(Plan.objects.get(title=TITLE))
