"""The lagging list (滞后清单) of a plan: red then yellow sub-items, by unit, with lag, last
report, the reason the unit gave (存在问题) and how many days they are overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from core.dates import parse_as_of
from core.lights import LAGGING_LIGHTS, Light
from projects import permissions
from projects.models import Unit

from .. import periods
from ..models import SubItemPace
from ..progress import PlanProgress, SubItemState, plan_progress


@dataclass
class LaggingRow:
    state: SubItemState
    days_past_deadline: int
    days_report_overdue: int
    forecast: date | None


def lagging_rows(progress: PlanProgress, forecasts: dict[int, date | None]) -> list[LaggingRow]:
    """Red before yellow; within a colour by unit, then the largest lag first."""
    on = progress.as_of
    due = periods.last_due_period(on, progress.plan.report_cadence, progress.plan.report_due_day).due
    rows = []
    for state in progress.sub_states:
        if state.light not in LAGGING_LIGHTS:
            continue
        deadline = state.sub_item.planned_end
        rows.append(
            LaggingRow(
                state=state,
                days_past_deadline=(on - deadline).days if deadline and on > deadline else 0,
                days_report_overdue=(on - due).days if state.overdue_report else 0,
                forecast=forecasts.get(state.sub_item.pk),
            )
        )
    rows.sort(
        key=lambda r: (
            r.state.light != Light.RED,
            r.state.sub_item.responsible_unit.name,
            -r.state.lag_points,
            r.state.sub_item.item.number,
            r.state.sub_item.number,
        )
    )
    return rows


def _unit_filter(request: HttpRequest) -> int | None:
    raw = (request.GET.get("unit") or "").strip()
    return int(raw) if raw.isdigit() else None


@login_required
def plan_lagging(request: HttpRequest, plan_id: int) -> HttpResponse:
    if not permissions.can_view_registry(request.user):
        raise PermissionDenied
    plan = get_object_or_404(permissions.visible_plans(request.user), pk=plan_id)
    as_of = parse_as_of(request)
    unit_id = _unit_filter(request)
    scope = permissions.sub_item_scope(request.user)
    sub_filter = scope if scope is not None else Q()
    if unit_id is not None:
        sub_filter &= Q(responsible_unit_id=unit_id)
    progress = plan_progress(plan, as_of, sub_item_filter=sub_filter)
    # The stored forecast is today's check; a past date shows none rather than a later one.
    forecasts = {}
    if as_of is None:
        forecasts = dict(
            SubItemPace.objects.filter(sub_item__item__plan=plan, light__in=LAGGING_LIGHTS).values_list(
                "sub_item_id", "forecast_completion"
            )
        )
    rows = lagging_rows(progress, forecasts)
    units = Unit.objects.filter(
        pk__in=permissions.visible_sub_items(request.user)
        .filter(item__plan=plan)
        .values("responsible_unit_id")
    ).order_by("name")
    return render(
        request,
        "supervision/pace/plan_lagging.html",
        {
            "plan": plan,
            "progress": progress,
            "red_rows": [r for r in rows if r.state.light == Light.RED],
            "yellow_rows": [r for r in rows if r.state.light == Light.YELLOW],
            "units": units,
            "unit_id": unit_id,
            "as_of": as_of,
        },
    )
