"""The deputies' year-end satisfaction evaluation (满意度测评) of a plan's items.

The ledger is what was cast: each deputy's electronic ballot (who voted, ``EvaluationBallot``,
kept apart from what was voted, ``EvaluationVote``, so the choices are secret) and the office's
paper tallies (``PaperTally``, append-only: a corrected tally is a new row, the latest one
entered by a day counts). Every figure — counts, 满意率, passed — is computed from these rows
by ``supervision.yearend.evaluation``; nothing else stores one. ``EvaluationRectification`` records the
rectification an item under the threshold was given when the evaluation closed (once).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import Reach
from projects.models import Item, Plan
from supervision.followup.models import Rectification, Satisfaction

__all__ = ["Evaluation", "EvaluationBallot", "EvaluationVote", "PaperTally", "EvaluationRectification"]


class Evaluation(models.Model):
    """A plan's satisfaction evaluation: open from ``opened_on``, counting ends on ``closed_on``
    (items under the threshold then get their rectification), public from ``published_on``."""

    plan = models.OneToOneField(
        Plan, verbose_name=_("清单"), on_delete=models.CASCADE, related_name="evaluation"
    )
    threshold = models.DecimalField(
        _("满意率达标线（%）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(60),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("满意率低于此值的项目评为不满意，自动交办整改"),
    )
    opened_on = models.DateField(_("测评开始日期"))
    closed_on = models.DateField(_("测评结束日期"), null=True, blank=True)
    published_on = models.DateField(_("公开日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    # Who reads it: projects.scope.
    reach = Reach(plan="plan")

    class Meta:
        verbose_name = _("满意度测评")
        verbose_name_plural = _("满意度测评")
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="evaluation_closes_after_it_opens",
            ),
            models.CheckConstraint(
                condition=Q(published_on__isnull=True)
                | Q(closed_on__isnull=False, published_on__gte=F("closed_on")),
                name="evaluation_published_once_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan}满意度测评"


class EvaluationBallot(models.Model):
    """That a deputy has voted (electronically) in an evaluation: one per deputy."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="ballots")
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("代表"), on_delete=models.PROTECT, related_name="+"
    )
    cast_on = models.DateField(_("投票日期"))

    class Meta:
        verbose_name = _("测评投票记录")
        verbose_name_plural = _("测评投票记录")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "deputy"], name="evaluation_one_ballot_per_deputy")
        ]

    def __str__(self) -> str:
        return f"{self.deputy} {self.cast_on}"


class EvaluationVote(models.Model):
    """One electronic choice on one item, without who made it."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="votes")
    item = models.ForeignKey(Item, verbose_name=_("实事"), on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("评价"), max_length=20, choices=Satisfaction.choices)
    cast_on = models.DateField(_("投票日期"))

    class Meta:
        verbose_name = _("测评票")
        verbose_name_plural = _("测评票")
        indexes = [models.Index(fields=["evaluation", "cast_on"])]

    def __str__(self) -> str:
        return f"{self.item} {self.get_choice_display()}"


class PaperTally(models.Model):
    """The office's count of one item's paper ballots. Append-only: the latest row per item
    entered by a day is the tally of that day."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="tallies")
    item = models.ForeignKey(Item, verbose_name=_("实事"), on_delete=models.PROTECT, related_name="+")
    issued = models.PositiveIntegerField(_("发出票数"))
    returned = models.PositiveIntegerField(_("收回票数"))
    valid = models.PositiveIntegerField(_("有效票数"))
    satisfied = models.PositiveIntegerField(_("满意"))
    basically_satisfied = models.PositiveIntegerField(_("基本满意"))
    unsatisfied = models.PositiveIntegerField(_("不满意"))
    entered_on = models.DateField(_("录入日期"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("纸质票统计")
        verbose_name_plural = _("纸质票统计")
        ordering = ["entered_on", "entered_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(returned__lte=F("issued")), name="tally_returned_at_most_issued"
            ),
            models.CheckConstraint(
                condition=Q(valid__lte=F("returned")), name="tally_valid_at_most_returned"
            ),
            models.CheckConstraint(
                condition=Q(valid=F("satisfied") + F("basically_satisfied") + F("unsatisfied")),
                name="tally_choices_add_up_to_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} 纸质票 {self.entered_on}"


class EvaluationRectification(models.Model):
    """The rectification an item judged 不满意 was given when its evaluation closed."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="rectification_links")
    item = models.ForeignKey(Item, verbose_name=_("实事"), on_delete=models.PROTECT, related_name="+")
    rectification = models.OneToOneField(
        Rectification, verbose_name=_("整改事项"), on_delete=models.PROTECT, related_name="evaluation_link"
    )

    class Meta:
        verbose_name = _("测评整改")
        verbose_name_plural = _("测评整改")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "item"], name="evaluation_rectification_once_per_item"
            )
        ]

    def __str__(self) -> str:
        return str(self.rectification)
