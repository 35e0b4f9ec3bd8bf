"""Report display helpers: the accepted-report timeline on a sub-item page."""

from django import template
from django.db.models import Prefetch

from supervision.ledger.models import ProgressReport, ReportPhoto
from supervision.photos.uploads import photo_marks

register = template.Library()


@register.inclusion_tag("supervision/reports/_timeline.html")
def report_timeline(sub_item, as_of):
    """The sub-item's reports accepted by ``as_of``, newest first, with their photos and money
    by source: three queries however long the history."""
    reports = (
        ProgressReport.objects.filter(sub_item=sub_item)
        .accepted_by(as_of)
        .select_related("reviewed_by")
        .prefetch_related(
            Prefetch("photos", queryset=ReportPhoto.objects.order_by("uploaded_at", "id")), "funding"
        )
        .latest_first()
    )
    return {"reports": list(reports), "sub_item": sub_item}


@register.filter
def marks_in(photo, period):
    """What the reviewer should check about a photo (``photos.photo_marks``) for a period."""
    return photo_marks(photo, period or None)
