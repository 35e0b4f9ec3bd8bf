"""A plan's headline figures as one plain dict: what the dashboard headline, the monthly
snapshot, the briefing's first sheet and the API's /summary/ all show. Built from
``plan_progress`` so every one of them agrees with the plan table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from core.lights import Light, Verdict
from projects.completion import PlanSummary
from supervision.reading.progress import PlanProgress, SubItemState

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


def funding_totals(states: Iterable[SubItemState]) -> FundingTotals:
    """Planned money from the registry's funding lines; allocated and paid from the ledger
    (each sub-item's latest accepted report that stated money, as of the progress's date)."""
    planned = allocated = paid = ZERO
    for state in states:
        planned += state.planned_money
        money = state.money
        allocated += money.allocated
        paid += money.paid
    return FundingTotals(planned=planned, allocated=allocated, paid=paid)


def funding_by_source(states: Iterable[SubItemState]) -> dict[str, FundingTotals]:
    """The same money split by funding source (资金来源); the sources add up to
    ``funding_totals``. Money reported for a sub-item with no planned source is under ""."""
    planned: dict[str, Decimal] = defaultdict(lambda: ZERO)
    allocated: dict[str, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for state in states:
        for source, amount in state.planned_by_source.items():
            planned[source] += amount
        for source, money in state.money_by_source.items():
            allocated[source] += money.allocated
            paid[source] += money.paid
    return {
        source: FundingTotals(planned=planned[source], allocated=allocated[source], paid=paid[source])
        for source in sorted(set(planned) | set(allocated))
    }


def mean_percent(total: Decimal, count: int) -> float:
    """A mean of percentages as the headline shows it, from their exact sum."""
    return round(float(total / count), 2) if count else 0.0


def plan_figures(progress: PlanProgress) -> dict:
    """The headline figures as JSON-ready values (rates are fractions: 0.6 = 60%)."""
    states = progress.sub_states
    return figures_dict(
        as_of=progress.as_of,
        summary=progress.summary,
        light_counts=progress.light_counts,
        overdue_report=progress.overdue_report_count,
        progress_sum=sum((s.progress_percent for s in states), ZERO),
        scheduled_sum=sum((s.scheduled_percent for s in states), ZERO),
        is_final=progress.is_final,
        verdict_counts=progress.verdict_counts,
        funding=funding_totals(states),
    )


def figures_dict(
    *,
    as_of,
    summary: PlanSummary,
    light_counts: Mapping[str, int],
    overdue_report: int,
    progress_sum: Decimal,
    scheduled_sum: Decimal,
    is_final: bool,
    verdict_counts: Mapping[str, int],
    funding: FundingTotals,
) -> dict:
    """The one shape of the headline figures, whether counted from the read model
    (``plan_figures``) or from the caches (``supervision.figures.counted``)."""
    return {
        "as_of": as_of.isoformat(),
        "headline": summary.headline,
        "items_total": summary.items_total,
        "subitems_total": summary.subitems_total,
        "items_completed": summary.items_completed,
        "subitems_completed": summary.subitems_completed,
        "item_completion_rate": float(summary.item_completion_rate),
        "subitem_completion_rate": float(summary.subitem_completion_rate),
        "lights": {light.value: light_counts.get(light, 0) for light in Light},
        "overdue_report": overdue_report,
        "average_progress": mean_percent(progress_sum, summary.subitems_total),
        "average_scheduled": mean_percent(scheduled_sum, summary.subitems_total),
        "is_final": is_final,
        "verdicts": {key: verdict_counts.get(key, 0) for key in Verdict.values},
        "funding": {
            "planned": float(funding.planned),
            "allocated": float(funding.allocated),
            "paid": float(funding.paid),
            "allocation_rate": None if funding.allocation_rate is None else float(funding.allocation_rate),
            "payment_rate": None if funding.payment_rate is None else float(funding.payment_rate),
        },
    }
