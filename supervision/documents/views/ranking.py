"""The monthly 红黄榜 (``services.ranking``): a page to read and print, a Word version, and the
office's switch that publishes a month's lists on the public page."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.dates import month_end, month_from, parse_as_of, parse_month, today
from core.official_doc import docx_response
from projects import permissions, scope
from projects.models import Plan
from supervision.documents import ranking as service
from supervision.documents.models import RankingPublication
from supervision.documents.word import ranking_docx, ranking_title


def _plan(request: HttpRequest, plan_id: int) -> Plan:
    if not permissions.can_read_circulars(request.user):
        raise PermissionDenied
    return get_object_or_404(permissions.visible_plans(request.user), pk=plan_id)


def _reading(request: HttpRequest) -> tuple[date | None, date | None]:
    """(the day to read as of, the month asked for): ``?month=YYYY-MM`` means as of that
    month's end; otherwise ``?as_of=`` as on every progress page."""
    if request.GET.get("month"):
        return parse_month(request), month_from(request.GET["month"])
    return parse_as_of(request), None


@login_required
@require_GET
def plan_ranking(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    as_of, month = _reading(request)
    ranking = service.read_ranking(plan, as_of)
    published = list(
        scope.readable(request.user, RankingPublication.objects.filter(plan=plan)).order_by("-month")
    )
    month_over = month is not None and month_end(month.year, month.month) < today()
    can_manage = permissions.can_manage_circulars(request.user) and permissions.can_manage_plan(
        request.user, plan
    )
    return render(
        request,
        "supervision/ranking/ranking.html",
        {
            "plan": plan,
            "ranking": ranking,
            "lists": service.public_data(ranking),
            "title": ranking_title(ranking, month),
            "month": month,
            "as_of": as_of if month is None else None,
            "red_rule": service.RED_RULE,
            "yellow_rule": service.YELLOW_RULE,
            "published": published,
            "month_published": month is not None and any(p.month == month for p in published),
            "can_publish": can_manage and month_over,
            "can_manage": can_manage,
        },
    )


@login_required
@require_GET
def plan_ranking_docx(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    as_of, month = _reading(request)
    ranking = service.read_ranking(plan, as_of)
    return docx_response(ranking_docx(ranking, month=month), f"{ranking_title(ranking, month)}.docx")


@login_required
@require_POST
def plan_ranking_publish(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Publish the month's 红黄榜 on the public page, or withdraw it when it is published."""
    plan = _plan(request, plan_id)
    month = month_from(request.POST.get("month") or "")
    if month is None:
        raise BadRequest("月份格式应为 YYYY-MM")
    try:
        publication = service.toggle_publication(request.user, plan, month)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        label = f"{month.year}年{month.month}月红黄榜"
        messages.success(
            request, f"{label}已在信息公开页发布。" if publication else f"{label}已从信息公开页撤下。"
        )
    return redirect(f"{reverse('plan_ranking', args=[plan.pk])}?month={month:%Y-%m}")
