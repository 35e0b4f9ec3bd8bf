"""One-click reminders from the office (催报 to report, 催办 to act) to the units it picks on the
lagging list, the dashboard's overdue list or the rectification board.

Each is logged in ``ReminderLog`` with the day it was sent as its period, so the log's
uniqueness lets a unit be reminded once a day per plan and kind — the same log the scheduled
reminders (``pace_check.send_report_reminders``) keep. Which sub-items owe a report comes from
``plan_progress`` (the one overdue-to-report rule); which units have something to act on, from
the rectifications' overdue flag and the open supervision orders.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse

from core import dates
from core.lights import LAGGING_LIGHTS
from projects import permissions, reach, roles
from projects.models import Plan, Region, SubItem, SubItemShare, Unit, User
from supervision.figures import counted as current
from supervision.followup.models import Rectification, ReminderLog
from supervision.followup.rectification_state import end_of
from supervision.followup.services import orders
from supervision.ledger import periods
from supervision.messaging.models import Notification
from supervision.messaging.notifications import notify
from supervision.reading.progress import PlanProgress, plan_progress

Kind = ReminderLog.Kind
REPORT_KINDS = (Kind.BEFORE_DUE, Kind.AFTER_DUE, Kind.MANUAL_REPORT)
KIND_BY_NAME = {"report": Kind.MANUAL_REPORT, "action": Kind.MANUAL_ACTION}


@dataclass
class Target:
    """A unit chosen for a reminder in one plan, as the preview shows it."""

    plan: Plan
    unit: Unit
    liaisons: int = 0
    overdue_report: int = 0
    lagging: int = 0
    overdue_rectifications: int = 0
    open_orders: int = 0
    reminded_at: dt.datetime | None = None
    due: bool = True

    @property
    def key(self) -> str:
        return f"{self.plan.pk}:{self.unit.pk}"


@dataclass
class SendResult:
    sent: list[Target] = field(default_factory=list)
    already: list[Target] = field(default_factory=list)
    skipped: list[Target] = field(default_factory=list)


def parse_targets(values: list[str]) -> list[tuple[int, int]]:
    """'plan:unit' pairs from a form, in order, without repeats; malformed ones are dropped."""
    seen: dict[tuple[int, int], None] = {}
    for value in values:
        plan_id, _, unit_id = value.partition(":")
        if plan_id.isdigit() and unit_id.isdigit():
            seen.setdefault((int(plan_id), int(unit_id)), None)
    return list(seen)


def default_message(kind: str, plans: list[Plan]) -> str:
    titles = "、".join(plan.title for plan in plans)
    if kind == Kind.MANUAL_REPORT:
        return f"请尽快报送{titles}本单位负责子项的最新进展；滞后或超期未报的，请说明原因和下步措施。"
    return f"请抓紧办理{titles}中本单位逾期未完成的整改事项和未办结的督办单，并及时反馈办理情况。"


def last_reminded(
    pairs: list[tuple[int, int]], kinds, before: dt.datetime | None = None
) -> dict[tuple[int, int], dt.datetime]:
    """When each (plan, unit) was last reminded with one of ``kinds`` (before a moment), in
    one query."""
    if not pairs:
        return {}
    plan_ids = {plan_id for plan_id, _ in pairs}
    unit_ids = {unit_id for _, unit_id in pairs}
    logs = ReminderLog.objects.filter(plan_id__in=plan_ids, unit_id__in=unit_ids, kind__in=kinds)
    if before is not None:
        logs = logs.filter(sent_at__lt=before)
    rows = logs.values("plan_id", "unit_id").annotate(last=Max("sent_at"))
    return {
        (row["plan_id"], row["unit_id"]): row["last"]
        for row in rows
        if (row["plan_id"], row["unit_id"]) in pairs
    }


def reminded_units(plan: Plan, kinds, day: dt.date | None) -> dict[int, dt.datetime]:
    """When each unit of a plan was last reminded with one of ``kinds``, as known at the end of
    a day (now when None): one query, for a page to show beside its rows."""
    logs = ReminderLog.objects.filter(plan=plan, kind__in=kinds)
    if day is not None:
        logs = logs.filter(sent_at__lt=end_of(day))
    return dict(logs.values("unit_id").annotate(last=Max("sent_at")).values_list("unit_id", "last"))


def preview(user: User, kind: str, pairs: list[tuple[int, int]]) -> list[Target]:
    """The chosen units as the office is about to remind them: liaisons to reach, what each
    owes (from the plan's progress today), when it was last reminded today, and whether a
    reminder is due (催办 only to units with an overdue rectification or an open order).
    PermissionDenied, saying why, for a unit the office may not remind or that has no part in
    the plan (``reach.plan_units_in_reach``: a lead unit, a sub-item's responsible or
    cooperating unit, a share's responsible unit; on a higher list, its region's shares')."""
    _require_office(user)
    plans = {p.pk: p for p in permissions.published_plans_for(user).filter(pk__in={p for p, _ in pairs})}
    units = Unit.objects.in_bulk({u for _, u in pairs})
    pairs = [(p, u) for p, u in pairs if p in plans and u in units]
    in_reach: dict[int, tuple[Region | None, set[int]]] = {}
    for plan_id, unit_id in pairs:
        plan, unit = plans[plan_id], units[unit_id]
        if not permissions.can_remind_unit(user, plan, unit):
            own = permissions.user_region(user)
            raise PermissionDenied(f"只能向本地区（{own.name}）及下级区划的单位催报、催办：{unit}")
        if plan_id not in in_reach:
            within = reach.acting_within(user, plan)
            reached = reach.plan_units_in_reach(plan, within).values_list("pk", flat=True)
            in_reach[plan_id] = (within, set(reached))
        within, reached = in_reach[plan_id]
        if unit_id not in reached:
            raise PermissionDenied(f"{reach.out_of_reach('催报、催办的单位', within=within)}：{unit}")
    liaisons = Counter(
        User.objects.filter(unit_id__in={u for _, u in pairs}, groups__name=roles.LIAISON, is_active=True)
        .distinct()
        .values_list("unit_id", flat=True)
    )
    today = dates.today()
    sent_today = {
        (log.plan_id, log.unit_id): log.sent_at
        for log in ReminderLog.objects.filter(
            plan_id__in=plans, unit_id__in=units, kind=kind, period_start=today
        )
    }
    targets = [
        Target(plans[p], units[u], liaisons=liaisons[u], reminded_at=sent_today.get((p, u))) for p, u in pairs
    ]
    for plan_id in {p for p, _ in pairs}:
        plan = plans[plan_id]
        mine = [t for t in targets if t.plan.pk == plan_id]
        unit_ids = [t.unit.pk for t in mine]
        if kind == Kind.MANUAL_REPORT:
            # A split sub-item is chased from its shares' units (the counties), not its own.
            answering = Q(responsible_unit_id__in=unit_ids) | Q(
                pk__in=SubItemShare.objects.filter(responsible_unit_id__in=unit_ids).values("sub_item_id")
            )
            progress = plan_progress(plan, None, sub_item_filter=answering)
            period = _overdue_period(plan, today)
            overdue, lagging, responsible = Counter(), Counter(), set()
            for state in progress.sub_states:
                answerable = [unit.pk for unit in state.answering_units]
                responsible.update(answerable)
                for unit_id in state.units_overdue(period):
                    overdue[unit_id] += 1
                if state.light in LAGGING_LIGHTS:
                    for unit_id in answerable:
                        lagging[unit_id] += 1
            for target in mine:
                target.overdue_report = overdue[target.unit.pk]
                target.lagging = lagging[target.unit.pk]
                target.due = target.unit.pk in responsible
        else:
            late = Counter(
                Rectification.objects.filter(plan=plan, unit_id__in=unit_ids, is_overdue=True)
                .exclude(state=Rectification.State.CLOSED)
                .values_list("unit_id", flat=True)
            )
            open_orders = Counter(
                orders.visible_orders(user)
                .filter(plan=plan, unit_id__in=unit_ids, state__in=orders.OPEN_STATES)
                .values_list("unit_id", flat=True)
            )
            for target in mine:
                target.overdue_rectifications = late[target.unit.pk]
                target.open_orders = open_orders[target.unit.pk]
                target.due = bool(target.overdue_rectifications or target.open_orders)
    return targets


def _require_office(user: User) -> None:
    if not permissions.can_send_reminders(user):
        raise PermissionDenied("只有督查室可以催报、催办。")


def send(user: User, kind: str, pairs: list[tuple[int, int]], message: str) -> SendResult:
    """Remind the chosen units' liaisons with the office's message: once a day per plan, unit
    and kind (a unit already reminded today is left out and reported as such), and only units
    the preview says are due and that have a liaison."""
    message = message.strip()
    result = SendResult()
    today = dates.today()
    for target in preview(user, kind, pairs):
        if not target.due or not target.liaisons:
            result.skipped.append(target)
            continue
        if target.reminded_at is not None:
            result.already.append(target)
            continue
        try:
            with transaction.atomic():
                log = ReminderLog.objects.create(
                    plan=target.plan, unit=target.unit, period_start=today, kind=kind, sent_by=user
                )
                _notify_unit(target, kind, message)
        except IntegrityError:
            target.reminded_at = (
                ReminderLog.objects.filter(plan=target.plan, unit=target.unit, period_start=today, kind=kind)
                .values_list("sent_at", flat=True)
                .first()
            )
            result.already.append(target)
        else:
            target.reminded_at = log.sent_at
            result.sent.append(target)
    return result


def _notify_unit(target: Target, kind: str, message: str) -> None:
    if kind == Kind.MANUAL_REPORT:
        title, notice_kind, url = (
            f"催报：{target.plan.title}",
            Notification.Kind.REPORT_REMINDER,
            reverse("my_tasks"),
        )
    else:
        title, notice_kind, url = (
            f"催办：{target.plan.title}",
            Notification.Kind.RECTIFICATION,
            reverse("order_list"),
        )
    for liaison in User.objects.filter(
        unit=target.unit, groups__name=roles.LIAISON, is_active=True
    ).distinct():
        notify(liaison, notice_kind, title, message, url)


@dataclass
class OverdueUnit:
    """A unit with sub-items overdue to report (超期未报) today, and when it was last reminded."""

    unit: Unit
    sub_items: list[SubItem] = field(default_factory=list)
    reminded_at: dt.datetime | None = None

    # A province's unit may owe hundreds: the dashboard names the first few.
    SHOWN = 3

    @property
    def shown_sub_items(self) -> list[SubItem]:
        return self.sub_items[: self.SHOWN]

    @property
    def more(self) -> int:
        return max(0, len(self.sub_items) - self.SHOWN)


def _overdue_period(plan: Plan, on: dt.date) -> periods.Period:
    return periods.last_due_period(on, plan.report_cadence, plan.report_due_day)


def overdue_units(
    plan: Plan,
    sub_item_filter: Q | None = None,
    region: Region | None = None,
    progress: PlanProgress | None = None,
) -> list[OverdueUnit]:
    """Today's overdue-to-report sub-items of a plan grouped by the units that owe the report
    (``SubItemState.units_overdue``: a split sub-item's shares' units), from the pace rows
    (which store them) when the caches hold today, else from the plan's progress (through a
    region: its shares only; ``progress`` when the caller has read it so already); a fixed
    number of queries."""
    on = dates.today()
    if region is None and current.caches_hold(plan, on):
        overdue = current.sub_items(plan, sub_item_filter).filter(pace__overdue_report=True)
        owing = [
            (sub, sub.pace.owing_units)
            for sub in overdue.select_related("item", "pace").order_by("item__number", "number")
        ]
    else:
        if progress is None or progress.as_of != on:
            progress = plan_progress(plan, None, sub_item_filter=sub_item_filter, region=region)
        period = _overdue_period(plan, on)
        owing = [(state.sub_item, state.units_overdue(period)) for state in progress.sub_states]
    units = Unit.objects.in_bulk({unit_id for _, unit_ids in owing for unit_id in unit_ids})
    reminded = reminded_units(plan, REPORT_KINDS, None)
    by_unit: dict[int, OverdueUnit] = {}
    for sub, unit_ids in owing:
        for unit_id in unit_ids:
            entry = by_unit.setdefault(unit_id, OverdueUnit(units[unit_id]))
            entry.sub_items.append(sub)
    for entry in by_unit.values():
        entry.reminded_at = reminded.get(entry.unit.pk)
    return sorted(by_unit.values(), key=lambda e: (-len(e.sub_items), e.unit.name))
