"""The pace check (序时进度检查): record every sub-item's and item's light, keep the history of
warning flags, and warn units whose sub-items newly turn red; and the report reminders (催报).

The rules are not here: lights, lag and overdue-to-report come from ``plan_progress`` (which
applies ``supervision.reading.pace``), forecasts from ``pace.forecast_completion``. This module only
writes their results, in bulk: a whole plan costs a handful of queries plus one per
``BATCH_SIZE`` rows written, and running it twice on a day leaves the same state.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from core import dates
from core.lights import Light
from projects import roles
from projects.models import Plan, User
from supervision.figures import caches
from supervision.followup.models import Flag, ReminderLog
from supervision.ledger import periods
from supervision.messaging import notifications
from supervision.messaging.models import Notification
from supervision.reading.progress import PlanProgress, SubItemState, plan_progress

LIGHT_FLAGS = {Light.YELLOW: Flag.Kind.YELLOW, Light.RED: Flag.Kind.RED}

# Rows per INSERT / UPDATE statement (see ``caches.BATCH_SIZE``).
BATCH_SIZE = caches.BATCH_SIZE


@dataclass
class PaceCheckResult:
    plan_id: int
    checked_on: date
    sub_items: int = 0
    items: int = 0
    lights: dict[str, int] = field(default_factory=dict)
    raised: dict[str, int] = field(default_factory=dict)
    cleared: dict[str, int] = field(default_factory=dict)
    newly_red: int = 0
    notified: int = 0

    def as_dict(self) -> dict:
        """JSON-friendly, for Celery results and command output."""
        data = asdict(self)
        data["checked_on"] = self.checked_on.isoformat()
        return data


def wanted_flags(state: SubItemState, forecast_late: bool) -> set[str]:
    """The flags a sub-item should have open: its light's colour, overdue-to-report, late
    forecast. Completed sub-items have none, nor those stopped by an approved change."""
    if state.is_complete or state.terminated:
        return set()
    kinds = set()
    if state.light in LIGHT_FLAGS:
        kinds.add(LIGHT_FLAGS[state.light])
    if state.overdue_report:
        kinds.add(Flag.Kind.OVERDUE_REPORT)
    if forecast_late:
        kinds.add(Flag.Kind.FORECAST_LATE)
    return kinds


def check_plan(plan: Plan, on: date | None = None) -> PaceCheckResult:
    """Check a plan as of a date (today when None; a past date uses only the reports accepted
    by then) and record the result: current pace per sub-item and item, flags raised and
    cleared, and a pace warning to the liaisons of units with a sub-item newly red."""
    on = on or dates.today()
    progress = plan_progress(plan, on)
    sub_rows, item_rows = caches.pace_rows(progress, caches.accepted_history(plan, on))
    wanted = {
        row["sub_item_id"]: (wanted_flags(state, row["forecast_late"]), state.lag_points)
        for state, row in zip(progress.sub_states, sub_rows, strict=True)
    }
    result = PaceCheckResult(
        plan_id=plan.pk,
        checked_on=on,
        sub_items=len(sub_rows),
        items=len(item_rows),
        lights={str(light): count for light, count in sorted(progress.light_counts.items())},
    )
    with transaction.atomic():
        caches.store_pace_rows(sub_rows, item_rows, batch_size=BATCH_SIZE)
        newly_red = _update_flags(plan, on, wanted, result)
        result.newly_red = len(newly_red)
        result.notified = _warn_units(plan, progress, newly_red)
    return result


def check_all_active_plans(on: date | None = None) -> list[PaceCheckResult]:
    """Check every published plan, each in its own transaction."""
    return [check_plan(plan, on) for plan in Plan.objects.filter(status=Plan.Status.PUBLISHED).order_by("pk")]


def _update_flags(
    plan: Plan, on: date, wanted: dict[int, tuple[set[str], Decimal]], result: PaceCheckResult
) -> set[int]:
    """Clear open flags that no longer apply and raise the missing ones; returns the ids of
    sub-items whose red flag was raised now."""
    open_flags = Flag.objects.filter(sub_item__item__plan=plan, cleared_on__isnull=True).values_list(
        "id", "sub_item_id", "kind", "raised_on"
    )
    is_open, to_clear = set(), []
    for flag_id, sub_item_id, kind, raised_on in open_flags:
        kinds, _ = wanted.get(sub_item_id, (set(), None))
        if kind in kinds:
            is_open.add((sub_item_id, kind))
        else:
            # A check run for a past date must not clear a flag before it was raised.
            to_clear.append((max(on, raised_on), flag_id, kind))
    to_raise = [
        (sub_item_id, kind, lag)
        for sub_item_id, (kinds, lag) in wanted.items()
        for kind in sorted(kinds)
        if (sub_item_id, kind) not in is_open
    ]
    by_day: dict[date, list[int]] = defaultdict(list)
    for day, flag_id, _ in to_clear:
        by_day[day].append(flag_id)
    for day, flag_ids in by_day.items():
        for start in range(0, len(flag_ids), BATCH_SIZE):
            Flag.objects.filter(pk__in=flag_ids[start : start + BATCH_SIZE]).update(cleared_on=day)
    Flag.objects.bulk_create(
        [
            Flag(sub_item_id=sub_item_id, kind=kind, raised_on=on, lag_points=lag)
            for sub_item_id, kind, lag in to_raise
        ],
        batch_size=BATCH_SIZE,
    )
    result.cleared = dict(sorted(Counter(kind for _, _, kind in to_clear).items()))
    result.raised = dict(sorted(Counter(kind for _, kind, _ in to_raise).items()))
    return {sub_item_id for sub_item_id, kind, _ in to_raise if kind == Flag.Kind.RED}


def _warn_units(plan: Plan, progress: PlanProgress, newly_red: set[int]) -> int:
    """One pace warning per liaison of each unit with sub-items newly red (not one per sub-item)."""
    if not newly_red:
        return 0
    by_unit: dict[int, list[SubItemState]] = defaultdict(list)
    for state in progress.sub_states:
        if state.sub_item.pk in newly_red:
            by_unit[state.sub_item.responsible_unit_id].append(state)
    liaisons = User.objects.filter(unit_id__in=by_unit, groups__name=roles.LIAISON, is_active=True).order_by(
        "pk"
    )
    url = reverse("plan_lagging", args=[plan.pk])
    sent = 0
    for user in liaisons:
        states = by_unit[user.unit_id]
        lines = [
            f"{s.sub_item.code} {s.sub_item.short_content}：序时进度{s.scheduled_percent.normalize():f}%，"
            f"实际进度{s.progress_percent.normalize():f}%，滞后{s.lag_points.normalize():f}个百分点"
            for s in states
        ]
        notifications.notify(
            user,
            Notification.Kind.PACE_WARNING,
            f"滞后预警：{plan.title}有{len(states)}项转为红灯",
            "\n".join(lines),
            f"{url}?unit={user.unit_id}",
        )
        sent += 1
    return sent


@dataclass(frozen=True)
class DueReminder:
    """The units owed a reminder (催报) for one period on a day, and how many sub-items each
    still owes a report for."""

    kind: str
    period: periods.Period
    missing: dict[int, int]

    @property
    def unit_ids(self) -> set[int]:
        return set(self.missing)


def reminders_due(plan: Plan, on: date) -> list[DueReminder]:
    """The reminders a plan's units are due on a day, from the one overdue rule
    (``ledger.owes_report``) applied to the plan as of that day: before the open period's due
    day (from ``REPORT_REMINDER_DAYS_BEFORE`` days before it) to the sub-items that owe its
    report, and from ``REPORT_REMINDER_DAYS_AFTER`` days after the last due day to those
    overdue to report (超期未报) — exactly the ones the pages flag."""
    before = timedelta(days=settings.REPORT_REMINDER_DAYS_BEFORE)
    after = timedelta(days=settings.REPORT_REMINDER_DAYS_AFTER)
    wanted = []
    current = periods.open_period(on, plan.report_cadence, plan.report_due_day)
    if current.due - before <= on <= current.due:
        wanted.append((ReminderLog.Kind.BEFORE_DUE, current))
    overdue = periods.last_due_period(on, plan.report_cadence, plan.report_due_day)
    if on >= overdue.due + after:
        wanted.append((ReminderLog.Kind.AFTER_DUE, overdue))
    wanted = [(kind, period) for kind, period in wanted if period.end >= date(plan.year, 1, 1)]
    if not wanted:
        return []
    progress = plan_progress(plan, on)
    due = []
    for kind, period in wanted:
        missing: Counter = Counter()
        for state in progress.sub_states:
            if kind == ReminderLog.Kind.AFTER_DUE and not state.overdue_report:
                continue
            for unit_id in state.units_owing_report(period):
                missing[unit_id] += 1
        due.append(DueReminder(kind, period, dict(missing)))
    return due


def send_report_reminders(on: date | None = None) -> int:
    """催报: send the reminders due today (``reminders_due``) to the units' liaisons, once per
    period and kind. Returns the number of notifications sent."""
    on = on or dates.today()
    sent = 0
    for plan in Plan.objects.filter(status=Plan.Status.PUBLISHED).order_by("pk"):
        for reminder in reminders_due(plan, on):
            sent += _remind(plan, reminder)
    return sent


@transaction.atomic
def _remind(plan: Plan, reminder: DueReminder) -> int:
    period, kind, missing = reminder.period, reminder.kind, reminder.missing
    done = set(
        ReminderLog.objects.filter(plan=plan, period_start=period.start, kind=kind).values_list(
            "unit_id", flat=True
        )
    )
    liaisons = list(
        User.objects.filter(
            unit_id__in=[unit_id for unit_id in missing if unit_id not in done],
            groups__name=roles.LIAISON,
            is_active=True,
        ).order_by("pk")
    )
    reminded = sorted({user.unit_id for user in liaisons})
    ReminderLog.objects.bulk_create(
        [
            ReminderLog(plan=plan, unit_id=unit_id, period_start=period.start, kind=kind)
            for unit_id in reminded
        ],
        ignore_conflicts=True,
    )
    if kind == ReminderLog.Kind.BEFORE_DUE:
        title = f"催报提醒：{plan.title}{period.label}进展请于{period.due.month}月{period.due.day}日前报送"
    else:
        title = f"逾期催报：{plan.title}{period.label}进展已过报送截止日（{period.due.month}月{period.due.day}日）"
    url = reverse("my_tasks")
    for user in liaisons:
        notifications.notify(
            user,
            Notification.Kind.REPORT_REMINDER,
            title,
            f"本单位尚有{missing[user.unit_id]}项未报送{period.label}进展（已提交待审核的，审核通过后即不再催报），请尽快填报。",
            url,
        )
    return len(liaisons)
