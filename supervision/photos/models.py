"""The photos models (app label ``supervision``; ``supervision.models`` registers them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PhotoFacts(models.Model):
    """What a photo says about itself, read from its EXIF when it was stored
    (``photos.read_facts``): when it was taken and where. Empty when the file does not say."""

    taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    has_exif = models.BooleanField(_("含EXIF信息"), default=False)

    class Meta:
        abstract = True

    @property
    def has_place(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class PhotoStage(models.TextChoices):
    """A site photo's place in a before/after pair (改造前 / 改造后)."""

    BEFORE = "before", _("改造前")
    AFTER = "after", _("改造后")


def draft_photo_path(instance: PhotoDraft, filename: str) -> str:
    return f"drafts/{instance.owner_id}/{filename}"


class PhotoDraft(PhotoFacts):
    """A photo chosen on a report, visit or rectification form that has not been saved with
    it yet: stored when the form came back with an error, so the user need not choose it again.
    Only its owner sees it; saving the form moves it onto the record (``photos.store_photo``)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.CASCADE, related_name="+"
    )
    image = models.ImageField(_("照片"), upload_to=draft_photo_path)
    display = models.ImageField(_("展示图"), upload_to=draft_photo_path, blank=True)
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    stage = models.CharField(_("改造前后"), max_length=10, choices=PhotoStage.choices, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("待保存照片")
        verbose_name_plural = _("待保存照片")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.caption or self.image.name
