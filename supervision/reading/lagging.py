"""The lagging list's rows (红黄灯清单): which sub-items are behind, in which order, and a page of
them, read from the caches on a day they hold and from the ledger on any other. The lagging page,
the briefing and the reminders read the same rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q

from core.db import by_code_point
from core.lights import LAGGING_LIGHTS, Light
from projects.models import Unit
from supervision.figures import counted as current
from supervision.figures.models import SubItemPace
from supervision.ledger import periods
from supervision.reading.progress import PlanProgress, SubItemState, plan_progress, reading_date


@dataclass
class LaggingRow:
    state: SubItemState
    days_past_deadline: int
    days_report_overdue: int
    forecast: date | None
    reminded_at: datetime | None = None
    # The units 催报 goes to, each with when it was last reminded: the responsible unit, or a
    # split sub-item's shares' units (``SubItemState.answering_units``).
    answering: list[tuple[Unit, datetime | None]] = field(default_factory=list)
    more_units: int = 0

    # A provincial sub-item is split over a hundred counties: the row names the few furthest
    # behind, the sub-item's page the rest.
    SHOWN_UNITS = 5

    def remind(self, reminded: dict[int, datetime]) -> None:
        units = self.state.answering_units
        if self.state.is_split:
            behind = sorted(
                self.state.shares, key=lambda row: row.state.figures.progress_percent - row.state.scheduled
            )
            units = [row.share.responsible_unit for row in behind]
        self.answering = [(unit, reminded.get(unit.pk)) for unit in units[: self.SHOWN_UNITS]]
        self.more_units = max(0, len(units) - self.SHOWN_UNITS)
        times = [when for _, when in self.answering if when is not None]
        self.reminded_at = max(times) if times else None


def lagging_rows(progress: PlanProgress, forecasts: dict[int, date | None]) -> list[LaggingRow]:
    """Red before yellow; within a colour by unit, then the largest lag first."""
    on = progress.as_of
    due = periods.last_due_period(on, progress.plan.report_cadence, progress.plan.report_due_day).due
    rows = []
    for state in progress.sub_states:
        if state.light not in LAGGING_LIGHTS:
            continue
        deadline = state.deadline
        rows.append(
            LaggingRow(
                state=state,
                days_past_deadline=(on - deadline).days if deadline and on > deadline else 0,
                days_report_overdue=(on - due).days if state.overdue_report else 0,
                forecast=forecasts.get(state.sub_item.pk),
            )
        )
    rows.sort(
        key=lambda r: lagging_order(
            r.state.light,
            r.state.sub_item.responsible_unit.name,
            r.state.lag_points,
            r.state.sub_item.item.number,
            r.state.sub_item.number,
        )
    )
    return rows


def lagging_order(light: str, unit_name: str, lag_points, item_number: int, number: int) -> tuple:
    """Red before yellow; within a colour by unit, then the largest lag first."""
    return (light != Light.RED, unit_name, -lag_points, item_number, number)


ROWS_PER_PAGE = 100


def paged_rows(
    plan, as_of, sub_filter: Q, page_number, region=None
) -> tuple[PlanProgress, list[LaggingRow], Counter, Page]:
    """A page of the lagging list, and how many sub-items are red and yellow in all.

    On a day the caches hold (``supervision.figures.counted``), the lagging sub-items are picked and
    ordered from the pace rows and only the page's are read from the ledger; on any other day
    the whole plan is read from the ledger. Today's list shows each row's stored forecast."""
    on = reading_date(plan, as_of)
    if region is None and current.caches_hold(plan, on):
        lagging = current.sub_items(plan, sub_filter).filter(pace__light__in=LAGGING_LIGHTS)
        counts = Counter(dict(lagging.order_by().values_list("pace__light").annotate(n=Count("pk"))))
        ordered = lagging.order_by(
            current.red_first(),
            by_code_point("responsible_unit__name"),
            "-pace__lag_points",
            "item__number",
            "number",
        ).values_list("pk", flat=True)
        page = Paginator(current.Counted(ordered, sum(counts.values())), ROWS_PER_PAGE).get_page(page_number)
        ids = list(page.object_list)
        progress = plan_progress(plan, on, sub_item_filter=Q(pk__in=ids))
        forecasts = dict(
            SubItemPace.objects.filter(sub_item__in=ids).values_list("sub_item_id", "forecast_completion")
        )
        return progress, lagging_rows(progress, forecasts), counts, page
    progress = plan_progress(plan, as_of, sub_item_filter=sub_filter, region=region)
    # The stored forecast is today's check; a past date shows none rather than a later one.
    forecasts = {}
    if as_of is None:
        forecasts = dict(
            SubItemPace.objects.filter(sub_item__item__plan=plan, light__in=LAGGING_LIGHTS).values_list(
                "sub_item_id", "forecast_completion"
            )
        )
    rows = lagging_rows(progress, forecasts)
    page = Paginator(rows, ROWS_PER_PAGE).get_page(page_number)
    return progress, list(page.object_list), Counter(r.state.light for r in rows), page
