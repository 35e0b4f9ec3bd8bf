"""The exports' daily clean-up. Building an export (``run_export``), queued when it is asked
for, lives beside its work in ``exports``."""

from celery import shared_task

from supervision.documents import exports


@shared_task(name="supervision.tasks.remove_old_exports")
def remove_old_exports() -> int:
    """Delete export jobs and their files older than EXPORT_JOB_MAX_AGE_DAYS."""
    return exports.remove_old_jobs()
