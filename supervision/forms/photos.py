"""Photo uploads, shared by report, visit and rectification forms: several files from one
<input type=file multiple>, each accepted only if its content is a JPEG, PNG or WebP picture
within the size limit, whatever its name says."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image

PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
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
        checked, errors = [], []
        for upload in files:
            try:
                checked.append((upload, photo_extension(upload)))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return checked


def photo_extension(upload) -> str:
    """The file extension for an upload's real image format; refuses anything that is not a
    JPEG, PNG or WebP picture within the size limit, whatever its name says."""
    name = upload.name or _("照片")
    if upload.size > settings.MAX_PHOTO_BYTES:
        raise ValidationError(
            _("“%(name)s”太大（%(size)s），每张照片不能超过%(limit)s")
            % {
                "name": name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.MAX_PHOTO_BYTES),
            }
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types for bad input
        raise ValidationError(
            _("“%(name)s”不是有效的图片文件，只能上传 JPEG、PNG 或 WebP 格式的照片") % {"name": name}
        ) from exc
    finally:
        upload.seek(0)
    if image_format not in PHOTO_FORMATS:
        raise ValidationError(
            _("“%(name)s”是 %(format)s 格式，只能上传 JPEG、PNG 或 WebP 格式的照片")
            % {"name": name, "format": image_format}
        )
    return PHOTO_FORMATS[image_format]
