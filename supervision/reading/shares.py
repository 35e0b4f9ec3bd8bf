"""A split sub-item's figures rolled up from its shares (分解下达). Every reader of a split
sub-item — the read model (``progress.plan_progress``), and through it the caches, the pace
check, ``verify_figures``, pages, exports and the API — gets its figures from ``roll_up``.

Each share is reported on by its own region's liaisons; its figures are those of its latest
accepted report (``ledger.report_effect``). The sub-item's actual is the sum of its shares'
actuals (so its completion rate is the summed actual over the sub-item's target: 453 of 120 is
377.5% however the 453 were split); its progress and scheduled pace are its shares', weighted
by their share of the target (equally when the sub-item has no quantified target), in percent;
it is complete when every share is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from projects.models import SubItem
from supervision.ledger.rules import SubItemFigures
from supervision.reading import pace

ONE = Decimal("1")
Status = SubItem.Status


@dataclass(frozen=True)
class ShareState:
    """One share's target, figures as of a day and scheduled pace (percent)."""

    target: Decimal | None
    figures: SubItemFigures
    scheduled: Decimal


@dataclass(frozen=True)
class RolledUp:
    figures: SubItemFigures
    scheduled: Decimal
    target: Decimal | None


def weight(target: Decimal | None) -> Decimal:
    """A share's weight in its sub-item's progress: its target (1 without one)."""
    return target if target is not None else ONE


def roll_up(shares: Sequence[ShareState]) -> RolledUp:
    """The figures of a sub-item (or of the part of it a region holds) from its shares'.

    Actuals summed (None while no share has stated one); progress and scheduled pace weighted
    by target; complete when every share is, on the day the last one was; the target is the
    shares' summed targets (None when they have none)."""
    scheduled, progress = pace.roll_up(
        [pace.Weighted(weight(s.target), s.scheduled, s.figures.progress_percent) for s in shares]
    )
    actuals = [s.figures.actual_value for s in shares if s.figures.actual_value is not None]
    complete = bool(shares) and all(s.figures.is_complete for s in shares)
    if complete:
        status = Status.COMPLETED
    else:
        status = Status.IN_PROGRESS if progress > 0 else Status.NOT_STARTED
    targets = [s.target for s in shares if s.target is not None]
    return RolledUp(
        figures=SubItemFigures(
            status=status,
            progress_percent=progress,
            actual_value=sum(actuals, Decimal("0")) if actuals else None,
            completed_on=_latest(s.figures.completed_on for s in shares) if complete else None,
            last_accepted_on=_latest(s.figures.last_accepted_on for s in shares),
        ),
        scheduled=scheduled,
        target=sum(targets, Decimal("0")) if targets else None,
    )


def _latest(days) -> date | None:
    known = [day for day in days if day is not None]
    return max(known) if known else None
