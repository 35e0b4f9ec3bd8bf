"""The pace check (序时进度检查): record every sub-item's and item's light, keep the history of
warning flags, and warn units whose sub-items newly turn red; and the report reminders (催报).

The rules are not here: lights, lag and overdue-to-report come from ``plan_progress`` (which
applies ``supervision.pace``), forecasts from ``pace.forecast_completion``. This module only
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
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from core.lights import Light
from projects import roles
from projects.models import Plan, SubItem, User

from .. import pace, periods
from ..models import Flag, ItemPace, Notification, ProgressReport, ReminderLog, SubItemPace
from ..progress import PlanProgress, SubItemState, plan_progress
from . import notifications

LIGHT_FLAGS = {Light.YELLOW: Flag.Kind.YELLOW, Light.RED: Flag.Kind.RED}

# Rows per INSERT / UPDATE statement. SQLite takes at most 999 parameters per statement in
# Django (111 rows of SubItemPace's 9 columns), PostgreSQL has no such cap: 100 rows fits
# both, so a check costs the same queries on either, a fixed number plus one per 100 rows
# written.
BATCH_SIZE = 100


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


def accepted_history(plan: Plan, on: date) -> dict[int, list[tuple[date, Decimal]]]:
    """Each sub-item's accepted reports (accepted date, progress %) up to a date, oldest first,
    in one query."""
    history: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    rows = (
        ProgressReport.objects.filter(
            sub_item__item__plan=plan, state=ProgressReport.State.ACCEPTED, accepted_on__lte=on
        )
        .order_by("sub_item_id", "accepted_on", "reviewed_at", "id")
        .values_list("sub_item_id", "accepted_on", "progress_percent")
    )
    for sub_item_id, accepted_on, progress in rows.iterator(chunk_size=5000):
        history[sub_item_id].append((accepted_on, progress))
    return history


def wanted_flags(state: SubItemState, forecast_late: bool) -> set[str]:
    """The flags a sub-item should have open: its light's colour, overdue-to-report, late
    forecast. Completed sub-items have none."""
    if state.is_complete:
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
    today = timezone.localdate()
    on = on or today
    progress = plan_progress(plan, None if on == today else on)
    history = accepted_history(plan, on)

    sub_paces, wanted = [], {}
    for state in progress.sub_states:
        sub = state.sub_item
        forecast = None
        if not state.is_complete:
            forecast = pace.forecast_completion(history.get(sub.pk, ()), not_before=on)
        late = pace.forecast_is_late(forecast, sub.planned_end)
        sub_paces.append(
            SubItemPace(
                sub_item_id=sub.pk,
                checked_on=on,
                scheduled_percent=state.scheduled_percent,
                progress_percent=state.progress_percent,
                lag_points=state.lag_points,
                light=state.light,
                overdue_report=state.overdue_report,
                forecast_completion=forecast,
                forecast_late=late,
            )
        )
        wanted[sub.pk] = (wanted_flags(state, late), state.lag_points)
    item_paces = [
        ItemPace(
            item_id=item.item.pk,
            checked_on=on,
            scheduled_percent=item.scheduled_percent,
            progress_percent=item.progress_percent,
            lag_points=item.lag_points,
            light=item.light,
        )
        for item in progress.items
    ]

    result = PaceCheckResult(
        plan_id=plan.pk,
        checked_on=on,
        sub_items=len(sub_paces),
        items=len(item_paces),
        lights={str(light): count for light, count in sorted(progress.light_counts.items())},
    )
    with transaction.atomic():
        _upsert(SubItemPace, sub_paces, "sub_item")
        _upsert(ItemPace, item_paces, "item")
        newly_red = _update_flags(plan, on, wanted, result)
        result.newly_red = len(newly_red)
        result.notified = _warn_units(plan, progress, newly_red)
    return result


def check_all_active_plans(on: date | None = None) -> list[PaceCheckResult]:
    """Check every published plan, each in its own transaction."""
    return [check_plan(plan, on) for plan in Plan.objects.filter(status=Plan.Status.PUBLISHED).order_by("pk")]


def _upsert(model: type[SubItemPace] | type[ItemPace], paces: list, unique: str) -> None:
    """Insert each pace, or overwrite every field of the one already recorded for its
    sub-item (item)."""
    fields = [f.name for f in model._meta.concrete_fields if not f.primary_key and f.name != unique]
    model.objects.bulk_create(
        paces, batch_size=BATCH_SIZE, update_conflicts=True, unique_fields=[unique], update_fields=fields
    )


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


def send_report_reminders(on: date | None = None) -> int:
    """催报: remind the liaisons of units with a report missing for a period, once per period
    and kind — from ``REPORT_REMINDER_DAYS_BEFORE`` days before the due day until it, and from
    ``REPORT_REMINDER_DAYS_AFTER`` days after it. Returns the number of notifications sent."""
    on = on or timezone.localdate()
    before = timedelta(days=settings.REPORT_REMINDER_DAYS_BEFORE)
    after = timedelta(days=settings.REPORT_REMINDER_DAYS_AFTER)
    sent = 0
    for plan in Plan.objects.filter(status=Plan.Status.PUBLISHED).order_by("pk"):
        current = periods.open_period(on, plan.report_cadence, plan.report_due_day)
        if current.due - before <= on <= current.due:
            sent += _remind(plan, current, ReminderLog.Kind.BEFORE_DUE)
        overdue = periods.last_due_period(on, plan.report_cadence, plan.report_due_day)
        if on >= overdue.due + after:
            sent += _remind(plan, overdue, ReminderLog.Kind.AFTER_DUE)
    return sent


def units_missing_report(plan: Plan, period: periods.Period) -> dict[int, int]:
    """Unit id → number of its unfinished, started sub-items with no report submitted or
    accepted for the period (the same sub-items overdue-to-report counts)."""
    reported = ProgressReport.objects.filter(
        sub_item=OuterRef("pk"),
        period_start=period.start,
        state__in=[ProgressReport.State.SUBMITTED, ProgressReport.State.ACCEPTED],
    )
    rows = (
        SubItem.objects.filter(item__plan=plan)
        .exclude(status=SubItem.Status.COMPLETED)
        .filter(Q(planned_start__isnull=True) | Q(planned_start__lte=period.end))
        .exclude(Exists(reported))
        .values("responsible_unit_id")
        .annotate(missing=Count("pk"))
        .order_by()
    )
    return {row["responsible_unit_id"]: row["missing"] for row in rows}


@transaction.atomic
def _remind(plan: Plan, period: periods.Period, kind: str) -> int:
    if period.end < date(plan.year, 1, 1):
        return 0
    missing = units_missing_report(plan, period)
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
            f"本单位尚有{missing[user.unit_id]}项未报送{period.label}进展，请尽快填报。",
            url,
        )
    return len(liaisons)
