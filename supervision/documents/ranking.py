"""The monthly 红黄榜: the plan's responsible units in the dashboard's order
(``dashboard.unit_ranking``: on-time completion rate, then least lag), with the units held up
(红榜) and the units called out (黄榜), and its publication on the public page.

The rule, stated on every page and document that shows the lists (``RED_RULE``, ``YELLOW_RULE``):
- 红榜: no red sub-item and nothing overdue to report, and an on-time completion rate at least the
  whole list's (Σ completed on time ÷ Σ sub-items); while nothing in the list is completed on
  time yet, an average progress ahead of the scheduled pace (average lag below zero) instead.
- 黄榜: at least one red sub-item or one sub-item overdue to report, worst ranked first.
A unit is on one list at most, or on neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.dates import month_end, today
from projects import permissions
from projects.completion import format_number, format_percent
from projects.models import Plan, User
from supervision.documents.models import RankingPublication
from supervision.figures import counted as current
from supervision.reading.dashboard import UnitRow, counted_unit_ranking, unit_ranking
from supervision.reading.progress import plan_progress, reading_date

ZERO = Decimal("0")

RED_RULE = (
    "红榜：无红灯子项、无超期未报，且按期完成率不低于全清单按期完成率的单位"
    "（全清单尚无按期完成的子项时，为平均进度快于序时进度的单位），按排名先后排列。"
)
YELLOW_RULE = "黄榜：有红灯（严重滞后）子项或超期未报的单位，排名靠后的在前。"


@dataclass
class Ranking:
    plan: Plan
    as_of: date
    rows: list[UnitRow]
    average_on_time_rate: Decimal
    red: list[UnitRow]
    yellow: list[UnitRow]

    @property
    def is_empty(self) -> bool:
        return not self.rows


def on_red_list(row: UnitRow, average_on_time_rate: Decimal) -> bool:
    """Whether a unit is held up on the 红榜 (see the module's rule)."""
    if row.red or row.overdue_report:
        return False
    if average_on_time_rate > 0:
        return row.on_time_rate >= average_on_time_rate
    return row.average_lag < 0


def on_yellow_list(row: UnitRow) -> bool:
    return bool(row.red or row.overdue_report)


def unit_rows(plan: Plan, on: date) -> list[UnitRow]:
    """The dashboard's unit ranking as of a day: counted from the caches when they hold it,
    else from the ledger."""
    if current.caches_hold(plan, on):
        return counted_unit_ranking(current.sub_items(plan))
    return unit_ranking(plan_progress(plan, on))


def read_ranking(plan: Plan, as_of: date | None = None) -> Ranking:
    """The 红黄榜 of a plan as of a day (``reading_date`` when None)."""
    on = reading_date(plan, as_of)
    rows = unit_rows(plan, on)
    total = sum(row.subitems_total for row in rows)
    on_time = sum(row.completed_on_time for row in rows)
    average = Decimal(on_time) / Decimal(total) if total else ZERO
    return Ranking(
        plan=plan,
        as_of=on,
        rows=rows,
        average_on_time_rate=average,
        red=[row for row in rows if on_red_list(row, average)],
        yellow=[row for row in reversed(rows) if on_yellow_list(row)],
    )


# --- the public page ----------------------------------------------------------------------


def public_data(ranking: Ranking) -> dict:
    """What the public page shows of a ranking: units' names and counts, nothing internal."""
    return {
        "as_of": ranking.as_of.isoformat(),
        "average_on_time_rate": format_percent(ranking.average_on_time_rate),
        "red": [
            {
                "unit": str(row.unit),
                "subitems_total": row.subitems_total,
                "completed": row.completed,
                "completed_on_time": row.completed_on_time,
                "on_time_rate": format_percent(row.on_time_rate),
            }
            for row in ranking.red
        ],
        "yellow": [
            {
                "unit": str(row.unit),
                "subitems_total": row.subitems_total,
                "red": row.red,
                "yellow": row.yellow,
                "overdue_report": row.overdue_report,
                "average_lag": format_number(row.average_lag),
            }
            for row in ranking.yellow
        ],
    }


def publishable(plan: Plan, month: date) -> None:
    """A month's ranking may be published once the month is over, for a list the public sees,
    from the list's own year on."""
    if plan.status == Plan.Status.DRAFT:
        raise ValidationError("草拟中的清单不公开，不能发布红黄榜。")
    if month.year < plan.year:
        raise ValidationError(f"只能发布{plan.year}年1月及以后的红黄榜。")
    if month_end(month.year, month.month) >= today():
        raise ValidationError("只能发布已结束月份的红黄榜。")


def toggle_publication(actor: User, plan: Plan, month: date) -> RankingPublication | None:
    """Publish a month's 红黄榜 on the public page, frozen as of the month's end; or, when it is
    published already, withdraw it. Returns the publication, or None when withdrawn."""
    if not permissions.can_manage_circulars(actor):
        raise PermissionDenied("只有督查室可以发布红黄榜。")
    permissions.require_manage_plan(actor, plan)
    month = month.replace(day=1)
    with transaction.atomic():
        existing = RankingPublication.objects.select_for_update().filter(plan=plan, month=month).first()
        if existing is not None:
            existing.delete()
            return None
        publishable(plan, month)
        ranking = read_ranking(plan, month_end(month.year, month.month))
        return RankingPublication.objects.create(
            plan=plan,
            month=month,
            data=public_data(ranking),
            published_by=actor,
            published_at=timezone.now(),
        )


def latest_publication(plan: Plan) -> RankingPublication | None:
    return RankingPublication.objects.filter(plan=plan).order_by("-month").first()
