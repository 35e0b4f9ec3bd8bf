"""Approved changes of a promise (调整): the rule that says what a sub-item promised on a day,
and the services that file and decide change requests.

The rule: a sub-item promises the target and deadline it was adopted with, until a change is
approved; from its approval date (``decided_on``) an approved change replaces the deadline
(延期), the target (调整目标) or ends the promise (终止). Changes apply in the order they were
approved. Every as-of reading of a plan asks ``promises_on`` (through
``supervision.reading.progress.plan_progress``), so pace, completion rate, lights, caches, snapshots and
exports agree on the promise of each day. Nothing is overwritten: the sub-item keeps its adopted
figures and each change keeps its own.

A terminated sub-item, from the approval date: has no light, is not counted in the list's
N件M项 (nor as unfinished), owes no report, and its verdict at the close is 终止. An item whose
every sub-item was terminated drops out of the count of items too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from core.dates import today
from projects import permissions
from projects.closing_models import ChangeAttachment, ChangeRequest
from projects.documents import check_documents, store_document
from projects.models import Plan, SubItem

Kind = ChangeRequest.Kind
State = ChangeRequest.State


@dataclass(frozen=True)
class AppliedChange:
    """One approved change as it applied: the promise just before and just after it."""

    change: ChangeRequest
    effective_on: date
    target_before: Decimal | None
    target_after: Decimal | None
    end_before: date | None
    end_after: date | None

    @property
    def kind_label(self) -> str:
        return ChangeRequest.Kind(self.change.kind).label


@dataclass(frozen=True)
class Promise:
    """What a sub-item promised on a day: its target (None: no quantified target), its deadline,
    whether it had been stopped, and the approved changes that made it so."""

    target_value: Decimal | None
    planned_end: date | None
    terminated: bool = False
    applied: tuple[AppliedChange, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def approved_by(day: date) -> Q:
    """Approved changes in effect on a day."""
    return Q(state=State.APPROVED, decided_on__lte=day)


def apply_changes(
    target_value: Decimal | None, planned_end: date | None, changes: Iterable[ChangeRequest]
) -> Promise:
    """The promise left by applying approved changes, in approval order, to the adopted one."""
    terminated = False
    applied = []
    for change in sorted(changes, key=lambda c: (c.decided_on, c.pk)):
        target_after, end_after = target_value, planned_end
        if change.kind == Kind.EXTEND:
            end_after = change.new_planned_end
        elif change.kind == Kind.RETARGET:
            target_after = change.new_target_value
        elif change.kind == Kind.TERMINATE:
            terminated = True
        applied.append(
            AppliedChange(change, change.decided_on, target_value, target_after, planned_end, end_after)
        )
        target_value, planned_end = target_after, end_after
    return Promise(target_value, planned_end, terminated, tuple(applied))


def adopted_promise(sub_item: SubItem) -> Promise:
    return Promise(sub_item.target_value, sub_item.planned_end)


def changes_in_effect(
    sub_items: QuerySet[SubItem] | Iterable[int], day: date
) -> dict[int, list[ChangeRequest]]:
    """The approved changes in effect on a day, by sub-item id (one query)."""
    by_sub: dict[int, list[ChangeRequest]] = defaultdict(list)
    for change in ChangeRequest.objects.filter(approved_by(day), sub_item__in=sub_items):
        by_sub[change.sub_item_id].append(change)
    return by_sub


def promises_on(
    sub_items: list[SubItem], day: date, changes: dict[int, list[ChangeRequest]] | None = None
) -> dict[int, Promise]:
    """Each sub-item's promise on a day, by id (one query, none when ``changes`` is given)."""
    if changes is None:
        changes = changes_in_effect([sub.pk for sub in sub_items], day)
    return {
        sub.pk: apply_changes(sub.target_value, sub.planned_end, changes.get(sub.pk, ())) for sub in sub_items
    }


def promise_on(sub_item: SubItem, day: date) -> Promise:
    """The sub-item's promise on a day (see the module's rule)."""
    return promises_on([sub_item], day)[sub_item.pk]


def has_changes_by(day) -> Exists:
    """Annotation for a SubItem queryset: an approved change is in effect on ``day`` (a date or
    an expression)."""
    return Exists(
        ChangeRequest.objects.filter(sub_item=OuterRef("pk"), state=State.APPROVED, decided_on__lte=day)
    )


def terminated_by(day) -> Exists:
    """Annotation/filter for a SubItem queryset: stopped by an approved change by ``day``."""
    return Exists(
        ChangeRequest.objects.filter(
            sub_item=OuterRef("pk"), kind=Kind.TERMINATE, state=State.APPROVED, decided_on__lte=day
        )
    )


# --- Filing and deciding ---------------------------------------------------------------------


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def check_change(
    sub_item: SubItem,
    kind: str,
    *,
    new_planned_end: date | None,
    new_target_value: Decimal | None,
    on: date,
    ignore: ChangeRequest | None = None,
) -> None:
    """Refuse a change that cannot hold against the sub-item's promise on a day; the message
    names the field. Used when filing and again when approving."""
    if sub_item.item.plan.status != Plan.Status.PUBLISHED:
        raise _fail("sub_item", _("只有已公布、尚未结束的清单可以申请调整"))
    promise = promise_on(sub_item, on)
    if promise.terminated:
        raise _fail("sub_item", _("该子项已终止，不能再申请调整"))
    pending = ChangeRequest.objects.filter(sub_item=sub_item, state=State.PENDING)
    if ignore is not None:
        pending = pending.exclude(pk=ignore.pk)
    if pending.exists():
        raise _fail("sub_item", _("该子项已有一份待审批的调整申请，请等待审批后再提交"))
    if kind == Kind.EXTEND:
        if new_planned_end is None:
            raise _fail("new_planned_end", _("延期申请须填写调整后完成时限"))
        if sub_item.planned_start and new_planned_end < sub_item.planned_start:
            raise _fail(
                "new_planned_end",
                _("调整后完成时限（%(end)s）不能早于计划开工日期（%(start)s）")
                % {"end": new_planned_end, "start": sub_item.planned_start},
            )
        if promise.planned_end and new_planned_end <= promise.planned_end:
            raise _fail(
                "new_planned_end",
                _("延期后的完成时限须晚于现在的完成时限（%(end)s）") % {"end": promise.planned_end},
            )
    elif kind == Kind.RETARGET:
        if new_target_value is None or new_target_value <= 0:
            raise _fail("new_target_value", _("调整目标须填写大于0的目标值"))
        if promise.target_value is not None and new_target_value == promise.target_value:
            raise _fail("new_target_value", _("调整后目标值与现在的目标值相同"))
    elif kind != Kind.TERMINATE:
        raise _fail("kind", _("请选择调整类型"))


@transaction.atomic
def file_change(
    user,
    sub_item: SubItem,
    *,
    kind: str,
    reason: str,
    new_planned_end: date | None = None,
    new_target_value: Decimal | None = None,
    attachments=(),
) -> ChangeRequest:
    """A unit asks for a change (调整申请); the office decides it later."""
    if not permissions.can_file_change(user, sub_item):
        raise PermissionError
    if not (reason or "").strip():
        raise _fail("reason", _("请填写调整理由"))
    # Only the field the kind needs is kept: a deadline typed into a 终止 request means nothing.
    new_planned_end = new_planned_end if kind == Kind.EXTEND else None
    new_target_value = new_target_value if kind == Kind.RETARGET else None
    # Serialise requests on one sub-item, so that two at once cannot both be open.
    SubItem.objects.select_for_update().filter(pk=sub_item.pk).first()
    check_change(
        sub_item, kind, new_planned_end=new_planned_end, new_target_value=new_target_value, on=today()
    )
    try:
        check_documents(attachments)
    except ValidationError as exc:
        raise ValidationError({"attachments": exc.messages}) from exc
    change = ChangeRequest(
        sub_item=sub_item,
        kind=kind,
        reason=reason.strip(),
        new_planned_end=new_planned_end,
        new_target_value=new_target_value,
        filed_by=user,
    )
    change.full_clean()
    change.save()
    for upload in attachments:
        store_document(ChangeAttachment(change=change), upload)
    return change


@transaction.atomic
def decide_change(
    user,
    change: ChangeRequest,
    *,
    approve: bool,
    decided_on: date | None = None,
    note: str = "",
    committee_approved_on: date | None = None,
    committee_document: str = "",
) -> ChangeRequest:
    """The office approves (from ``decided_on``, today when None) or rejects (with a reason) a
    pending change request. A list adopted by the deputies' vote needs the standing
    committee's approval (date and document number) first."""
    if not permissions.can_decide_changes(user):
        raise PermissionError
    change = (
        ChangeRequest.objects.select_for_update().select_related("sub_item__item__plan").get(pk=change.pk)
    )
    permissions.require_manage_plan(user, change.sub_item.item.plan)
    if change.state != State.PENDING:
        raise _fail("state", _("该调整申请已审批，不能重复审批"))
    decided_on = decided_on or today()
    if decided_on < change.filed_at.date():
        raise _fail("decided_on", _("批准日期不能早于申请日期（%(day)s）") % {"day": change.filed_at.date()})
    if decided_on > today():
        raise _fail("decided_on", _("批准日期不能晚于今天"))
    if approve:
        plan = change.sub_item.item.plan
        if plan.adopted_by_vote:
            if committee_approved_on is None:
                raise _fail(
                    "committee_approved_on", _("本清单经人大代表票决产生，调整须填写人大常委会批准日期")
                )
            if not committee_document.strip():
                raise _fail("committee_document", _("本清单经人大代表票决产生，调整须填写人大常委会批准文号"))
            if decided_on < committee_approved_on:
                raise _fail("decided_on", _("批准日期不能早于人大常委会批准日期"))
        check_change(
            change.sub_item,
            change.kind,
            new_planned_end=change.new_planned_end,
            new_target_value=change.new_target_value,
            on=decided_on,
            ignore=change,
        )
        change.state = State.APPROVED
        change.committee_approved_on = committee_approved_on
        change.committee_document = committee_document.strip()
    else:
        if not note.strip():
            raise _fail("decision_note", _("不批准时须填写理由"))
        change.state = State.REJECTED
    change.decided_by = user
    change.decided_on = decided_on
    change.decision_note = note.strip()
    change.full_clean()
    change.save()
    return change
