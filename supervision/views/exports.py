"""Excel downloads: the leaders' briefing, and what each list page shows (plan table, lagging
list, rectifications), with the same filters as the page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from core import xlsx
from core.dates import parse_as_of
from projects import permissions
from projects.models import Plan

from ..filters import PlanTableFilter
from ..models import Rectification
from ..progress import plan_progress
from ..services import briefing
from .rectifications import filtered_board

State = Rectification.State


def _visible_plan(user, plan_id: int) -> Plan:
    return get_object_or_404(permissions.visible_plans(user), pk=plan_id)


def _require_export(user) -> None:
    if not permissions.can_export(user):
        raise PermissionDenied


@login_required
@require_GET
def plan_briefing(request: HttpRequest, plan_id: int) -> HttpResponse:
    _require_export(request.user)
    plan = _visible_plan(request.user, plan_id)
    data, progress = briefing.briefing_for(plan, parse_as_of(request))
    return xlsx.xlsx_response(data, briefing.briefing_filename(plan, progress.as_of))


@login_required
@require_GET
def plan_table_export(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The plan table with the page's filters. Liaisons may export too, but see only their own
    unit's rows, exactly as on the page."""
    if not (permissions.can_export(request.user) or permissions.is_liaison(request.user)):
        raise PermissionDenied
    plan = _visible_plan(request.user, plan_id)
    table_filter = PlanTableFilter(request.GET, plan=plan)
    progress = plan_progress(
        plan,
        parse_as_of(request),
        sub_item_filter=table_filter.sub_item_filter(permissions.sub_item_scope(request.user)),
    )
    data = briefing.plan_table_workbook(progress, table_filter.filter_states(progress))
    return xlsx.xlsx_response(data, f"{plan.title}_{progress.as_of:%Y%m%d}.xlsx")


@login_required
@require_GET
def plan_lagging_export(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The lagging list with the page's unit filter; liaisons get their own unit's rows."""
    if not permissions.can_view_registry(request.user):
        raise PermissionDenied
    plan = _visible_plan(request.user, plan_id)
    scope = permissions.sub_item_scope(request.user)
    sub_filter = scope if scope is not None else Q()
    raw_unit = (request.GET.get("unit") or "").strip()
    if raw_unit.isdigit():
        sub_filter &= Q(responsible_unit_id=int(raw_unit))
    progress = plan_progress(plan, parse_as_of(request), sub_item_filter=sub_filter)
    rows = briefing.lagging_states(progress)
    data = briefing.lagging_workbook(rows, plan=plan, as_of=progress.as_of)
    return xlsx.xlsx_response(data, f"{plan.title}_滞后项目_{progress.as_of:%Y%m%d}.xlsx")


@login_required
@require_GET
def rectifications_export(request: HttpRequest) -> HttpResponse:
    """The rectifications board with its plan / state / unit / overdue filters, in its order."""
    user = request.user
    if not permissions.can_view_rectifications(user):
        raise PermissionDenied
    _form, day, rows = filtered_board(request)
    return xlsx.xlsx_response(
        briefing.rectifications_workbook(rows, subtitle=f"截至{day.year}年{day.month}月{day.day}日"),
        "整改督办事项.xlsx",
    )
