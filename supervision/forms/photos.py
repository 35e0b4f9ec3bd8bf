"""Photo uploads, shared by report, visit and rectification forms: several files from one
<input type=file multiple>, each checked by supervision.photos.check_photo (its content, not its
name) so that the user sees every refusal before anything is saved."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..photos import check_photo

MAX_PHOTOS_PER_SAVE = 9
ACCEPT = "image/jpeg,image/png,image/webp"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos from one <input type=file multiple>, each checked by its content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
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
