"""Every uploaded photo, served only to those who may read the record it belongs to: a report
photo to readers of the report (drafts stay private), a visit photo to readers of visits, a
rectification photo to readers of that rectification, a photo draft to the one who chose it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.dates import parse_as_of
from core.media import protected_file_response
from projects import permissions, scope
from projects.models import Plan
from supervision.followup.models import RectificationPhoto, VisitPhoto
from supervision.followup.services.rectifications import visible_rectifications
from supervision.ledger.models import ProgressReport, ReportPhoto
from supervision.ledger.periods import Period, period_containing
from supervision.photos.forms import MultiplePhotoField, keep_uploads
from supervision.photos.models import PhotoDraft, PhotoStage
from supervision.photos.uploads import before_after_pairs, capture_day, photo_marks
from supervision.reading.progress import reading_date


def _readable_photos(user, kind: str) -> QuerySet:
    if kind == "report":
        return ReportPhoto.objects.filter(report__in=ProgressReport.objects.readable_by(user))
    if kind == "visit":
        if not permissions.can_view_visits(user):
            return VisitPhoto.objects.none()
        return scope.readable(user, VisitPhoto.objects.all())
    if kind == "rectification":
        if not permissions.can_view_rectifications(user):
            return RectificationPhoto.objects.none()
        return scope.readable(user, RectificationPhoto.objects.all())
    raise Http404


@login_required
def photo(request: HttpRequest, kind: str, photo_id: int, original: bool = False) -> HttpResponse:
    """The display copy pages show (the original for photos saved before copies were made), or
    with ``original`` the photo exactly as uploaded."""
    found = get_object_or_404(_readable_photos(request.user, kind), pk=photo_id)
    return protected_file_response(found.image if original or not found.display else found.display)


@login_required
@require_POST
def photo_draft_upload(request: HttpRequest) -> HttpResponse:
    """Photos chosen on a report, visit or rectification form, stored at once as the user's
    drafts (the form's script posts them here as soon as they are chosen): the drafts' form
    rows as HTML, or the refusals in Chinese. Without the script the form's own POST keeps
    them (``forms.photos.keep_uploads``)."""
    if not (permissions.can_create_reports(request.user) or permissions.can_record_visits(request.user)):
        raise PermissionDenied
    errors = []
    try:
        MultiplePhotoField().clean(request.FILES.getlist("photos"))
    except ValidationError as exc:
        errors = exc.messages
    drafts = keep_uploads(request)
    html = render_to_string("partials/photo_draft_items.html", {"drafts": drafts}, request=request)
    return JsonResponse({"html": html, "errors": errors}, status=400 if errors and not drafts else 200)


@login_required
def photo_draft(request: HttpRequest, draft_id: int) -> HttpResponse:
    """The display copy of a photo chosen on a form not saved yet: its owner's eyes only."""
    found = get_object_or_404(PhotoDraft.objects.filter(owner=request.user), pk=draft_id)
    return protected_file_response(found.display or found.image)


@dataclass
class TimelineEntry:
    """One photo on a sub-item's timeline, whichever record it belongs to."""

    photo: object
    source: str
    url: str
    original_url: str
    day: date
    period: Period | None
    marks: list[str]
    can_mark: bool = False


def _entry(photo, kind: str, source: str, period: Period | None) -> TimelineEntry:
    return TimelineEntry(
        photo=photo,
        source=source,
        url=reverse(f"{kind}_photo", args=[photo.pk]),
        original_url=reverse(f"{kind}_photo_original", args=[photo.pk]),
        day=capture_day(photo),
        period=period,
        marks=photo_marks(photo, period),
    )


@login_required
def subitem_photos(request: HttpRequest, sub_item_id: int) -> HttpResponse:
    """A sub-item's photo timeline as known on a day, in the order the photos were taken
    (uploaded, when a photo does not say): those of its reports accepted by then, of the
    visits that saw it and of its rectifications' responses (for those who may read them),
    each with what a reviewer should check, and its 改造前 / 改造后 pairs. Five queries."""
    user = request.user
    if not permissions.can_view_registry(user):
        raise PermissionDenied
    sub_item = get_object_or_404(
        permissions.visible_sub_items(user)
        .select_related("item__plan", "responsible_unit")
        .filter(item__plan__in=permissions.visible_plans(user)),
        pk=sub_item_id,
    )
    plan: Plan = sub_item.item.plan
    as_of = reading_date(plan, parse_as_of(request))
    day_end = timezone.make_aware(datetime.combine(as_of, time.max))
    can_mark = permissions.can_review_reports(user)
    report_photos = list(
        ReportPhoto.objects.filter(
            report__in=ProgressReport.objects.filter(sub_item=sub_item).accepted_by(as_of)
        ).select_related("report")
    )
    entries = []
    for photo in report_photos:
        period = period_containing(photo.report.period_start, plan.report_cadence, plan.report_due_day)
        entry = _entry(photo, "report", _("%(period)s填报") % {"period": period.label}, period)
        photo.report.sub_item = sub_item
        entry.can_mark = can_mark and permissions.can_review_report(user, photo.report)
        entries.append(entry)
    if permissions.can_view_visits(user):
        for photo in VisitPhoto.objects.filter(
            visit__visited_items__sub_item=sub_item, visit__date__lte=as_of
        ).select_related("visit"):
            visit = photo.visit
            day = Period(visit.date, visit.date, visit.date)
            entries.append(_entry(photo, "visit", _("视察：%(title)s") % {"title": visit.title}, day))
    if permissions.can_view_rectifications(user):
        for photo in RectificationPhoto.objects.filter(
            event__rectification__in=visible_rectifications(user).filter(sub_item=sub_item),
            event__at__lte=day_end,
        ).select_related("event__rectification"):
            rectification = photo.event.rectification
            entries.append(
                _entry(photo, "rectification", _("整改：%(title)s") % {"title": rectification.title}, None)
            )
    entries.sort(key=lambda e: (e.photo.taken_at or e.photo.uploaded_at, e.source, e.photo.pk))
    return render(
        request,
        "supervision/photos/timeline.html",
        {
            "sub_item": sub_item,
            "plan": plan,
            "as_of": as_of,
            "entries": entries,
            "pairs": before_after_pairs(report_photos),
            "stages": PhotoStage.choices,
        },
    )


@login_required
@require_POST
def report_photo_stage(request: HttpRequest, photo_id: int) -> HttpResponse:
    """The office marks a report photo as taken before or after the works (or neither)."""
    if not permissions.can_review_reports(request.user):
        raise PermissionDenied
    found = get_object_or_404(_readable_photos(request.user, "report").select_related("report"), pk=photo_id)
    permissions.require_review_report(request.user, found.report)
    stage = request.POST.get("stage", "")
    if stage not in PhotoStage.values and stage != "":
        messages.error(request, _("请选择“改造前”“改造后”或“不标注”。"))
    else:
        found.stage = stage
        found.save(update_fields=["stage"])
        messages.success(request, _("已标注照片。"))
    return redirect("subitem_photos", found.report.sub_item_id)
