"""The followup models (app label ``supervision``; ``supervision.models`` registers them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import Reach
from projects.models import Item, Plan, SubItem, Unit
from supervision.photos.models import PhotoFacts


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

    # Who reads it: projects.scope.
    reach = Reach(plan="sub_item__item__plan", units=("sub_item__responsible_unit",))

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

    # Who reads it: projects.scope.
    reach = Reach(plan="plan", units=("unit",))

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

    # Who reads it: projects.scope.
    reach = Reach(plan="plan")

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

    # Who reads it: projects.scope.
    reach = Reach(plan="visit__plan")

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

    # Who reads it: projects.scope.
    reach = Reach(plan="plan", units=("unit",))

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

    # Who reads it: projects.scope.
    reach = Reach(plan="event__rectification__plan", units=("event__rectification__unit",))

    class Meta:
        verbose_name = _("整改照片")
        verbose_name_plural = _("整改照片")

    def __str__(self) -> str:
        return self.caption or self.image.name


class SupervisionOrderSequence(models.Model):
    """The last 督办单 number an issuing office gave out in a year; its row is locked while the
    next is taken. Each office numbers its own orders (``issuer``: the code of the plan's region,
    empty for a plan with no region), so a county's 〔2026〕1号 and its city's are two orders."""

    issuer = models.CharField(_("签发机关"), max_length=9, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    last_number = models.PositiveIntegerField(_("已用编号"), default=0)

    class Meta:
        verbose_name = _("督办单编号")
        verbose_name_plural = _("督办单编号")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "year"], name="order_sequence_once_per_issuer_year")
        ]

    def __str__(self) -> str:
        return f"{self.issuer or '—'} {self.year}: {self.last_number}"


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
    # The issuing office (督查室) numbers its own orders: the code of the plan's region when the
    # order was issued (empty for a plan with no region).
    issuer = models.CharField(_("签发机关"), max_length=9, blank=True, default="", editable=False)
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

    # Who reads it: projects.scope.
    reach = Reach(plan="plan", units=("unit",))

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "year", "number"], name="order_number_once_per_issuer_year"
            )
        ]
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
