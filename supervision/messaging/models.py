"""The messaging models (app label ``supervision``; ``supervision.models`` registers them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import Reach
from projects.models import Unit


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

    # Who reads it: projects.scope.
    reach = Reach(units=("recipient__unit",))

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


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

    # Who reads it: projects.scope.
    reach = Reach(units=("unit", "notification__recipient__unit"))

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
