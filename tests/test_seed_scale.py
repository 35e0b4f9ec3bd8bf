"""``seed_scale`` builds a plan whose cached figures (sub-items' current figures, pace rows,
month-end snapshots) agree with its ledger, and leaves an existing plan of the same title alone.
On PostgreSQL the snapshots and pace rows are computed in parallel processes, which must store
exactly what the single-process path stores."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from core import dates
from projects.models import Plan, SubItem
from supervision.figures.snapshots import month_ends
from supervision.models import PlanSnapshot, ProgressReport, SubItemPace

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
    return len(month_ends(plan.year, dates.today() - timezone.timedelta(days=1)))


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


def seed_province(**options) -> str:
    out = io.StringIO()
    call_command(
        "seed_scale",
        province=True,
        items=6,
        subitems=12,
        cities=3,
        counties=8,
        lower_items=2,
        lower_subitems=4,
        stdout=out,
        **options,
    )
    return out.getvalue()


def check_province() -> None:
    from decimal import Decimal

    from projects.models import Region, SubItemShare
    from supervision.reading.progress import plan_progress

    province = Region.objects.get(code="980000")
    cities = list(province.children.order_by("code"))
    counties = list(Region.objects.filter(level=Region.Level.COUNTY, code__startswith="98"))
    assert (len(cities), len(counties)) == (3, 8)
    assert all(county.parent.parent == province for county in counties)
    assert all(province.contains(county) for county in counties)
    plans = Plan.objects.filter(region__code__startswith="98")
    assert plans.count() == 1 + 3 + 8
    province_plan = plans.get(region=province)
    # Every provincial sub-item is split over every county, and the shares add up.
    subs = SubItem.objects.filter(item__plan=province_plan)
    assert subs.count() == 12
    for sub in subs:
        shares = list(SubItemShare.objects.filter(sub_item=sub))
        assert {share.region_id for share in shares} == {county.pk for county in counties}
        assert sum(share.target_value for share in shares) == sub.target_value
    # Each city's list is split over its own counties only.
    for city in cities:
        plan = plans.get(region=city)
        assert set(
            SubItemShare.objects.filter(sub_item__item__plan=plan).values_list("region__parent", flat=True)
        ) == {city.pk}
    # Reports on shares are each by the share's own county unit; the roll-up sums them.
    assert ProgressReport.objects.filter(share__sub_item__item__plan=province_plan).exists()
    assert not ProgressReport.objects.filter(sub_item__item__plan=province_plan, share__isnull=True).exists()
    progress = plan_progress(province_plan, dates.today())
    for state in progress.sub_states:
        actuals = [row.state.figures.actual_value or Decimal("0") for row in state.shares]
        assert state.actual_value == sum(actuals, Decimal("0"))
        assert SubItem.objects.get(pk=state.sub_item.pk).actual_value == state.actual_value
    for plan in plans:
        assert "所有缓存数字与账本一致" in verify(plan)
        assert PlanSnapshot.objects.filter(plan=plan).count() == expected_snapshots(plan)


@pytest.mark.slow
def test_a_province_splits_its_list_over_every_county_and_its_caches_verify_clean(db):
    output = seed_province()
    assert "3个市、8个县" in output and "分解任务" in output
    check_province()
    assert "已存在" in seed_province()
    assert Plan.objects.filter(region__code__startswith="98").count() == 12


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_province_built_with_parallel_caches_on_postgresql_verify_clean(db):
    seed_province(jobs=3)
    check_province()
