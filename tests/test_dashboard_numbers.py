"""The dashboard's numbers as functions of the read model: on-time completion and lag by unit."""

from __future__ import annotations

import datetime as dt

from supervision.reading.dashboard import unit_ranking
from supervision.reading.progress import plan_progress
from tests.factories import ItemFactory, PlanFactory, SubItemFactory, UnitFactory, accepted_report


def test_a_sub_item_reported_complete_for_its_deadline_month_counts_as_on_time(db):
    plan = PlanFactory(year=2025)
    unit = UnitFactory()
    on_time = SubItemFactory(item=ItemFactory(plan=plan, lead_unit=unit), planned_end=dt.date(2025, 8, 31))
    late = SubItemFactory(item=ItemFactory(plan=plan, lead_unit=unit), planned_end=dt.date(2025, 8, 31))
    accepted_report(
        on_time, on=dt.date(2025, 9, 4), progress="100", complete=True, period_start=dt.date(2025, 8, 1)
    )
    accepted_report(
        late, on=dt.date(2025, 10, 4), progress="100", complete=True, period_start=dt.date(2025, 9, 1)
    )

    [row] = unit_ranking(plan_progress(plan, dt.date(2025, 10, 31)))

    assert (row.subitems_total, row.completed, row.completed_on_time) == (2, 2, 1)
    assert row.on_time_rate == 0.5


def test_units_behind_schedule_rank_below_units_on_pace(db):
    plan = PlanFactory(year=2025)
    ahead, behind = UnitFactory(name="甲单位"), UnitFactory(name="乙单位")
    for unit, progress in ((behind, "10"), (ahead, "60")):
        sub = SubItemFactory(item=ItemFactory(plan=plan, lead_unit=unit))
        accepted_report(sub, on=dt.date(2025, 7, 4), progress=progress, period_start=dt.date(2025, 6, 1))

    rows = unit_ranking(plan_progress(plan, dt.date(2025, 7, 31)))

    assert [row.unit for row in rows] == [ahead, behind]
    assert rows[1].average_lag > 30
    assert rows[1].red == 1
