"""Uploaded photos (report, visit and rectification photos alike): the one place that decides
whether an upload is a photo we keep, the name it is stored under and the reduced copy pages show.

The original is kept untouched as evidence; pages show a display copy no wider than
DISPLAY_LONG_SIDE pixels on its long side, and a link opens the original."""

from __future__ import annotations

import io
import uuid
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# A 40-megapixel picture already decodes to about 120 MB; anything larger is refused from its
# header, before Pillow decodes it.
MAX_PHOTO_PIXELS = 40_000_000
DISPLAY_LONG_SIDE = 1600


def check_photo(upload) -> str:
    """The file extension for an upload's real image format; refuses anything that is not a
    JPEG, PNG or WebP picture within the byte and pixel limits, whatever its name says."""
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
    too_many_pixels = ValidationError(
        _("“%(name)s”像素过多，每张照片不能超过%(limit)s万像素，请缩小后再上传")
        % {"name": name, "limit": MAX_PHOTO_PIXELS // 10_000}
    )
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image_format = image.format
                width, height = image.size
                if width * height > MAX_PHOTO_PIXELS:
                    raise too_many_pixels
                image.verify()
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        raise too_many_pixels from exc
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


def display_copy(upload) -> bytes:
    """A JPEG of the upload turned upright, at most DISPLAY_LONG_SIDE pixels on its long side."""
    upload.seek(0)
    with Image.open(upload) as image:
        image.thumbnail((DISPLAY_LONG_SIDE, DISPLAY_LONG_SIDE))
        picture = ImageOps.exif_transpose(image)
        if picture.mode in ("RGBA", "LA") or (picture.mode == "P" and "transparency" in picture.info):
            picture = picture.convert("RGBA")
            background = Image.new("RGB", picture.size, "white")
            background.paste(picture, mask=picture.getchannel("A"))
            picture = background
        buffer = io.BytesIO()
        picture.convert("RGB").save(buffer, "JPEG", quality=85, optimize=True)
    upload.seek(0)
    return buffer.getvalue()


def store_photo(photo, upload) -> None:
    """Check an upload and save it on a photo record (ReportPhoto, VisitPhoto or
    RectificationPhoto, its parent already set): the original under a random name with the
    extension of its real format, never the name it came with, and its display copy beside it."""
    extension = check_photo(upload)
    stem = uuid.uuid4().hex
    photo.image.save(f"{stem}.{extension}", upload, save=False)
    photo.display.save(f"{stem}-display.jpg", ContentFile(display_copy(upload)), save=False)
    photo.save()
