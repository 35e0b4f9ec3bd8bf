"""Rectification pages: the board, raising one, and its detail page with each step's form."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.dates import parse_as_of, today
from core.forms import apply_errors
from projects import permissions
from projects.models import Plan, SubItem
from supervision.followup import board as board_rows
from supervision.followup import rectification_state
from supervision.followup.forms.rectifications import (
    CloseForm,
    RectificationForm,
    RespondForm,
    SendBackForm,
)
from supervision.followup.models import InspectionVisit, Rectification, RectificationEvent
from supervision.followup.services import rectifications as service
from supervision.followup.services import reminders
from supervision.photos.forms import drafts_to_show, posted_drafts

State = Rectification.State
STATE_ORDER = Case(
    When(state=State.OPEN, then=Value(0)),
    When(state=State.RESPONDED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _require_reader(user) -> None:
    if not permissions.can_view_rectifications(user):
        raise PermissionDenied


def filtered_board(request: HttpRequest):
    """The board's filter form, the day it is read as of (``?as_of=``, today by default) and
    the matters it selects as they stood at the end of that day: overdue first, then by state
    and deadline. The board page and its Excel export both show exactly this."""
    day = parse_as_of(request) or today()
    form, selected, chosen = board_rows.board_selection(request.user, request.GET or None, day)
    return form, day, board_rows.board_rows(selected, chosen, day)


@login_required
def rectification_list(request: HttpRequest) -> HttpResponse:
    """The board: counts by unit and state, then the matters, overdue first, then by state and
    deadline, as they stood on the day it is read as of."""
    _require_reader(request.user)
    form, day, rows = filtered_board(request)
    counts: dict = {}
    overdue: Counter = Counter()
    for row in rows:
        unit = row.rectification.unit
        entry = counts.setdefault(
            unit.pk,
            {"unit": unit.short_name or unit.name, "unit_id": unit.pk, **dict.fromkeys(State.values, 0)},
        )
        entry[row.state] += 1
        overdue[unit.pk] += row.is_overdue
    board = sorted(counts.values(), key=lambda e: (-overdue[e["unit_id"]], -e[State.OPEN], e["unit"]))
    for entry in board:
        entry["overdue"] = overdue[entry["unit_id"]]
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    # Who was urged (催办) when, as known at the end of the day read: one query for the page.
    urged = reminders.last_reminded(
        [(r.plan_id, r.unit_id) for r in page.object_list],
        [reminders.Kind.MANUAL_ACTION],
        before=rectification_state.end_of(day),
    )
    page.object_list = [board_rows.BoardRow(r, urged.get((r.plan_id, r.unit_id))) for r in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/rectifications/list.html",
        {
            "form": form,
            "board": board,
            "states": State.choices,
            "page": page,
            "query": query.urlencode(),
            "can_create": permissions.can_manage_rectifications(request.user),
            "can_remind": permissions.can_send_reminders(request.user) and day == today(),
            "board_actions": True,
            "today": day,
            "as_of": None if day == today() else day,
        },
    )


def _plans_to_assign(user):
    return permissions.manageable_plans(user, permissions.published_plans_for(user))


def _prefill(request: HttpRequest) -> tuple[Plan, dict]:
    """The plan and initial values from ?sub_item=ID (a lagging sub-item) or ?visit=ID (a
    visit's finding, optionally &item=ID for one of the items seen), among the plans the
    office manages."""
    plans = _plans_to_assign(request.user)
    params = request.POST if request.method == "POST" else request.GET
    sub_id, visit_id, plan_id = (params.get(k, "") for k in ("sub_item", "visit", "plan"))
    if request.method == "GET" and sub_id.isdigit():
        sub = get_object_or_404(
            SubItem.objects.select_related("item__plan", "responsible_unit").filter(item__plan__in=plans),
            pk=sub_id,
        )
        problems = (
            sub.reports.filter(state="accepted")
            .order_by("-accepted_on", "-id")
            .values_list("problems", flat=True)
            .first()
        )
        return sub.item.plan, {
            "source": Rectification.Source.PACE,
            "item": sub.item_id,
            "sub_item": sub.pk,
            "unit": sub.responsible_unit_id,
            "title": f"{sub.code} {sub.short_content} 进度滞后",
            "required_action": (f"存在问题：{problems}\n" if problems else "")
            + "请分析滞后原因，制定整改措施，倒排工期，按期赶上序时进度。",
        }
    if request.method == "GET" and visit_id.isdigit():
        visit = get_object_or_404(InspectionVisit.objects.filter(plan__in=plans), pk=visit_id)
        initial = {"source": Rectification.Source.VISIT, "visit": visit.pk, "required_action": visit.opinions}
        item_id = params.get("item", "")
        item = (
            visit.plan.items.select_related("lead_unit").filter(pk=item_id).first()
            if item_id.isdigit()
            else None
        )
        if item is not None:
            initial.update(item=item.pk, unit=item.lead_unit_id, title=f"{item.title}：{visit.title}发现问题")
        else:
            initial["title"] = (visit.findings.strip().splitlines() or [visit.title])[0][:200]
        return visit.plan, initial
    if plan_id.isdigit():
        return get_object_or_404(plans, pk=plan_id), {}
    plan = plans.filter(status=Plan.Status.PUBLISHED).order_by("-year", "title").first()
    if plan is None:
        plan = get_object_or_404(plans.order_by("-year")[:1])
    return plan, {}


@login_required
def rectification_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_manage_rectifications(request.user):
        raise PermissionDenied
    plan, initial = _prefill(request)
    form = RectificationForm(request.POST or None, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rectification = service.create_rectification(
                request.user,
                plan=plan,
                unit=data["unit"],
                title=data["title"],
                required_action=data["required_action"],
                deadline=data["deadline"],
                source=data["source"],
                visit=data["visit"],
                item=data["item"],
                sub_item=data["sub_item"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "整改事项已交办，已通知整改单位联络员。")
            return redirect("rectification_detail", rectification.pk)
    return render(
        request,
        "supervision/rectifications/form.html",
        {"form": form, "plan": plan, "plans": _plans_to_assign(request.user)},
    )


def _rectification_for(user, pk: int) -> Rectification:
    return get_object_or_404(
        service.visible_rectifications(user)
        .filter(plan__in=permissions.published_plans_for(user))
        .select_related("created_by"),
        pk=pk,
    )


def _detail(request, rectification: Rectification, drafts: list | None = None, **forms) -> HttpResponse:
    user = request.user
    events = rectification.events.select_related("actor").prefetch_related("photos")
    can_respond = (
        permissions.can_respond_to_rectification(user, rectification) and rectification.state == State.OPEN
    )
    can_verify = (
        permissions.can_manage_rectifications(user)
        and permissions.can_manage_plan(user, rectification.plan)
        and rectification.state == State.RESPONDED
    )
    return render(
        request,
        "supervision/rectifications/detail.html",
        {
            "r": rectification,
            "events": events,
            "can_respond": can_respond,
            "can_verify": can_verify,
            "respond_form": forms.get("respond_form") or (RespondForm() if can_respond else None),
            "close_form": forms.get("close_form") or (CloseForm() if can_verify else None),
            "send_back_form": forms.get("send_back_form") or (SendBackForm() if can_verify else None),
            "Action": RectificationEvent.Action,
            "drafts": drafts or [],
        },
        status=400 if forms else 200,
    )


@login_required
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request.user)
    return _detail(request, _rectification_for(request.user, pk))


def _step(request, pk: int, form_class, form_name: str, run, done: str, drafts=None) -> HttpResponse:
    _require_reader(request.user)
    rectification = _rectification_for(request.user, pk)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            run(rectification, form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("rectification_detail", rectification.pk)
    rectification.refresh_from_db()
    return _detail(request, rectification, drafts=drafts() if drafts else None, **{form_name: form})


@login_required
@require_POST
def rectification_respond(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's response; photos chosen with a response that came back with an error are
    kept as drafts and shown again."""
    drafts = posted_drafts(request)
    draft_ids = [draft.pk for draft in drafts]
    response = _step(
        request,
        pk,
        RespondForm,
        "respond_form",
        lambda r, d: service.respond(r, request.user, d["text"], [*drafts, *d["photos"]]),
        "整改情况已反馈，等待督查室核实。",
        drafts=lambda: drafts_to_show(request, draft_ids),
    )
    return response


@login_required
@require_POST
def rectification_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        CloseForm,
        "close_form",
        lambda r, d: service.close(r, request.user, d["text"]),
        "已核实销号。",
    )


@login_required
@require_POST
def rectification_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        SendBackForm,
        "send_back_form",
        lambda r, d: service.send_back(r, request.user, d["reason"]),
        "已退回整改单位重新整改。",
    )
