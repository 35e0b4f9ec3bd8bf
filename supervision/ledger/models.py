"""The ledger models (app label ``supervision``; ``supervision.models`` registers them)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import Reach
from projects import permissions, scope
from projects.models import PERCENT_VALIDATORS, FundingLine, SubItem, SubItemShare
from supervision.photos.models import PhotoFacts, PhotoStage


class ProgressReportQuerySet(models.QuerySet):
    def accepted(self) -> ProgressReportQuerySet:
        """The ledger: reports the office accepted (append-only in the database)."""
        return self.filter(state=ProgressReport.State.ACCEPTED)

    def accepted_by(self, day) -> ProgressReportQuerySet:
        """What was on the ledger at the end of a day."""
        return self.accepted().filter(accepted_on__lte=day)

    def latest_first(self) -> ProgressReportQuerySet:
        """Newest on the ledger first: by acceptance day, then review time, then id (a
        correction accepted the same day comes after what it corrects)."""
        return self.order_by("-accepted_on", "-reviewed_at", "-id")

    def oldest_first(self) -> ProgressReportQuerySet:
        return self.order_by("accepted_on", "reviewed_at", "id")

    def readable_by(self, user) -> ProgressReportQuerySet:
        """The reports a user reads: in the states their role reads
        (``permissions.report_state_filter``), within their reading scope (``projects.scope``)."""
        return scope.readable(user, self.filter(permissions.report_state_filter(user)))


class ProgressReport(models.Model):
    """A unit's cumulative progress on one sub-item for one reporting period."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        RETURNED = "returned", _("已退回")
        ACCEPTED = "accepted", _("已通过")

    sub_item = models.ForeignKey(
        SubItem, verbose_name=_("子项"), on_delete=models.PROTECT, related_name="reports"
    )
    share = models.ForeignKey(
        SubItemShare,
        verbose_name=_("分解任务"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        help_text=_("分解到下级区划的子项，按各区划的分解任务分别填报"),
    )
    period_start = models.DateField(_("填报周期"), help_text=_("周期第一天：月报为当月1日，周报为周一"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.DRAFT)
    progress_percent = models.DecimalField(
        _("累计进度（%）"), max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS
    )
    actual_value = models.DecimalField(
        _("累计完成量"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    funds_allocated = models.DecimalField(
        _("累计到位资金（万元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    funds_paid = models.DecimalField(
        _("累计支付资金（万元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    work_done = models.TextField(_("进展情况"), blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    next_steps = models.TextField(_("下步计划"), blank=True)
    regression_explanation = models.TextField(
        _("进度回退说明"), blank=True, help_text=_("进度低于上次审核通过的数值时必须说明原因")
    )
    marks_complete = models.BooleanField(_("已全面完成"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    accepted_on = models.DateField(_("通过日期"), null=True, blank=True, db_index=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1, help_text=_("乐观锁：每次保存加一"))

    objects = ProgressReportQuerySet.as_manager()

    # Who reads it: projects.scope.
    reach = Reach(plan="sub_item__item__plan", units=("sub_item__responsible_unit",), shares=("share",))

    class Meta:
        verbose_name = _("进度填报")
        verbose_name_plural = _("进度填报")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_percent__gte=0) & Q(progress_percent__lte=100),
                name="report_progress_0_100",
                violation_error_message=_("进度须在0–100之间"),
            ),
            models.CheckConstraint(
                condition=(Q(actual_value__isnull=True) | Q(actual_value__gte=0))
                & (Q(funds_allocated__isnull=True) | Q(funds_allocated__gte=0))
                & (Q(funds_paid__isnull=True) | Q(funds_paid__gte=0)),
                name="report_amounts_not_negative",
                violation_error_message=_("数量和金额不能为负数"),
            ),
            models.CheckConstraint(
                condition=~Q(state="accepted") | Q(accepted_on__isnull=False),
                name="report_accepted_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["sub_item", "state", "accepted_on"]),
            # A share's latest accepted report, as the sub-item's above (100,000 shares in a
            # province's list).
            models.Index(fields=["share", "state", "accepted_on"]),
            # A sub-item's own latest report, without walking its shares' (1,200 a sub-item
            # split over a province's 100 counties).
            models.Index(
                fields=["sub_item", "state", "accepted_on"],
                condition=Q(share__isnull=True),
                name="report_own_by_sub_item",
            ),
            models.Index(fields=["state", "submitted_at"]),
            models.Index(fields=["sub_item", "period_start"]),
        ]

    def __str__(self) -> str:
        return f"{self.sub_item.code} {self.period_start:%Y-%m} {self.get_state_display()}"

    @property
    def is_editable(self) -> bool:
        return self.state in {self.State.DRAFT, self.State.RETURNED}


class ReportFunding(models.Model):
    """The cumulative money one report states for one funding source, in 万元, for a sub-item
    funded from several sources; the report's own totals are their sums. Part of the ledger:
    written with its report and never changed once the report is accepted."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("填报"), on_delete=models.CASCADE, related_name="funding"
    )
    source = models.CharField(_("资金来源"), max_length=20, choices=FundingLine.Source.choices)
    allocated = models.DecimalField(
        _("累计到位资金（万元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    paid = models.DecimalField(
        _("累计支付资金（万元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("填报资金（按来源）")
        verbose_name_plural = _("填报资金（按来源）")
        ordering = ["report", "source"]
        constraints = [
            models.UniqueConstraint(fields=["report", "source"], name="report_funding_once_per_source"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(paid__gte=0),
                name="report_funding_not_negative",
                violation_error_message=_("金额不能为负数"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.allocated}/{self.paid}万元"


def report_photo_path(instance: ReportPhoto, filename: str) -> str:
    return f"reports/{instance.report.sub_item_id}/{instance.report_id}/{filename}"


class ReportPhoto(PhotoFacts):
    report = models.ForeignKey(
        ProgressReport, verbose_name=_("填报"), on_delete=models.PROTECT, related_name="photos"
    )
    image = models.ImageField(_("照片"), upload_to=report_photo_path)
    display = models.ImageField(_("展示图"), upload_to=report_photo_path, blank=True)
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    stage = models.CharField(_("改造前后"), max_length=10, choices=PhotoStage.choices, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    # Who reads it: projects.scope.
    reach = Reach(
        plan="report__sub_item__item__plan",
        units=("report__sub_item__responsible_unit",),
        shares=("report__share",),
    )

    class Meta:
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.caption or self.image.name
