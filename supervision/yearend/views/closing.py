"""Pages of the year's end: change requests (调整申请) filed by units and decided by the office,
acceptance (验收销号) and handover (管护) of finished works, the close of a list with its
carry-over (结转), and the year-end report. Every rule is a service's (``projects.changes``,
``services.closing``); the views translate input and show results. GET never writes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from core.dates import parse_as_of, today
from core.forms import apply_errors
from core.lights import Verdict
from core.media import protected_file_response
from core.official_doc import docx_response
from projects import changes, permissions, scope
from projects.models import Acceptance, ChangeRequest, Plan, Stewardship, SubItem
from supervision.documents import year_report
from supervision.reading.progress import plan_progress
from supervision.yearend.forms.closing import (
    AcceptanceForm,
    CarryForm,
    ChangeRequestForm,
    DecisionForm,
    StewardshipForm,
)
from supervision.yearend.services import closing


def _readable_sub_item(request: HttpRequest, sub_item_id: int) -> SubItem:
    if not permissions.can_view_registry(request.user):
        raise PermissionDenied
    return get_object_or_404(
        permissions.readable_sub_items(
            request.user, SubItem.objects.select_related("item__plan", "responsible_unit")
        ),
        pk=sub_item_id,
    )


def _readable_plan(request: HttpRequest, plan_id: int) -> Plan:
    if not permissions.can_view_registry(request.user):
        raise PermissionDenied
    return get_object_or_404(permissions.visible_plans(request.user), pk=plan_id)


def _visible_changes(user):
    return scope.readable(
        user, ChangeRequest.objects.filter(sub_item__in=permissions.readable_sub_items(user))
    )


# --- Change requests --------------------------------------------------------------------------


@login_required
def change_create(request: HttpRequest, sub_item_id: int) -> HttpResponse:
    """申请调整: the unit's liaison (or the office) asks to extend, retarget or stop a sub-item."""
    sub_item = _readable_sub_item(request, sub_item_id)
    if not permissions.can_file_change(request.user, sub_item):
        raise PermissionDenied
    form = ChangeRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change = changes.file_change(
                request.user,
                sub_item,
                kind=data["kind"],
                reason=data["reason"],
                new_planned_end=data["new_planned_end"],
                new_target_value=data["new_target_value"],
                attachments=data["attachments"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "调整申请已提交，等待督查室审批。")
            return redirect("change_detail", change.pk)
    promise = changes.promise_on(sub_item, parse_as_of(request) or today())
    return render(
        request,
        "supervision/closing/change_form.html",
        {"sub_item": sub_item, "form": form, "promise": promise, "plan": sub_item.item.plan},
    )


@login_required
@require_GET
def change_list(request: HttpRequest) -> HttpResponse:
    """调整申请: pending first; the office decides from here, units see their own."""
    if not permissions.can_view_registry(request.user):
        raise PermissionDenied
    state = request.GET.get("state", "")
    rows = _visible_changes(request.user).select_related(
        "sub_item__item__plan", "sub_item__responsible_unit", "filed_by", "decided_by"
    )
    if state in ChangeRequest.State.values:
        rows = rows.filter(state=state)
    as_of = parse_as_of(request)
    if as_of:
        rows = rows.filter(filed_at__date__lte=as_of)
    pending_first = Case(When(state=ChangeRequest.State.PENDING, then=Value(0)), default=Value(1))
    rows = rows.order_by(pending_first, "-filed_at", "-pk")
    return render(
        request,
        "supervision/closing/change_list.html",
        {
            "changes": list(rows[:500]),
            "state": state,
            "states": ChangeRequest.State.choices,
            "can_decide": permissions.can_decide_changes(request.user),
        },
    )


@login_required
def change_detail(request: HttpRequest, change_id: int) -> HttpResponse:
    """One change request with its attachments; the office approves or rejects it (POST)."""
    change = get_object_or_404(
        _visible_changes(request.user).select_related(
            "sub_item__item__plan", "sub_item__responsible_unit", "filed_by", "decided_by"
        ),
        pk=change_id,
    )
    can_decide = (
        permissions.can_decide_changes(request.user)
        and permissions.can_manage_plan(request.user, change.sub_item.item.plan)
        and change.state == ChangeRequest.State.PENDING
    )
    form = DecisionForm(request.POST or None) if can_decide else None
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                changes.decide_change(
                    request.user,
                    change,
                    approve=data["decision"] == "approve",
                    decided_on=data["decided_on"],
                    note=data["note"],
                    committee_approved_on=data["committee_approved_on"],
                    committee_document=data["committee_document"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "已审批。")
                return redirect("change_detail", change.pk)
    sub_item = change.sub_item
    return render(
        request,
        "supervision/closing/change_detail.html",
        {
            "change": change,
            "sub_item": sub_item,
            "plan": sub_item.item.plan,
            "attachments": list(change.attachments.all()),
            "adopted": changes.adopted_promise(sub_item),
            "form": form,
        },
    )


@login_required
@require_GET
def change_attachment(request: HttpRequest, change_id: int, attachment_id: int) -> HttpResponse:
    change = get_object_or_404(_visible_changes(request.user), pk=change_id)
    attachment = get_object_or_404(change.attachments, pk=attachment_id)
    return protected_file_response(attachment.file)


# --- Acceptance and handover ------------------------------------------------------------------


@login_required
def sub_item_acceptance(request: HttpRequest, sub_item_id: int) -> HttpResponse:
    """验收销号 and 管护 of one sub-item: shown to readers; the office records them (POST)."""
    sub_item = _readable_sub_item(request, sub_item_id)
    can_record = permissions.can_record_acceptance(request.user) and permissions.can_manage_plan(
        request.user, sub_item.item.plan
    )
    acceptance = Acceptance.objects.filter(sub_item=sub_item).prefetch_related("attachments").first()
    steward = Stewardship.objects.filter(sub_item=sub_item).first()
    action = request.POST.get("action") if request.method == "POST" else None
    if action and not can_record:
        raise PermissionDenied
    accept_form = AcceptanceForm(
        request.POST if action == "accept" else None, request.FILES if action == "accept" else None
    )
    steward_form = StewardshipForm(
        request.POST if action == "steward" else None,
        initial={
            "management_unit": getattr(steward, "management_unit", ""),
            "responsible_person": getattr(steward, "responsible_person", ""),
            "contact_phone": getattr(steward, "contact_phone", ""),
            "management_target": getattr(steward, "management_target", ""),
            "assigned_on": getattr(steward, "assigned_on", None),
        },
    )
    if action == "accept" and accept_form.is_valid():
        try:
            closing.record_acceptance(request.user, sub_item, **accept_form.cleaned_data)
        except ValidationError as exc:
            apply_errors(accept_form, exc)
        else:
            messages.success(request, "已登记验收，该子项已验收销号。")
            return redirect("sub_item_acceptance", sub_item.pk)
    if action == "steward" and steward_form.is_valid():
        try:
            closing.assign_steward(request.user, sub_item, **steward_form.cleaned_data)
        except ValidationError as exc:
            apply_errors(steward_form, exc)
        else:
            messages.success(request, "已登记管护责任。")
            return redirect("sub_item_acceptance", sub_item.pk)
    state = plan_progress(
        sub_item.item.plan, parse_as_of(request), sub_item_filter=Q(pk=sub_item.pk)
    ).sub_states
    return render(
        request,
        "supervision/closing/acceptance.html",
        {
            "sub_item": sub_item,
            "plan": sub_item.item.plan,
            "state": state[0] if state else None,
            "acceptance": acceptance,
            "steward": steward,
            "can_record": can_record,
            "accept_form": accept_form,
            "steward_form": steward_form,
        },
    )


@login_required
@require_GET
def acceptance_attachment(request: HttpRequest, sub_item_id: int, attachment_id: int) -> HttpResponse:
    sub_item = _readable_sub_item(request, sub_item_id)
    acceptance = get_object_or_404(Acceptance, sub_item=sub_item)
    attachment = get_object_or_404(acceptance.attachments, pk=attachment_id)
    return protected_file_response(attachment.file)


@login_required
@require_GET
def plan_handover(request: HttpRequest, plan_id: int) -> HttpResponse:
    """验收与管护: the completed sub-items as of a day, 已完成待验收 and 已验收销号 apart, with
    their management units; those without one are flagged. Each reader sees the sub-items they
    read (a liaison their own unit's, a lower region's office its shares of a higher list), and
    the handover records (管护单位, 责任人) of those only."""
    user = request.user
    plan = _readable_plan(request, plan_id)
    asked = request.GET.get("region")
    # A liaison reads their unit's works whole (a township's unit may answer for a county's
    # unsplit work); an office of a lower region reads a higher list through its shares.
    liaison = permissions.is_liaison(user) and not permissions.can_view_internal(user)
    region = None if liaison and not asked else permissions.reading_region(user, plan, asked)
    progress = closing.with_stewards(
        plan_progress(
            plan, parse_as_of(request), sub_item_filter=permissions.sub_item_scope(user), region=region
        )
    )
    completed = [s for s in progress.sub_states if s.is_complete]
    stewards = {
        s.sub_item_id: s
        for s in scope.readable(
            user, Stewardship.objects.filter(sub_item__in=[state.sub_item.pk for state in completed])
        )
    }
    rows = [(state, stewards.get(state.sub_item.pk)) for state in completed]
    return render(
        request,
        "supervision/closing/handover.html",
        {
            "plan": plan,
            "progress": progress,
            "rows": rows,
            "closed_out": sum(1 for s in completed if s.closed_out),
            "awaiting": sum(1 for s in completed if not s.closed_out),
            "without_steward": [state for state, steward in rows if steward is None],
        },
    )


# --- Closing the year ---------------------------------------------------------------------------


@login_required
def plan_close(request: HttpRequest, plan_id: int) -> HttpResponse:
    """结束清单: each sub-item's verdict and what is missing (GET); carry a sub-item over or
    close the list (POST, the office)."""
    if not permissions.can_close_plans(request.user):
        raise PermissionDenied
    plan = get_object_or_404(permissions.visible_plans(request.user), pk=plan_id)
    permissions.require_manage_plan(request.user, plan)
    carry_form = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "carry":
            check = closing.close_check(plan)
            carry_form = CarryForm(request.POST, next_plans=check.next_plans)
            if carry_form.is_valid():
                sub_item = get_object_or_404(SubItem, pk=carry_form.cleaned_data["sub_item"], item__plan=plan)
                try:
                    carry = closing.carry_over(
                        request.user,
                        sub_item,
                        carry_form.cleaned_data["to_plan"],
                        planned_end=carry_form.cleaned_data["planned_end"],
                    )
                except ValidationError as exc:
                    for message in exc.messages:
                        messages.error(request, message)
                else:
                    messages.success(
                        request,
                        f"{sub_item.code} 已结转至 {carry.to_sub_item.item.plan}（{carry.to_sub_item.code}）。",
                    )
                    return redirect("plan_close", plan.pk)
            else:
                for errors in carry_form.errors.values():
                    for error in errors:
                        messages.error(request, error)
        elif action == "close":
            try:
                closing.close_plan(request.user, plan)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, "清单已结束，此后按结束日期的最终结果显示。")
                return redirect("plan_close", plan.pk)
        else:
            messages.error(request, "未知的操作")
    check = closing.close_check(plan, parse_as_of(request))
    return render(
        request,
        "supervision/closing/close.html",
        {
            "plan": plan,
            "check": check,
            "verdict_rows": [(state, Verdict(verdict).label) for state, verdict in check.verdicts],
            "verdict_summary": [(Verdict(key).label, n) for key, n in check.verdict_counts.items() if n],
            "carry_form": carry_form or CarryForm(next_plans=check.next_plans),
        },
    )


@login_required
@require_GET
def plan_year_report_docx(request: HttpRequest, plan_id: int) -> HttpResponse:
    """年度完成情况报告 of a closed list, as a Word document written now, stored nowhere."""
    if not permissions.can_read_circulars(request.user):
        raise PermissionDenied
    plan = get_object_or_404(permissions.visible_plans(request.user), pk=plan_id)
    if plan.status != Plan.Status.CLOSED:
        raise Http404("清单尚未结束，没有年度完成情况报告")
    report = year_report.read_year_report(plan)
    return docx_response(year_report.year_report_docx(report), year_report.filename(plan))
