"""What happens after the list is adopted: progress reports, pace checks, flags, reminders,
inspection visits, rectifications and plan snapshots.

Accepted progress reports are the official, append-only record (the database refuses to update
or delete them: see migration 0002). Every figure "as of" a date is computed from them.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.lights import Light
from projects.models import PERCENT_VALIDATORS, FundingLine, Item, Plan, SubItem, SubItemShare, Unit


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

    class Meta:
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class Notification(models.Model):
    """An in-app message to one user (also sent by e-mail when the user has an address)."""

    class Kind(models.TextChoices):
        REPORT_ACCEPTED = "report_accepted", _("填报已通过")
        REPORT_RETURNED = "report_returned", _("填报被退回")
        REPORT_REMINDER = "report_reminder", _("催报")
        PACE_WARNING = "pace_warning", _("滞后预警")
        RECTIFICATION = "rectification", _("整改督办")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class SubItemPace(models.Model):
    """The current result of the pace check for one sub-item (rewritten by each check)."""

    sub_item = models.OneToOneField(
        SubItem, on_delete=models.CASCADE, related_name="pace", verbose_name=_("子项")
    )
    checked_on = models.DateField(_("检查日期"))
    scheduled_percent = models.DecimalField(_("序时进度（%）"), max_digits=5, decimal_places=2)
    progress_percent = models.DecimalField(_("实际进度（%）"), max_digits=5, decimal_places=2)
    lag_points = models.DecimalField(_("滞后（百分点）"), max_digits=6, decimal_places=2)
    light = models.CharField(_("灯色"), max_length=10, choices=Light.choices)
    overdue_report = models.BooleanField(_("超期未报"), default=False)
    forecast_completion = models.DateField(_("预计完成日期"), null=True, blank=True)
    forecast_late = models.BooleanField(_("预计逾期"), default=False)
    # 超期未报 is chased from these units: the responsible unit, or a split sub-item's shares'
    # units that owe their own report (``SubItemState.units_overdue``); ids, in order.
    owing_units = models.JSONField(_("超期未报单位"), default=list, blank=True)

    class Meta:
        verbose_name = _("子项序时进度")
        verbose_name_plural = _("子项序时进度")
        indexes = [models.Index(fields=["light"])]

    def __str__(self) -> str:
        return f"{self.sub_item_id} {self.get_light_display()}"


class ItemPace(models.Model):
    """The current pace of an item, rolled up from its sub-items by weight."""

    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="pace", verbose_name=_("实事"))
    checked_on = models.DateField(_("检查日期"))
    scheduled_percent = models.DecimalField(_("序时进度（%）"), max_digits=5, decimal_places=2)
    progress_percent = models.DecimalField(_("实际进度（%）"), max_digits=5, decimal_places=2)
    lag_points = models.DecimalField(_("滞后（百分点）"), max_digits=6, decimal_places=2)
    light = models.CharField(_("灯色"), max_length=10, choices=Light.choices)

    class Meta:
        verbose_name = _("实事序时进度")
        verbose_name_plural = _("实事序时进度")

    def __str__(self) -> str:
        return f"{self.item_id} {self.get_light_display()}"


class Flag(models.Model):
    """A warning raised by the pace check and kept as history: when raised, when cleared."""

    class Kind(models.TextChoices):
        YELLOW = "yellow", _("黄灯（滞后）")
        RED = "red", _("红灯（严重滞后）")
        OVERDUE_REPORT = "overdue_report", _("超期未报")
        FORECAST_LATE = "forecast_late", _("预计逾期")

    sub_item = models.ForeignKey(
        SubItem, on_delete=models.CASCADE, related_name="flags", verbose_name=_("子项")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    raised_on = models.DateField(_("亮灯日期"))
    cleared_on = models.DateField(_("消除日期"), null=True, blank=True)
    lag_points = models.DecimalField(
        _("滞后（百分点）"), max_digits=6, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("预警记录")
        verbose_name_plural = _("预警记录")
        ordering = ["-raised_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["sub_item", "kind"],
                condition=Q(cleared_on__isnull=True),
                name="flag_one_open_per_kind",
            )
        ]
        indexes = [models.Index(fields=["kind", "cleared_on"])]

    def __str__(self) -> str:
        return f"{self.sub_item_id} {self.get_kind_display()} {self.raised_on}"


class ReminderLog(models.Model):
    """A reminder (催报) sent to a unit for a plan's period; unique so each goes out once."""

    class Kind(models.TextChoices):
        BEFORE_DUE = "before", _("截止前提醒")
        AFTER_DUE = "after", _("逾期催报")
        # One-click reminders from the office; their period_start is the day they were sent,
        # so the constraint below lets a unit be reminded once a day per plan and kind.
        MANUAL_REPORT = "manual_report", _("催报")
        MANUAL_ACTION = "manual_action", _("催办")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("催报记录")
        verbose_name_plural = _("催报记录")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "unit", "period_start", "kind"], name="reminder_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.period_start} {self.get_kind_display()}"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    FAIRLY = "fairly", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class InspectionVisit(models.Model):
    """Deputies, CPPCC members or inspectors visiting sites on a date (视察 / 督查 / 暗访)."""

    class Kind(models.TextChoices):
        DEPUTY_INSPECTION = "inspection", _("人大代表视察")
        CPPCC = "cppcc", _("政协委员视察")
        SUPERVISION = "supervision", _("督查")
        UNANNOUNCED = "unannounced", _("暗访")

    plan = models.ForeignKey(Plan, verbose_name=_("清单"), on_delete=models.PROTECT, related_name="visits")
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    organiser = models.CharField(_("组织单位"), max_length=100, blank=True)
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("参加人员（有账号）"), blank=True, related_name="visits"
    )
    other_participants = models.TextField(_("其他参加人员"), blank=True)
    findings = models.TextField(_("发现问题"), blank=True)
    opinions = models.TextField(_("意见建议"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    locked = models.BooleanField(_("已锁定"), default=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("视察督查")
        verbose_name_plural = _("视察督查")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["plan", "date"])]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"


class VisitedItem(models.Model):
    """One item (optionally one sub-item) seen on a visit, with the satisfaction rating."""

    visit = models.ForeignKey(InspectionVisit, on_delete=models.CASCADE, related_name="visited_items")
    item = models.ForeignKey(Item, verbose_name=_("实事"), on_delete=models.PROTECT, related_name="visits")
    sub_item = models.ForeignKey(
        SubItem,
        verbose_name=_("子项"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    satisfaction = models.CharField(_("满意度"), max_length=20, choices=Satisfaction.choices, blank=True)
    comment = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("视察项目")
        verbose_name_plural = _("视察项目")
        constraints = [
            models.UniqueConstraint(fields=["visit", "item", "sub_item"], name="visited_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.visit} — {self.item}"


def visit_photo_path(instance: VisitPhoto, filename: str) -> str:
    return f"visits/{instance.visit_id}/{filename}"


class VisitPhoto(PhotoFacts):
    visit = models.ForeignKey(InspectionVisit, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to=visit_photo_path)
    display = models.ImageField(_("展示图"), upload_to=visit_photo_path, blank=True)
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("视察照片")
        verbose_name_plural = _("视察照片")

    def __str__(self) -> str:
        return self.caption or self.image.name


class Rectification(models.Model):
    """A problem turned into a task for a unit with a deadline (整改 / 督办事项)."""

    class Source(models.TextChoices):
        VISIT = "visit", _("视察发现")
        PACE = "pace", _("序时进度红灯")
        OTHER = "other", _("其他")
        EVALUATION = "evaluation", _("满意度测评")

    class State(models.TextChoices):
        OPEN = "open", _("待整改")
        RESPONDED = "responded", _("已反馈待核实")
        CLOSED = "closed", _("已销号")

    plan = models.ForeignKey(
        Plan, verbose_name=_("清单"), on_delete=models.PROTECT, related_name="rectifications"
    )
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    visit = models.ForeignKey(
        InspectionVisit,
        verbose_name=_("视察"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rectifications",
    )
    item = models.ForeignKey(
        Item,
        verbose_name=_("实事"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rectifications",
    )
    sub_item = models.ForeignKey(
        SubItem,
        verbose_name=_("子项"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rectifications",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("整改单位"), on_delete=models.PROTECT, related_name="rectifications"
    )
    title = models.CharField(_("问题"), max_length=200)
    required_action = models.TextField(_("整改要求"))
    deadline = models.DateField(_("整改时限"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.OPEN)
    is_overdue = models.BooleanField(_("已逾期"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("整改督办")
        verbose_name_plural = _("整改督办")
        ordering = ["-is_overdue", "deadline"]
        indexes = [models.Index(fields=["plan", "state"]), models.Index(fields=["unit", "state"])]

    def __str__(self) -> str:
        return self.title


class RectificationEvent(models.Model):
    """One step in a rectification's history: who did what, when."""

    class Action(models.TextChoices):
        CREATED = "created", _("交办")
        RESPONDED = "responded", _("反馈整改情况")
        SENT_BACK = "sent_back", _("退回重新整改")
        CLOSED = "closed", _("核实销号")
        MARKED_OVERDUE = "overdue", _("逾期")

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d}"


def rectification_photo_path(instance: RectificationPhoto, filename: str) -> str:
    return f"rectifications/{instance.event.rectification_id}/{filename}"


class RectificationPhoto(PhotoFacts):
    event = models.ForeignKey(RectificationEvent, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to=rectification_photo_path)
    display = models.ImageField(_("展示图"), upload_to=rectification_photo_path, blank=True)
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("整改照片")
        verbose_name_plural = _("整改照片")

    def __str__(self) -> str:
        return self.caption or self.image.name


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


class PlanSnapshot(models.Model):
    """A plan's headline figures as of a date, materialised monthly for trend charts."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="snapshots")
    as_of = models.DateField(_("截至日期"))
    data = models.JSONField(_("数据"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("进度快照")
        verbose_name_plural = _("进度快照")
        ordering = ["plan", "as_of"]
        constraints = [models.UniqueConstraint(fields=["plan", "as_of"], name="snapshot_once_per_date")]

    def __str__(self) -> str:
        return f"{self.plan} {self.as_of}"


class RegionFigures(models.Model):
    """A cache: one lower region's headline of a plan as of a day (the figures of its
    ``?region=`` pages; a city list's counties side by side), stored with the plan's figures
    version it was computed at and read only while that version is current
    (``current.region_headlines``). A province list's 16 cities each roll up thousands of
    shares, which the ledger takes seconds to read."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("projects.Region", on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField(_("截至日期"))
    figures_version = models.PositiveBigIntegerField(_("数字版本"))
    data = models.JSONField(_("数据"))

    class Meta:
        verbose_name = _("下级区划进度（缓存）")
        verbose_name_plural = _("下级区划进度（缓存）")
        constraints = [
            models.UniqueConstraint(fields=["plan", "region", "as_of"], name="region_figures_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.region_id} {self.as_of}"


class PlanFiguresVersion(models.Model):
    """A counter bumped in the same transaction as every change that can change a plan's
    figures (an accepted report, a registry edit, a bulk insert): a cache of anything computed
    from the plan's figures is keyed on it, and never read stale."""

    plan = models.OneToOneField(
        Plan, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("清单")
    )
    version = models.PositiveBigIntegerField(_("版本"), default=0)

    class Meta:
        verbose_name = _("清单数据版本")
        verbose_name_plural = _("清单数据版本")

    def __str__(self) -> str:
        return f"{self.plan_id} v{self.version}"


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


class SupervisionOrderSequence(models.Model):
    """The last 督办单 number given out in a year; its row is locked while the next is taken."""

    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    last_number = models.PositiveIntegerField(_("已用编号"), default=0)

    class Meta:
        verbose_name = _("督办单编号")
        verbose_name_plural = _("督办单编号")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class SupervisionOrder(models.Model):
    """A numbered supervision order (督办单, 督办〔2026〕3号) to a unit: the problem, what it must
    do and by when. The unit signs for it and answers; the office closes it or calls the unit
    head to a talk (约谈). Every step is a ``SupervisionOrderEvent``."""

    class Source(models.TextChoices):
        RED = "red", _("红灯子项")
        OVERDUE_REPORT = "overdue_report", _("超期未报")
        OVERDUE_RECTIFICATION = "overdue_rectification", _("整改逾期")

    class State(models.TextChoices):
        ISSUED = "issued", _("已下发")
        SIGNED = "signed", _("已签收")
        ANSWERED = "answered", _("已答复")
        CLOSED = "closed", _("已办结")
        ESCALATED = "escalated", _("已约谈")

    plan = models.ForeignKey(
        Plan, verbose_name=_("清单"), on_delete=models.PROTECT, related_name="supervision_orders"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveIntegerField(_("编号"))
    source = models.CharField(_("来源"), max_length=30, choices=Source.choices)
    sub_item = models.ForeignKey(
        SubItem,
        verbose_name=_("子项"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervision_orders",
    )
    rectification = models.ForeignKey(
        Rectification,
        verbose_name=_("整改事项"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervision_orders",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("督办单位"), on_delete=models.PROTECT, related_name="supervision_orders"
    )
    problem = models.TextField(_("督办事项"))
    requirement = models.TextField(_("督办要求"))
    deadline = models.DateField(_("办理时限"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.ISSUED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("下发时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-year", "-number"]
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="order_number_once_per_year")]
        indexes = [models.Index(fields=["unit", "state"]), models.Index(fields=["plan", "state"])]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return f"督办〔{self.year}〕{self.number}号"


class SupervisionOrderEvent(models.Model):
    """One step in a supervision order's history; a talk (约谈) also records its date, who took
    part and what was said."""

    class Action(models.TextChoices):
        ISSUED = "issued", _("下发督办单")
        SIGNED = "signed", _("签收")
        ANSWERED = "answered", _("答复")
        CLOSED = "closed", _("办结")
        ESCALATED = "escalated", _("约谈")

    order = models.ForeignKey(SupervisionOrder, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("说明"), blank=True)
    talk_on = models.DateField(_("约谈日期"), null=True, blank=True)
    participants = models.CharField(_("参加人员"), max_length=300, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("督办单记录")
        verbose_name_plural = _("督办单记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d}"


# --- Where officials read their messages: channels chosen per user and per unit, and one
# delivery record per message and channel (supervision.messaging.deliveries sends them). ---


class UserChannels(models.Model):
    """The channels one user chose besides the in-app list (always on). Without a row, e-mail
    is on (as it always was) and SMS off."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="channel_choice",
        verbose_name=_("用户"),
    )
    email = models.BooleanField(_("邮件"), default=True)
    sms = models.BooleanField(_("短信"), default=False)

    class Meta:
        verbose_name = _("个人消息渠道")
        verbose_name_plural = _("个人消息渠道")

    def __str__(self) -> str:
        return str(self.user)


class UnitChannels(models.Model):
    """The unit's group robots: every message to one of its people is also posted to the
    group. The webhook addresses carry the robot's key and are as secret as the signing secret:
    pages, admin and logs show them masked."""

    unit = models.OneToOneField(
        Unit, on_delete=models.CASCADE, related_name="channels", verbose_name=_("单位")
    )
    wecom_webhook = models.URLField(_("企业微信群机器人 Webhook"), max_length=500, blank=True)
    dingtalk_webhook = models.URLField(_("钉钉群机器人 Webhook"), max_length=500, blank=True)
    dingtalk_secret = models.CharField(
        _("钉钉加签密钥"), max_length=200, blank=True, help_text=_("机器人安全设置选择“加签”时填写")
    )

    class Meta:
        verbose_name = _("单位消息渠道")
        verbose_name_plural = _("单位消息渠道")

    def __str__(self) -> str:
        return str(self.unit)


class Delivery(models.Model):
    """One message (a Notification) sent through one channel to one destination. A retry
    updates this row; the unique key means a message is never queued twice for the same
    destination, and a sent row is never sent again."""

    class Channel(models.TextChoices):
        IN_APP = "in_app", _("站内")
        EMAIL = "email", _("邮件")
        SMS = "sms", _("短信")
        WECOM = "wecom", _("企业微信")
        DINGTALK = "dingtalk", _("钉钉")

    class State(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("通知")
    )
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    # The e-mail address, the phone number, or for a group robot the unit's name: never a key.
    destination = models.CharField(_("发送对象"), max_length=254, blank=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("单位")
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("消息投递")
        verbose_name_plural = _("消息投递")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel", "destination"], name="delivery_once_per_destination"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.shown_destination}"

    @property
    def shown_destination(self) -> str:
        """The destination as pages show it: a phone number with its middle digits hidden."""
        if self.channel == self.Channel.SMS and len(self.destination) >= 7:
            return f"{self.destination[:3]}****{self.destination[-4:]}"
        return self.destination


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

    class Meta:
        verbose_name = _("进展通报")
        verbose_name_plural = _("进展通报")
        ordering = ["-year", "-number", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="circular_number_once_per_year"),
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
    """The last circular number issued in a year; its row is locked while the next is taken,
    so two offices clicking 签发 at once never get the same number."""

    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    last_number = models.PositiveIntegerField(_("已用序号"), default=0)

    class Meta:
        verbose_name = _("通报编号")
        verbose_name_plural = _("通报编号")

    def __str__(self) -> str:
        return f"{self.year}年 已编至{self.last_number}号"


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

    class Meta:
        verbose_name = _("红黄榜公开")
        verbose_name_plural = _("红黄榜公开")
        ordering = ["plan", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "month"], name="ranking_published_once_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.month.year}年{self.month.month}月红黄榜"


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

    class Meta:
        verbose_name = _("公示意见")
        verbose_name_plural = _("公示意见")
        ordering = ["sent_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


# The satisfaction evaluation's models live in their own module (registered with this app).
from supervision.yearend.models import *  # noqa: E402, F403
