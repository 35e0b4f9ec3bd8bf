"""A plan's headline figures as one plain dict: what the dashboard headline, the monthly
snapshot, the briefing's first sheet and the API's /summary/ all show. Built from
``plan_progress`` so every one of them agrees with the plan table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from core.lights import Light
from projects.models import FundingLine

from .progress import PlanProgress

ZERO = Decimal("0")


@dataclass(frozen=True)
class FundingTotals:
    """Money in 万元. Rates are fractions (0.75 = 75%); None when nothing is planned/allocated."""

    planned: Decimal
    allocated: Decimal
    paid: Decimal

    @property
    def allocation_rate(self) -> Decimal | None:
        """资金到位率 = allocated / planned."""
        return (self.allocated / self.planned) if self.planned else None

    @property
    def payment_rate(self) -> Decimal | None:
        """支付率 = paid / allocated."""
        return (self.paid / self.allocated) if self.allocated else None


def funding_totals(progress: PlanProgress) -> FundingTotals:
    """Planned money from the funding lines. Allocated and paid from each sub-item's latest
    accepted report (its cumulative figures), as of the date; where no report gives them, from
    the funding lines the office keeps (today only: the lines have no history)."""
    sub_ids = [s.sub_item.pk for s in progress.sub_states]
    by_sub = {
        row["sub_item_id"]: row
        for row in FundingLine.objects.filter(sub_item_id__in=sub_ids)
        .values("sub_item_id")
        .annotate(planned=Sum("planned"), allocated=Sum("allocated"), paid=Sum("paid"))
    }
    planned = allocated = paid = ZERO
    for state in progress.sub_states:
        row = by_sub.get(state.sub_item.pk, {})
        planned += row.get("planned") or ZERO
        report = state.last_report
        if report is not None and report.funds_allocated is not None:
            allocated += report.funds_allocated
            paid += report.funds_paid or ZERO
        elif not progress.is_historical:
            allocated += row.get("allocated") or ZERO
            paid += row.get("paid") or ZERO
    return FundingTotals(planned=planned, allocated=allocated, paid=paid)


def _mean(values: list[Decimal]) -> float:
    return float(sum(values, ZERO) / len(values)) if values else 0.0


def plan_figures(progress: PlanProgress) -> dict:
    """The headline figures as JSON-ready values (rates are fractions: 0.6 = 60%)."""
    summary = progress.summary
    funding = funding_totals(progress)
    states = progress.sub_states
    return {
        "as_of": progress.as_of.isoformat(),
        "headline": summary.headline,
        "items_total": summary.items_total,
        "subitems_total": summary.subitems_total,
        "items_completed": summary.items_completed,
        "subitems_completed": summary.subitems_completed,
        "item_completion_rate": float(summary.item_completion_rate),
        "subitem_completion_rate": float(summary.subitem_completion_rate),
        "lights": {light.value: progress.light_counts.get(light, 0) for light in Light},
        "overdue_report": progress.overdue_report_count,
        "average_progress": round(_mean([s.progress_percent for s in states]), 2),
        "average_scheduled": round(_mean([s.scheduled_percent for s in states]), 2),
        "funding": {
            "planned": float(funding.planned),
            "allocated": float(funding.allocated),
            "paid": float(funding.paid),
            "allocation_rate": None if funding.allocation_rate is None else float(funding.allocation_rate),
            "payment_rate": None if funding.payment_rate is None else float(funding.payment_rate),
        },
    }
