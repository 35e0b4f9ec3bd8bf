"""The ledger's rules: what an accepted report says about its sub-item, what a report may say,
and when a unit owes a report. Every page, form, serializer, service and task asks these
functions; none restates a rule.

Accepted progress reports are the only record of what was done and of money allocated (到位)
and paid (支付). Figures are cumulative: each report states the totals to date, so the latest
accepted report is the sub-item's state. Money is in 万元, progress in percent (0–100).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import F, Q

from core.lights import Verdict
from projects.completion import format_number, format_target
from projects.models import SubItem
from supervision.ledger import periods

ZERO = Decimal("0")
HUNDRED = Decimal("100")
Status = SubItem.Status


# --- What an accepted report does ----------------------------------------------------------


@dataclass(frozen=True)
class SubItemFigures:
    """A sub-item's figures as its latest accepted report states them."""

    status: str
    progress_percent: Decimal
    actual_value: Decimal | None
    completed_on: date | None
    last_accepted_on: date | None

    @property
    def is_complete(self) -> bool:
        return self.status == Status.COMPLETED


NOT_REPORTED = SubItemFigures(Status.NOT_STARTED, ZERO, None, None, None)


def completion_date(report, cadence: str, due_day: int) -> date | None:
    """When the work a report declares complete was done: the end of the reporting period it
    covers, or the day it was accepted if that is earlier. Reports on a month are accepted early
    the next month, so the acceptance day alone would make every deadline-month finish late."""
    if report is None or not report.marks_complete:
        return None
    period = periods.period_containing(report.period_start, cadence, due_day)
    return min(period.end, report.accepted_on)


def report_effect(report, cadence: str, due_day: int) -> SubItemFigures:
    """The sub-item's figures once ``report`` is its latest accepted report (None: never reported).

    Complete when the report marks it complete, and then at 100%; otherwise in progress when
    the reported progress is above 0, else not started. The actual quantity is the report's.
    """
    if report is None:
        return NOT_REPORTED
    if report.marks_complete:
        status, progress = Status.COMPLETED, HUNDRED
    else:
        progress = report.progress_percent
        status = Status.IN_PROGRESS if progress > 0 else Status.NOT_STARTED
    return SubItemFigures(
        status=status,
        progress_percent=progress,
        actual_value=report.actual_value,
        completed_on=completion_date(report, cadence, due_day),
        last_accepted_on=report.accepted_on,
    )


def finished_on_time(completed_on: date | None, deadline: date | None) -> bool:
    """A completed sub-item finished on time when it had no deadline or was completed by it."""
    return deadline is None or completed_on is None or completed_on <= deadline


# ``finished_on_time`` over the cached current figures of completed sub-items, for counting.
FINISHED_ON_TIME = (
    Q(planned_end__isnull=True) | Q(completed_on__isnull=True) | Q(completed_on__lte=F("planned_end"))
)


def final_verdict(
    figures: SubItemFigures, deadline: date | None, *, terminated: bool = False, carried: bool = False
) -> str:
    """终止 when stopped by an approved change; 按期完成 when complete by the (promised)
    deadline, or complete with none; 逾期完成 when complete after it; 结转 when unfinished and
    carried into next year's list; 未完成 otherwise (a list cannot close with one left:
    ``supervision.yearend.services.closing``)."""
    if terminated:
        return Verdict.TERMINATED
    if not figures.is_complete:
        return Verdict.CARRIED if carried else Verdict.UNFINISHED
    if finished_on_time(figures.completed_on, deadline):
        return Verdict.ON_TIME
    return Verdict.LATE


def item_verdict(sub_item_verdicts: Iterable[str]) -> str:
    """An item is 未完成 while any of its sub-items is, else 结转 if any was carried over,
    else 逾期完成 if any finished late, else 按期完成; terminated sub-items are left out (终止
    when all were)."""
    verdicts = set(sub_item_verdicts)
    if verdicts == {Verdict.TERMINATED}:
        return Verdict.TERMINATED
    verdicts.discard(Verdict.TERMINATED)
    if Verdict.UNFINISHED in verdicts or not verdicts:
        return Verdict.UNFINISHED
    if Verdict.CARRIED in verdicts:
        return Verdict.CARRIED
    return Verdict.LATE if Verdict.LATE in verdicts else Verdict.ON_TIME


# --- Money ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Money:
    """Cumulative money in 万元: allocated (到位) and paid (支付)."""

    allocated: Decimal = ZERO
    paid: Decimal = ZERO

    def __add__(self, other: Money) -> Money:
        return Money(self.allocated + other.allocated, self.paid + other.paid)


NO_MONEY = Money()
UNSPECIFIED_SOURCE = ""  # money reported for a sub-item whose plan lists no funding source


def states_money(report) -> bool:
    """A report states money when it gives allocated or paid; one that leaves both blank
    changes nothing, so the money stands as the last report that stated it said."""
    return report is not None and (report.funds_allocated is not None or report.funds_paid is not None)


def money_by_source(report, source_rows: Iterable, sources: list[str]) -> dict[str, Money]:
    """The money a report states, by funding source.

    A sub-item with several sources is reported per source (``source_rows``: the report's
    ReportFunding rows; a report from before it had several gives its totals, unspecified);
    with one source the report's totals are that source's; with none they are unspecified. A
    report that states no money gives nothing.
    """
    if not states_money(report):
        return {}
    rows = list(source_rows)
    if len(sources) > 1 and rows:
        return {row.source: Money(row.allocated, row.paid) for row in rows}
    if len(sources) > 1:
        # Reported as totals before the plan gained its other sources: the money stands, by
        # no particular source.
        return {UNSPECIFIED_SOURCE: Money(report.funds_allocated or ZERO, report.funds_paid or ZERO)}
    source = sources[0] if sources else UNSPECIFIED_SOURCE
    return {source: Money(report.funds_allocated or ZERO, report.funds_paid or ZERO)}


def total_money(by_source: Mapping[str, Money]) -> Money:
    return sum(by_source.values(), NO_MONEY)


# --- What a report may say -----------------------------------------------------------------


@dataclass
class ReportCheck:
    """The verdict on a report's figures: errors by field (nothing may be saved while there
    are any), warnings to show, and the figures as they will be stored."""

    figures: dict
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def funding_field(kind: str, source: str) -> str:
    """The name of a per-source money figure in forms and error messages: funds_allocated__county."""
    return f"funds_{kind}__{source}"


def check_report(
    sub_item: SubItem, last_accepted, figures: dict, sources: list[str], *, share=None
) -> ReportCheck:
    """Check what a liaison reports for a sub-item against the rules (DOMAIN.md, "Reporting").

    ``figures`` holds the report fields (progress_percent, actual_value, funds_allocated,
    funds_paid, regression_explanation, marks_complete, …) and, for a sub-item with several
    funding ``sources``, ``funding``: {source: (allocated, paid)}. Rules:
    - progress 0–100; quantities and money not negative;
    - "complete" needs the numeric target reached (actual ≥ target), or 100% without a target;
      a complete report is stored at 100%;
    - below the last accepted progress or quantity needs an explanation;
    - with several sources money is given per source and the totals are their sums;
    - paid above allocated is only a warning.
    """
    check = ReportCheck(figures=dict(figures))
    data = check.figures
    progress: Decimal | None = data.get("progress_percent")
    actual: Decimal | None = data.get("actual_value")
    # A report on a share (分解任务) is checked against the share's target, not the sub-item's.
    target = share.target_value if share is not None else sub_item.target_value

    if progress is None:
        check.add_error("progress_percent", "请填写累计进度")
    elif not (ZERO <= progress <= HUNDRED):
        check.add_error("progress_percent", "累计进度须在0–100之间")
    if actual is not None and actual < 0:
        check.add_error("actual_value", "完成量不能为负数")

    if len(sources) > 1:
        per_source = data.get("funding") or {}
        if data.get("funds_allocated") is not None or data.get("funds_paid") is not None:
            if not per_source:
                check.add_error("funding", "本子项有多个资金来源，请按来源分别填报到位和支付资金")
        unknown = sorted(set(per_source) - set(sources))
        if unknown:
            check.add_error("funding", f"资金来源不属于本子项：{'、'.join(unknown)}")
        if per_source and not unknown:
            allocated = sum((a or ZERO for a, _ in per_source.values()), ZERO)
            paid = sum((p or ZERO for _, p in per_source.values()), ZERO)
            data["funds_allocated"], data["funds_paid"] = allocated, paid
            data["funding"] = {s: (a or ZERO, p or ZERO) for s, (a, p) in per_source.items()}
    else:
        data["funding"] = {}
    allocated, paid = data.get("funds_allocated"), data.get("funds_paid")
    if allocated is not None and allocated < 0:
        check.add_error("funds_allocated", "到位资金不能为负数")
    if paid is not None and paid < 0:
        check.add_error("funds_paid", "支付资金不能为负数")
    for source, (a, p) in (data.get("funding") or {}).items():
        if a < 0:
            check.add_error(funding_field("allocated", source), "到位资金不能为负数")
        if p < 0:
            check.add_error(funding_field("paid", source), "支付资金不能为负数")

    if data.get("marks_complete"):
        if target is not None:
            if actual is None or actual < target:
                check.add_error(
                    "marks_complete",
                    f"勾选“已全面完成”时，累计完成量须达到目标值{format_target(target, sub_item.target_unit, sub_item.target_at_least)}",
                )
        elif progress is not None and progress < HUNDRED:
            check.add_error("marks_complete", "勾选“已全面完成”时，累计进度须为100%")
        if "marks_complete" not in check.errors and progress is not None:
            data["progress_percent"] = HUNDRED

    # Compared as it will be stored: a report completing the sub-item stands at 100%.
    progress = data.get("progress_percent")
    if last_accepted is not None and not (data.get("regression_explanation") or "").strip():
        if progress is not None and progress < last_accepted.progress_percent:
            check.add_error(
                "regression_explanation",
                f"累计进度低于上次审核通过的{format_number(last_accepted.progress_percent)}%，请说明原因",
            )
        elif (
            actual is not None
            and last_accepted.actual_value is not None
            and actual < last_accepted.actual_value
        ):
            check.add_error(
                "regression_explanation",
                f"累计完成量低于上次审核通过的{format_number(last_accepted.actual_value)}，请说明原因",
            )

    if allocated is not None and paid is not None and paid > allocated:
        check.warnings.append(
            f"累计支付资金（{format_number(paid)}万元）大于到位资金（{format_number(allocated)}万元），请核实。"
        )
    return check


# --- When a report is owed ----------------------------------------------------------------


def owes_report(
    *, is_complete: bool, planned_start: date | None, last_report, period: periods.Period
) -> bool:
    """A sub-item owes a report for a period when it is not complete, had started by the end of
    that period, and its latest accepted report covers an earlier period (or there is none).

    Overdue to report (超期未报) is owing a report for the last period whose due day has passed;
    reminders (催报) go to exactly the sub-items that owe one, before the due day for the open
    period and after it for the overdue one. A report waiting for review is not yet on the
    ledger, so it does not settle the debt (the office's review queue does)."""
    if is_complete:
        return False
    if planned_start is not None and planned_start > period.end:
        return False
    return last_report is None or last_report.period_start < period.start
