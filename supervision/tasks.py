"""Celery tasks: thin wrappers around the supervision services."""

from datetime import date

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError

from supervision.followup.services import pace_check

# --- Pace: the daily pace check (07:00) and report reminders (08:00), see CELERY_BEAT_SCHEDULE. ---
# A database that is restarting or failing over answers with these errors; the check is
# idempotent, so retrying it later with backoff is always safe.
DATABASE_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError, DatabaseError),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="supervision.tasks.run_daily_pace_check", **DATABASE_RETRY)
def run_daily_pace_check(on: str | None = None) -> list[dict]:
    """Check every published plan as of ``on`` (YYYY-MM-DD, default today)."""
    day = date.fromisoformat(on) if on else None
    return [result.as_dict() for result in pace_check.check_all_active_plans(day)]


@shared_task(name="supervision.tasks.refresh_pace_rows", **DATABASE_RETRY)
def refresh_pace_rows() -> int:
    """Move every published plan's pace rows to today (no flags, no warnings: the daily check
    does those); returns the number of plans."""
    from projects.models import Plan
    from supervision.figures import caches

    plans = list(Plan.objects.filter(status=Plan.Status.PUBLISHED))
    for plan in plans:
        caches.refresh_pace(plan)
    return len(plans)


@shared_task(name="supervision.tasks.refresh_region_figures", **DATABASE_RETRY)
def refresh_region_figures(plan_id: int) -> int:
    """Store a plan's lower regions' figures at its current version, after a change committed
    (``caches.refresh_region_figures``); returns how many were stored."""
    from supervision.figures import caches

    return caches.refresh_region_figures(plan_id)


@shared_task(name="supervision.tasks.send_report_reminders", **DATABASE_RETRY)
def send_report_reminders(on: str | None = None) -> int:
    """Remind liaisons of missing reports (催报); returns the number of notifications sent."""
    return pace_check.send_report_reminders(date.fromisoformat(on) if on else None)


# --- Supervision follow-up: monthly plan snapshots and the daily rectification check. ---
# Thin wrappers: the rules live in supervision.figures.snapshots and .rectifications (imported
# inside the tasks so this section stays self-contained next to the pace tasks).


@shared_task(name="supervision.tasks.take_monthly_snapshots")
def take_monthly_snapshots() -> int:
    from supervision.figures import snapshots

    return len(snapshots.take_monthly_snapshots())


@shared_task(name="supervision.tasks.mark_overdue_rectifications")
def mark_overdue_rectifications() -> int:
    from supervision.followup.services import rectifications

    return rectifications.mark_overdue()


# --- Exports: large exports are built by a worker (routed to the "exports" queue), and old
# ones removed daily. The work is in supervision.documents.exports. ---


@shared_task(name="supervision.tasks.run_export")
def run_export(job_id: int) -> str:
    """Build an ExportJob's file; never raises for a failed build (the job says why)."""
    from supervision.documents import exports

    return exports.run_job(job_id)


@shared_task(name="supervision.tasks.remove_old_exports")
def remove_old_exports() -> int:
    """Delete export jobs and their files older than EXPORT_JOB_MAX_AGE_DAYS."""
    from supervision.documents import exports

    return exports.remove_old_jobs()


# --- Notification channels: each delivery is sent by its own task, retried with back-off; a
# sweep picks up deliveries whose task was lost. The rules live in supervision.messaging.deliveries.


@shared_task(bind=True, name="supervision.tasks.send_delivery", max_retries=None)
def send_delivery(self, delivery_id: int) -> str:
    """One attempt at a delivery; while it stays queued, try again when it is due. Run eagerly
    (no broker) it makes one attempt only: the sweep makes the later ones, never the request."""
    from supervision.messaging import deliveries

    delivery = deliveries.deliver(delivery_id)
    if delivery is None:
        return "missing"
    if delivery.state == delivery.State.QUEUED and not self.request.is_eager:
        raise self.retry(countdown=deliveries.seconds_until_due(delivery))
    return delivery.state


@shared_task(name="supervision.tasks.send_due_deliveries")
def send_due_deliveries() -> int:
    from supervision.messaging import deliveries

    return deliveries.send_due()


@shared_task(name="supervision.tasks.remove_abandoned_photo_drafts")
def remove_abandoned_photo_drafts() -> int:
    """Remove photos chosen on forms that were never saved (``photos.DRAFT_MAX_AGE``)."""
    from supervision.photos.uploads import remove_abandoned_drafts

    return remove_abandoned_drafts()
