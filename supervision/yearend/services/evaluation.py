"""The satisfaction evaluation's operations: the office opens it, deputies vote on their phones,
the office enters paper tallies, then closes it (items under the threshold get a rectification
for their lead unit, once) and publishes it. Views and the demo call these; each checks who may
do it and refuses bad input with a Chinese message, saving nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.dates import today
from projects import permissions
from projects.completion import format_percent
from projects.models import Item, Plan, User
from supervision.followup.models import Rectification, RectificationEvent, Satisfaction
from supervision.followup.services import rectifications as rectification_service
from supervision.yearend import evaluation as rules
from supervision.yearend.models import (
    Evaluation,
    EvaluationBallot,
    EvaluationRectification,
    EvaluationVote,
    PaperTally,
)

# How long the lead unit of an item judged 不满意 has to rectify and report back.
RECTIFICATION_DAYS = 90
ALREADY_VOTED = "您已参加本次满意度测评，不能重复投票。"


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _locked(evaluation: Evaluation) -> Evaluation:
    return Evaluation.objects.select_for_update().get(pk=evaluation.pk)


def _require_open(evaluation: Evaluation, on: dt.date) -> None:
    if evaluation.closed_on is not None:
        raise ValidationError("满意度测评已结束，不能再投票或录入。")
    if on < evaluation.opened_on:
        raise ValidationError(f"满意度测评于{evaluation.opened_on:%Y年%m月%d日}开始，此前不能投票或录入。")


@transaction.atomic
def open_evaluation(
    actor: User, plan: Plan, *, threshold: Decimal | str | None = None, on: dt.date | None = None
) -> Evaluation:
    """The office opens the plan's evaluation (one per plan), with its threshold (default 60%)."""
    _require(permissions.can_manage_evaluation(actor), "只有督查室可以组织满意度测评。")
    permissions.require_manage_plan(actor, plan)
    if plan.status == Plan.Status.DRAFT:
        raise ValidationError("清单尚未公布，不能组织满意度测评。")
    if Evaluation.objects.select_for_update().filter(plan=plan).exists():
        raise ValidationError("该清单已组织满意度测评。")
    try:
        value = rules.DEFAULT_THRESHOLD if threshold in (None, "") else Decimal(str(threshold))
    except InvalidOperation as exc:
        raise ValidationError({"threshold": "达标线应为0到100之间的数。"}) from exc
    if not Decimal(0) <= value <= Decimal(100):
        raise ValidationError({"threshold": "达标线应为0到100之间的数。"})
    evaluation = Evaluation(plan=plan, threshold=value, opened_on=on or today(), created_by=actor)
    evaluation.full_clean()
    evaluation.save()
    return evaluation


@transaction.atomic
def cast_ballot(
    deputy: User, evaluation: Evaluation, choices: Mapping[int, str], *, on: dt.date | None = None
) -> EvaluationBallot:
    """A deputy's electronic ballot: one choice for every item of the plan, once. Who voted and
    what was voted are stored apart."""
    _require(permissions.can_vote_in_evaluation(deputy), "只有人大代表可以参加满意度测评。")
    on = on or today()
    evaluation = _locked(evaluation)
    _require_open(evaluation, on)
    if EvaluationBallot.objects.filter(evaluation=evaluation, deputy=deputy).exists():
        raise ValidationError(ALREADY_VOTED)
    items = list(Item.objects.filter(plan_id=evaluation.plan_id).order_by("number"))
    errors = {}
    for item in items:
        if choices.get(item.pk) not in Satisfaction.values:
            errors[f"item_{item.pk}"] = f"请对第{item.number}件“{item.title}”作出评价。"
    unknown = set(choices) - {item.pk for item in items}
    if unknown:
        errors["__all__"] = "所评价的项目不属于该清单。"
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            ballot = EvaluationBallot.objects.create(evaluation=evaluation, deputy=deputy, cast_on=on)
    except IntegrityError as exc:
        raise ValidationError(ALREADY_VOTED) from exc
    EvaluationVote.objects.bulk_create(
        [
            EvaluationVote(evaluation=evaluation, item=item, choice=choices[item.pk], cast_on=on)
            for item in items
        ]
    )
    return ballot


@transaction.atomic
def enter_tally(
    actor: User,
    evaluation: Evaluation,
    item: Item,
    *,
    issued: int,
    returned: int,
    valid: int,
    satisfied: int,
    basically_satisfied: int,
    unsatisfied: int,
    on: dt.date | None = None,
) -> PaperTally:
    """The office records an item's paper ballots (a correction is a new tally; the latest counts)."""
    _require(permissions.can_manage_evaluation(actor), "只有督查室可以录入纸质票统计。")
    permissions.require_manage_plan(actor, evaluation.plan)
    on = on or today()
    evaluation = _locked(evaluation)
    _require_open(evaluation, on)
    if item.plan_id != evaluation.plan_id:
        raise ValidationError({"item": "所选项目不属于该清单。"})
    figures = {
        "issued": issued,
        "returned": returned,
        "valid": valid,
        "satisfied": satisfied,
        "basically_satisfied": basically_satisfied,
        "unsatisfied": unsatisfied,
    }
    rules.check_tally(**figures)
    return PaperTally.objects.create(
        evaluation=evaluation, item=item, entered_on=on, entered_by=actor, **figures
    )


def _rectify(actor: User, evaluation: Evaluation, result: rules.ItemResult, on: dt.date) -> Rectification:
    item = result.item
    rate = format_percent(result.rate)
    threshold = format_percent(evaluation.threshold / 100)
    rectification = rectification_service.create_rectification(
        actor,
        plan=evaluation.plan,
        unit=item.lead_unit,
        title=f"第{item.number}件“{item.title}”满意度测评不满意（满意率{rate}）",
        required_action=(
            f"人大代表满意度测评中，该项目满意率为{rate}，低于{threshold}的达标线，评为不满意。"
            f"请牵头单位分析原因、制定整改措施，于{RECTIFICATION_DAYS}日内整改并反馈。"
        ),
        deadline=on + dt.timedelta(days=RECTIFICATION_DAYS),
        source=Rectification.Source.EVALUATION,
        item=item,
    )
    if on != today():
        # An evaluation recorded as closed on an earlier day: its rectifications date from then,
        # so reading the board as of that day shows them.
        at = timezone.make_aware(dt.datetime.combine(on, dt.time(17, 0)))
        Rectification.objects.filter(pk=rectification.pk).update(created_at=at)
        RectificationEvent.objects.filter(rectification=rectification).update(at=at)
        rectification.created_at = at
    return rectification


@transaction.atomic
def rectify_failed_items(actor: User, evaluation: Evaluation) -> list[Rectification]:
    """Give every item judged 不满意 by the closed evaluation its rectification, unless it has
    one already: running it again creates nothing."""
    evaluation = _locked(evaluation)
    if evaluation.closed_on is None:
        raise ValidationError("满意度测评尚未结束。")
    reading = rules.read_evaluation(evaluation.plan, evaluation.closed_on)
    done = set(
        EvaluationRectification.objects.filter(evaluation=evaluation).values_list("item_id", flat=True)
    )
    created = []
    for result in reading.failed:
        if result.item.pk in done:
            continue
        rectification = _rectify(actor, evaluation, result, evaluation.closed_on)
        EvaluationRectification.objects.create(
            evaluation=evaluation, item=result.item, rectification=rectification
        )
        created.append(rectification)
    return created


@transaction.atomic
def close_evaluation(actor: User, evaluation: Evaluation, *, on: dt.date | None = None) -> Evaluation:
    """Counting ends: items under the threshold get their rectification (once each)."""
    _require(permissions.can_manage_evaluation(actor), "只有督查室可以结束满意度测评。")
    permissions.require_manage_plan(actor, evaluation.plan)
    on = on or today()
    evaluation = _locked(evaluation)
    if evaluation.closed_on is not None:
        raise ValidationError("满意度测评已结束。")
    if on < evaluation.opened_on:
        raise ValidationError("结束日期不能早于测评开始日期。")
    reading = rules.read_evaluation(evaluation.plan, on)
    if not any(row.valid for row in reading.rows):
        raise ValidationError("尚无有效票，不能结束测评。")
    evaluation.closed_on = on
    evaluation.save(update_fields=["closed_on"])
    rectify_failed_items(actor, evaluation)
    return evaluation


@transaction.atomic
def publish_evaluation(actor: User, evaluation: Evaluation, *, on: dt.date | None = None) -> Evaluation:
    """The results go on the public page; an evaluation still open is closed first."""
    _require(permissions.can_manage_evaluation(actor), "只有督查室可以公开测评结果。")
    permissions.require_manage_plan(actor, evaluation.plan)
    on = on or today()
    evaluation = _locked(evaluation)
    if evaluation.published_on is not None:
        raise ValidationError("测评结果已公开。")
    if evaluation.closed_on is None:
        evaluation = close_evaluation(actor, evaluation, on=on)
    evaluation.published_on = max(on, evaluation.closed_on)
    evaluation.save(update_fields=["published_on"])
    return evaluation
