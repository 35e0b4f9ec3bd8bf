"""The notices models (app label ``supervision``; ``supervision.models`` registers them)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import Reach
from projects.models import Plan


class ProgressNotice(models.Model):
    """A progress notice (进展公示) the office issues on a published list as of a date: the
    three classes' counts and shares and the slow sub-items with their units, as
    ``notices.notice_figures`` gave them that day (an issued document keeps its figures), and
    a window in which residents may object."""

    plan = models.ForeignKey(Plan, verbose_name=_("清单"), on_delete=models.PROTECT, related_name="notices")
    title = models.CharField(_("标题"), max_length=200)
    as_of = models.DateField(_("数据截至"))
    issued_on = models.DateField(_("公示日期"))
    objection_days = models.PositiveSmallIntegerField(
        _("公示期（天）"), default=7, validators=[MinValueValidator(1)]
    )
    figures = models.JSONField(_("公示数据"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("发布时间"), default=timezone.now)

    # Who reads it: projects.scope.
    reach = Reach(plan="plan", handed_down=True)

    class Meta:
        verbose_name = _("进展公示")
        verbose_name_plural = _("进展公示")
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["plan", "issued_on"])]

    def __str__(self) -> str:
        return self.title


class NoticeObjection(models.Model):
    """A resident's opinion or objection on a notice, sent within its window; the contact is
    for the office only, the office's answer is public."""

    notice = models.ForeignKey(
        ProgressNotice, verbose_name=_("公示"), on_delete=models.CASCADE, related_name="objections"
    )
    text = models.TextField(_("意见或异议"))
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    answer = models.TextField(_("答复"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # Who reads it: projects.scope.
    reach = Reach(plan="notice__plan")

    class Meta:
        verbose_name = _("公示意见")
        verbose_name_plural = _("公示意见")
        ordering = ["sent_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]
