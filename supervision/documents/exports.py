"""The Excel exports by kind (the briefing, the plan table, the lagging list, the rectifications
board), one function each way they are needed, whether the file is built in the request (a
small export, downloaded at once) or by a worker (``ExportJob``, for a large one):

- ``params_from_request``: what a GET asks for, as JSON a job keeps: the plan, the day read as
  of (resolved now, so a job run later shows what was known that day) and the page's filters;
- ``prepare``: those parameters checked against what the user may read;
- ``row_count``: a cheap count of the rows the export reads, which decides request or job;
- ``write``: the workbook, through the same ``briefing`` functions either way.

The workbooks themselves are ``supervision.documents.briefing``; nothing here computes a figure.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core.dates import parse_as_of, today
from core.lights import LAGGING_LIGHTS
from core.xlsx import Book, RowProgress
from projects import permissions
from projects.models import Item, Plan, Region
from supervision.documents import briefing
from supervision.documents.models import ExportJob, export_file_name
from supervision.reading.filters import PlanTableFilter
from supervision.reading.progress import (
    PlanProgress,
    combine_progress,
    plan_progress,
    plan_summaries,
    reading_date,
    sub_items_for_plan,
)

logger = logging.getLogger(__name__)

Kind = ExportJob.Kind

# The query-string values each export keeps from its page (the rest is ignored).
FILTERS: dict[str, tuple[str, ...]] = {
    Kind.BRIEFING: ("region",),
    Kind.PLAN_TABLE: ("category", "unit", "light", "region"),
    Kind.LAGGING: ("unit", "region"),
    Kind.RECTIFICATIONS: ("plan", "state", "unit", "overdue"),
}
PLAN_KINDS = (Kind.BRIEFING, Kind.PLAN_TABLE, Kind.LAGGING)
# Items read at a time by the briefing and plan table exports (about 5 sub-items each in a
# large plan): a worker holds one batch's registry rows and reports, not the whole plan's.
ITEMS_PER_READ = 1000

# Stored on the failed job in the language of the moment (gettext_noop marks them; _fail translates).
FAILED_MESSAGE = gettext_noop("生成导出文件时出错，请稍后重试；如仍不成功，请联系督查室。")
NOT_ALLOWED_MESSAGE = gettext_noop("您已无权导出此内容，或该清单已不可查看。")
NOT_QUEUED_MESSAGE = gettext_noop("导出任务暂时无法排队，请稍后重试。")


def may_export(kind: str, user) -> bool:
    """Who may download each export (the same as before exports could be jobs)."""
    if kind == Kind.BRIEFING:
        return permissions.can_export(user)
    if kind == Kind.PLAN_TABLE:  # liaisons too, with their own unit's rows only
        return permissions.can_export(user) or permissions.is_liaison(user)
    if kind == Kind.LAGGING:
        return permissions.can_view_registry(user)
    if kind == Kind.RECTIFICATIONS:
        return permissions.can_view_rectifications(user)
    return False


def visible_plan(user, plan_id: int) -> Plan:
    return get_object_or_404(permissions.visible_plans(user), pk=plan_id)


def params_from_request(kind: str, request: HttpRequest, plan: Plan | None = None) -> dict:
    """The export a request asks for, as JSON: ``plan_id``, ``as_of`` (the day it is read as
    of, resolved as the page resolves it) and the page's ``filters``."""
    as_of = parse_as_of(request)
    day = reading_date(plan, as_of) if plan is not None else (as_of or today())
    filters = {name: request.GET[name] for name in FILTERS[kind] if request.GET.get(name)}
    return {"plan_id": plan.pk if plan is not None else None, "as_of": day.isoformat(), "filters": filters}


@dataclass
class Export:
    """An export checked against its user: ``prepare`` made it, ``row_count`` and ``write``
    read it."""

    kind: str
    user: object
    as_of: date
    filters: dict = field(default_factory=dict)
    plan: Plan | None = None
    # The region the plan is read through (``permissions.reading_region``): its shares only.
    region: Region | None = None


def prepare(kind: str, user, params: dict, plan: Plan | None = None) -> Export:
    """The export for these parameters; PermissionDenied when the user may not export this
    kind, Http404 when the plan is not (or no longer) one they may read."""
    if not may_export(kind, user):
        raise PermissionDenied
    if kind in PLAN_KINDS and plan is None:
        plan = visible_plan(user, params["plan_id"])
    filters = dict(params.get("filters") or {})
    region = permissions.reading_region(user, plan, filters.get("region")) if kind in PLAN_KINDS else None
    return Export(kind, user, date.fromisoformat(params["as_of"]), filters, plan, region)


def _table_filter(export: Export) -> PlanTableFilter:
    return PlanTableFilter(export.filters, plan=export.plan)


def _plan_table_sub_items(export: Export, table_filter: PlanTableFilter) -> Q | None:
    return table_filter.sub_item_filter(permissions.sub_item_scope(export.user))


def _lagging_sub_items(export: Export) -> Q:
    """The user's scope and the page's unit filter."""
    scope = permissions.sub_item_scope(export.user)
    sub_filter = scope if scope is not None else Q()
    raw_unit = str(export.filters.get("unit") or "").strip()
    if raw_unit.isdigit():
        sub_filter &= Q(responsible_unit_id=int(raw_unit))
    return sub_filter


def _board(export: Export):
    from supervision.followup.board import board_selection

    return board_selection(export.user, export.filters or None, export.as_of)


def row_count(export: Export) -> int:
    """How many rows the export reads: the sub-items it computes progress for (the lagging
    list and a light filter keep fewer, but the reading is the cost), or the rectifications
    the board selects."""
    if export.kind == Kind.BRIEFING:
        return sub_items_for_plan(export.plan).count()
    if export.kind == Kind.PLAN_TABLE:
        return sub_items_for_plan(export.plan, _plan_table_sub_items(export, _table_filter(export))).count()
    if export.kind == Kind.LAGGING:
        return sub_items_for_plan(export.plan, _lagging_sub_items(export)).count()
    _form, selected, _chosen = _board(export)
    return selected.count()


def _progress_by_items(
    plan: Plan, day: date, sub_filter: Q | None, region: Region | None = None
) -> Iterable[PlanProgress]:
    """The plan's progress ``ITEMS_PER_READ`` items at a time, in item order: each batch is
    the same ``plan_progress`` read, narrowed to a range of item numbers, so a 100,000-sub-item
    plan is never held whole (every figure is per sub-item or per item; the plan's own are
    summed from them, see ``progress.combine_progress``)."""
    numbers = list(Item.objects.filter(plan=plan).order_by("number").values_list("number", flat=True))
    if not numbers:  # an empty plan still has a (blank) progress view
        yield plan_progress(plan, day, sub_item_filter=sub_filter, region=region)
    for start in range(0, len(numbers), ITEMS_PER_READ):
        batch = numbers[start : start + ITEMS_PER_READ]
        in_batch = Q(item__number__gte=batch[0], item__number__lte=batch[-1])
        yield plan_progress(
            plan,
            day,
            sub_item_filter=in_batch if sub_filter is None else sub_filter & in_batch,
            items=Item.objects.filter(plan=plan, number__gte=batch[0], number__lte=batch[-1]),
            region=region,
        )


def write(export: Export, book: Book) -> str:
    """Write the export into the book; returns the file name to offer it under."""
    plan, day, region = export.plan, export.as_of, export.region
    if export.kind == Kind.BRIEFING:
        briefing.write_briefing_in_batches(book, plan, day, _progress_by_items(plan, day, None, region))
        return briefing.briefing_filename(plan, day)
    if export.kind == Kind.PLAN_TABLE:
        table_filter = _table_filter(export)
        sub_filter = _plan_table_sub_items(export, table_filter)
        if region is None:
            ((_plan, summary),) = plan_summaries([plan], day, sub_item_filter=sub_filter)
        else:
            summary = plan_progress(plan, day, sub_item_filter=sub_filter, region=region).summary
        briefing.write_plan_table(
            book,
            plan=plan,
            as_of=day,
            headline=summary.headline,
            chunks=(
                table_filter.filter_states(progress)
                for progress in _progress_by_items(plan, day, sub_filter, region)
            ),
            rows=summary.subitems_total,
        )
        return f"{plan.title}_{day:%Y%m%d}.xlsx"
    if export.kind == Kind.LAGGING:
        # Each batch keeps only its red and yellow sub-items; the lagging page's order is then
        # taken over all of them.
        parts = [
            batch.with_light(light)
            for batch in _progress_by_items(plan, day, _lagging_sub_items(export), region)
            for light in LAGGING_LIGHTS
        ]
        rows = briefing.lagging_states(combine_progress(parts))
        briefing.write_lagging(book, rows, plan=plan, as_of=day)
        return f"{plan.title}_滞后项目_{day:%Y%m%d}.xlsx"
    from supervision.followup.board import board_rows

    _form, selected, chosen = _board(export)
    briefing.write_rectifications(
        book, board_rows(selected, chosen, day), subtitle=f"截至{day.year}年{day.month}月{day.day}日"
    )
    return "整改督办事项.xlsx"


def build(export: Export) -> tuple[bytes, str]:
    """The export's file in memory, for a direct download."""
    book = Book()
    filename = write(export, book)
    return book.close(), filename


# --- jobs ---------------------------------------------------------------------------------


def visible_jobs(user) -> QuerySet[ExportJob]:
    """A job is seen by the user who asked for it, and by staff and the office."""
    if user.is_staff or permissions.is_office(user):
        return ExportJob.objects.all()
    return ExportJob.objects.filter(user=user)


def start_job(user, kind: str, params: dict) -> ExportJob:
    """Record the job and queue it (run at once when Celery is eager)."""
    job = ExportJob.objects.create(user=user, kind=kind, params=params)
    try:
        run_export.delay(job.pk)
    except Exception:  # the broker is down: say so on the job page rather than a 500
        logger.exception("could not queue export job %s", job.pk)
        _fail(job, NOT_QUEUED_MESSAGE)
    job.refresh_from_db()
    return job


def _fail(job: ExportJob, message: str) -> None:
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportJob.State.FAILED, error=gettext(message), finished_at=timezone.now()
    )


@shared_task(name="supervision.tasks.run_export")
def run_export(job_id: int) -> str:
    """Build an ExportJob's file; never raises for a failed build (the job says why)."""
    return run_job(job_id)


def run_job(job_id: int) -> str:
    """Build a job's file (progress written to the job about once a second), store it under
    MEDIA_ROOT/exports/ and mark the job done; on any error mark it failed with a message for
    the user (the exception goes to the log). Returns the job's final state."""
    job = ExportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.finished:  # removed meanwhile, or delivered twice
        return job.state if job else "missing"
    ExportJob.objects.filter(pk=job.pk).update(state=ExportJob.State.RUNNING, rows_done=0, rows_total=0)

    def report(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_done=done, rows_total=total)

    progress = RowProgress(report)
    try:
        export = prepare(job.kind, job.user, job.params)
        with tempfile.TemporaryDirectory(prefix="export-") as folder:
            path = Path(folder) / "export.xlsx"
            book = Book(path, progress)
            filename = write(export, book)
            book.close()
            with path.open("rb") as handle:
                job.file.save(export_file_name(job, filename), File(handle), save=False)
    except (PermissionDenied, Http404):
        logger.warning("export job %s: user %s may no longer export it", job.pk, job.user_id)
        _fail(job, NOT_ALLOWED_MESSAGE)
        return ExportJob.State.FAILED
    except Exception:
        logger.exception("export job %s failed", job.pk)
        _fail(job, FAILED_MESSAGE)
        return ExportJob.State.FAILED
    job.state = ExportJob.State.DONE
    job.filename = filename
    job.rows_done = job.rows_total = progress.total
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "file", "filename", "rows_done", "rows_total", "finished_at"])
    return job.state


def remove_old_jobs(max_age: timedelta | None = None) -> int:
    """Delete jobs (and their files) created longer ago than ``max_age`` (default
    settings.EXPORT_JOB_MAX_AGE_DAYS); returns how many."""
    if max_age is None:
        max_age = timedelta(days=settings.EXPORT_JOB_MAX_AGE_DAYS)
    old = ExportJob.objects.filter(created_at__lt=timezone.now() - max_age)
    removed = 0
    for job in old.iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        removed += 1
    return removed
