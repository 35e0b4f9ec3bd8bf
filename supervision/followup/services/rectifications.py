"""Rectifications (整改 / 督办事项): the office assigns a problem to a unit with a deadline, the
unit's liaisons answer it, the office verifies and closes it or sends it back; past the deadline
unfinished it is overdue. Every step is a ``RectificationEvent`` (who, what, when).

States: open → responded (unit answers) → closed (office verifies) or → open (sent back).
Views, the daily Celery check and the current demo rectification all go through these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import dates
from projects import permissions, reach, roles, scope
from projects.models import Item, Plan, SubItem, Unit, User
from supervision.followup.models import InspectionVisit, Rectification, RectificationEvent, RectificationPhoto
from supervision.messaging.models import Notification
from supervision.messaging.notifications import notify
from supervision.photos.uploads import store_photo

State = Rectification.State
Action = RectificationEvent.Action


class TransitionError(ValidationError):
    """A step the rectification's current state does not allow (shown to the user as is)."""


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def liaisons_of(unit_id: int) -> list[User]:
    return list(User.objects.filter(unit_id=unit_id, is_active=True, groups__name=roles.LIAISON).distinct())


def _notify(recipients: Iterable[User], rectification: Rectification, title: str, body: str) -> None:
    url = reverse("rectification_detail", args=[rectification.pk])
    for user in recipients:
        notify(user, Notification.Kind.RECTIFICATION, title, body, url)


def _event(
    rectification: Rectification, action: str, actor: User | None, text: str = "", photos: Sequence = ()
) -> RectificationEvent:
    event = RectificationEvent.objects.create(
        rectification=rectification, action=action, actor=actor, text=text, at=timezone.now()
    )
    for upload in photos:
        store_photo(RectificationPhoto(event=event), upload)
    return event


def _locked(rectification: Rectification) -> Rectification:
    """Re-read the row under a lock so two clicks cannot both move the same state."""
    return Rectification.objects.select_for_update().get(pk=rectification.pk)


@transaction.atomic
def create_rectification(
    actor: User,
    *,
    plan: Plan,
    unit: Unit,
    title: str,
    required_action: str,
    deadline: date,
    source: str = Rectification.Source.OTHER,
    visit: InspectionVisit | None = None,
    item: Item | None = None,
    sub_item: SubItem | None = None,
) -> Rectification:
    """The office assigns a problem to a unit in reach of the sub-item, else of the item, else
    of the plan (``reach``); the unit's liaisons are notified."""
    _require(permissions.can_manage_rectifications(actor), "只有督查室可以交办整改事项。")
    permissions.require_manage_plan(actor, plan)
    if sub_item is not None and item is None:
        item = sub_item.item
    errors: dict[str, str] = {}
    if visit is not None and visit.plan_id != plan.pk:
        errors["visit"] = "所选视察不属于该清单。"
    if item is not None and item.plan_id != plan.pk:
        errors["item"] = "所选实事不属于该清单。"
    if sub_item is not None and item is not None and sub_item.item_id != item.pk:
        errors["sub_item"] = "所选子项不属于所选实事。"
    if source == Rectification.Source.VISIT and visit is None:
        errors["visit"] = "来源为视察发现时，请选择对应的视察。"
    if source == Rectification.Source.PACE and sub_item is None:
        errors["sub_item"] = "来源为序时进度红灯时，请选择对应的子项。"
    if not errors.keys() & {"item", "sub_item"}:
        refused = reach.refusal(unit, "整改单位", plan=plan, sub_item=sub_item, item=item)
        if refused:
            errors["unit"] = f"{refused}。"
    if errors:
        raise ValidationError(errors)
    rectification = Rectification(
        plan=plan,
        source=source,
        visit=visit,
        item=item,
        sub_item=sub_item,
        unit=unit,
        title=title,
        required_action=required_action,
        deadline=deadline,
        created_by=actor,
    )
    rectification.full_clean()
    rectification.save()
    _event(rectification, Action.CREATED, actor, required_action)
    _notify(
        liaisons_of(unit.pk),
        rectification,
        f"整改督办：{title}",
        f"请于{deadline:%Y年%m月%d日}前完成整改并反馈。整改要求：{required_action}",
    )
    return rectification


@transaction.atomic
def respond(rectification: Rectification, actor: User, text: str, photos: Sequence = ()) -> Rectification:
    """The unit reports what it has done (text and photos); the office then verifies it."""
    rectification = _locked(rectification)
    _require(
        permissions.can_respond_to_rectification(actor, rectification),
        "只有整改单位的联络员可以反馈整改情况。",
    )
    if rectification.state != State.OPEN:
        raise TransitionError(
            "该事项已反馈，等待督查室核实，不能重复反馈。"
            if rectification.state == State.RESPONDED
            else "该事项已销号，不能再反馈。"
        )
    if not text.strip():
        raise ValidationError({"text": "请填写整改情况。"})
    rectification.state = State.RESPONDED
    rectification.save(update_fields=["state"])
    _event(rectification, Action.RESPONDED, actor, text.strip(), photos)
    _notify(
        [rectification.created_by],
        rectification,
        f"整改已反馈：{rectification.title}",
        f"{rectification.unit}已反馈整改情况，请核实。",
    )
    return rectification


@transaction.atomic
def close(rectification: Rectification, actor: User, text: str = "") -> Rectification:
    """The office has verified the unit's answer: the matter is closed (销号)."""
    rectification = _locked(rectification)
    _require(permissions.can_manage_rectifications(actor), "只有督查室可以核实销号。")
    permissions.require_manage_plan(actor, rectification.plan)
    if rectification.state != State.RESPONDED:
        raise TransitionError(
            "该事项已销号。" if rectification.state == State.CLOSED else "整改单位尚未反馈，不能销号。"
        )
    rectification.state = State.CLOSED
    rectification.closed_at = timezone.now()
    rectification.save(update_fields=["state", "closed_at"])
    _event(rectification, Action.CLOSED, actor, text.strip())
    return rectification


@transaction.atomic
def send_back(rectification: Rectification, actor: User, reason: str) -> Rectification:
    """The office is not satisfied with the answer: back to the unit, with the reason."""
    rectification = _locked(rectification)
    _require(permissions.can_manage_rectifications(actor), "只有督查室可以退回整改。")
    permissions.require_manage_plan(actor, rectification.plan)
    if rectification.state != State.RESPONDED:
        raise TransitionError(
            "该事项已销号，不能退回。"
            if rectification.state == State.CLOSED
            else "整改单位尚未反馈，无需退回。"
        )
    if not reason.strip():
        raise ValidationError({"reason": "请填写退回理由。"})
    rectification.state = State.OPEN
    rectification.save(update_fields=["state"])
    _event(rectification, Action.SENT_BACK, actor, reason.strip())
    _notify(
        liaisons_of(rectification.unit_id),
        rectification,
        f"整改被退回：{rectification.title}",
        f"退回理由：{reason.strip()}",
    )
    return rectification


def mark_overdue(on: date | None = None) -> int:
    """The daily check: unfinished rectifications past their deadline become overdue, once
    each (one 'overdue' event, one notification to the unit's liaisons). Returns how many."""
    on = on or dates.today()
    due = Rectification.objects.filter(
        state__in=[State.OPEN, State.RESPONDED], is_overdue=False, deadline__lt=on
    ).values_list("pk", flat=True)
    marked = 0
    for pk in list(due):
        with transaction.atomic():
            rectification = Rectification.objects.select_for_update().select_related("unit").get(pk=pk)
            if rectification.is_overdue or rectification.state == State.CLOSED:
                continue
            rectification.is_overdue = True
            rectification.save(update_fields=["is_overdue"])
            _event(
                rectification,
                Action.MARKED_OVERDUE,
                None,
                f"已超过整改时限（{rectification.deadline:%Y-%m-%d}）。",
            )
            _notify(
                liaisons_of(rectification.unit_id),
                rectification,
                f"整改逾期：{rectification.title}",
                f"整改时限为{rectification.deadline:%Y年%m月%d日}，已逾期，请尽快完成整改并反馈。",
            )
            marked += 1
    return marked


def visible_rectifications(user):
    """The rectifications a user may read, with what lists and boards show."""
    return scope.readable(
        user, Rectification.objects.select_related("plan", "unit", "item", "sub_item__item", "visit")
    )
