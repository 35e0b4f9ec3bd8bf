"""The satisfaction evaluation (满意度测评): its results page (as of a day), the deputies'
phone ballot, and the office's steps (open, paper tallies, close, publish). Every figure comes
from ``supervision.yearend.evaluation``; every write goes through ``services.evaluation``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.dates import parse_as_of, today
from core.forms import apply_errors
from projects import permissions, scope
from projects.models import Item, Plan
from supervision.yearend import evaluation as rules
from supervision.yearend.forms.evaluation import BallotForm, OpenEvaluationForm, TallyForm
from supervision.yearend.models import Evaluation, EvaluationBallot
from supervision.yearend.services import evaluation as service


def _plan(request: HttpRequest, plan_id: int) -> Plan:
    if not permissions.can_read_evaluation(request.user):
        raise PermissionDenied
    return get_object_or_404(permissions.visible_plans(request.user), pk=plan_id)


def _evaluation(request: HttpRequest, plan: Plan) -> Evaluation:
    return scope.readable_or_404(request.user, Evaluation.objects.select_related("plan"), plan=plan)


def _require_manage(request: HttpRequest, plan: Plan, message: str) -> None:
    """The evaluation belongs to its list's region: only an office that manages the list acts
    on it (403 with the reason, e.g. another region's office)."""
    if not permissions.can_manage_evaluation(request.user):
        raise PermissionDenied(message)
    permissions.require_manage_plan(request.user, plan)


def _is_open_today(evaluation: Evaluation | None) -> bool:
    return evaluation is not None and evaluation.closed_on is None and evaluation.opened_on <= today()


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_GET
def plan_evaluation(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    as_of = parse_as_of(request)
    reading = rules.read_evaluation(plan, as_of)
    evaluation = reading.evaluation if reading else None
    is_deputy = permissions.can_vote_in_evaluation(request.user)
    can_manage = permissions.can_manage_evaluation(request.user) and permissions.can_manage_plan(
        request.user, plan
    )
    voted = (
        is_deputy
        and evaluation is not None
        and EvaluationBallot.objects.filter(evaluation=evaluation, deputy=request.user).exists()
    )
    return render(
        request,
        "supervision/evaluation/page.html",
        {
            "plan": plan,
            "as_of": as_of,
            "reading": reading,
            "rule": rules.RULE,
            "can_manage": can_manage,
            "can_open": can_manage and as_of is None and not Evaluation.objects.filter(plan=plan).exists(),
            "open_form": OpenEvaluationForm(),
            "is_open": as_of is None and _is_open_today(evaluation),
            "can_vote": is_deputy and as_of is None and _is_open_today(evaluation) and not voted,
            "voted": voted,
        },
    )


@login_required
@require_POST
def evaluation_open(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    _require_manage(request, plan, "只有督查室可以组织满意度测评。")
    form = OpenEvaluationForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("plan_evaluation", plan.pk)
    try:
        service.open_evaluation(request.user, plan, threshold=form.cleaned_data["threshold"])
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, "满意度测评已开始，人大代表可在手机上投票，督查室可录入纸质票。")
    return redirect("plan_evaluation", plan.pk)


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_vote(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The deputy's ballot, made for a phone: one radio group per item, submitted once."""
    plan = _plan(request, plan_id)
    if not permissions.can_vote_in_evaluation(request.user):
        raise PermissionDenied("只有人大代表可以参加满意度测评。")
    evaluation = _evaluation(request, plan)
    items = list(Item.objects.filter(plan=plan).order_by("number"))
    voted = EvaluationBallot.objects.filter(evaluation=evaluation, deputy=request.user).exists()
    form = BallotForm(request.POST or None, items=items)
    if request.method == "POST" and not voted and form.is_valid():
        try:
            service.cast_ballot(request.user, evaluation, form.choices())
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, "投票成功，感谢您参加满意度测评。")
            return redirect("plan_evaluation", plan.pk)
    elif request.method == "POST" and voted:
        messages.error(request, service.ALREADY_VOTED)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "supervision/evaluation/vote.html",
        {
            "plan": plan,
            "evaluation": evaluation,
            "form": form,
            "voted": voted,
            "is_open": _is_open_today(evaluation),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_tally(request: HttpRequest, plan_id: int, item_id: int) -> HttpResponse:
    """The office enters an item's paper ballots; a new tally replaces the one shown."""
    plan = _plan(request, plan_id)
    _require_manage(request, plan, "只有督查室可以录入纸质票统计。")
    evaluation = _evaluation(request, plan)
    item = get_object_or_404(Item, plan=plan, pk=item_id)
    form = TallyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service.enter_tally(request.user, evaluation, item, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"第{item.number}件“{item.title}”的纸质票已录入。")
            return redirect("plan_evaluation", plan.pk)
    reading = rules.read_evaluation(plan)
    current = next((row for row in reading.rows if row.item.pk == item.pk), None) if reading else None
    return render(
        request,
        "supervision/evaluation/tally.html",
        {"plan": plan, "evaluation": evaluation, "item": item, "form": form, "current": current},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def evaluation_close(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    _require_manage(request, plan, "只有督查室可以结束满意度测评。")
    evaluation = _evaluation(request, plan)
    publish = request.POST.get("publish") == "1"
    try:
        if publish:
            service.publish_evaluation(request.user, evaluation)
        else:
            service.close_evaluation(request.user, evaluation)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            "测评结果已在信息公开页公开。" if publish else "满意度测评已结束，不满意项目已交办整改。",
        )
    return redirect("plan_evaluation", plan.pk)
