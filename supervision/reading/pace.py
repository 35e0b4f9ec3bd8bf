"""Scheduled pace (序时进度), lag (滞后) and the traffic light (红黄绿灯).

All percentages are percent values 0–100 (Decimal); lag is in percentage points, positive when
behind schedule. The margins come from the plan (defaults: yellow 10, red 30).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from core.lights import Light

HUNDRED = Decimal("100")
ZERO = Decimal("0")
TWO_PLACES = Decimal("0.01")
NOT_STARTED_RED_AFTER_MONTHS = 3


def _q(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def schedule_points(
    start: date | None, end: date | None, milestones: Iterable[tuple[date, Decimal]], plan_year: int
) -> list[tuple[date, Decimal]]:
    """The (date, planned %) points the schedule passes through, in date order.

    (start, 0%) … each milestone … (deadline, 100%). Missing dates fall back to 1 January and
    31 December of the plan's year. Milestones outside [start, end] are ignored.
    """
    start = start or date(plan_year, 1, 1)
    end = end or date(plan_year, 12, 31)
    if end < start:
        start = end
    points = [(start, ZERO)]
    for when, percent in sorted(milestones):
        if start < when < end:
            points.append((when, Decimal(percent)))
    points.append((end, HUNDRED))
    return points


def scheduled_pace(
    on: date,
    start: date | None,
    end: date | None,
    milestones: Iterable[tuple[date, Decimal]] = (),
    *,
    plan_year: int,
) -> Decimal:
    """The progress (%) a sub-item should have reached on a date: piecewise-linear through the
    schedule points, 0 before the start and 100 from the deadline on."""
    points = schedule_points(start, end, milestones, plan_year)
    if on <= points[0][0]:
        return ZERO if on < points[-1][0] else HUNDRED
    for (d0, p0), (d1, p1) in zip(points, points[1:], strict=False):
        if on <= d1:
            span = (d1 - d0).days
            if span == 0:
                return _q(p1)
            return _q(p0 + (p1 - p0) * Decimal((on - d0).days) / Decimal(span))
    return HUNDRED


def lag_points(scheduled: Decimal, progress: Decimal) -> Decimal:
    """Lag = scheduled pace − reported progress, in percentage points (negative = ahead)."""
    return _q(Decimal(scheduled) - Decimal(progress))


def _months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


_SEVERITY = {Light.BLUE: 0, Light.GREEN: 1, Light.YELLOW: 2, Light.RED: 3}


def light_for(
    *,
    on: date,
    scheduled: Decimal,
    progress: Decimal,
    is_complete: bool,
    deadline: date | None,
    planned_start: date | None = None,
    yellow_margin: Decimal = Decimal("10"),
    red_margin: Decimal = Decimal("30"),
) -> Light:
    """The light for one sub-item (or a rolled-up item) on a date.

    Completed is blue and never lagging. Otherwise: red when past the deadline unfinished or
    more than ``red_margin`` points behind; yellow when at least ``yellow_margin`` points behind;
    green otherwise. A sub-item that has not started although its planned start has passed is at
    least yellow, and red once three calendar months have passed since that start.
    """
    if is_complete:
        return Light.BLUE
    if deadline is not None and on > deadline:
        return Light.RED
    lag = lag_points(scheduled, progress)
    if lag > red_margin:
        light = Light.RED
    elif lag >= yellow_margin:
        light = Light.YELLOW
    else:
        light = Light.GREEN
    if progress <= 0 and planned_start is not None and planned_start <= on:
        not_started = (
            Light.RED if _months_between(planned_start, on) >= NOT_STARTED_RED_AFTER_MONTHS else Light.YELLOW
        )
        if _SEVERITY[not_started] > _SEVERITY[light]:
            light = not_started
    return light


def item_light(
    *,
    on: date,
    scheduled: Decimal,
    progress: Decimal,
    is_complete: bool,
    deadline: date | None,
    sub_item_lights: Sequence[str],
    yellow_margin: Decimal = Decimal("10"),
    red_margin: Decimal = Decimal("30"),
) -> Light:
    """The light for an item: its rolled-up pace read by ``light_for`` against its latest
    sub-item deadline, and never greener than its worst unfinished sub-item's red."""
    light = light_for(
        on=on,
        scheduled=scheduled,
        progress=progress,
        is_complete=is_complete,
        deadline=deadline,
        yellow_margin=yellow_margin,
        red_margin=red_margin,
    )
    if not is_complete and Light.RED in sub_item_lights:
        return Light.RED
    return light


@dataclass(frozen=True)
class Weighted:
    weight: Decimal
    scheduled: Decimal
    progress: Decimal


def roll_up(parts: Sequence[Weighted]) -> tuple[Decimal, Decimal]:
    """An item's (scheduled pace, progress) as the weight-weighted means of its sub-items'."""
    total_weight = sum((p.weight for p in parts), ZERO)
    if not parts or total_weight <= 0:
        return ZERO, ZERO
    scheduled = sum((p.weight * p.scheduled for p in parts), ZERO) / total_weight
    progress = sum((p.weight * p.progress for p in parts), ZERO) / total_weight
    return _q(scheduled), _q(progress)


FORECAST_WINDOW = 6
FORECAST_HORIZON_DAYS = 5 * 366


def forecast_completion(
    history: Sequence[tuple[date, Decimal]], *, not_before: date | None = None, window: int = FORECAST_WINDOW
) -> date | None:
    """The date progress would reach 100% on the least-squares trend of the latest accepted
    reports (accepted date, cumulative progress %), using at most ``window`` of them.

    None without an upward trend: fewer than two reports, all on one day, flat or falling
    progress, or a trend so slow it would take more than five years. The date is never before
    ``not_before`` (the check date: unfinished work cannot finish in the past).
    """
    points = sorted(history)[-window:]
    if len(points) < 2:
        return None
    origin = points[0][0]
    xs = [Decimal((day - origin).days) for day, _ in points]
    ys = [Decimal(progress) for _, progress in points]
    mean_x = sum(xs, ZERO) / len(xs)
    mean_y = sum(ys, ZERO) / len(ys)
    spread = sum(((x - mean_x) ** 2 for x in xs), ZERO)
    if spread == 0:
        return None
    slope = sum(((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)), ZERO) / spread
    if slope <= 0:
        return None
    days = mean_x + (HUNDRED - mean_y) / slope
    last_day = points[-1][0]
    if days - Decimal((last_day - origin).days) > FORECAST_HORIZON_DAYS:
        return None
    forecast = origin + timedelta(days=int(days.to_integral_value(rounding=ROUND_CEILING)))
    if not_before is not None and forecast < not_before:
        return not_before
    return forecast


def forecast_is_late(forecast: date | None, deadline: date | None) -> bool:
    """预计逾期: the forecast completion date falls after the deadline."""
    return forecast is not None and deadline is not None and forecast > deadline
