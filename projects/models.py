"""The registry: who must do what by when.

A plan (年度清单) holds numbered items (件); each item holds numbered sub-items (项), the
measurable units of work, with milestones and funding lines. A sub-item's current figures
(progress, actual, status) are written only by accepting a progress report
(``supervision.ledger.services.accept_report``); nothing else edits them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.scoping import Reach
from projects import completion, regions, roles
from projects.versioning import VersionedModel

PERCENT_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class RegionQuerySet(models.QuerySet):
    def within(self, region: Region) -> RegionQuerySet:
        """The region and every region below it."""
        return self.filter(code__startswith=region.prefix)


class Region(models.Model):
    """An administrative division (GB/T 2260): province → city → county → township.

    Province, city and county codes have 6 digits, townships 9. Codes nest: a city's code
    starts with its province's first two digits, a county's with its city's first four, a
    township's with its county's six, so "a region and everything below it" is one prefix
    filter (``Region.objects.within(region)``), whatever the depth.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        CITY = "city", _("市级")
        COUNTY = "county", _("县级")
        TOWNSHIP = "township", _("乡级")

    code = models.CharField(
        _("区划代码"), max_length=9, unique=True, help_text=_("GB/T 2260：省、市、县6位，乡镇（街道）9位")
    )
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level="township") & Q(code__regex=r"^[0-9]{9}$"))
                | (~Q(level="township") & Q(code__regex=r"^[0-9]{6}$")),
                name="region_code_length_per_level",
                violation_error_message=_("区划代码须为数字：省、市、县6位，乡镇（街道）9位"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("region_detail", args=[self.code])

    @property
    def prefix(self) -> str:
        """The part of the code every region below this one shares with it."""
        return regions.code_prefix(self.code, self.level)

    def contains(self, other: Region | None) -> bool:
        """Whether ``other`` is this region or lies below it."""
        return other is not None and other.code.startswith(self.prefix)

    def clean(self) -> None:
        errors = regions.code_errors(
            self.code,
            self.level,
            parent_code=self.parent.code if self.parent_id else None,
            parent_level=self.parent.level if self.parent_id else None,
        )
        if errors:
            raise ValidationError(errors)


class Unit(models.Model):
    """A government unit: a department (部门), a township (乡镇/街道) or another body."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("部门")
        TOWNSHIP = "township", _("乡镇（街道）")
        ENTERPRISE = "enterprise", _("国有企业")
        OTHER = "other", _("其他")

    # Unique within the unit's region (two counties each have a 住建局), see Meta.constraints.
    name = models.CharField(_("单位名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    code = models.SlugField(
        _("代码"), max_length=30, unique=True, help_text=_("英文短代码，用于联络员账号，如 edu")
    )
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所属区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
    )
    history = HistoricalRecords()

    # Who reads it: projects.scope (an office keeps its region's units and below).
    reach = Reach(region="region")

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"],
                name="unit_name_unique_in_region",
                violation_error_message=_("本区划已有同名单位"),
            ),
            # NULL regions are distinct to the constraint above: units without a region need their own.
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(region__isnull=True),
                name="unit_name_unique_without_region",
                violation_error_message=_("未设区划的单位中已有同名单位"),
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class User(AbstractUser):
    """A person who signs in. Liaisons belong to the unit whose sub-items they report on."""

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    phone = models.CharField(_("手机号"), max_length=30, blank=True)

    # Who reads it: projects.scope (an office keeps the accounts of its region's units).
    reach = Reach(units=("unit",))

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        full_name = f"{self.last_name}{self.first_name}".strip()
        return full_name or self.username


class Plan(VersionedModel):
    """One year's list for one government level, e.g. 2023年区级十件民生实事."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草拟")
        PUBLISHED = "published", _("已公布")
        CLOSED = "closed", _("已结束")

    class Cadence(models.TextChoices):
        MONTHLY = "monthly", _("每月")
        WEEKLY = "weekly", _("每周")

    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    title = models.CharField(_("清单名称"), max_length=200)
    region_name = models.CharField(_("地区"), max_length=100, help_text=_("如：某某区"))
    region = models.ForeignKey(
        Region,
        verbose_name=_("所属区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
        help_text=_("清单所属的行政区划；下级区划的分解任务须在其范围内"),
    )
    level = models.CharField(_("层级"), max_length=20, blank=True, help_text=_("如：省级、市级、区级"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    summary = models.TextField(_("说明"), blank=True)
    published_on = models.DateField(_("公布日期"), null=True, blank=True)
    closed_on = models.DateField(
        _("结束日期"),
        null=True,
        blank=True,
        help_text=_("年度清单结束（评议完成）的日期；已结束的清单默认显示截至该日的情况"),
    )
    yellow_margin = models.DecimalField(
        _("黄灯阈值（百分点）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=PERCENT_VALIDATORS,
        help_text=_("落后序时进度达到该百分点亮黄灯"),
    )
    red_margin = models.DecimalField(
        _("红灯阈值（百分点）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("30"),
        validators=PERCENT_VALIDATORS,
        help_text=_("落后序时进度超过该百分点亮红灯"),
    )
    report_cadence = models.CharField(
        _("填报周期"), max_length=10, choices=Cadence.choices, default=Cadence.MONTHLY
    )
    report_due_day = models.PositiveSmallIntegerField(
        _("填报截止日"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("每月周期：每月几号前填报上月进展（1–28）；每周周期：周几（1=周一 … 7=周日）"),
    )
    adopted_by_vote = models.BooleanField(
        _("人大代表票决产生"),
        default=False,
        help_text=_("经人大代表票决产生的清单，调整须经人大常委会批准"),
    )
    history = HistoricalRecords(excluded_fields=["version"])

    # Who reads it: projects.scope.
    reach = Reach(plan="")

    class Meta:
        verbose_name = _("年度清单")
        verbose_name_plural = _("年度清单")
        ordering = ["-year", "title"]
        constraints = [
            models.UniqueConstraint(fields=["year", "title"], name="plan_unique_title_per_year"),
            models.CheckConstraint(
                condition=Q(yellow_margin__gte=0)
                & Q(red_margin__lte=100)
                & Q(yellow_margin__lt=F("red_margin")),
                name="plan_margins_ordered",
                violation_error_message=_("黄灯阈值须小于红灯阈值，且均在0–100之间"),
            ),
            models.CheckConstraint(
                condition=Q(report_due_day__gte=1) & Q(report_due_day__lte=28),
                name="plan_due_day_range",
                violation_error_message=_("填报截止日须在1–28之间"),
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_on__isnull=False),
                name="plan_closed_has_date",
                violation_error_message=_("已结束的清单须填写结束日期"),
            ),
        ]
        indexes = [models.Index(fields=["status", "year"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("plan_detail", args=[self.pk])

    def year_over(self, on: date) -> bool:
        """Whether, on ``on``, the list's year has ended but the list is not closed yet: its
        acceptance, carry-over and evaluation are still to come (年度已结束，待验收收尾)."""
        still_open = self.status == self.Status.PUBLISHED or (
            self.status == self.Status.CLOSED and self.closed_on is not None and on < self.closed_on
        )
        return still_open and on > date(self.year, 12, 31)

    def status_on(self, on: date) -> str:
        """The list's state as a reader should see it on ``on``: 年度已结束，待验收收尾 once its
        year is over and until it is closed, else its status."""
        return str(YEAR_OVER) if self.year_over(on) else self.get_status_display()


YEAR_OVER = _("年度已结束，待验收收尾")


class Category(models.Model):
    """A policy field (领域): 教育, 医疗卫生, 住房 …"""

    name = models.CharField(_("领域"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("领域")
        verbose_name_plural = _("领域")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Item(VersionedModel):
    """A numbered entry of the list (件), made of one or more sub-items (项)."""

    plan = models.ForeignKey(Plan, verbose_name=_("清单"), on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField(_("序号"), validators=[MinValueValidator(1)])
    title = models.CharField(_("项目名称"), max_length=200)
    category = models.ForeignKey(
        Category,
        verbose_name=_("领域"),
        on_delete=models.PROTECT,
        related_name="items",
        null=True,
        blank=True,
    )
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="led_items"
    )
    responsible_leader = models.CharField(_("责任领导"), max_length=100, blank=True)
    # The leader's own account, so that the items they answer for (我分管的) are theirs to see
    # on signing in; the name above is what documents print.
    responsible_leader_account = models.ForeignKey(
        User,
        verbose_name=_("责任领导账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answered_items",
        limit_choices_to={"groups__name": roles.LEADER},
        help_text=_("该领导登录后在“我分管的”中看到本件"),
    )
    summary = models.TextField(_("简介"), blank=True)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("实事（件）")
        verbose_name_plural = _("实事（件）")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="item_unique_number_in_plan",
                violation_error_message=_("同一清单内序号不能重复"),
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="item_number_positive"),
        ]
        indexes = [models.Index(fields=["plan", "category"]), models.Index(fields=["plan", "lead_unit"])]

    def __str__(self) -> str:
        return _("第%(number)s件 %(title)s") % {"number": self.number, "title": self.title}

    def get_absolute_url(self) -> str:
        return reverse("item_detail", args=[self.pk])


class SubItem(VersionedModel):
    """A measurable task (项) of an item: target, responsible unit, dates, weight."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("未开工")
        IN_PROGRESS = "in_progress", _("推进中")
        COMPLETED = "completed", _("已完成")

    item = models.ForeignKey(Item, verbose_name=_("实事"), on_delete=models.CASCADE, related_name="sub_items")
    number = models.PositiveSmallIntegerField(_("序号"), validators=[MinValueValidator(1)])
    content = models.TextField(_("目标任务"))
    target_value = models.DecimalField(
        _("目标值"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("无量化目标的留空，按进度百分比考核"),
    )
    target_unit = models.CharField(_("计量单位"), max_length=20, blank=True, help_text=_("如：个、公里、户"))
    target_at_least = models.BooleanField(
        _("“以上”目标"), default=False, help_text=_("目标为下限，如120个以上")
    )
    responsible_unit = models.ForeignKey(
        Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="responsible_sub_items"
    )
    cooperating_units = models.ManyToManyField(
        Unit, verbose_name=_("配合单位"), blank=True, related_name="cooperating_sub_items"
    )
    first_responsible_person = models.CharField(_("第一责任人"), max_length=100, blank=True)
    planned_start = models.DateField(_("计划开工"), null=True, blank=True)
    planned_end = models.DateField(_("完成时限"), null=True, blank=True)
    weight = models.DecimalField(
        _("权重"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("汇总本件进度时的权重"),
    )
    location = models.CharField(_("实施地点"), max_length=200, blank=True)
    share_note = models.TextField(
        _("分解说明"),
        blank=True,
        help_text=_("分解到下级区划的目标之和与本项目标不一致时，须说明原因"),
    )
    # Current figures (a cache of the ledger: the latest accepted report, and the latest that
    # stated money), written only when a report is accepted or the caches are rebuilt.
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    progress_percent = models.DecimalField(
        _("进度（%）"), max_digits=5, decimal_places=2, default=Decimal("0"), validators=PERCENT_VALIDATORS
    )
    actual_value = models.DecimalField(
        _("完成值"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    last_accepted_on = models.DateField(_("最近填报日期"), null=True, blank=True)
    funds_allocated = models.DecimalField(
        _("累计到位资金（万元）"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    funds_paid = models.DecimalField(
        _("累计支付资金（万元）"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("子项（项）")
        verbose_name_plural = _("子项（项）")
        ordering = ["item__number", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "number"],
                name="subitem_unique_number_in_item",
                violation_error_message=_("同一实事内子项序号不能重复"),
            ),
            models.CheckConstraint(
                condition=Q(target_value__isnull=True) | Q(target_value__gt=0),
                name="subitem_target_positive",
                violation_error_message=_("目标值必须大于0"),
            ),
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="subitem_end_not_before_start",
                violation_error_message=_("完成时限不能早于计划开工日期"),
            ),
            models.CheckConstraint(
                condition=Q(progress_percent__gte=0) & Q(progress_percent__lte=100),
                name="subitem_progress_0_100",
                violation_error_message=_("进度须在0–100之间"),
            ),
            models.CheckConstraint(
                condition=Q(actual_value__isnull=True) | Q(actual_value__gte=0),
                name="subitem_actual_not_negative",
                violation_error_message=_("完成值不能为负数"),
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0),
                name="subitem_weight_positive",
                violation_error_message=_("权重必须大于0"),
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="subitem_number_positive"),
        ]
        indexes = [
            models.Index(fields=["responsible_unit", "status"]),
            models.Index(fields=["status"]),
            models.Index(fields=["planned_end"]),
        ]

    def __str__(self) -> str:
        return f"{self.item.number}.{self.number} {self.short_content}"

    def get_absolute_url(self) -> str:
        return reverse("subitem_detail", args=[self.pk])

    @property
    def code(self) -> str:
        """The number clerks quote: '3.2' is the second sub-item of item 3."""
        return f"{self.item.number}.{self.number}"

    @property
    def short_content(self) -> str:
        text = self.content.strip().splitlines()[0] if self.content.strip() else ""
        return text if len(text) <= 40 else text[:39] + "…"

    @property
    def is_complete(self) -> bool:
        return self.status == self.Status.COMPLETED

    @property
    def milestone_list(self) -> list[Milestone]:
        """The sub-item's milestones: those a bulk read attached (``attach_milestones``), else
        read now."""
        attached = self.__dict__.get("_attached_milestones")
        return attached if attached is not None else list(self.milestones.all())

    def attach_milestones(self, milestones: list[Milestone]) -> None:
        """Give the sub-item its milestones read in bulk, so reading them costs no query."""
        self.__dict__["_attached_milestones"] = milestones

    @property
    def target_display(self) -> str:
        return completion.format_target(self.target_value, self.target_unit, self.target_at_least)


class SubItemShare(VersionedModel):
    """The part of a sub-item handed down to a lower region (分解下达): its own target,
    responsible unit, first responsible person and deadline. A split sub-item's figures are
    rolled up from its shares' reports (``supervision.reading.shares``)."""

    sub_item = models.ForeignKey(
        SubItem, verbose_name=_("子项"), on_delete=models.CASCADE, related_name="shares"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("承担区划"), on_delete=models.PROTECT, related_name="shares"
    )
    target_value = models.DecimalField(
        _("分解目标值"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("子项有量化目标时填写；各区划之和应等于子项目标"),
    )
    responsible_unit = models.ForeignKey(
        Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="responsible_shares"
    )
    first_responsible_person = models.CharField(_("第一责任人"), max_length=100, blank=True)
    planned_end = models.DateField(_("完成时限"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("分解任务")
        verbose_name_plural = _("分解任务（分解下达）")
        ordering = ["sub_item", "region__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["sub_item", "region"],
                name="share_unique_region",
                violation_error_message=_("同一子项对同一区划只能分解一次"),
            ),
            models.CheckConstraint(
                condition=Q(target_value__isnull=True) | Q(target_value__gt=0),
                name="share_target_positive",
                violation_error_message=_("分解目标值必须大于0"),
            ),
        ]
        indexes = [models.Index(fields=["responsible_unit"])]

    def __str__(self) -> str:
        return f"{self.sub_item.code} {self.region.name}"

    @property
    def target_display(self) -> str:
        return completion.format_target(
            self.target_value, self.sub_item.target_unit, self.sub_item.target_at_least
        )


class Milestone(VersionedModel):
    """A dated checkpoint (节点) with the cumulative progress expected by that date."""

    sub_item = models.ForeignKey(
        SubItem, verbose_name=_("子项"), on_delete=models.CASCADE, related_name="milestones"
    )
    date = models.DateField(_("节点日期"))
    planned_percent = models.DecimalField(
        _("计划累计进度（%）"), max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS
    )
    description = models.CharField(_("节点任务"), max_length=200, blank=True)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("节点")
        verbose_name_plural = _("节点（倒排工期）")
        ordering = ["sub_item", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["sub_item", "date"],
                name="milestone_unique_date",
                violation_error_message=_("同一子项同一日期只能有一个节点"),
            ),
            models.CheckConstraint(
                condition=Q(planned_percent__gte=0) & Q(planned_percent__lte=100),
                name="milestone_percent_0_100",
                violation_error_message=_("计划进度须在0–100之间"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.planned_percent}%"


class FundingLine(VersionedModel):
    """The money planned for a sub-item from one source, in 万元. What has arrived (到位) and
    been paid (支付) is not kept here: accepted progress reports state it."""

    class Source(models.TextChoices):
        CENTRAL = "central", _("中央财政")
        PROVINCIAL = "provincial", _("省级财政")
        MUNICIPAL = "municipal", _("市级财政")
        COUNTY = "county", _("县级财政")
        SPECIAL_BOND = "special_bond", _("地方政府专项债券")
        SOCIAL = "social", _("社会资本")
        OTHER = "other", _("其他")

    sub_item = models.ForeignKey(
        SubItem, verbose_name=_("子项"), on_delete=models.CASCADE, related_name="funding_lines"
    )
    source = models.CharField(_("资金来源"), max_length=20, choices=Source.choices)
    planned = models.DecimalField(
        _("计划投资（万元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("资金")
        verbose_name_plural = _("资金")
        ordering = ["sub_item", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["sub_item", "source"],
                name="funding_unique_source",
                violation_error_message=_("同一子项同一资金来源只能填一行"),
            ),
            models.CheckConstraint(
                condition=Q(planned__gte=0),
                name="funding_not_negative",
                violation_error_message=_("金额不能为负数"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.planned}万元"


# Changes, acceptance, handover and carry-over (issue 15) live in their own module.
from projects.closing_models import (  # noqa: E402, F401
    Acceptance,
    AcceptanceAttachment,
    CarryOver,
    ChangeAttachment,
    ChangeRequest,
    Stewardship,
)
