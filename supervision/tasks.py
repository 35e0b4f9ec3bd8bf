"""Where Celery finds supervision's tasks (``autodiscover_tasks`` reads each app's ``tasks``
module). Each task lives in the package of its work; the names stay ``supervision.tasks.*``,
as CELERY_BEAT_SCHEDULE and the queues know them. Nothing in the product imports this module."""

from supervision.documents.exports import run_export
from supervision.documents.tasks import remove_old_exports
from supervision.figures.caches import refresh_region_figures_task as refresh_region_figures
from supervision.figures.tasks import refresh_pace_rows, take_monthly_snapshots
from supervision.followup.tasks import (
    mark_overdue_rectifications,
    run_daily_pace_check,
    send_report_reminders,
)
from supervision.messaging.deliveries import send_delivery
from supervision.messaging.tasks import send_due_deliveries
from supervision.photos.tasks import remove_abandoned_photo_drafts

__all__ = [
    "mark_overdue_rectifications",
    "refresh_pace_rows",
    "refresh_region_figures",
    "remove_abandoned_photo_drafts",
    "remove_old_exports",
    "run_daily_pace_check",
    "run_export",
    "send_delivery",
    "send_due_deliveries",
    "send_report_reminders",
    "take_monthly_snapshots",
]
