"""The documents models (app label ``supervision``; ``supervision.models`` registers them)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import Reach
from projects.models import Plan


def export_file_name(job: ExportJob, filename: str) -> str:
    """A random name under exports/: the file is only ever served by the job's download view,
    which checks who is asking, so its name must not be guessable from anything else."""
    return f"exports/{secrets.token_hex(16)}.xlsx"


class ExportJob(models.Model):
    """A large export built by a worker (a Celery task) instead of in the request: who asked,
    what exactly (the export's kind, plan, date and the page's filters), how far it has got and,
    once done, the file. The file shows what was known on the ``as_of`` in its parameters."""

    class Kind(models.TextChoices):
        BRIEFING = "briefing", _("工作简报")
        PLAN_TABLE = "plan_table", _("清单表")
        LAGGING = "lagging", _("滞后项目")
        RECTIFICATIONS = "rectifications", _("整改督办事项")

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    kind = models.CharField(_("导出类型"), max_length=20, choices=Kind.choices)
    params = models.JSONField(_("参数"), default=dict, help_text=_("清单、截至日期与页面筛选条件"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    rows_done = models.PositiveIntegerField(_("已写行数"), default=0)
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    file = models.FileField(_("文件"), upload_to=export_file_name, blank=True, max_length=200)
    filename = models.CharField(_("文件名"), max_length=255, blank=True)
    error = models.CharField(_("错误信息"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


def circular_document_path(instance: Circular, filename: str) -> str:
    return f"circulars/{instance.year}/{filename}"


class Circular(models.Model):
    """The office's progress circular (进展通报) on a plan as of a date: a draft whose text the
    office edits, then issued (签发) under the year's next number (〔2026〕5号), when its Word
    document is stored and nothing about it changes any more."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("已签发")

    plan = models.ForeignKey(Plan, verbose_name=_("清单"), on_delete=models.PROTECT, related_name="circulars")
    as_of = models.DateField(_("截至日期"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    # The issuing office (督查室) numbers its own circulars: the code of the plan's region when
    # the circular was issued (empty for a plan with no region, and for a draft).
    issuer = models.CharField(_("发文机关"), max_length=9, blank=True, default="", editable=False)
    year = models.PositiveSmallIntegerField(_("发文年度"), null=True, blank=True)
    number = models.PositiveIntegerField(_("发文序号"), null=True, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    overview = models.TextField(_("总体情况"), blank=True)
    highlights = models.TextField(_("工作亮点"), blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    requirements = models.TextField(_("下步要求"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("起草人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("起草时间"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    document = models.FileField(_("通报文件"), upload_to=circular_document_path, blank=True)

    # Who reads it: projects.scope.
    reach = Reach(plan="plan", handed_down=True)

    class Meta:
        verbose_name = _("进展通报")
        verbose_name_plural = _("进展通报")
        ordering = ["-year", "-number", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "year", "number"], name="circular_number_once_per_issuer_year"
            ),
            models.CheckConstraint(
                condition=(
                    Q(state="draft", year__isnull=True, number__isnull=True, issued_at__isnull=True)
                    | Q(state="issued", year__isnull=False, number__isnull=False, issued_at__isnull=False)
                ),
                name="circular_numbered_when_issued",
                violation_error_message=_("通报签发时编号，草稿没有编号"),
            ),
        ]
        indexes = [models.Index(fields=["plan", "state"])]

    def __str__(self) -> str:
        return f"{self.number_text} {self.title}" if self.is_issued else f"（草稿）{self.title}"

    @property
    def is_issued(self) -> bool:
        return self.state == self.State.ISSUED

    @property
    def number_text(self) -> str:
        """发文字号: 〔2026〕5号 (empty for a draft)."""
        return f"〔{self.year}〕{self.number}号" if self.is_issued else ""


class CircularSequence(models.Model):
    """The last circular number an issuing office issued in a year; its row is locked while the
    next is taken, so two clicks on 签发 at once never get the same number. Each office numbers
    its own circulars (``issuer``: the code of the plan's region, empty for a plan with none)."""

    issuer = models.CharField(_("发文机关"), max_length=9, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    last_number = models.PositiveIntegerField(_("已用序号"), default=0)

    class Meta:
        verbose_name = _("通报编号")
        verbose_name_plural = _("通报编号")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "year"], name="circular_sequence_once_per_issuer_year")
        ]

    def __str__(self) -> str:
        return f"{self.issuer or '—'} {self.year}年 已编至{self.last_number}号"


class RankingPublication(models.Model):
    """A month's 红黄榜 of a plan as published on the public page: the units' names and counts
    as of the month's end, frozen when the office published it."""

    plan = models.ForeignKey(Plan, verbose_name=_("清单"), on_delete=models.CASCADE, related_name="rankings")
    month = models.DateField(_("月份"), help_text=_("当月1日"))
    data = models.JSONField(_("榜单"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)

    # Who reads it: projects.scope.
    reach = Reach(plan="plan", handed_down=True)

    class Meta:
        verbose_name = _("红黄榜公开")
        verbose_name_plural = _("红黄榜公开")
        ordering = ["plan", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "month"], name="ranking_published_once_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.month.year}年{self.month.month}月红黄榜"
