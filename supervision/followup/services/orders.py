"""Supervision orders (督办单): the office issues a numbered order (督办〔2026〕3号) to a unit
for a red sub-item, an overdue report or an overdue rectification; the unit's liaison signs for
it (签收) and answers it (答复) by the deadline; the office closes it (办结) or calls the unit
head to a talk (约谈), recording the talk. Every step is a ``SupervisionOrderEvent``.

States: issued → signed → answered → closed; a talk (escalated) may follow any open state, and
the unit then answers again. The rules of every step live here; views only translate errors.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from core import dates
from projects import permissions, reach, scope
from projects.models import Item, Plan, SubItem, Unit, User
from supervision.followup.models import (
    Rectification,
    SupervisionOrder,
    SupervisionOrderEvent,
    SupervisionOrderSequence,
)
from supervision.followup.rectification_state import end_of
from supervision.followup.services.rectifications import liaisons_of
from supervision.messaging.models import Notification
from supervision.messaging.notifications import notify

State = SupervisionOrder.State
Source = SupervisionOrder.Source
Action = SupervisionOrderEvent.Action

OPEN_STATES = (State.ISSUED, State.SIGNED, State.ANSWERED, State.ESCALATED)
# Waiting on the unit: an order in one of these past its deadline is overdue.
AWAITING_ANSWER = (State.ISSUED, State.SIGNED, State.ESCALATED)

STATE_AFTER = {
    Action.ISSUED: State.ISSUED,
    Action.SIGNED: State.SIGNED,
    Action.ANSWERED: State.ANSWERED,
    Action.CLOSED: State.CLOSED,
    Action.ESCALATED: State.ESCALATED,
}


class TransitionError(ValidationError):
    """A step the order's current state does not allow (shown to the user as is)."""


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def next_number(issuer: str, year: int) -> int:
    """The next order number an issuing office (``reach.issuer_code``) gives in a year, taken
    under a lock on its sequence row, so two orders issued at once never share a number and
    none is skipped. Call inside the issuing transaction: a failed issue gives its number back."""
    sequence, _ = SupervisionOrderSequence.objects.select_for_update().get_or_create(issuer=issuer, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number


def _subject(
    sub_item: SubItem | None, rectification: Rectification | None
) -> tuple[SubItem | None, Item | None]:
    """What an order is about, for its reach: its sub-item, else the sub-item or the item of
    the rectification it follows up (neither: the plan as a whole)."""
    if sub_item is not None or rectification is None:
        return sub_item, None
    if rectification.sub_item_id is not None:
        return rectification.sub_item, None
    return None, rectification.item


def units_in_reach(
    plan: Plan, sub_item: SubItem | None = None, rectification: Rectification | None = None
) -> QuerySet[Unit]:
    """The units an order on the sub-item (or following up the rectification) may go to."""
    return reach.reach_of(plan, *_subject(sub_item, rectification))


def unit_refusal(
    unit: Unit, plan: Plan, sub_item: SubItem | None, rectification: Rectification | None
) -> str | None:
    """Why an order on the sub-item (or following up the rectification) may not go to
    ``unit``, in Chinese (``reach.refusal``); None when the unit is in reach."""
    about, item = _subject(sub_item, rectification)
    return reach.refusal(unit, "督办单位", plan=plan, sub_item=about, item=item)


def _event(order: SupervisionOrder, action: str, actor: User, text: str = "", **extra) -> None:
    SupervisionOrderEvent.objects.create(order=order, action=action, actor=actor, text=text, **extra)


def _notify(recipients: Iterable[User], order: SupervisionOrder, title: str, body: str) -> None:
    url = reverse("order_detail", args=[order.pk])
    for user in recipients:
        notify(user, Notification.Kind.RECTIFICATION, title, body, url)


def _locked(order: SupervisionOrder) -> SupervisionOrder:
    """Re-read the row under a lock so two clicks cannot both move the same state."""
    return SupervisionOrder.objects.select_for_update().get(pk=order.pk)


@transaction.atomic
def issue(
    actor: User,
    *,
    plan: Plan,
    unit: Unit,
    source: str,
    problem: str,
    requirement: str,
    deadline: dt.date,
    sub_item: SubItem | None = None,
    rectification: Rectification | None = None,
    on: dt.date | None = None,
) -> SupervisionOrder:
    """The office issues an order to a unit in reach of its sub-item (or of the rectification it
    follows up: ``reach``); it is numbered in its office's sequence of the year it is issued, and
    the unit's liaisons, who alone may sign for it, are notified."""
    _require(permissions.can_manage_orders(actor), "只有督查室可以下发督办单。")
    permissions.require_manage_plan(actor, plan)
    on = on or dates.today()
    errors: dict[str, str] = {}
    if sub_item is not None and sub_item.item.plan_id != plan.pk:
        errors["sub_item"] = "所选子项不属于该清单。"
    if rectification is not None and rectification.plan_id != plan.pk:
        errors["rectification"] = "所选整改事项不属于该清单。"
    if source in (Source.RED, Source.OVERDUE_REPORT) and sub_item is None:
        errors["sub_item"] = "来源为红灯子项或超期未报时，请选择对应的子项。"
    if source == Source.OVERDUE_RECTIFICATION and rectification is None:
        errors["rectification"] = "来源为整改逾期时，请选择对应的整改事项。"
    if not problem.strip():
        errors["problem"] = "请填写督办事项。"
    if not requirement.strip():
        errors["requirement"] = "请填写督办要求。"
    if deadline < on:
        errors["deadline"] = "办理时限不能早于下发日期。"
    if not errors.keys() & {"sub_item", "rectification"}:
        refused = unit_refusal(unit, plan, sub_item, rectification)
        if refused:
            errors["unit"] = f"{refused}。"
    if errors:
        raise ValidationError(errors)
    issuer = reach.issuer_code(plan)
    order = SupervisionOrder(
        plan=plan,
        issuer=issuer,
        year=on.year,
        number=next_number(issuer, on.year),
        source=source,
        sub_item=sub_item,
        rectification=rectification,
        unit=unit,
        problem=problem.strip(),
        requirement=requirement.strip(),
        deadline=deadline,
        created_by=actor,
    )
    order.full_clean()
    order.save()
    _event(order, Action.ISSUED, actor, order.requirement)
    _notify(
        liaisons_of(unit.pk),
        order,
        f"督办单：{order.code}",
        f"请签收督办单，并于{deadline:%Y年%m月%d日}前答复办理情况。督办事项：{order.problem}",
    )
    return order


@transaction.atomic
def sign(order: SupervisionOrder, actor: User) -> SupervisionOrder:
    """The unit's liaison signs for the order (签收), once."""
    order = _locked(order)
    _require(permissions.can_answer_order(actor, order), "只有督办单位的联络员可以签收督办单。")
    if order.state != State.ISSUED:
        raise TransitionError(
            "该督办单已办结，不能签收。" if order.state == State.CLOSED else "该督办单已签收，不能重复签收。"
        )
    order.state = State.SIGNED
    order.save(update_fields=["state"])
    _event(order, Action.SIGNED, actor)
    return order


@transaction.atomic
def answer(order: SupervisionOrder, actor: User, text: str) -> SupervisionOrder:
    """The unit answers what it has done (答复); the office then closes the order."""
    order = _locked(order)
    _require(permissions.can_answer_order(actor, order), "只有督办单位的联络员可以答复督办单。")
    if order.state not in (State.SIGNED, State.ESCALATED):
        raise TransitionError(
            {
                State.ISSUED: "请先签收督办单，再答复。",
                State.ANSWERED: "该督办单已答复，等待督查室办结，不能重复答复。",
                State.CLOSED: "该督办单已办结，不能再答复。",
            }[order.state]
        )
    if not text.strip():
        raise ValidationError({"text": "请填写办理情况。"})
    order.state = State.ANSWERED
    order.save(update_fields=["state"])
    _event(order, Action.ANSWERED, actor, text.strip())
    _notify(
        [order.created_by], order, f"督办单已答复：{order.code}", f"{order.unit}已答复办理情况，请审核办结。"
    )
    return order


@transaction.atomic
def close(order: SupervisionOrder, actor: User, text: str = "") -> SupervisionOrder:
    """The office accepts the unit's answer: the order is closed (办结)."""
    order = _locked(order)
    _require(permissions.can_manage_orders(actor), "只有督查室可以办结督办单。")
    permissions.require_manage_plan(actor, order.plan)
    if order.state != State.ANSWERED:
        raise TransitionError(
            "该督办单已办结。" if order.state == State.CLOSED else "督办单位尚未答复，不能办结。"
        )
    order.state = State.CLOSED
    order.closed_at = timezone.now()
    order.save(update_fields=["state", "closed_at"])
    _event(order, Action.CLOSED, actor, text.strip())
    return order


@transaction.atomic
def escalate(
    order: SupervisionOrder, actor: User, *, talk_on: dt.date, participants: str, record: str
) -> SupervisionOrder:
    """The office calls the unit head to a talk (约谈) and records it; the unit must answer again."""
    order = _locked(order)
    _require(permissions.can_manage_orders(actor), "只有督查室可以约谈。")
    permissions.require_manage_plan(actor, order.plan)
    if order.state == State.CLOSED:
        raise TransitionError("该督办单已办结，不能约谈。")
    errors = {}
    if not participants.strip():
        errors["participants"] = "请填写参加约谈的人员。"
    if not record.strip():
        errors["record"] = "请填写约谈记录。"
    if talk_on > dates.today():
        errors["talk_on"] = "约谈日期不能晚于今天。"
    if errors:
        raise ValidationError(errors)
    order.state = State.ESCALATED
    order.save(update_fields=["state"])
    _event(order, Action.ESCALATED, actor, record.strip(), talk_on=talk_on, participants=participants.strip())
    _notify(
        liaisons_of(order.unit_id),
        order,
        f"督办单约谈：{order.code}",
        f"督查室已于{talk_on:%Y年%m月%d日}约谈，请按约谈要求抓紧办理并重新答复。",
    )
    return order


def available_steps(order: SupervisionOrder, user: User) -> set[str]:
    """The steps a user may take on an order now (what its page offers)."""
    steps = set()
    if permissions.can_answer_order(user, order):
        if order.state == State.ISSUED:
            steps.add(Action.SIGNED)
        if order.state in (State.SIGNED, State.ESCALATED):
            steps.add(Action.ANSWERED)
    if permissions.can_manage_orders(user) and permissions.can_manage_plan(user, order.plan):
        if order.state == State.ANSWERED:
            steps.add(Action.CLOSED)
        if order.state != State.CLOSED:
            steps.add(Action.ESCALATED)
    return steps


def visible_orders(user):
    """The orders a user may read (liaisons: their unit's), with what lists show."""
    return scope.readable(
        user, SupervisionOrder.objects.select_related("plan", "unit", "sub_item__item", "rectification")
    )


class OrderOn:
    """An order as it stood at the end of a day, from its history."""

    def __init__(self, order: SupervisionOrder, day: dt.date, state: str):
        self.order, self.day, self.state = order, day, state

    @property
    def is_overdue(self) -> bool:
        """Overdue on a day: past its deadline and not answered or closed by the end of it."""
        return self.state in AWAITING_ANSWER and self.order.deadline < self.day

    def get_state_display(self) -> str:
        return str(State(self.state).label)

    def __getattr__(self, name: str):
        return getattr(self.order, name)


def as_of(orders: Iterable[SupervisionOrder], day: dt.date) -> list[OrderOn]:
    """The given orders as they stood at the end of ``day`` (one query for the events); orders
    not issued yet by then are left out."""
    rows = [order for order in orders if order.created_at < end_of(day)]
    events: dict[int, list[tuple]] = defaultdict(list)
    for order_id, action, at, pk in SupervisionOrderEvent.objects.filter(
        order__in=[o.pk for o in rows], at__lt=end_of(day)
    ).values_list("order_id", "action", "at", "pk"):
        events[order_id].append((at, pk, action))
    result = []
    for order in rows:
        state = State.ISSUED
        for _at, _pk, action in sorted(events.get(order.pk, ())):
            state = STATE_AFTER[action]
        result.append(OrderOn(order, day, state))
    return result


def open_order_units(plan: Plan, unit_ids: Iterable[int]) -> set[int]:
    """Of the given units, those with an open order in the plan."""
    return set(
        SupervisionOrder.objects.filter(plan=plan, unit_id__in=list(unit_ids), state__in=OPEN_STATES)
        .values_list("unit_id", flat=True)
        .distinct()
    )
