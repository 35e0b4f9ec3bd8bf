"""The lagging list (滞后清单) of a plan: red then yellow sub-items, by unit, with lag, last
report, the reason the unit gave (存在问题) and how many days they are overdue."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from core.dates import parse_as_of
from core.lights import Light
from projects import permissions
from projects.models import Unit
from supervision.followup.services import reminders
from supervision.reading import lagging


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
    region = permissions.reading_region(request.user, plan, request.GET.get("region"))
    progress, rows, counts, page = lagging.paged_rows(
        plan, as_of, sub_filter, request.GET.get("page"), region
    )
    # Who was reminded (催报) when, as known on the day read: one query for the page.
    reminded = reminders.reminded_units(plan, reminders.REPORT_KINDS, as_of)
    for row in rows:
        row.remind(reminded)
    query = request.GET.copy()
    query.pop("page", None)
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
            "red_total": counts.get(Light.RED, 0),
            "yellow_total": counts.get(Light.YELLOW, 0),
            "page": page,
            "query": query.urlencode(),
            "units": units,
            "unit_id": unit_id,
            "as_of": as_of,
            # The rows name the units that answer for them: the plan's own office reminds them,
            # and through a region (never wider than the reader's own) its shares' units.
            "can_remind": permissions.can_send_reminders(request.user)
            and (permissions.can_manage_plan(request.user, plan) or region is not None)
            and as_of is None,
            # Supervision orders (督办单) are the plan's own office's to issue.
            "can_order": permissions.can_issue_order(request.user, plan) and as_of is None,
            "region": region,
            "handed_down": permissions.is_handed_down(plan, region),
        },
    )
