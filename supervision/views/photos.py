"""Every uploaded photo, served only to those who may read the record it belongs to: a report
photo to readers of the report (drafts stay private), a visit photo to readers of visits, a
rectification photo to readers of that rectification."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from core.media import protected_file_response
from projects import permissions

from ..models import ProgressReport, RectificationPhoto, ReportPhoto, VisitPhoto
from ..services.rectifications import visible_rectifications


def _readable_photos(user, kind: str) -> QuerySet:
    if kind == "report":
        return ReportPhoto.objects.filter(
            report__in=ProgressReport.objects.filter(permissions.visible_reports_filter(user))
        )
    if kind == "visit":
        if not permissions.can_view_visits(user):
            return VisitPhoto.objects.none()
        return VisitPhoto.objects.filter(visit__plan__in=permissions.published_plans_for(user))
    if kind == "rectification":
        if not permissions.can_view_rectifications(user):
            return RectificationPhoto.objects.none()
        return RectificationPhoto.objects.filter(
            event__rectification__in=visible_rectifications(user).filter(
                plan__in=permissions.published_plans_for(user)
            )
        )
    raise Http404


@login_required
def photo(request: HttpRequest, kind: str, photo_id: int, original: bool = False) -> HttpResponse:
    """The display copy pages show (the original for photos saved before copies were made), or
    with ``original`` the photo exactly as uploaded."""
    found = get_object_or_404(_readable_photos(request.user, kind), pk=photo_id)
    return protected_file_response(found.image if original or not found.display else found.display)
