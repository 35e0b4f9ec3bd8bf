"""The end of a promise: approved changes (调整), acceptance (验收销号), the handover of a finished
work to its management unit (管护) and the carry-over (结转) of an unfinished sub-item into next
year's list.

Nothing here overwrites the registry: a sub-item keeps the target and deadline it was adopted
with, and each approved change says from which day a new promise holds
(``projects.changes.promises_on`` reads them). These models are imported by ``projects.models``.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.scoping import Reach


def _attachment_path(folder: str, filename: str) -> str:
    # Stored under a random name with the extension of the checked format (projects.documents),
    # never the uploader's name.
    return f"{folder}/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()}"


def change_attachment_path(instance, filename: str) -> str:
    return _attachment_path("changes", filename)


def acceptance_attachment_path(instance, filename: str) -> str:
    return _attachment_path("acceptances", filename)


class ChangeRequest(models.Model):
    """A unit's request to change its promise on a sub-item (调整申请): extend the deadline,
    change the target or stop the work. It takes effect from the day it is approved."""

    class Kind(models.TextChoices):
        EXTEND = "extend", _("延期")
        RETARGET = "retarget", _("调整目标")
        TERMINATE = "terminate", _("终止")

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    sub_item = models.ForeignKey(
        "projects.SubItem", verbose_name=_("子项"), on_delete=models.CASCADE, related_name="change_requests"
    )
    kind = models.CharField(_("调整类型"), max_length=20, choices=Kind.choices)
    reason = models.TextField(_("调整理由"))
    new_planned_end = models.DateField(_("调整后完成时限"), null=True, blank=True)
    new_target_value = models.DecimalField(
        _("调整后目标值"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.PENDING)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="filed_changes",
    )
    filed_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decided_changes",
    )
    decided_on = models.DateField(
        _("批准日期"), null=True, blank=True, help_text=_("批准的调整自该日起生效；之前的日期仍按原承诺显示")
    )
    decision_note = models.TextField(_("审批意见"), blank=True)
    committee_approved_on = models.DateField(_("人大常委会批准日期"), null=True, blank=True)
    committee_document = models.CharField(_("人大常委会批准文号"), max_length=100, blank=True)
    history = HistoricalRecords()

    # Who reads it: projects.scope.
    reach = Reach(plan="sub_item__item__plan", units=("sub_item__responsible_unit",))

    class Meta:
        verbose_name = _("调整申请")
        verbose_name_plural = _("调整申请")
        ordering = ["-filed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sub_item"],
                condition=Q(state="pending"),
                name="change_one_open_request_per_sub_item",
                violation_error_message=_("该子项已有一份待审批的调整申请，请等待审批后再提交"),
            ),
            models.CheckConstraint(
                condition=~Q(state="approved") | Q(decided_on__isnull=False),
                name="change_approved_has_date",
                violation_error_message=_("已批准的调整须填写批准日期"),
            ),
            models.CheckConstraint(
                condition=~Q(kind="extend") | Q(new_planned_end__isnull=False),
                name="change_extend_has_end",
                violation_error_message=_("延期申请须填写调整后完成时限"),
            ),
            models.CheckConstraint(
                condition=~Q(kind="retarget") | Q(new_target_value__gt=0),
                name="change_retarget_has_target",
                violation_error_message=_("调整目标须填写大于0的目标值"),
            ),
        ]
        indexes = [models.Index(fields=["state", "decided_on"])]

    def __str__(self) -> str:
        return f"{self.sub_item.code} {self.get_kind_display()}（{self.get_state_display()}）"


class ChangeAttachment(models.Model):
    """A document or picture attached to a change request (批复、说明、现场照片)."""

    change = models.ForeignKey(
        ChangeRequest, verbose_name=_("调整申请"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("附件"), upload_to=change_attachment_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    # Who reads it: projects.scope.
    reach = Reach(plan="change__sub_item__item__plan", units=("change__sub_item__responsible_unit",))

    class Meta:
        verbose_name = _("调整申请附件")
        verbose_name_plural = _("调整申请附件")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Acceptance(models.Model):
    """The acceptance (验收) of a completed sub-item: from its acceptance date the sub-item is
    struck off (已验收销号)."""

    sub_item = models.OneToOneField(
        "projects.SubItem", verbose_name=_("子项"), on_delete=models.CASCADE, related_name="acceptance"
    )
    accepted_on = models.DateField(_("验收日期"))
    accepted_by = models.CharField(_("验收单位（人员）"), max_length=200)
    conclusion = models.TextField(_("验收结论"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords()

    # Who reads it: projects.scope.
    reach = Reach(plan="sub_item__item__plan", units=("sub_item__responsible_unit",))

    class Meta:
        verbose_name = _("验收记录")
        verbose_name_plural = _("验收记录")
        ordering = ["-accepted_on"]

    def __str__(self) -> str:
        return f"{self.sub_item.code} {self.accepted_on:%Y-%m-%d} {self.accepted_by}"


class AcceptanceAttachment(models.Model):
    """Evidence of an acceptance: its report, minutes or photos of the finished work."""

    acceptance = models.ForeignKey(
        Acceptance, verbose_name=_("验收记录"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("附件"), upload_to=acceptance_attachment_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    # Who reads it: projects.scope.
    reach = Reach(plan="acceptance__sub_item__item__plan", units=("acceptance__sub_item__responsible_unit",))

    class Meta:
        verbose_name = _("验收附件")
        verbose_name_plural = _("验收附件")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Stewardship(models.Model):
    """Who looks after a finished work (管护): the management unit, its responsible person and
    the management target ("明确管理单位、确认管理目标、明确管理责任人员")."""

    sub_item = models.OneToOneField(
        "projects.SubItem", verbose_name=_("子项"), on_delete=models.CASCADE, related_name="stewardship"
    )
    management_unit = models.CharField(_("管护单位"), max_length=200)
    responsible_person = models.CharField(_("管护责任人"), max_length=100)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    management_target = models.TextField(_("管护目标"))
    assigned_on = models.DateField(_("移交日期"))
    history = HistoricalRecords()

    # Who reads it: projects.scope.
    reach = Reach(plan="sub_item__item__plan", units=("sub_item__responsible_unit",))

    class Meta:
        verbose_name = _("管护责任")
        verbose_name_plural = _("管护责任")

    def __str__(self) -> str:
        return f"{self.sub_item.code} {self.management_unit}"


class CarryOver(models.Model):
    """An unfinished sub-item continued in next year's list (结转), linked both ways. The new
    sub-item starts from the carried figures, stated by its first accepted report."""

    from_sub_item = models.OneToOneField(
        "projects.SubItem", verbose_name=_("原子项"), on_delete=models.PROTECT, related_name="carried_to"
    )
    to_sub_item = models.OneToOneField(
        "projects.SubItem",
        verbose_name=_("结转后子项"),
        on_delete=models.PROTECT,
        related_name="carried_from",
    )
    carried_on = models.DateField(_("结转日期"))

    class Meta:
        verbose_name = _("结转")
        verbose_name_plural = _("结转")

    def __str__(self) -> str:
        return f"{self.from_sub_item} → {self.to_sub_item}"
