"""Reading the stored month-end snapshots: a plan's trend over its year. The snapshots are
written by ``snapshots``; this module only reads them (and today's live figures)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from core import dates
from projects.models import Plan
from supervision.figures.models import PlanSnapshot
from supervision.reading.progress import plan_progress
from supervision.reading.summary import plan_figures


def month_ends(year: int, until: date) -> list[date]:
    """The last day of each month of ``year`` that falls on or before ``until``."""
    ends = [date(year, month, calendar.monthrange(year, month)[1]) for month in range(1, 13)]
    return [day for day in ends if day <= until]


@dataclass
class Trend:
    """Month-end figures of a plan's year as stored, and the month-ends not stored yet."""

    points: list[dict]
    missing: list[date]


def trend(plan: Plan, until: date | None = None) -> Trend:
    """One ``plan_figures`` dict per stored month-end snapshot of the plan's year up to
    ``until`` (today by default), oldest first, then today's live figures when the range
    reaches today.

    A month-end not stored yet is left out and listed in ``missing``: the nightly task stores
    it. A page never computes a year of history inside a request, nor writes one.
    """
    today = dates.today()
    end = min(until, today) if until is not None else today
    past_ends = [day for day in month_ends(plan.year, end) if day < today]
    stored = {s.as_of: s.data for s in PlanSnapshot.objects.filter(plan=plan, as_of__in=past_ends)}
    points = [stored[day] for day in past_ends if day in stored]
    if end == today:
        points.append(plan_figures(plan_progress(plan)))
    return Trend(points, [day for day in past_ends if day not in stored])
