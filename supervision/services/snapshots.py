"""Plan snapshots: a plan's headline figures (``plan_figures``) as of each month-end, stored so
trend charts read twelve rows instead of recomputing a year of report history on every view.

A snapshot is exactly what the as-of computation says for its date; since accepted reports are
append-only, a past date's figures never change and a stored snapshot stays true.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.utils import timezone

from projects.models import Plan

from ..models import PlanSnapshot
from ..progress import plan_progress
from ..summary import plan_figures


def take_snapshot(plan: Plan, as_of: date) -> PlanSnapshot:
    """Store the plan's figures as of a date (re-running for the same date overwrites it)."""
    snapshot, _ = PlanSnapshot.objects.update_or_create(
        plan=plan, as_of=as_of, defaults={"data": plan_figures(plan_progress(plan, as_of))}
    )
    return snapshot


def month_ends(year: int, until: date) -> list[date]:
    """The last day of each month of ``year`` that falls on or before ``until``."""
    ends = [date(year, month, calendar.monthrange(year, month)[1]) for month in range(1, 13)]
    return [day for day in ends if day <= until]


def take_monthly_snapshots(on: date | None = None) -> list[PlanSnapshot]:
    """For every published or closed plan, store the month-end snapshots of its year, up to
    the day before ``on`` (today by default), that are not stored yet. A closed plan's are
    taken once and never change. Returns the new snapshots."""
    yesterday = (on or timezone.localdate()) - timedelta(days=1)
    created = []
    for plan in Plan.objects.exclude(status=Plan.Status.DRAFT):
        stored = set(plan.snapshots.values_list("as_of", flat=True))
        for day in month_ends(plan.year, yesterday):
            if day not in stored:
                created.append(take_snapshot(plan, day))
    return created


def trend(plan: Plan, until: date | None = None) -> list[dict]:
    """One ``plan_figures`` dict per month-end of the plan's year up to ``until`` (today by
    default), oldest first, then today's live figures when the range reaches today.

    Past month-ends come from stored snapshots; a missing one is computed (and left for the
    monthly task to store: reading a page never writes).
    """
    today = timezone.localdate()
    end = min(until, today) if until is not None else today
    past_ends = [day for day in month_ends(plan.year, end) if day < today]
    stored = {s.as_of: s.data for s in PlanSnapshot.objects.filter(plan=plan, as_of__in=past_ends)}
    points = [stored[day] if day in stored else plan_figures(plan_progress(plan, day)) for day in past_ends]
    if end == today:
        points.append(plan_figures(plan_progress(plan)))
    return points
