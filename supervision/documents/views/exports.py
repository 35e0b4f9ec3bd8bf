"""Excel downloads: the leaders' briefing, and what each list page shows (plan table, lagging
list, rectifications), with the same filters as the page.

An export reading at most settings.EXPORT_INLINE_MAX_ROWS rows downloads at once. A larger one
answers its GET with a page offering to build it (a GET never writes); posting that page's form
to the same address records an ``ExportJob`` a worker builds, and leads to the job's page, which
shows a progress bar and then the download. Both ways build the file with
``supervision.documents.exports``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from core import xlsx
from core.media import protected_file_response
from supervision.documents import exports
from supervision.documents.models import ExportJob

Kind = ExportJob.Kind


def _export(request: HttpRequest, kind: str, plan_id: int | None = None) -> HttpResponse:
    if not exports.may_export(kind, request.user):
        raise PermissionDenied
    plan = exports.visible_plan(request.user, plan_id) if plan_id is not None else None
    params = exports.params_from_request(kind, request, plan)
    if request.method == "POST":
        job = exports.start_job(request.user, kind, params)
        return redirect("export_job", job.pk)
    export = exports.prepare(kind, request.user, params, plan)
    rows = exports.row_count(export)
    if rows > settings.EXPORT_INLINE_MAX_ROWS:
        return render(
            request,
            "supervision/exports/confirm.html",
            {
                "kind_label": Kind(kind).label,
                "plan": plan,
                "export_as_of": export.as_of,
                "rows": rows,
                "limit": settings.EXPORT_INLINE_MAX_ROWS,
                "action": request.get_full_path(),
            },
        )
    data, filename = exports.build(export)
    return xlsx.xlsx_response(data, filename)


@login_required
@require_http_methods(["GET", "POST"])
def plan_briefing(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _export(request, Kind.BRIEFING, plan_id)


@login_required
@require_http_methods(["GET", "POST"])
def plan_table_export(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The plan table with the page's filters. Liaisons may export too, but see only their own
    unit's rows, exactly as on the page."""
    return _export(request, Kind.PLAN_TABLE, plan_id)


@login_required
@require_http_methods(["GET", "POST"])
def plan_lagging_export(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The lagging list with the page's unit filter; liaisons get their own unit's rows."""
    return _export(request, Kind.LAGGING, plan_id)


@login_required
@require_http_methods(["GET", "POST"])
def rectifications_export(request: HttpRequest) -> HttpResponse:
    """The rectifications board with its plan / state / unit / overdue filters, in its order."""
    return _export(request, Kind.RECTIFICATIONS)


# --- jobs -----------------------------------------------------------------------------------


def _job(request: HttpRequest, job_id: int) -> ExportJob:
    """The job, if this user asked for it (or is staff or the office); 404 otherwise."""
    return get_object_or_404(exports.visible_jobs(request.user), pk=job_id)


def _status(job: ExportJob) -> dict:
    return {
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "percent": job.percent,
        "finished": job.finished,
        "error": job.error,
        "download_url": reverse("export_job_download", args=[job.pk]) if job.state == job.State.DONE else "",
    }


@login_required
@require_GET
def export_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job's progress bar, refreshed by static/js/export_job.js (or, without JavaScript, by
    reloading the page), and its download once done."""
    job = _job(request, job_id)
    plan_id = job.params.get("plan_id")
    return render(
        request,
        "supervision/exports/job.html",
        {"job": job, "status": _status(job), "plan_id": plan_id, "job_as_of": job.params.get("as_of")},
    )


@login_required
@require_GET
def export_job_status(request: HttpRequest, job_id: int) -> JsonResponse:
    response = JsonResponse(_status(_job(request, job_id)))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def export_job_download(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    if job.state != ExportJob.State.DONE or not job.file:
        return redirect("export_job", job.pk)
    if not job.file.storage.exists(job.file.name):  # removed by hand or a restored backup
        raise Http404
    return protected_file_response(
        job.file, content_type=xlsx.XLSX_CONTENT_TYPE, disposition=xlsx.attachment_disposition(job.filename)
    )
