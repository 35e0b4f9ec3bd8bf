"""Celery tasks of the registry: thin wrappers around the projects services."""

from celery import shared_task

from projects.services import plan_import


@shared_task(name="projects.tasks.remove_abandoned_import_files")
def remove_abandoned_import_files() -> int:
    """Remove list uploads whose preview was never confirmed (older than a day)."""
    return plan_import.remove_abandoned_uploads()
