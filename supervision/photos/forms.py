"""Photo uploads, shared by report, visit and rectification forms: several files from one
<input type=file multiple>, each checked by supervision.photos.uploads.check_photo (its content, not its
name) so that the user sees every refusal before anything is saved."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from supervision.photos.models import PhotoDraft, PhotoStage
from supervision.photos.uploads import check_photo, discard_draft, store_photo

MAX_PHOTOS_PER_SAVE = 9
ACCEPT = "image/jpeg,image/png,image/webp"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos from one <input type=file multiple>, each checked by its content."""

    def __init__(self, *args, **kwargs):
        # With the script (static/js/photo-drafts.js) a chosen photo is stored as a draft at once.
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ACCEPT, "data-draft-url": reverse_lazy("photo_draft_upload")}),
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS_PER_SAVE:
            raise ValidationError(_("每次最多上传%(n)s张照片") % {"n": MAX_PHOTOS_PER_SAVE})
        errors = []
        for upload in files:
            try:
                check_photo(upload)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return files


def posted_drafts(request) -> list:
    """The photo drafts a form came back with (hidden ``draft`` ids, the user's own only), each
    with the caption and 改造前/改造后 typed beside it; a draft ticked for removal is deleted."""
    ids = [value for value in request.POST.getlist("draft") if value.isdigit()]
    kept = []
    for draft in PhotoDraft.objects.filter(owner=request.user, pk__in=ids):
        if request.POST.get(f"draft_remove_{draft.pk}"):
            discard_draft(draft)
            continue
        caption = request.POST.get(f"draft_caption_{draft.pk}", draft.caption).strip()[:200]
        stage = request.POST.get(f"draft_stage_{draft.pk}", draft.stage)
        stage = stage if stage in PhotoStage.values else ""
        if (caption, stage) != (draft.caption, draft.stage):
            draft.caption, draft.stage = caption, stage
            draft.save(update_fields=["caption", "stage"])
        kept.append(draft)
    return kept


def keep_uploads(request, field: str = "photos") -> list:
    """Store the photos posted with a form that came back with an error as the user's drafts,
    so that the form shows them again and saves them next time. A file that is not a photo we
    keep is left out (the form says why)."""
    drafts = []
    for upload in request.FILES.getlist(field)[:MAX_PHOTOS_PER_SAVE]:
        draft = PhotoDraft(owner=request.user, caption=(upload.name or "")[:200])
        try:
            store_photo(draft, upload)
        except ValidationError:
            continue
        drafts.append(draft)
    return drafts


def drafts_to_show(request, draft_ids: list[int]) -> list:
    """What a form that came back with an error shows under its photo field: the drafts it
    was posted with (read again, since a save that failed rolled back their move onto the
    record) and the photos just posted, now drafts too."""
    kept = list(PhotoDraft.objects.filter(owner=request.user, pk__in=draft_ids))
    return kept + keep_uploads(request)
