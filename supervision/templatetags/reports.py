"""Report display helpers: the accepted-report timeline on a sub-item page."""

from django import template
from django.db.models import Prefetch

from ..models import ProgressReport, ReportPhoto

register = template.Library()


@register.inclusion_tag("supervision/reports/_timeline.html")
def report_timeline(sub_item):
    """The sub-item's accepted reports, newest first, with their photos: two queries however
    long the history."""
    reports = (
        ProgressReport.objects.filter(sub_item=sub_item, state=ProgressReport.State.ACCEPTED)
        .select_related("reviewed_by")
        .prefetch_related(Prefetch("photos", queryset=ReportPhoto.objects.order_by("uploaded_at", "id")))
        .order_by("-accepted_on", "-reviewed_at", "-id")
    )
    return {"reports": list(reports), "sub_item": sub_item}
