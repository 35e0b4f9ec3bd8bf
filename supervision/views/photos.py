"""Every uploaded photo, served only to those who may read the record it belongs to: a report
photo to readers of the report (drafts stay private), a visit photo to readers of visits, a
rectification photo to readers of that rectification, a photo draft to the one who chose it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.dates import parse_as_of
from core.media import protected_file_response
from projects import permissions
from projects.models import Plan

from ..forms.photos import MultiplePhotoField, keep_uploads
from ..models import PhotoDraft, PhotoStage, ProgressReport, RectificationPhoto, ReportPhoto, VisitPhoto
from ..periods import period_containing
from ..photos import before_after_pairs, capture_day, photo_marks
from ..progress import reading_date
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


@login_required
def subitem_photos(request: HttpRequest, sub_item_id: int) -> HttpResponse:
    """A sub-item's photo timeline: the photos of its reports accepted by the day, in the
    order they were taken (uploaded, when the photo does not say), each with what the
    reviewer should check, and its 改造前 / 改造后 pairs. Three queries."""
    if not permissions.can_view_registry(request.user):
        raise PermissionDenied
    sub_item = get_object_or_404(
        permissions.visible_sub_items(request.user)
        .select_related("item__plan", "responsible_unit")
        .filter(item__plan__in=permissions.visible_plans(request.user)),
        pk=sub_item_id,
    )
    plan: Plan = sub_item.item.plan
    as_of = reading_date(plan, parse_as_of(request))
    photos = list(
        ReportPhoto.objects.filter(
            report__in=ProgressReport.objects.filter(sub_item=sub_item).accepted_by(as_of)
        ).select_related("report")
    )
    photos.sort(key=lambda p: (p.taken_at or p.uploaded_at, p.pk))
    for p in photos:
        p.period = period_containing(p.report.period_start, plan.report_cadence, plan.report_due_day)
        p.marks = photo_marks(p, p.period)
        p.day = capture_day(p)
    return render(
        request,
        "supervision/photos/timeline.html",
        {
            "sub_item": sub_item,
            "plan": plan,
            "as_of": as_of,
            "photos": photos,
            "pairs": before_after_pairs(photos),
            "stages": PhotoStage.choices,
            "can_mark": permissions.can_review_reports(request.user),
        },
    )


@login_required
@require_POST
def report_photo_stage(request: HttpRequest, photo_id: int) -> HttpResponse:
    """The office marks a report photo as taken before or after the works (or neither)."""
    if not permissions.can_review_reports(request.user):
        raise PermissionDenied
    found = get_object_or_404(_readable_photos(request.user, "report").select_related("report"), pk=photo_id)
    stage = request.POST.get("stage", "")
    if stage not in PhotoStage.values and stage != "":
        messages.error(request, _("请选择“改造前”“改造后”或“不标注”。"))
    else:
        found.stage = stage
        found.save(update_fields=["stage"])
        messages.success(request, _("已标注照片。"))
    return redirect("subitem_photos", found.report.sub_item_id)
