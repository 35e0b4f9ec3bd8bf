"""Celery tasks of the registry: thin wrappers around the projects services."""

from celery import shared_task

from core import public_forms
from projects.services import plan_import


@shared_task(name="projects.tasks.remove_abandoned_import_files")
def remove_abandoned_import_files() -> int:
    """Remove list uploads whose preview was never confirmed (older than a day)."""
    return plan_import.remove_abandoned_uploads()


@shared_task(name="projects.tasks.refill_captcha_pool")
def refill_captcha_pool() -> int:
    """Top up the public forms' pool of captcha challenges; how many were drawn."""
    return public_forms.refill_captcha_pool()
