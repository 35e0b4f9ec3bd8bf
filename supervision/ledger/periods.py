"""Reporting periods: which period a report belongs to and when it is due.

Monthly plans report on each calendar month by the plan's due day of the following month
("每月5日前报送上月进展"). Weekly plans report on each Monday–Sunday week by the given weekday
of the following week (1 = Monday … 7 = Sunday; a due day above 7 is read as 7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

MONTHLY = "monthly"
WEEKLY = "weekly"


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    due: date

    @property
    def label(self) -> str:
        if (self.end - self.start).days > 7:
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start:%Y-%m-%d}至{self.end:%m-%d}"


def _next_month_start(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def period_containing(day: date, cadence: str, due_day: int) -> Period:
    """The period whose dates include ``day``."""
    if cadence == WEEKLY:
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=6)
        due = end + timedelta(days=min(max(due_day, 1), 7))
        return Period(start, end, due)
    start = day.replace(day=1)
    following = _next_month_start(start)
    return Period(start, following - timedelta(days=1), following.replace(day=due_day))


def open_period(day: date, cadence: str, due_day: int) -> Period:
    """The period a unit should be reporting on, on ``day``: the earliest whose due date is
    today or later. On 3 November (due day 5) that is October; on 6 November, November."""
    previous = period_containing(
        period_containing(day, cadence, due_day).start - timedelta(days=1), cadence, due_day
    )
    if previous.due >= day:
        return previous
    return period_containing(day, cadence, due_day)


def last_due_period(day: date, cadence: str, due_day: int) -> Period:
    """The most recent period whose due date has passed by ``day`` (for overdue-to-report)."""
    current = open_period(day, cadence, due_day)
    return period_containing(current.start - timedelta(days=1), cadence, due_day)


def plan_open_period(plan, day: date) -> Period:
    return open_period(day, plan.report_cadence, plan.report_due_day)
