"""The figure caches' scheduled tasks (see CELERY_BEAT_SCHEDULE). The region figures' task,
queued by a change, lives beside its work in ``caches``."""

from celery import shared_task

from core.tasks import DATABASE_RETRY
from projects.models import Plan
from supervision.figures import caches, snapshots


@shared_task(name="supervision.tasks.refresh_pace_rows", **DATABASE_RETRY)
def refresh_pace_rows() -> int:
    """Move every published plan's pace rows to today (no flags, no warnings: the daily check
    does those); returns the number of plans."""
    plans = list(Plan.objects.filter(status=Plan.Status.PUBLISHED))
    for plan in plans:
        caches.refresh_pace(plan)
    return len(plans)


@shared_task(name="supervision.tasks.take_monthly_snapshots")
def take_monthly_snapshots() -> int:
    return len(snapshots.take_monthly_snapshots())
