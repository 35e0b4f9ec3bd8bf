"""Closing a year's list (年度收尾): what is missing before it may close, the carry-over (结转)
of unfinished sub-items into next year's list, acceptance (验收销号) and handover (管护), and
the close itself.

The rule for closing: every sub-item has a verdict — 按期完成 or 逾期完成 (complete, read from
the ledger against its promised deadline), 结转 (carried into a later list) or 终止 (stopped by
an approved change). A list with an unfinished sub-item that is neither carried nor stopped, or
with a change request still awaiting decision, cannot close. Acceptance and handover are shown
as work still to do but do not hold the close: a work can be accepted after the list closed.
Once closed, the list reads as of its closing day (``progress.reading_date``) forever.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import today
from core.lights import Verdict
from projects import permissions
from projects.changes import State as ChangeState
from projects.documents import check_documents, store_document
from projects.models import (
    Acceptance,
    AcceptanceAttachment,
    CarryOver,
    ChangeRequest,
    FundingLine,
    Item,
    Plan,
    Stewardship,
    SubItem,
)
from supervision.ledger import periods
from supervision.ledger import services as reports
from supervision.ledger.models import ProgressReport, ReportFunding
from supervision.reading.progress import PlanProgress, SubItemState, plan_progress


def _fail(field_name: str, message: str) -> ValidationError:
    return ValidationError({field_name: [message]})


def needs_steward(state: SubItemState) -> bool:
    """A completed work is handed to a management unit (管护); this one has none yet."""
    return state.is_complete and getattr(state.sub_item, "steward_unit", None) is None


@dataclass(frozen=True)
class ClosingCounts:
    """Completed sub-items split into 已验收销号 and 已完成待验收."""

    closed_out: int
    awaiting: int


def closing_counts(plan: Plan, headline, sub_item_filter: Q | None = None) -> ClosingCounts:
    """How many of a headline's completed sub-items were accepted (验收) by its day, in one
    query, whichever way the headline was read (caches, snapshot, ledger). An acceptance is
    recorded only for a sub-item complete by its date (``record_acceptance``), so the accepted
    ones are counted among the completed ones."""
    subs = SubItem.objects.filter(item__plan=plan)
    if sub_item_filter is not None:
        subs = subs.filter(sub_item_filter)
    if headline.progress is not None:
        states = [s for s in headline.progress.sub_states if s.is_complete and not s.terminated]
        closed_out = sum(1 for s in states if s.closed_out)
        return ClosingCounts(closed_out, len(states) - closed_out)
    accepted = Acceptance.objects.filter(sub_item__in=subs, accepted_on__lte=headline.as_of).count()
    completed = headline.summary.subitems_completed
    closed_out = min(accepted, completed)
    return ClosingCounts(closed_out, completed - closed_out)


@dataclass
class CloseCheck:
    """What stands between a list and its close, as of a day (read only)."""

    plan: Plan
    progress: PlanProgress
    verdicts: list[tuple[SubItemState, str]]
    pending_changes: list[ChangeRequest]
    next_plans: list[Plan] = field(default_factory=list)

    @property
    def unfinished(self) -> list[SubItemState]:
        """Sub-items that would close 未完成: carry them over or stop them by a change."""
        return [state for state, verdict in self.verdicts if verdict == Verdict.UNFINISHED]

    @property
    def awaiting_acceptance(self) -> list[SubItemState]:
        return [state for state, _verdict in self.verdicts if state.is_complete and not state.closed_out]

    @property
    def without_steward(self) -> list[SubItemState]:
        return [state for state, _verdict in self.verdicts if needs_steward(state)]

    @property
    def verdict_counts(self) -> dict[str, int]:
        counts = {value: 0 for value in Verdict.values}
        for _state, verdict in self.verdicts:
            counts[verdict] += 1
        return counts

    @property
    def ready(self) -> bool:
        return self.plan.status == Plan.Status.PUBLISHED and not self.unfinished and not self.pending_changes


def with_stewards(progress: PlanProgress) -> PlanProgress:
    """Mark each loaded sub-item with its management unit (one query)."""
    stewards = dict(
        Stewardship.objects.filter(sub_item__in=[s.sub_item.pk for s in progress.sub_states]).values_list(
            "sub_item_id", "management_unit"
        )
    )
    for state in progress.sub_states:
        state.sub_item.steward_unit = stewards.get(state.sub_item.pk)
    return progress


def close_check(plan: Plan, on: dt.date | None = None) -> CloseCheck:
    """Each sub-item's verdict as of a day (today; a closed list's closing day) and what is
    missing before the list may close."""
    progress = with_stewards(plan_progress(plan, on))
    pending = list(
        ChangeRequest.objects.filter(sub_item__item__plan=plan, state=ChangeState.PENDING).select_related(
            "sub_item__item"
        )
    )
    next_plans = list(
        Plan.objects.filter(year__gt=plan.year).exclude(status=Plan.Status.CLOSED).order_by("year", "pk")
    )
    return CloseCheck(
        plan=plan,
        progress=progress,
        verdicts=[(state, state.closing_verdict) for state in progress.sub_states],
        pending_changes=pending,
        next_plans=next_plans,
    )


# --- Carry-over -------------------------------------------------------------------------------


def _carried_item(source: Item, to_plan: Plan) -> Item:
    """The item of the later list that holds the source item's carried sub-items (made once)."""
    existing = (
        CarryOver.objects.filter(from_sub_item__item=source, to_sub_item__item__plan=to_plan)
        .select_related("to_sub_item__item")
        .first()
    )
    if existing:
        return existing.to_sub_item.item
    number = (Item.objects.filter(plan=to_plan).aggregate(n=Max("number"))["n"] or 0) + 1
    return Item.objects.create(
        plan=to_plan,
        number=number,
        title=source.title,
        category=source.category,
        lead_unit=source.lead_unit,
        responsible_leader=source.responsible_leader,
        summary=_("%(year)s年结转项目（原第%(number)s件）。%(summary)s")
        % {"year": source.plan.year, "number": source.number, "summary": source.summary},
    )


def copy_into(state: SubItemState, to_plan: Plan, *, on: dt.date, planned_end: dt.date, user) -> CarryOver:
    """Copy an unfinished sub-item into a later list, linked, starting from the figures it is
    carried with: its promised target, and an opening accepted report (accepted on ``on``) that
    states its progress, quantity and money so far. The caller has checked the carry may be
    made (``carry_over``)."""
    source = state.sub_item
    item = _carried_item(source.item, to_plan)
    number = (SubItem.objects.filter(item=item).aggregate(n=Max("number"))["n"] or 0) + 1
    copy = SubItem(
        item=item,
        number=number,
        content=source.content,
        target_value=source.target_value,  # the promise of the day, changes applied
        target_unit=source.target_unit,
        target_at_least=source.target_at_least,
        responsible_unit=source.responsible_unit,
        first_responsible_person=source.first_responsible_person,
        planned_start=dt.date(to_plan.year, 1, 1),
        planned_end=planned_end,
        weight=source.weight,
        location=source.location,
    )
    copy.full_clean(exclude=["item"])
    copy.save()
    copy.cooperating_units.set(source.cooperating_units.all())
    FundingLine.objects.bulk_create(
        [
            FundingLine(sub_item=copy, source=src, planned=amount)
            for src, amount in state.planned_by_source.items()
        ]
    )
    money = state.money
    if state.progress_percent > 0 or state.actual_value is not None or money.allocated or money.paid:
        period = periods.period_containing(on, to_plan.report_cadence, to_plan.report_due_day)
        report = ProgressReport.objects.create(
            sub_item=copy,
            period_start=period.start,
            state=ProgressReport.State.SUBMITTED,
            submitted_at=timezone.now(),
            created_by=user,
            progress_percent=state.progress_percent,
            actual_value=state.actual_value,
            funds_allocated=money.allocated,
            funds_paid=money.paid,
            work_done=_("自%(year)s年清单第%(code)s项结转，截至结转时进度%(progress)s%%。")
            % {"year": source.item.plan.year, "code": source.code, "progress": state.progress_percent},
        )
        if len(state.money_by_source) > 1:
            ReportFunding.objects.bulk_create(
                [
                    ReportFunding(report=report, source=src, allocated=m.allocated, paid=m.paid)
                    for src, m in state.money_by_source.items()
                ]
            )
        reports.accept_report(report, user, on=on)
    return CarryOver.objects.create(from_sub_item=source, to_sub_item=copy, carried_on=on)


@transaction.atomic
def carry_over(user, sub_item: SubItem, to_plan: Plan, *, planned_end: dt.date | None = None) -> CarryOver:
    """Carry an unfinished sub-item of a published list into a later list (结转), today."""
    if not permissions.can_close_plans(user):
        raise PermissionError
    on = today()
    plan = sub_item.item.plan
    permissions.require_manage_plan(user, plan)
    permissions.require_manage_plan(user, to_plan)
    if plan.status != Plan.Status.PUBLISHED:
        raise _fail("sub_item", _("只有已公布、尚未结束的清单可以结转"))
    if to_plan.year <= plan.year or to_plan.status == Plan.Status.CLOSED:
        raise _fail("to_plan", _("只能结转到以后年度尚未结束的清单"))
    if CarryOver.objects.filter(from_sub_item=sub_item).exists():
        raise _fail("sub_item", _("该子项已结转"))
    planned_end = planned_end or dt.date(to_plan.year, 12, 31)
    if planned_end < dt.date(to_plan.year, 1, 1):
        raise _fail("planned_end", _("结转后的完成时限不能早于%(year)s年1月1日") % {"year": to_plan.year})
    SubItem.objects.select_for_update().filter(pk=sub_item.pk).first()
    state = plan_progress(plan, on, sub_item_filter=_only(sub_item)).sub_states[0]
    if state.is_complete:
        raise _fail("sub_item", _("该子项已完成，无需结转"))
    if state.terminated:
        raise _fail("sub_item", _("该子项已终止，无需结转"))
    return copy_into(state, to_plan, on=on, planned_end=planned_end, user=user)


def _only(sub_item: SubItem) -> Q:
    return Q(pk=sub_item.pk)


@transaction.atomic
def close_plan(user, plan: Plan) -> Plan:
    """Close a published list today, once every sub-item has a verdict (see the module)."""
    if not permissions.can_close_plans(user):
        raise PermissionError
    permissions.require_manage_plan(user, plan)
    Plan.objects.select_for_update().filter(pk=plan.pk).first()
    check = close_check(plan, today())
    if plan.status != Plan.Status.PUBLISHED:
        raise _fail("plan", _("只有已公布的清单可以结束"))
    if check.pending_changes:
        raise _fail("plan", _("尚有%(n)s份调整申请待审批，请先审批") % {"n": len(check.pending_changes)})
    if check.unfinished:
        codes = "、".join(state.sub_item.code for state in check.unfinished)
        raise _fail("plan", _("以下子项未完成，须先结转或经批准终止：%(codes)s") % {"codes": codes})
    plan.status = Plan.Status.CLOSED
    plan.closed_on = today()
    plan.full_clean()
    plan.save()
    return plan


# --- Acceptance and handover ------------------------------------------------------------------


@transaction.atomic
def record_acceptance(
    user, sub_item: SubItem, *, accepted_on: dt.date, accepted_by: str, conclusion: str = "", attachments=()
) -> Acceptance:
    """Accept (验收) a completed sub-item with its evidence; from ``accepted_on`` it counts as
    已验收销号. Refused before the sub-item is complete by that day, or twice."""
    if not permissions.can_record_acceptance(user):
        raise PermissionError
    permissions.require_manage_plan(user, sub_item.item.plan)
    if not (accepted_by or "").strip():
        raise _fail("accepted_by", _("请填写验收单位或人员"))
    if accepted_on > today():
        raise _fail("accepted_on", _("验收日期不能晚于今天"))
    SubItem.objects.select_for_update().filter(pk=sub_item.pk).first()
    if Acceptance.objects.filter(sub_item=sub_item).exists():
        raise _fail("sub_item", _("该子项已验收"))
    state = plan_progress(sub_item.item.plan, accepted_on, sub_item_filter=_only(sub_item)).sub_states
    if not state or not state[0].is_complete:
        raise _fail("accepted_on", _("验收日期（%(day)s）时该子项尚未完成，不能验收") % {"day": accepted_on})
    try:
        check_documents(attachments)
    except ValidationError as exc:
        raise ValidationError({"attachments": exc.messages}) from exc
    acceptance = Acceptance(
        sub_item=sub_item,
        accepted_on=accepted_on,
        accepted_by=accepted_by.strip(),
        conclusion=conclusion.strip(),
        recorded_by=user,
    )
    acceptance.full_clean()
    acceptance.save()
    for upload in attachments:
        store_document(AcceptanceAttachment(acceptance=acceptance), upload)
    return acceptance


@transaction.atomic
def assign_steward(
    user,
    sub_item: SubItem,
    *,
    management_unit: str,
    responsible_person: str,
    management_target: str,
    assigned_on: dt.date,
    contact_phone: str = "",
) -> Stewardship:
    """Hand a finished work to its management unit (管护), or correct who looks after it."""
    if not permissions.can_record_acceptance(user):
        raise PermissionError
    permissions.require_manage_plan(user, sub_item.item.plan)
    for name, value, message in (
        ("management_unit", management_unit, _("请填写管护单位")),
        ("responsible_person", responsible_person, _("请填写管护责任人")),
        ("management_target", management_target, _("请填写管护目标")),
    ):
        if not (value or "").strip():
            raise _fail(name, message)
    steward, _created = Stewardship.objects.update_or_create(
        sub_item=sub_item,
        defaults={
            "management_unit": management_unit.strip(),
            "responsible_person": responsible_person.strip(),
            "management_target": management_target.strip(),
            "assigned_on": assigned_on,
            "contact_phone": contact_phone.strip(),
        },
    )
    return steward
