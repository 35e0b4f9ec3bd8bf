"""Choosing next year's list: suggestions (民生建议), candidate projects (候选项目) and the
deputies' vote (票决). The rules that decide anything live in ``selection.rules``; the writes in
``selection.services``; this module only holds the records.

The vote is secret: ``VoteParticipation`` records who voted; what was voted is counted at once
into the session's phone tallies (``Tally`` rows with method 电子), and each ``Ballot`` keeps the
choices only sealed (encrypted) under a key the server derives from its secret key, the session
and the deputy, found by a receipt derived the same way: its deputy can read it back through the
server, while the database alone (even the order rows were written in) tells nobody what anyone
voted.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.scoping import Reach
from projects.models import Category, FundingLine, Item, Region, Unit


def _region_field(related_name: str) -> models.ForeignKey:
    """The region whose selection a record belongs to (the office that filed it, or the county
    the public form collects for); null only for rows older than regions."""
    return models.ForeignKey(
        Region,
        verbose_name=_("所属区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name=related_name,
        help_text=_("征集票决所属的行政区划，由本区划督查室管理"),
    )


class Suggestion(models.Model):
    """One suggestion for next year's list, from a resident, a deputy or the hotline."""

    class Source(models.TextChoices):
        ONLINE = "online", _("网上征集")
        DEPUTY = "deputy", _("代表建议")
        PAPER = "paper", _("书面来信")
        PHONE = "phone", _("来电")
        HOTLINE = "hotline", _("12345热线")

    class State(models.TextChoices):
        RECEIVED = "received", _("已受理")
        MERGED = "merged", _("已合并至候选项目")
        DECLINED = "declined", _("未采纳")

    code = models.CharField(_("查询码"), max_length=12, unique=True)
    region = _region_field("selection_suggestions")
    year = models.PositiveSmallIntegerField(_("建议年度"), validators=[MinValueValidator(2000)])
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("领域"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    place = models.CharField(_("地点"), max_length=100, blank=True, help_text=_("乡镇（街道）、村（社区）"))
    text = models.TextField(_("建议内容"))
    name = models.CharField(_("建议人"), max_length=50, blank=True)
    # Kept for the office to call back; never shown on a public page or in the API.
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    people = models.PositiveIntegerField(
        _("人次"), default=1, validators=[MinValueValidator(1)], help_text=_("联名或热线汇总的人次")
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出代表"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="selection_suggestions",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    received_on = models.DateField(_("受理日期"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.RECEIVED)
    candidate = models.ForeignKey(
        "Candidate",
        verbose_name=_("候选项目"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestions",
    )
    merged_on = models.DateField(_("合并日期"), null=True, blank=True)
    decline_reason = models.TextField(_("未采纳理由"), blank=True)
    declined_on = models.DateField(_("不予采纳日期"), null=True, blank=True)

    # Who reads it: projects.scope.
    reach = Reach(region="region")

    class Meta:
        verbose_name = _("民生建议")
        verbose_name_plural = _("民生建议")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""), name="suggestion_has_text", violation_error_message=_("请填写建议内容")
            ),
            models.CheckConstraint(
                condition=~Q(state="merged") | (Q(candidate__isnull=False) & Q(merged_on__isnull=False)),
                name="suggestion_merged_has_candidate",
            ),
            models.CheckConstraint(
                condition=~Q(state="declined") | (~Q(decline_reason="") & Q(declined_on__isnull=False)),
                name="suggestion_declined_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["year", "state"])]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:20]}"


class Candidate(models.Model):
    """A candidate project (候选项目) drafted from suggestions, with its target and money."""

    region = _region_field("selection_candidates")
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    title = models.CharField(_("项目名称"), max_length=200)
    content = models.TextField(_("建设内容"))
    category = models.ForeignKey(
        Category, verbose_name=_("领域"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target_text = models.CharField(_("目标任务"), max_length=200, help_text=_("如：新建5G基站120个以上"))
    target_value = models.DecimalField(
        _("目标值"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    target_unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    target_at_least = models.BooleanField(_("“以上”目标"), default=False)
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="selection_candidates"
    )
    feasibility = models.TextField(_("可行性说明"), blank=True)
    ballot_order = models.PositiveSmallIntegerField(
        _("票面顺序"), null=True, blank=True, help_text=_("列入票决的候选项目在选票上的顺序；留空为不列入")
    )
    item = models.OneToOneField(
        Item,
        verbose_name=_("列入清单的实事"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidate",
    )
    listed_on = models.DateField(_("列入清单日期"), null=True, blank=True)

    # Who reads it: projects.scope.
    reach = Reach(region="region")

    class Meta:
        verbose_name = _("候选项目")
        verbose_name_plural = _("候选项目")
        ordering = ["year", F("ballot_order").asc(nulls_last=True), "id"]
        # Per region and year: two counties each number their own ballot. NULL regions are
        # distinct to a unique constraint, so the rows older than regions keep their own.
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "ballot_order"],
                name="candidate_unique_ballot_order",
                violation_error_message=_("同一区划同一年度票面顺序不能重复"),
            ),
            models.UniqueConstraint(
                fields=["year", "ballot_order"],
                condition=Q(region__isnull=True),
                name="candidate_unique_ballot_order_without_region",
                violation_error_message=_("同一年度票面顺序不能重复"),
            ),
            models.UniqueConstraint(
                fields=["region", "year", "title"],
                name="candidate_unique_title",
                violation_error_message=_("同一区划同一年度已有同名候选项目"),
            ),
            models.UniqueConstraint(
                fields=["year", "title"],
                condition=Q(region__isnull=True),
                name="candidate_unique_title_without_region",
                violation_error_message=_("同一年度已有同名候选项目"),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CandidateFunding(models.Model):
    """A candidate's estimated money from one source, in 万元."""

    candidate = models.ForeignKey(
        Candidate, verbose_name=_("候选项目"), on_delete=models.CASCADE, related_name="funding"
    )
    source = models.CharField(_("资金来源"), max_length=20, choices=FundingLine.Source.choices)
    amount = models.DecimalField(
        _("估算投资（万元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("估算资金")
        verbose_name_plural = _("估算资金")
        ordering = ["candidate", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "source"],
                name="candidate_funding_unique_source",
                violation_error_message=_("同一候选项目同一资金来源只能填一行"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.amount}万元"


class VotingSession(models.Model):
    """A round of the deputies' vote on one year's candidates. Round 2 is held only on the
    candidates tied at the last place of round 1, for the places round 1 left."""

    class State(models.TextChoices):
        OPEN = "open", _("投票中")
        COUNTED = "counted", _("已计票")

    region = _region_field("selection_sessions")
    year = models.PositiveSmallIntegerField(_("清单年度"), validators=[MinValueValidator(2000)])
    round = models.PositiveSmallIntegerField(_("轮次"), default=1, validators=[MinValueValidator(1)])
    title = models.CharField(_("会议名称"), max_length=200)
    held_on = models.DateField(_("表决日期"))
    deputies_total = models.PositiveIntegerField(_("全体代表人数"), validators=[MinValueValidator(1)])
    seats = models.PositiveSmallIntegerField(_("应选数"), validators=[MinValueValidator(1)])
    candidates = models.ManyToManyField(Candidate, verbose_name=_("候选项目"), related_name="sessions")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    counted_on = models.DateField(_("计票日期"), null=True, blank=True)
    paper_ballots_issued = models.PositiveIntegerField(_("纸质选票发出"), default=0)
    paper_ballots_returned = models.PositiveIntegerField(_("纸质选票收回"), default=0)
    paper_ballots_valid = models.PositiveIntegerField(_("纸质有效票"), default=0)

    # Who reads it: projects.scope.
    reach = Reach(region="region")

    class Meta:
        verbose_name = _("票决会议")
        verbose_name_plural = _("票决会议")
        ordering = ["-year", "round"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "round"],
                name="session_unique_round",
                violation_error_message=_("本区划该年度该轮次的票决已存在"),
            ),
            models.UniqueConstraint(
                fields=["year", "round"],
                condition=Q(region__isnull=True),
                name="session_unique_round_without_region",
                violation_error_message=_("该年度该轮次的票决已存在"),
            ),
            models.CheckConstraint(
                condition=Q(paper_ballots_returned__lte=F("paper_ballots_issued"))
                & Q(paper_ballots_valid__lte=F("paper_ballots_returned")),
                name="session_paper_ballots_ordered",
                violation_error_message=_("收回票数不能多于发出票数，有效票数不能多于收回票数"),
            ),
            models.CheckConstraint(
                condition=~Q(state="counted") | Q(counted_on__isnull=False),
                name="session_counted_has_date",
            ),
        ]

    def __str__(self) -> str:
        if self.round == 1:
            return self.title
        return _("%(title)s（第%(round)s轮）") % {"title": self.title, "round": self.round}


class Tally(models.Model):
    """One candidate's count in a session by one method: the tellers' count of the paper
    ballots, or the running count of the phone ballots (added to as each is cast)."""

    class Method(models.TextChoices):
        PAPER = "paper", _("纸质选票")
        PHONE = "phone", _("电子投票")

    session = models.ForeignKey(VotingSession, on_delete=models.CASCADE, related_name="tallies")
    method = models.CharField(_("方式"), max_length=10, choices=Method.choices, default=Method.PAPER)
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="tallies")
    votes_for = models.PositiveIntegerField(_("赞成"), default=0)
    votes_against = models.PositiveIntegerField(_("反对"), default=0)
    abstentions = models.PositiveIntegerField(_("弃权"), default=0)

    class Meta:
        verbose_name = _("计票")
        verbose_name_plural = _("计票")
        constraints = [
            models.UniqueConstraint(fields=["session", "candidate", "method"], name="tally_unique_candidate"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} 赞成{self.votes_for} 反对{self.votes_against} 弃权{self.abstentions}"


class VoteParticipation(models.Model):
    """That a deputy voted on the phone in a session (and so may not vote again); never what."""

    session = models.ForeignKey(VotingSession, on_delete=models.CASCADE, related_name="participations")
    deputy = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("投票记录")
        verbose_name_plural = _("投票记录")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "deputy"],
                name="participation_once",
                violation_error_message=_("您已在本轮投票，不能重复投票"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deputy} · {self.session}"


class Ballot(models.Model):
    """A phone ballot, without its deputy: a random key, the receipt only the server can
    recompute for its deputy, and the choices sealed under a key only the server can derive."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(VotingSession, on_delete=models.CASCADE, related_name="ballots")
    receipt = models.CharField(max_length=64, unique=True)
    sealed = models.TextField()

    class Meta:
        verbose_name = _("电子选票")
        verbose_name_plural = _("电子选票")

    def __str__(self) -> str:
        return str(_("电子选票"))


class Choice(models.TextChoices):
    """What a deputy marks against each candidate."""

    FOR = "for", _("赞成")
    AGAINST = "against", _("反对")
    ABSTAIN = "abstain", _("弃权")
