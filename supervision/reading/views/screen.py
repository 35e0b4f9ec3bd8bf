"""The meeting-room display (大屏): one dark 1920 × 1080 page that refreshes its own figures
from a JSON twin, so the room never sees a reload."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from core.dates import parse_as_of
from core.lights import LIGHT_ORDER, Light
from projects import permissions
from projects.models import Plan
from supervision.reading import screen

# Seconds between refreshes, and between panels.
REFRESH_SECONDS = 180
ROTATE_SECONDS = 20


def _screen_plan(request: HttpRequest, plan_id: int) -> Plan:
    # The screen shows what the dashboard shows (units' lags by name): internal readers only.
    if not permissions.can_view_internal(request.user):
        raise PermissionDenied
    return get_object_or_404(permissions.visible_plans(request.user), pk=plan_id)


def _region(request: HttpRequest, plan: Plan):
    return permissions.reading_region(request.user, plan, request.GET.get("region"))


@login_required
def plan_screen(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _screen_plan(request, plan_id)
    as_of = parse_as_of(request)
    data = screen.read_screen(plan, as_of, _region(request, plan))
    query = {
        key: value
        for key, value in (
            ("as_of", as_of.isoformat() if as_of else ""),
            ("region", request.GET.get("region")),
        )
        if value
    }
    data_url = reverse("plan_screen_data", args=[plan.pk]) + (f"?{urlencode(query)}" if query else "")
    return render(
        request,
        "supervision/screen/screen.html",
        {
            "plan": plan,
            "as_of": as_of,
            "data": data,
            "figures": data["figures"],
            "lights": [
                (value, Light(value).label, data["figures"]["lights"][value]) for value in LIGHT_ORDER
            ],
            "data_url": data_url,
            "refresh_seconds": REFRESH_SECONDS,
            "rotate_seconds": ROTATE_SECONDS,
        },
    )


@login_required
def plan_screen_data(request: HttpRequest, plan_id: int) -> JsonResponse:
    plan = _screen_plan(request, plan_id)
    return JsonResponse(
        screen.read_screen(plan, parse_as_of(request), _region(request, plan)),
        json_dumps_params={"ensure_ascii": False},
    )
