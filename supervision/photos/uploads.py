"""Uploaded photos (report, visit and rectification photos alike): the one place that decides
whether an upload is a photo we keep, the name it is stored under and the reduced copy pages show.

The original is kept untouched as evidence; pages show a display copy no wider than
DISPLAY_LONG_SIDE pixels on its long side, and a link opens the original. What the photo says
about itself — when and where it was taken (EXIF) — is read once, here, and stored with it; a
photo without EXIF is kept and marked, never refused for that alone."""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import zip_longest

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from supervision.ledger.periods import Period
from supervision.photos.models import PhotoDraft, PhotoStage

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


EXIF_IFD = 0x8769
GPS_IFD = 0x8825
DATETIME_ORIGINAL = 36867
DATETIME_DIGITIZED = 36868
DATETIME = 306
SIX_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class PhotoFacts:
    """When and where a photo was taken, as its EXIF says (None where it says nothing)."""

    has_exif: bool = False
    taken_at: datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def _exif_time(text) -> datetime | None:
    """An EXIF "YYYY:MM:DD HH:MM:SS" (camera local time, taken as the server's time zone)."""
    if isinstance(text, bytes):
        text = text.decode("ascii", "ignore")
    try:
        naive = datetime.strptime(str(text).strip().rstrip("\x00")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    return timezone.make_aware(naive)


def _degrees(parts, ref) -> Decimal | None:
    """A GPS (degrees, minutes, seconds) triple and its N/S/E/W reference as signed degrees."""
    try:
        degrees, minutes, seconds = (Decimal(str(float(part))) for part in parts)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    if str(ref).strip().upper().startswith(("S", "W")):
        value = -value
    return value.quantize(SIX_PLACES, rounding=ROUND_HALF_UP)


def read_facts(upload) -> PhotoFacts:
    """The capture time (DateTimeOriginal, else DateTimeDigitized, else DateTime) and GPS
    place an upload's EXIF states. A file without EXIF, or with unreadable EXIF, says nothing."""
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            exif = image.getexif()
            if not exif:
                return PhotoFacts()
            details = exif.get_ifd(EXIF_IFD)
            gps = exif.get_ifd(GPS_IFD)
    except Exception:  # noqa: BLE001 - a broken EXIF block must not refuse a good picture
        return PhotoFacts()
    finally:
        upload.seek(0)
    taken_at = None
    for raw in (details.get(DATETIME_ORIGINAL), details.get(DATETIME_DIGITIZED), exif.get(DATETIME)):
        if raw and (taken_at := _exif_time(raw)) is not None:
            break
    latitude = longitude = None
    if gps.get(2) and gps.get(4):
        latitude, longitude = _degrees(gps[2], gps.get(1, "N")), _degrees(gps[4], gps.get(3, "E"))
        if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
            latitude = longitude = None
    return PhotoFacts(has_exif=True, taken_at=taken_at, latitude=latitude, longitude=longitude)


def store_photo(photo, upload) -> None:
    """Check an upload and save it on a photo record (ReportPhoto, VisitPhoto,
    RectificationPhoto, or a PhotoDraft, its parent already set): the original under a random
    name with the extension of its real format, never the name it came with, its display copy
    beside it, and what its EXIF says about when and where it was taken.

    A PhotoDraft given as ``upload`` went through here when it was stored: its files and facts
    move onto the record, and the draft is gone."""
    if isinstance(upload, PhotoDraft):
        _adopt(photo, upload)
        return
    extension = check_photo(upload)
    facts = read_facts(upload)
    photo.has_exif, photo.taken_at = facts.has_exif, facts.taken_at
    photo.latitude, photo.longitude = facts.latitude, facts.longitude
    stem = uuid.uuid4().hex
    photo.image.save(f"{stem}.{extension}", upload, save=False)
    photo.display.save(f"{stem}-display.jpg", ContentFile(display_copy(upload)), save=False)
    photo.save()


def _adopt(photo, draft) -> None:
    photo.image.name, photo.display.name = draft.image.name, draft.display.name
    for name in ("has_exif", "taken_at", "latitude", "longitude"):
        setattr(photo, name, getattr(draft, name))
    if hasattr(photo, "caption"):
        photo.caption = draft.caption
    if hasattr(photo, "stage"):
        photo.stage = draft.stage
    photo.save()
    draft.delete()


NO_EXIF = _("无EXIF信息，无法核实拍摄时间和地点")
NO_CAPTURE_TIME = _("无拍摄时间")


def photo_marks(photo, period: Period | None = None) -> list[str]:
    """What a reviewer should check about a photo before trusting it as evidence: no EXIF at
    all, no capture time, or a capture time outside ``period`` (the report's period: a photo
    older than the period may show last month's site). Empty when the photo proves its date."""
    if not photo.has_exif:
        return [str(NO_EXIF)]
    if photo.taken_at is None:
        return [str(NO_CAPTURE_TIME)]
    if period is not None:
        day = timezone.localdate(photo.taken_at)
        if not period.start <= day <= period.end:
            return [
                str(
                    _("拍摄于%(day)s，不在填报周期%(period)s内")
                    % {"day": f"{day.year}年{day.month}月{day.day}日", "period": period.label}
                )
            ]
    return []


def capture_day(photo) -> date:
    """The day a photo shows: its capture day, else the day it was uploaded."""
    return timezone.localdate(photo.taken_at or photo.uploaded_at)


def before_after_pairs(photos) -> list[tuple]:
    """改造前 / 改造后 pairs of a sub-item's photos: the marked "before" photos and "after"
    photos each in capture order (capture time, else upload time), paired first with first;
    a side without its partner is None."""

    def ordered(stage):
        chosen = [p for p in photos if p.stage == stage]
        return sorted(chosen, key=lambda p: (p.taken_at or p.uploaded_at, p.pk))

    return list(zip_longest(ordered(PhotoStage.BEFORE), ordered(PhotoStage.AFTER)))


DRAFT_MAX_AGE = timedelta(days=2)


def remove_abandoned_drafts(now: datetime | None = None) -> int:
    """Delete photo drafts nobody saved with a form within DRAFT_MAX_AGE, files and all
    (a draft saved with a form is gone already: its files belong to the record now)."""
    cutoff = (now or timezone.now()) - DRAFT_MAX_AGE
    removed = 0
    for draft in PhotoDraft.objects.filter(uploaded_at__lt=cutoff).iterator():
        discard_draft(draft)
        removed += 1
    return removed


def discard_draft(draft: PhotoDraft) -> None:
    """Delete a draft nobody will save, and its files (a saved draft's files are the record's)."""
    for field in (draft.image, draft.display):
        if field.name:
            field.storage.delete(field.name)
    draft.delete()
