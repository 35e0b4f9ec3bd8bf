"""The figures models (app label ``supervision``; ``supervision.models`` registers them)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.lights import Light
from projects.models import Item, Plan, SubItem


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
