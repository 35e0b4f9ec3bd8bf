"""Plan snapshots: a plan's headline figures (``plan_figures``) as of each month-end, stored so
trend charts read twelve rows instead of recomputing a year of report history on every view.

A snapshot is exactly what the as-of computation says for its date; since accepted reports are
append-only, a past date's figures never change and a stored snapshot stays true.
"""

from __future__ import annotations

from datetime import date, timedelta

from core import dates
from projects.models import Plan
from supervision.figures import caches
from supervision.figures.models import PlanSnapshot
from supervision.figures.trend import month_ends
from supervision.reading.progress import plan_progress
from supervision.reading.summary import plan_figures


def take_snapshot(plan: Plan, as_of: date) -> PlanSnapshot:
    """Store the plan's figures as of a date (re-running for the same date overwrites it)."""
    snapshot, _ = PlanSnapshot.objects.update_or_create(
        plan=plan, as_of=as_of, defaults={"data": plan_figures(plan_progress(plan, as_of))}
    )
    return snapshot


def store_missing_snapshots(plan: Plan, on: date | None = None) -> list[PlanSnapshot]:
    """Store the month-end snapshots of the plan's year (and a closed list's closing day), up to
    the day before ``on`` (today by default), that are not stored yet; returns the new ones."""
    yesterday = (on or dates.today()) - timedelta(days=1)
    stored = set(plan.snapshots.values_list("as_of", flat=True))
    days = month_ends(plan.year, yesterday)
    # A closed list is read as of its closing day: its figures that day are stored too.
    if plan.status == Plan.Status.CLOSED and plan.closed_on and plan.closed_on <= yesterday:
        days = sorted({*days, plan.closed_on})
    new = [take_snapshot(plan, day) for day in days if day not in stored]
    if new:
        # The dashboard's cached trend now has more to show.
        caches.bump_figures_version(plan)
    return new


def take_monthly_snapshots(on: date | None = None) -> list[PlanSnapshot]:
    """For every published or closed plan, store the month-end snapshots not stored yet (the
    nightly task; ``seed_demo`` and ``seed_scale`` run it for their data). A closed plan's are
    taken once and never change. Returns the new snapshots."""
    created = []
    for plan in Plan.objects.exclude(status=Plan.Status.DRAFT):
        created += store_missing_snapshots(plan, on)
    return created
