"""Monthly plan snapshots agree with the as-of computation, are taken once per month-end, and
feed the trend."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import dates
from supervision.figures import snapshots
from supervision.figures import trend as trend_of
from supervision.models import PlanSnapshot
from supervision.reading.progress import plan_progress
from supervision.reading.summary import plan_figures
from supervision.tasks import take_monthly_snapshots
from tests.factories import PlanFactory, SubItemFactory, accepted_report

DEMO_DATES = [dt.date(2023, 3, 31), dt.date(2023, 6, 30), dt.date(2023, 9, 30), dt.date(2023, 12, 31)]


@pytest.mark.parametrize("day", DEMO_DATES)
def test_a_snapshot_holds_exactly_the_as_of_figures_for_its_date(demo, day):
    plan = demo["plan_2023"]

    snapshots.take_snapshot(plan, day)

    stored = PlanSnapshot.objects.get(plan=plan, as_of=day).data
    assert stored == plan_figures(plan_progress(plan, day))
    assert stored["as_of"] == day.isoformat()


def test_snapshots_of_the_demo_year_trace_completion_upwards(demo):
    plan = demo["plan_2023"]
    points = [snapshots.take_snapshot(plan, day).data for day in DEMO_DATES]

    completed = [p["subitems_completed"] for p in points]
    assert completed == sorted(completed) and completed[0] < completed[-1]
    assert points[-1]["headline"] == "10件13项，已完成6件8项，完成率60%"


def test_taking_a_snapshot_again_overwrites_rather_than_duplicates(demo):
    plan = demo["plan_2023"]
    june = dt.date(2023, 6, 30)
    snapshots.take_snapshot(plan, june)
    PlanSnapshot.objects.filter(plan=plan, as_of=june).update(data={"stale": True})

    snapshots.take_snapshot(plan, june)

    assert PlanSnapshot.objects.filter(plan=plan, as_of=june).count() == 1
    assert "stale" not in PlanSnapshot.objects.get(plan=plan, as_of=june).data


def test_monthly_task_fills_missing_month_ends_up_to_yesterday_for_published_plans(db):
    today = dates.today()
    published = PlanFactory(year=today.year)
    SubItemFactory(item__plan=published)
    draft = PlanFactory(year=today.year, status="draft")
    SubItemFactory(item__plan=draft)

    assert take_monthly_snapshots.delay().get() == len(
        snapshots.month_ends(today.year, today - dt.timedelta(days=1))
    )
    days = list(PlanSnapshot.objects.filter(plan=published).values_list("as_of", flat=True))
    assert days == [d for d in snapshots.month_ends(today.year, today) if d < today]
    assert all(d.month != (d + dt.timedelta(days=1)).month for d in days)
    assert not PlanSnapshot.objects.filter(plan=draft).exists()

    assert snapshots.take_monthly_snapshots() == []


def test_monthly_task_for_a_past_year_covers_all_twelve_month_ends(db):
    plan = PlanFactory(year=2023)
    SubItemFactory(item__plan=plan)

    snapshots.take_monthly_snapshots(on=dt.date(2024, 1, 1))

    assert PlanSnapshot.objects.filter(plan=plan).count() == 12
    assert PlanSnapshot.objects.filter(plan=plan).last().as_of == dt.date(2023, 12, 31)


def test_trend_gives_stored_month_ends_then_today_and_lists_the_missing_without_computing_them(db):
    today = dates.today()
    plan = PlanFactory(year=today.year)
    sub = SubItemFactory(item__plan=plan)
    accepted_report(sub, on=today, progress="60")
    past = [d for d in snapshots.month_ends(today.year, today) if d < today]
    stored_day = past[0] if past else None
    if stored_day:
        snapshots.take_snapshot(plan, stored_day)

    with CaptureQueriesContext(connection) as ctx:
        trend = trend_of.trend(plan)

    assert [p["as_of"] for p in trend.points] == [d.isoformat() for d in past[:1]] + [today.isoformat()]
    assert trend.missing == past[1:]
    assert trend.points[-1] == plan_figures(plan_progress(plan))
    # Reading never writes, and never replays a year of history inside a request.
    assert PlanSnapshot.objects.filter(plan=plan).count() == len(past[:1])
    assert not any("INSERT" in q["sql"] or "UPDATE" in q["sql"] for q in ctx.captured_queries)


def test_trend_reads_stored_snapshots_without_recomputing(demo):
    plan = demo["plan_2023"]  # seed_demo stores the month-ends, as the nightly task would

    with CaptureQueriesContext(connection) as ctx:
        trend = trend_of.trend(plan, until=dt.date(2023, 12, 31))
    points = trend.points

    assert len(points) == 12 and trend.missing == []
    assert len(ctx.captured_queries) == 1
    assert points[5] == plan_figures(plan_progress(plan, dt.date(2023, 6, 30)))


def test_trend_until_a_past_date_stops_there_without_a_live_point(demo):
    plan = demo["plan_2023"]

    points = trend_of.trend(plan, until=dt.date(2023, 7, 15)).points

    assert [p["as_of"] for p in points][-1] == "2023-06-30"
    assert len(points) == 6
