"""The photos' daily clean-up."""

from celery import shared_task

from supervision.photos.uploads import remove_abandoned_drafts


@shared_task(name="supervision.tasks.remove_abandoned_photo_drafts")
def remove_abandoned_photo_drafts() -> int:
    """Remove photos chosen on forms that were never saved (``photos.DRAFT_MAX_AGE``)."""
    return remove_abandoned_drafts()
