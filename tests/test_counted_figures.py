"""The figures counted from the caches (``supervision.figures.counted``) equal the figures read from the
ledger, for the demo list at every month-end of its year and today, for the whole plan and
narrowed by each category, each unit and each light.

On each day the clock is set to that day and the caches rebuilt as they would have stood then
(the nightly pace rows, the sub-items' current figures), so every count is checked against a
different state of the list. The pages that count from the caches (dashboard, plan table,
lagging list, API /summary/) are checked against each other in test_consistency.py.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Q
from django.test import Client

from core import dates
from core.lights import Light
from projects.models import Plan, SubItem, User
from supervision.figures import caches, snapshots
from supervision.figures import counted as current
from supervision.models import SubItemPace
from supervision.reading import dashboard
from supervision.reading.lagging import ROWS_PER_PAGE, lagging_rows
from supervision.reading.progress import plan_progress
from supervision.reading.summary import plan_figures
from tests import clock

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _filters(plan: Plan) -> list[Q | None]:
    subs = SubItem.objects.filter(item__plan=plan)
    categories = sorted({c for c in subs.values_list("item__category_id", flat=True) if c})
    units = sorted(set(subs.values_list("responsible_unit_id", flat=True)))
    return [None] + [Q(item__category_id=c) for c in categories] + [Q(responsible_unit_id=u) for u in units]


def _category_rows(rows) -> list[tuple]:
    return [
        (
            r.category.pk if r.category else None,
            r.items_total,
            r.items_completed,
            r.subitems_total,
            r.subitems_completed,
        )
        for r in rows
    ]


def _unit_rows(rows) -> list[tuple]:
    return [
        (
            r.unit.pk,
            r.subitems_total,
            r.completed,
            r.completed_on_time,
            r.red,
            r.yellow,
            r.overdue_report,
            r.lag_sum,
        )
        for r in rows
    ]


def _same_counts(plan: Plan, on: dt.date) -> int:
    """Assert every counted figure equals the ledger's on ``on``; returns how many were compared."""
    compared = 0
    for sub_filter in _filters(plan):
        ledger = plan_progress(plan, on, sub_item_filter=sub_filter)
        for light in ["", *Light.values]:
            progress = ledger.with_light(light)
            head = current.headline(plan, on, sub_item_filter=sub_filter, light=light)
            assert head.from_caches, "the caches should hold today"
            where = f"{on} {sub_filter} {light or 'all'}"
            assert head.figures == plan_figures(progress), where
            assert head.summary == progress.summary, where
            subs = current.sub_items(plan, sub_filter, light)
            assert _category_rows(dashboard.counted_by_category(subs)) == _category_rows(
                dashboard.by_category(progress)
            ), where
            assert _unit_rows(dashboard.counted_unit_ranking(subs)) == _unit_rows(
                dashboard.unit_ranking(progress)
            ), where

            counted = dashboard.read_dashboard(plan, on, sub_filter, light, attention_rows=3, overdue_rows=2)
            attention = dashboard.attention_list(progress)
            overdue = dashboard.overdue_to_report(progress)
            assert [r.state.sub_item.pk for r in counted.attention] == [
                r.state.sub_item.pk for r in attention[:3]
            ], where
            assert [r.reasons for r in counted.attention] == [r.reasons for r in attention[:3]], where
            assert counted.attention_total == len(attention), where
            assert [s.sub_item.pk for _, s in counted.overdue] == [s.sub_item.pk for _, s in overdue[:2]], (
                where
            )
            assert counted.overdue_total == len(overdue), where
            compared += 1
    return compared


def _reading_days(year: int, today: dt.date) -> list[dt.date]:
    """Every month-end of the list's year before today, and today."""
    return [d for d in snapshots.month_ends(year, today) if d < today] + [today]


# One test per day, so that the days spread over the test workers; the suite's day is fixed
# (tests/clock.py), so the days are known when the tests are collected.
DAYS = _reading_days(clock.YEAR, clock.TODAY)


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_counted_figures_equal_the_ledger_at_every_month_end_and_today(demo, day):
    plan = demo["plan_now"]
    assert _reading_days(plan.year, dates.today()) == DAYS, "every reading day of the list is a test"
    with time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=SHANGHAI), tick=False):
        caches.rebuild_plan(plan)
        assert caches.sub_item_drift(plan) == []
        assert _same_counts(plan, day) >= 5


def test_a_day_the_caches_do_not_hold_is_read_from_the_ledger(demo):
    plan = demo["plan_now"]
    today = dates.today()
    caches.refresh_pace(plan)
    assert current.headline(plan).source == "caches"

    # One stale pace row (the nightly refresh has not run yet today): read from the ledger.
    SubItemPace.objects.filter(
        pk=SubItemPace.objects.filter(sub_item__item__plan=plan).order_by("pk").values("pk")[:1]
    ).update(checked_on=today - dt.timedelta(days=1))
    head = current.headline(plan)
    assert head.source == "ledger"
    assert head.figures == plan_figures(plan_progress(plan))

    # A past month-end with a stored snapshot is read from it, and equals the ledger.
    month_end = next(d for d in reversed(snapshots.month_ends(plan.year, today)) if d < today)
    snapshots.take_snapshot(plan, month_end)
    head = current.headline(plan, month_end)
    assert head.source == "snapshot"
    assert head.figures == plan_figures(plan_progress(plan, month_end))

    # A closed list is read as of its closing day, from the snapshot stored for that day.
    closed = demo["plan_2023"]
    snapshots.store_missing_snapshots(closed)
    head = current.headline(closed)
    assert head.source == "snapshot" and head.is_final
    assert head.figures == plan_figures(plan_progress(closed))


def test_the_lagging_list_pages_in_the_ledgers_order(demo, monkeypatch):
    """The lagging list picks and orders its page from the pace rows: page by page, its rows are
    the ledger's list in the same order."""
    plan = demo["plan_now"]
    caches.refresh_pace(plan)
    office = Client()
    office.force_login(User.objects.get(username="office"))
    expected = [r.state.sub_item.pk for r in lagging_rows(plan_progress(plan), {})]
    assert expected, "the demo list has lagging sub-items"
    monkeypatch.setattr("supervision.reading.lagging.ROWS_PER_PAGE", 2)
    shown = []
    for number in range(1, len(expected) // 2 + 2):
        response = office.get(f"/plans/{plan.pk}/lagging/", {"page": number})
        rows = response.context["red_rows"] + response.context["yellow_rows"]
        shown += [r.state.sub_item.pk for r in rows]
        if not response.context["page"].has_next():
            break
    assert shown == expected
    assert ROWS_PER_PAGE >= 100


def test_the_midnight_task_moves_every_pace_row_to_the_new_day(demo):
    """After midnight yesterday's pace rows no longer count; the midnight task makes today's."""
    from supervision.tasks import refresh_pace_rows

    plan = demo["plan_now"]
    today = dates.today()
    SubItemPace.objects.filter(sub_item__item__plan=plan).update(checked_on=today - dt.timedelta(days=1))
    assert not current.caches_hold(plan, today)

    assert refresh_pace_rows.delay().get() >= 1

    assert current.caches_hold(plan, today)
    assert current.headline(plan).figures == plan_figures(plan_progress(plan))
