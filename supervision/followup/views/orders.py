"""Supervision order pages (督办单): the list, issuing one from a lagging, overdue or rectification
row, its detail page with each step's form, and its one-page Word document."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.dates import parse_as_of, today
from core.forms import apply_errors
from projects import permissions
from projects.models import Plan, SubItem, Unit
from supervision.followup import order_docx
from supervision.followup.forms.orders import AnswerForm, CloseForm, EscalateForm, OrderFilterForm, OrderForm
from supervision.followup.models import Rectification, SupervisionOrder, SupervisionOrderEvent
from supervision.followup.rectification_state import end_of
from supervision.followup.services import orders as service
from supervision.reading.progress import plan_progress

State = SupervisionOrder.State
Source = SupervisionOrder.Source
Action = SupervisionOrderEvent.Action
STATE_RANK = {State.ISSUED: 0, State.SIGNED: 1, State.ESCALATED: 2, State.ANSWERED: 3, State.CLOSED: 4}
DEFAULT_DAYS = 7


def _require_reader(user) -> None:
    if not permissions.can_view_rectifications(user):
        raise PermissionDenied


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    """All orders for the office, a liaison's unit's for a liaison, as they stood on the day
    read as of: overdue first (past the deadline, not answered), then by state and deadline."""
    _require_reader(request.user)
    day = parse_as_of(request) or today()
    visible = service.visible_orders(request.user)
    plans = permissions.published_plans_for(request.user).filter(pk__in=visible.values("plan_id"))
    units = Unit.objects.filter(pk__in=visible.values("unit_id"))
    form = OrderFilterForm(request.GET or None, plans=plans, units=units)
    chosen = form.cleaned_data if form.is_valid() else {}
    selected = visible.filter(created_at__lt=end_of(day))
    if chosen.get("plan"):
        selected = selected.filter(plan=chosen["plan"])
    if chosen.get("unit"):
        selected = selected.filter(unit=chosen["unit"])
    rows = service.as_of(selected, day)
    if chosen.get("state"):
        rows = [r for r in rows if r.state == chosen["state"]]
    if chosen.get("overdue"):
        rows = [r for r in rows if r.is_overdue]
    rows.sort(key=lambda r: (not r.is_overdue, STATE_RANK[r.state], r.deadline, -r.order.pk))
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/orders/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "overdue_count": sum(r.is_overdue for r in rows),
            "can_create": permissions.can_manage_orders(request.user),
            "as_of": None if day == today() else day,
        },
    )


def _sub_item_problem(sub: SubItem, source: str, day: dt.date) -> str:
    """The problem as the plan's progress reads it today (lag, 存在问题, last report)."""
    state = plan_progress(sub.item.plan, None, sub_item_filter=Q(pk=sub.pk)).sub_states[0]
    head = f"{sub.code} {sub.short_content}（{sub.responsible_unit}）"
    problems = state.problems.strip()
    last = state.last_accepted_on
    if source == Source.OVERDUE_REPORT:
        text = (
            f"{head}超期未报：最近一次审核通过的填报为{last:%Y年%m月%d日}。"
            if last
            else f"{head}超期未报：至今没有审核通过的填报。"
        )
    else:
        text = (
            f"{head}截至{day:%Y年%m月%d日}序时进度{state.scheduled_percent.normalize():f}%，"
            f"实际进度{state.progress_percent.normalize():f}%，"
            f"滞后{state.lag_points.normalize():f}个百分点，亮{state.light_label}。"
        )
    return text + (f"\n存在问题：{problems}" if problems else "")


REQUIREMENTS = {
    Source.RED: "请分析滞后原因，制定赶超措施，倒排工期，按期赶上序时进度，并书面答复办理情况。",
    Source.OVERDUE_REPORT: "请立即报送进展情况，说明未按时报送的原因，并书面答复。",
    Source.OVERDUE_RECTIFICATION: "请立即落实整改，说明逾期原因，并书面答复整改结果。",
}


def _plans_to_order(user):
    return permissions.manageable_plans(user, permissions.published_plans_for(user))


def _prefill(request: HttpRequest) -> tuple[Plan, dict]:
    """The plan and the form's initial values from the row the order is raised from:
    ?sub_item=ID (&source=red or overdue_report) or ?rectification=ID, among the plans the
    office manages."""
    plans = _plans_to_order(request.user)
    params = request.POST if request.method == "POST" else request.GET
    sub_id, rect_id, plan_id = (params.get(k, "") for k in ("sub_item", "rectification", "plan"))
    day = today()
    initial = {"deadline": day + dt.timedelta(days=DEFAULT_DAYS)}
    if request.method == "GET" and sub_id.isdigit():
        sub = get_object_or_404(
            SubItem.objects.select_related("item__plan", "responsible_unit").filter(item__plan__in=plans),
            pk=sub_id,
        )
        source = Source.OVERDUE_REPORT if params.get("source") == Source.OVERDUE_REPORT else Source.RED
        return sub.item.plan, {
            **initial,
            "source": source,
            "sub_item": sub.pk,
            "unit": sub.responsible_unit_id,
            "problem": _sub_item_problem(sub, source, day),
            "requirement": REQUIREMENTS[source],
        }
    if request.method == "GET" and rect_id.isdigit():
        rect = get_object_or_404(
            Rectification.objects.select_related("plan", "unit").filter(plan__in=plans), pk=rect_id
        )
        late = (day - rect.deadline).days
        problem = f"整改事项“{rect.title}”（{rect.unit}）整改时限为{rect.deadline:%Y年%m月%d日}"
        problem += f"，已逾期{late}天未销号。" if late > 0 else "。"
        return rect.plan, {
            **initial,
            "source": Source.OVERDUE_RECTIFICATION,
            "rectification": rect.pk,
            "sub_item": rect.sub_item_id,
            "unit": rect.unit_id,
            "problem": problem + f"\n整改要求：{rect.required_action}",
            "requirement": REQUIREMENTS[Source.OVERDUE_RECTIFICATION],
        }
    if plan_id.isdigit():
        return get_object_or_404(plans, pk=plan_id), initial
    plan = plans.filter(status=Plan.Status.PUBLISHED).order_by("-year", "title").first()
    if plan is None:
        plan = get_object_or_404(plans.order_by("-year")[:1])
    return plan, initial


@login_required
def order_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_manage_orders(request.user):
        raise PermissionDenied
    plan, initial = _prefill(request)
    form = OrderForm(request.POST or None, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = service.issue(
                request.user,
                plan=plan,
                unit=data["unit"],
                source=data["source"],
                problem=data["problem"],
                requirement=data["requirement"],
                deadline=data["deadline"],
                sub_item=data["sub_item"],
                rectification=data["rectification"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{order.code}已下发，已通知督办单位联络员。")
            return redirect("order_detail", order.pk)
    return render(
        request,
        "supervision/orders/form.html",
        {"form": form, "plan": plan, "plans": _plans_to_order(request.user)},
    )


def _order_for(user, pk: int) -> SupervisionOrder:
    return get_object_or_404(service.visible_orders(user).select_related("created_by"), pk=pk)


def _detail(request, order: SupervisionOrder, **forms) -> HttpResponse:
    day = parse_as_of(request)
    if day is not None and order.created_at >= end_of(day):
        raise Http404
    events = order.events.select_related("actor")
    steps = set()
    shown = service.as_of([order], day)[0] if day else order
    if day is not None:
        events = events.filter(at__lt=end_of(day))
    else:
        steps = service.available_steps(order, request.user)

    def form_for(name, action, form_class):
        return forms.get(name) or (form_class() if action in steps else None)

    return render(
        request,
        "supervision/orders/detail.html",
        {
            "o": shown,
            "order": order,
            "is_overdue": service.as_of([order], day or today())[0].is_overdue,
            "events": events,
            "Action": Action,
            "can_sign": Action.SIGNED in steps,
            "answer_form": form_for("answer_form", Action.ANSWERED, AnswerForm),
            "close_form": form_for("close_form", Action.CLOSED, CloseForm),
            "escalate_form": form_for("escalate_form", Action.ESCALATED, EscalateForm),
            "sign_error": forms.get("sign_error"),
            "as_of": day,
        },
        status=400 if forms else 200,
    )


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request.user)
    return _detail(request, _order_for(request.user, pk))


def _step(request, pk: int, form_class, form_name: str, run, done: str) -> HttpResponse:
    _require_reader(request.user)
    order = _order_for(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            run(order, form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("order_detail", order.pk)
    order.refresh_from_db()
    return _detail(request, order, **{form_name: form})


@login_required
@require_POST
def order_sign(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request.user)
    order = _order_for(request.user, pk)
    try:
        service.sign(order, request.user)
    except ValidationError as exc:
        order.refresh_from_db()
        return _detail(request, order, sign_error=" ".join(exc.messages))
    messages.success(request, "已签收督办单，请按时限答复办理情况。")
    return redirect("order_detail", order.pk)


@login_required
@require_POST
def order_answer(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        AnswerForm,
        "answer_form",
        lambda o, d: service.answer(o, request.user, d["text"]),
        "办理情况已答复，等待督查室办结。",
    )


@login_required
@require_POST
def order_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        CloseForm,
        "close_form",
        lambda o, d: service.close(o, request.user, d["text"]),
        "督办单已办结。",
    )


@login_required
@require_POST
def order_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        EscalateForm,
        "escalate_form",
        lambda o, d: service.escalate(
            o, request.user, talk_on=d["talk_on"], participants=d["participants"], record=d["record"]
        ),
        "约谈记录已保存，已通知督办单位重新答复。",
    )


@login_required
def order_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The order as a one-page Word document (A4, GB/T 9704 fonts) to print and sign."""
    _require_reader(request.user)
    order = _order_for(request.user, pk)
    day = parse_as_of(request)
    if day is not None and order.created_at >= end_of(day):
        raise Http404
    response = HttpResponse(
        order_docx.render(order),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = order_docx.content_disposition(order)
    return response
