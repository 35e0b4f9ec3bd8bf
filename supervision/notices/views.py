"""Progress notices (进展公示): the public list and notice pages where residents read the three
classes and send objections, the QR codes that lead to them, and the office's pages to issue
notices and answer objections. Figures come from the notice as issued (``notices``); the
window and the messages from ``services.notices``."""

from __future__ import annotations

from datetime import date, datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import qr
from core.dates import parse_as_of, today
from core.forms import apply_errors
from core.public_forms import TOO_OFTEN, sent_too_often
from projects import permissions
from projects.models import Plan
from supervision.notices import services as service
from supervision.notices.forms import AnswerForm, IssueNoticeForm, ObjectionForm
from supervision.notices.models import NoticeObjection, ProgressNotice
from supervision.notices.rules import NoticeClass, class_sentences, slow_units
from supervision.reading.progress import reading_date

OBJECTION_RATE_GROUP = "notice_objection"


def _public_plan(plan_id: int) -> Plan:
    return get_object_or_404(Plan.objects.filter(status__in=service.NOTICE_STATUSES), pk=plan_id)


def _known_on(request: HttpRequest) -> date:
    """The day a notice page is read as of: notices are documents issued on days, so a closed
    list's notices read as of today too (not as of its closing day, as its figures do)."""
    return parse_as_of(request) or today()


def _end_of(day: date) -> datetime:
    """Answers given by the end of a day count as known that day."""
    return timezone.make_aware(datetime.combine(day, time.max))


def _notice_context(notice: ProgressNotice) -> dict:
    figures = notice.figures
    return {
        "notice": notice,
        "figures": figures,
        "sentences": class_sentences(figures),
        "classes": [(cls, figures["classes"][cls.value]) for cls in NoticeClass],
        "slow_units": slow_units(figures),
        "closes_on": service.closes_on(notice),
    }


def public_notices(request: HttpRequest, plan_id: int) -> HttpResponse:
    """A published list's notices issued by the day, newest first, with the list's share link."""
    plan = _public_plan(plan_id)
    on = _known_on(request)
    notices = list(ProgressNotice.objects.filter(plan=plan, issued_on__lte=on).order_by("-issued_on", "-id"))
    for notice in notices:
        notice.closes_on = service.closes_on(notice)
        notice.sentences = class_sentences(notice.figures)
    path = reverse("public_plan", args=[plan.pk])
    return render(
        request,
        "supervision/public/notices.html",
        {
            "plan": plan,
            "notices": notices,
            "as_of": on,
            "share": qr.share(request, path, reverse("public_plan_qr", args=[plan.pk])),
        },
    )


def public_notice(request: HttpRequest, plan_id: int, notice_id: int) -> HttpResponse:
    """A notice as issued, its answered objections (never a contact), and while its window is
    open the objection form (captcha, rate-limited per address)."""
    plan = _public_plan(plan_id)
    on = _known_on(request)
    notice = get_object_or_404(ProgressNotice.objects.filter(plan=plan, issued_on__lte=on), pk=notice_id)
    status = 200
    form = ObjectionForm()
    if request.method == "POST":
        form = ObjectionForm(request.POST)
        if sent_too_often(request, OBJECTION_RATE_GROUP):
            form.is_valid()
            form.add_error(None, TOO_OFTEN)
            status = 429
        elif form.is_valid():
            try:
                service.send_objection(notice, form.cleaned_data["text"], form.cleaned_data["contact"])
            except ValidationError as exc:
                apply_errors(form, exc)
                status = 400
            else:
                messages.success(request, _("您的意见已收到，政府办答复后将在本页公开。"))
                return redirect("public_notice", plan.pk, notice.pk)
        else:
            status = 400
    answered = notice.objections.filter(answered_at__lte=_end_of(on)).exclude(answer="")
    path = reverse("public_notice", args=[plan.pk, notice.pk])
    return render(
        request,
        "supervision/public/notice.html",
        {
            **_notice_context(notice),
            "plan": plan,
            "as_of": on,
            "answered": list(answered.only("text", "answer", "sent_at", "answered_at", "notice_id")),
            "window_open": service.window_open(notice),
            "form": form,
            "share": qr.share(request, path, reverse("public_notice_qr", args=[plan.pk, notice.pk])),
        },
        status=status,
    )


def public_plan_qr(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _public_plan(plan_id)
    return qr.qr_response(request, reverse("public_plan", args=[plan.pk]))


def public_notice_qr(request: HttpRequest, plan_id: int, notice_id: int) -> HttpResponse:
    plan = _public_plan(plan_id)
    notice = get_object_or_404(ProgressNotice.objects.filter(plan=plan), pk=notice_id)
    return qr.qr_response(request, reverse("public_notice", args=[plan.pk, notice.pk]))


def _require_manager(user) -> None:
    if not permissions.can_manage_notices(user):
        raise PermissionDenied


@login_required
def plan_notices(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The office's notices of a list, with objection counts, and the form to issue one."""
    _require_manager(request.user)
    plan = get_object_or_404(permissions.visible_plans(request.user), pk=plan_id)
    # Residents' contacts and the answers are the plan's own office's.
    permissions.require_manage_plan(request.user, plan)
    status = 200
    if request.method == "POST":
        form = IssueNoticeForm(request.POST)
        if form.is_valid():
            try:
                notice = service.issue_notice(
                    plan,
                    request.user,
                    as_of=form.cleaned_data["as_of"],
                    title=form.cleaned_data["title"],
                    objection_days=form.cleaned_data["objection_days"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
                status = 400
            else:
                messages.success(request, _("进展公示已发布。"))
                return redirect("notice_manage", plan.pk, notice.pk)
        else:
            status = 400
    else:
        form = IssueNoticeForm(initial={"as_of": reading_date(plan, None)})
    on = _known_on(request)
    notices = (
        ProgressNotice.objects.filter(plan=plan, issued_on__lte=on)
        .annotate(
            objection_count=Count("objections"),
            unanswered=Count("objections", filter=Q(objections__answer="")),
        )
        .order_by("-issued_on", "-id")
    )
    return render(
        request,
        "supervision/notices/list.html",
        {"plan": plan, "notices": list(notices), "form": form, "as_of": on},
        status=status,
    )


@login_required
def notice_manage(request: HttpRequest, plan_id: int, notice_id: int) -> HttpResponse:
    """A notice with every objection and its contact, for the office to answer publicly."""
    _require_manager(request.user)
    plan = get_object_or_404(permissions.visible_plans(request.user), pk=plan_id)
    # Residents' contacts and the answers are the plan's own office's.
    permissions.require_manage_plan(request.user, plan)
    notice = get_object_or_404(
        ProgressNotice.objects.filter(plan=plan).prefetch_related(
            Prefetch("objections", queryset=NoticeObjection.objects.select_related("answered_by"))
        ),
        pk=notice_id,
    )
    status = 200
    failed: AnswerForm | None = None
    if request.method == "POST":
        form = AnswerForm(request.POST)
        objection = None
        if form.is_valid():
            objection = notice.objections.filter(pk=form.cleaned_data["objection"]).first()
            if objection is None:
                raise Http404
            try:
                service.answer_objection(objection, request.user, form.cleaned_data["answer"])
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("答复已公开。"))
                return redirect("notice_manage", plan.pk, notice.pk)
        failed, status = form, 400
    objections = list(notice.objections.all())
    for objection in objections:
        objection.form = (
            failed
            if failed is not None and str(failed.data.get("objection")) == str(objection.pk)
            else AnswerForm(initial={"objection": objection.pk, "answer": objection.answer})
        )
    return render(
        request,
        "supervision/notices/detail.html",
        {
            **_notice_context(notice),
            "plan": plan,
            "objections": objections,
            "failed": failed,
            "window_open": service.window_open(notice),
        },
        status=status,
    )
