"""Month-by-month history of accepted reports for the demo plans, consistent with the
figures the office recorded: the sub-items' current state is whatever the last accepted
report says, exactly as in real use."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from projects.demo import SubItemSpec
from projects.models import Plan, SubItem, User
from supervision.figures.caches import bump_figures_version, refresh_pace, refresh_sub_item
from supervision.ledger import periods
from supervision.ledger.models import ProgressReport, ReportFunding
from supervision.messaging.models import Notification
from supervision.reading import pace

# Offset from the scheduled pace (percentage points) each profile ends at on the as-of date.
PROFILE_OFFSET = {
    "ahead": Decimal("15"),
    "steady": Decimal("-3"),
    "slow_start": Decimal("-18"),
    "late_start": Decimal("-22"),
    "stalled": Decimal("-38"),
    "silent": Decimal("-5"),
}
# The profiles that finish their year's work by December (the others carry over).
YEAR_END_FINISHERS = {"ahead", "steady"}
REPORT_DAY = 4  # monthly reports are accepted on the 4th, before the 5th-day deadline


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    months, cursor = [], first.replace(day=1)
    while cursor <= last:
        months.append(cursor)
        cursor = dt.date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
    return months


def _month_end(month_start: dt.date) -> dt.date:
    following = dt.date(month_start.year + (month_start.month == 12), month_start.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _q(value: Decimal, places: str = "0.01") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def final_figures(sub: SubItem, spec: SubItemSpec, as_of: dt.date) -> tuple[Decimal, Decimal | None, bool]:
    """(progress %, actual, complete) on the as-of date: from the spec for the 2023 list, or
    relative to the scheduled pace on that date for this year's list."""
    if spec.final_progress or spec.complete and spec.final_actual is not None:
        return spec.final_progress, spec.final_actual, spec.complete
    scheduled = pace.scheduled_pace(
        as_of,
        sub.planned_start,
        sub.planned_end,
        [(m.date, m.planned_percent) for m in sub.milestones.all()],
        plan_year=sub.planned_end.year,
    )
    if spec.complete and scheduled >= 60:
        actual = _q(spec.target * Decimal("1.12"), "1") if spec.target else None
        return Decimal("100"), actual, True
    if as_of.year > sub.planned_end.year and spec.lag_profile in YEAR_END_FINISHERS:
        # Read after its year, a sub-item that kept up with its pace was finished by December.
        actual = _q(spec.target * Decimal("1.03"), "1") if spec.target else None
        return Decimal("100"), actual, True
    progress = min(Decimal("95"), max(Decimal("0"), scheduled + PROFILE_OFFSET[spec.lag_profile]))
    actual = _q(spec.target * progress / 100, "1") if spec.target else None
    return _q(progress), actual, False


@transaction.atomic
def seed_report_history(
    seeded: list[tuple[SubItem, SubItemSpec]], as_of: dt.date, reviewer: User, *, live: bool = False
) -> int:
    """Create monthly accepted reports up to ``as_of`` for sub-items that have none yet.

    Some months' reports were returned once and accepted when resubmitted. For a plan still
    being reported on (``live``: ``as_of`` is the demo's today) some units have started the open
    period's report: drafts, reports awaiting review and one returned, so that every state has
    an example.
    """
    liaisons = {u.unit_id: u for u in User.objects.filter(username__startswith="liaison-")}
    created = 0
    changed_plans: set[int] = set()
    for index, (sub, spec) in enumerate(seeded):
        if sub.reports.exists():
            continue
        progress, actual, complete = final_figures(sub, spec, as_of)
        liaison = liaisons[sub.responsible_unit_id]
        reports = _history(sub, spec, as_of, progress, actual, complete, liaison, reviewer)
        if len(reports) >= 3 and index % 3 == 0:
            _returned_once(reports[-3])
        ProgressReport.objects.bulk_create(reports)
        ReportFunding.objects.bulk_create([row for report in reports for row in split_by_source(report, sub)])
        created += len(reports)
        if reports:
            refresh_sub_item(sub.pk)
            changed_plans.add(sub.item.plan_id)
        if live and reports and not complete and spec.lag_profile != "silent":
            created += _open_report(sub, spec, reports[-1], liaison, reviewer, as_of, index)
    # bulk_create sends no signal: the plans' pace rows and cached figures are told here.
    for plan in Plan.objects.filter(pk__in=changed_plans).order_by("pk"):
        refresh_pace(plan)
        bump_figures_version(plan)
    return created


RETURN_REASONS = (
    "完成量与进展情况描述不一致，请核实后重新提交。",
    "未附现场照片，请补充后重新提交。",
    "资金支付数据与财政拨付记录不符，请核对。",
)


def split_by_source(report: ProgressReport, sub: SubItem) -> list[ReportFunding]:
    """A sub-item funded from several sources reports its money per source: here in proportion
    to the planned amounts, the last source taking the rounding so the sums stay exact."""
    lines = sorted(sub.funding_lines.all(), key=lambda line: line.source)
    if len(lines) < 2 or report.funds_allocated is None:
        return []
    planned = sum((line.planned for line in lines), Decimal("0"))
    rows, allocated_left, paid_left = [], report.funds_allocated, report.funds_paid or Decimal("0")
    for index, line in enumerate(lines):
        if index == len(lines) - 1:
            allocated, paid = allocated_left, paid_left
        else:
            share = line.planned / planned if planned else Decimal("0")
            allocated, paid = _q(report.funds_allocated * share), _q((report.funds_paid or 0) * share)
            allocated_left, paid_left = allocated_left - allocated, paid_left - paid
        rows.append(ReportFunding(report=report, source=line.source, allocated=allocated, paid=paid))
    return rows


def _returned_once(report: ProgressReport) -> None:
    """The office returned this month's first submission; the corrected one was accepted."""
    report.return_reason = RETURN_REASONS[report.period_start.month % len(RETURN_REASONS)]
    report.created_at = report.created_at - dt.timedelta(days=2)


def _open_report(sub, spec, last: ProgressReport, liaison, reviewer, as_of: dt.date, index: int) -> int:
    """This period's report in progress for some sub-items (by position, so reseeding a fresh
    database gives the same picture); the rest have not reported yet."""
    period = periods.plan_open_period(sub.item.plan, as_of)
    if period.start.year != sub.item.plan.year:
        return 0  # the list's year is over: its last period was December's
    state = {
        1: ProgressReport.State.DRAFT,
        2: ProgressReport.State.SUBMITTED,
        3: ProgressReport.State.RETURNED,
        4: ProgressReport.State.SUBMITTED,
    }.get(index % 5)
    if state is None or last.period_start >= period.start:
        return 0
    progress = min(Decimal("99"), last.progress_percent + Decimal("4"))
    actual = last.actual_value
    if actual is not None and spec.target:
        actual = max(actual, _q(spec.target * progress / 100, "1"))
    moment = timezone.make_aware(dt.datetime.combine(as_of, dt.time(9, 0))) - dt.timedelta(days=1)
    report = ProgressReport.objects.create(
        sub_item=sub,
        period_start=period.start,
        state=state,
        progress_percent=progress,
        actual_value=actual,
        funds_allocated=last.funds_allocated,
        funds_paid=last.funds_paid,
        work_done=_work_done(spec, period.start, progress, actual),
        problems=spec.problems,
        next_steps="按节点倒排工期，加快推进。",
        created_by=liaison,
        created_at=moment,
        submitted_at=None if state == ProgressReport.State.DRAFT else moment,
    )
    ReportFunding.objects.bulk_create(split_by_source(report, sub))
    if state == ProgressReport.State.RETURNED:
        report.return_reason = RETURN_REASONS[0]
        report.reviewed_by = reviewer
        report.reviewed_at = moment + dt.timedelta(hours=3)
        report.save(update_fields=["return_reason", "reviewed_by", "reviewed_at"])
        Notification.objects.create(
            recipient=liaison,
            kind=Notification.Kind.REPORT_RETURNED,
            title=f"填报被退回：{sub.code} {sub.short_content}",
            body=f"退回理由：{report.return_reason}\n请修改后重新提交。",
            url=reverse("report_detail", args=[report.pk]),
            created_at=report.reviewed_at,
        )
    return 1


def _history(
    sub, spec, as_of, final_progress, final_actual, complete, liaison, reviewer
) -> list[ProgressReport]:
    start = sub.planned_start
    # The last month whose report had been accepted by the as-of date.
    last_month = (as_of.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if as_of.day < REPORT_DAY:
        last_month = (last_month - dt.timedelta(days=1)).replace(day=1)
    months = _month_starts(start, last_month)
    if spec.lag_profile == "silent":
        months = months[:-2]  # the unit stopped reporting: overdue to report
    if spec.lag_profile == "late_start":
        months = months[2:]
    if not months:
        return []
    scheduled_end = pace.scheduled_pace(
        _month_end(months[-1]),
        sub.planned_start,
        sub.planned_end,
        [(m.date, m.planned_percent) for m in sub.milestones.all()],
        plan_year=sub.planned_end.year,
    ) or Decimal("1")
    planned_money = sum((f.planned for f in sub.funding_lines.all()), Decimal("0"))
    reports = []
    completed_at = None
    for index, month in enumerate(months):
        is_last = index == len(months) - 1
        month_pace = pace.scheduled_pace(
            _month_end(month),
            sub.planned_start,
            sub.planned_end,
            [(m.date, m.planned_percent) for m in sub.milestones.all()],
            plan_year=sub.planned_end.year,
        )
        if spec.lag_profile == "stalled" and index >= len(months) - 3:
            share = Decimal("1")  # no movement for three months: the money has not arrived
        else:
            share = min(Decimal("1"), month_pace / scheduled_end)
        progress = _q(final_progress * share)
        marks_complete = complete and (is_last or progress >= 100)
        if completed_at is not None:
            break
        if marks_complete:
            progress = Decimal("100")
            completed_at = month
        if final_actual is not None:
            actual = final_actual if (is_last or marks_complete) else _q(final_actual * share, "1")
        else:
            actual = None
        allocated = _q(planned_money * min(Decimal("1"), progress / 100 + Decimal("0.1")))
        if spec.lag_profile == "stalled":
            allocated = _q(planned_money * Decimal("0.3") * share)
        paid = _q(allocated * Decimal("0.8"))
        accepted_on = dt.date(month.year + (month.month == 12), month.month % 12 + 1, REPORT_DAY)
        accepted_on = min(accepted_on, as_of)
        moment = timezone.make_aware(dt.datetime.combine(accepted_on, dt.time(10, 0)))
        submitted = moment - dt.timedelta(days=1)
        reports.append(
            ProgressReport(
                sub_item=sub,
                period_start=month,
                state=ProgressReport.State.ACCEPTED,
                progress_percent=progress,
                actual_value=actual,
                funds_allocated=allocated,
                funds_paid=paid,
                work_done=_work_done(spec, month, progress, actual),
                problems=spec.problems if index >= len(months) - 3 and not marks_complete else "",
                next_steps="" if marks_complete else "按节点倒排工期，加快推进。",
                marks_complete=marks_complete,
                created_by=liaison,
                created_at=submitted - dt.timedelta(days=1),
                submitted_at=submitted,
                reviewed_by=reviewer,
                reviewed_at=moment,
                accepted_on=accepted_on,
            )
        )
    return reports


def _work_done(spec: SubItemSpec, month: dt.date, progress: Decimal, actual: Decimal | None) -> str:
    done = f"累计完成{actual.normalize():f}{spec.target_unit}，" if actual is not None else ""
    return f"{month.month}月：{done}总体进度{progress.normalize():f}%。"
