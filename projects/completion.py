"""Completion rules: how much of a target is done, when an item counts as complete, and the
headline a government quotes ("10件13项，已完成6件8项，完成率60%").

Rates are fractions (Decimal): 3.775 means 377.5%. They are formatted for people only at the edge.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q

COMPLETED = "completed"


def completion_rate(actual: Decimal | None, target: Decimal | None) -> Decimal | None:
    """Completion rate = actual / target, as a fraction; may exceed 1 (453/120 = 3.775).

    None when there is no numeric target. A missing actual counts as nothing done yet.
    """
    if target is None or target <= 0:
        return None
    return (Decimal(actual or 0) / Decimal(target)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def item_is_complete(sub_item_statuses: Iterable[str]) -> bool:
    """An item is complete when it has at least one sub-item and every sub-item is complete."""
    statuses = list(sub_item_statuses)
    return bool(statuses) and all(status == COMPLETED for status in statuses)


def format_percent(fraction: Decimal | float | None, places: int = 1) -> str:
    """3.775 -> '377.5%', 0.6 -> '60%', None -> '—'. Trailing zeros are dropped as in speeches."""
    if fraction is None:
        return "—"
    value = (Decimal(str(fraction)) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def format_number(value: Decimal | None) -> str:
    """120.00 -> '120', 35.50 -> '35.5', None -> '—'."""
    if value is None:
        return "—"
    text = f"{Decimal(value):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_target(value: Decimal | None, unit_label: str, at_least: bool) -> str:
    """'120个以上', '35公里', or '—' for a sub-item measured by progress only."""
    if value is None:
        return "—"
    return f"{format_number(value)}{unit_label}{'以上' if at_least else ''}"


@dataclass(frozen=True)
class PlanSummary:
    """The headline figures of a list."""

    items_total: int
    subitems_total: int
    items_completed: int
    subitems_completed: int

    @property
    def items_remaining(self) -> int:
        return self.items_total - self.items_completed

    @property
    def subitems_remaining(self) -> int:
        return self.subitems_total - self.subitems_completed

    @property
    def item_completion_rate(self) -> Decimal:
        """Completed items / all items (6/10 = 0.6); 0 for an empty list."""
        if not self.items_total:
            return Decimal("0")
        return Decimal(self.items_completed) / Decimal(self.items_total)

    @property
    def subitem_completion_rate(self) -> Decimal:
        if not self.subitems_total:
            return Decimal("0")
        return Decimal(self.subitems_completed) / Decimal(self.subitems_total)

    @property
    def headline(self) -> str:
        """'10件13项，已完成6件8项，完成率60%' — the rate is the item completion rate."""
        return (
            f"{self.items_total}件{self.subitems_total}项，"
            f"已完成{self.items_completed}件{self.subitems_completed}项，"
            f"完成率{format_percent(self.item_completion_rate)}"
        )


# The same rules as ``item_is_complete`` and ``summarize``, as SQL aggregates over a queryset of
# sub-items (which may be narrowed or grouped): an item is complete when none of its counted
# sub-items is unfinished, so the complete items are the items less those with an unfinished
# sub-item. ``summary_from_counts`` turns a row of them into the same PlanSummary.
SUMMARY_COUNTS = {
    "items_total": Count("item_id", distinct=True),
    "items_unfinished": Count("item_id", distinct=True, filter=~Q(status=COMPLETED)),
    "subitems_total": Count("pk"),
    "subitems_completed": Count("pk", filter=Q(status=COMPLETED)),
}


def summary_from_counts(row: dict) -> PlanSummary:
    """The PlanSummary of a row aggregated with ``SUMMARY_COUNTS``."""
    return PlanSummary(
        items_total=row["items_total"],
        subitems_total=row["subitems_total"],
        items_completed=row["items_total"] - row["items_unfinished"],
        subitems_completed=row["subitems_completed"],
    )


def summarize(statuses_by_item: dict[object, list[str]]) -> PlanSummary:
    """Build the plan summary from each item's list of sub-item statuses."""
    items_completed = sum(1 for statuses in statuses_by_item.values() if item_is_complete(statuses))
    subitems_total = sum(len(statuses) for statuses in statuses_by_item.values())
    subitems_completed = sum(
        1 for statuses in statuses_by_item.values() for status in statuses if status == COMPLETED
    )
    return PlanSummary(
        items_total=len(statuses_by_item),
        subitems_total=subitems_total,
        items_completed=items_completed,
        subitems_completed=subitems_completed,
    )
