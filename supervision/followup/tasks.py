"""Follow-up's scheduled tasks: the daily pace check (07:00), report reminders (08:00) and the
daily rectification check (see CELERY_BEAT_SCHEDULE)."""

from datetime import date

from celery import shared_task

from core.tasks import DATABASE_RETRY
from supervision.followup.services import pace_check, rectifications


@shared_task(name="supervision.tasks.run_daily_pace_check", **DATABASE_RETRY)
def run_daily_pace_check(on: str | None = None) -> list[dict]:
    """Check every published plan as of ``on`` (YYYY-MM-DD, default today)."""
    day = date.fromisoformat(on) if on else None
    return [result.as_dict() for result in pace_check.check_all_active_plans(day)]


@shared_task(name="supervision.tasks.send_report_reminders", **DATABASE_RETRY)
def send_report_reminders(on: str | None = None) -> int:
    """Remind liaisons of missing reports (催报); returns the number of notifications sent."""
    return pace_check.send_report_reminders(date.fromisoformat(on) if on else None)


@shared_task(name="supervision.tasks.mark_overdue_rectifications")
def mark_overdue_rectifications() -> int:
    return rectifications.mark_overdue()
