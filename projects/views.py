"""The site's entry points: home (sends each role to its start page), the health check and the
400 and CSRF-failure pages. The plan, item and sub-item pages show progress and live in ``supervision.reading.views.plans``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views import csrf
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from projects import permissions
from projects.api.authentication import CSRF_REFUSED


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Liaisons land on their tasks; leaders (a responsible leader finds 我分管的 at the top) and
    deputies (with the latest visits) on the current list's dashboard; everyone else on the
    lists."""
    user = request.user
    if permissions.is_liaison(user):
        return redirect("my_tasks")
    if permissions.is_leader(user) or permissions.is_deputy(user):
        plan = permissions.current_plan(user)
        if plan is not None:
            return redirect("plan_dashboard", plan_id=plan.pk)
    return redirect("plan_list")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the load balancer and docker: 200 when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 page that says what was wrong (e.g. a malformed as-of date) in Chinese."""
    return render(request, "400.html", {"exception": str(exception)}, status=400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its CSRF token: API clients get JSON, people the usual page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": CSRF_REFUSED}, status=403)
    return csrf.csrf_failure(request, reason)
