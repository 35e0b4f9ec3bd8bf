"""The deputies' satisfaction evaluation (满意度测评): its rules and its reading as of a day.

Rules (each one function here; forms, views, the API, the briefing and the public page call them):

- 满意率 = (满意 + 基本满意) ÷ valid ballots, as a fraction (0.5614 is 56.14%); None without a
  valid ballot.
- An item passes when its rate is at least the evaluation's threshold (a percentage, default
  60); under it the item is judged 不满意 and, when the evaluation closes, its lead unit gets a
  rectification (``services.evaluation.close_evaluation``, once per item).
- Electronic ballots and paper tallies are summed per item: each deputy casts either on their
  phone or on paper, so an item's figures are its electronic votes plus its latest paper tally.
  Every electronic vote is a valid ballot.
- A paper tally must add up: returned ≤ issued, valid ≤ returned, and 满意 + 基本满意 + 不满意 =
  valid (a valid ballot gives the item exactly one of the three choices; a ballot that gives it
  none or two is not a valid ballot for that item).

Reading as of a day: the evaluation as opened by then, the electronic votes cast by then, each
item's latest paper tally entered by then; closed and published as of their dates.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count

from core.dates import today
from projects.models import Item, Plan
from supervision.followup.models import Satisfaction, VisitedItem
from supervision.yearend.models import Evaluation, EvaluationRectification, EvaluationVote, PaperTally

DEFAULT_THRESHOLD = Decimal(60)
CHOICES = (Satisfaction.SATISFIED, Satisfaction.FAIRLY, Satisfaction.DISSATISFIED)
RULE = "满意率 =（满意 + 基本满意）÷ 有效票数；低于达标线的项目评为不满意，由牵头单位整改。"


def satisfaction_rate(satisfied: int, basically_satisfied: int, valid: int) -> Decimal | None:
    """满意率 = (满意 + 基本满意) / valid ballots, a fraction to 4 places; None without valid ballots."""
    if valid <= 0:
        return None
    return (Decimal(satisfied + basically_satisfied) / Decimal(valid)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )


def passes(satisfied: int, basically_satisfied: int, valid: int, threshold: Decimal) -> bool | None:
    """Whether an item reaches the threshold (a percentage): rate ≥ threshold, compared exactly
    (not on the rounded rate). None without valid ballots (nothing to judge)."""
    if valid <= 0:
        return None
    return (satisfied + basically_satisfied) * 100 >= Decimal(threshold) * valid


def check_tally(
    *, issued: int, returned: int, valid: int, satisfied: int, basically_satisfied: int, unsatisfied: int
) -> None:
    """A paper tally must add up; raises ValidationError naming the field otherwise."""
    errors: dict[str, str] = {}
    figures = {
        "issued": issued,
        "returned": returned,
        "valid": valid,
        "satisfied": satisfied,
        "basically_satisfied": basically_satisfied,
        "unsatisfied": unsatisfied,
    }
    for name, value in figures.items():
        if value is None or value < 0:
            errors[name] = "票数应为不小于0的整数。"
    if errors:
        raise ValidationError(errors)
    if returned > issued:
        errors["returned"] = f"收回票数（{returned}）不能多于发出票数（{issued}）。"
    if valid > returned:
        errors["valid"] = f"有效票数（{valid}）不能多于收回票数（{returned}）。"
    chosen = satisfied + basically_satisfied + unsatisfied
    if chosen != valid:
        errors["unsatisfied"] = f"满意、基本满意、不满意票数之和（{chosen}）应等于有效票数（{valid}）。"
    if errors:
        raise ValidationError(errors)


@dataclass(frozen=True)
class ItemResult:
    """One item's figures in an evaluation as of a day."""

    item: Item
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    valid: int
    rate: Decimal | None
    passed: bool | None
    tally: PaperTally | None = None
    electronic: int = 0
    rectification_id: int | None = None
    visit_ratings: dict[str, int] = field(default_factory=dict)

    @property
    def number(self) -> int:
        return self.item.number

    @property
    def title(self) -> str:
        return self.item.title

    @property
    def visit_ratings_text(self) -> str:
        return rating_counts_text(self.visit_ratings)

    @property
    def verdict(self) -> str:
        """满意 / 不满意 as the evaluation judges the item; — before any valid ballot."""
        if self.passed is None:
            return "—"
        return "满意" if self.passed else "不满意"

    def as_dict(self) -> dict:
        """The API's row (rate a fraction, as every rate of the API)."""
        return {
            "number": self.number,
            "title": self.title,
            "satisfied": self.satisfied,
            "basically_satisfied": self.basically_satisfied,
            "unsatisfied": self.unsatisfied,
            "valid": self.valid,
            "rate": None if self.rate is None else float(self.rate),
            "passed": self.passed,
        }


@dataclass(frozen=True)
class EvaluationReading:
    """A plan's evaluation as it stood at the end of ``as_of``."""

    evaluation: Evaluation
    as_of: dt.date
    rows: list[ItemResult]
    ballots: int

    @property
    def threshold(self) -> Decimal:
        return self.evaluation.threshold

    @property
    def is_closed(self) -> bool:
        closed_on = self.evaluation.closed_on
        return closed_on is not None and closed_on <= self.as_of

    @property
    def is_published(self) -> bool:
        published_on = self.evaluation.published_on
        return published_on is not None and published_on <= self.as_of

    @property
    def failed(self) -> list[ItemResult]:
        return [row for row in self.rows if row.passed is False]


def evaluation_of(plan: Plan) -> Evaluation | None:
    return Evaluation.objects.filter(plan=plan).first()


def visit_ratings(plan: Plan, as_of: dt.date) -> dict[int, dict[str, int]]:
    """Inspection visits' satisfaction ratings per item up to a day: {item id: {choice: count}}."""
    rows = (
        VisitedItem.objects.filter(visit__plan=plan, visit__date__lte=as_of)
        .exclude(satisfaction="")
        .values_list("item_id", "satisfaction")
        .annotate(n=Count("id"))
        .order_by()
    )
    ratings: dict[int, dict[str, int]] = {}
    for item_id, choice, count in rows:
        ratings.setdefault(item_id, {})[choice] = count
    return ratings


def latest_tallies(tallies: Iterable[PaperTally]) -> dict[int, PaperTally]:
    """Each item's latest tally among those given (in entry order)."""
    latest: dict[int, PaperTally] = {}
    for tally in tallies:
        latest[tally.item_id] = tally
    return latest


def item_result(
    item: Item,
    votes: Counter,
    tally: PaperTally | None,
    threshold: Decimal,
    *,
    rectification_id: int | None = None,
    ratings: dict[str, int] | None = None,
) -> ItemResult:
    """An item's figures: its electronic votes plus its paper tally."""
    satisfied = votes[Satisfaction.SATISFIED] + (tally.satisfied if tally else 0)
    fairly = votes[Satisfaction.FAIRLY] + (tally.basically_satisfied if tally else 0)
    unsatisfied = votes[Satisfaction.DISSATISFIED] + (tally.unsatisfied if tally else 0)
    electronic = sum(votes.values())
    valid = electronic + (tally.valid if tally else 0)
    return ItemResult(
        item=item,
        satisfied=satisfied,
        basically_satisfied=fairly,
        unsatisfied=unsatisfied,
        valid=valid,
        rate=satisfaction_rate(satisfied, fairly, valid),
        passed=passes(satisfied, fairly, valid, threshold),
        tally=tally,
        electronic=electronic,
        rectification_id=rectification_id,
        visit_ratings=ratings or {},
    )


def read_evaluation(
    plan: Plan, as_of: dt.date | None = None, *, evaluation: Evaluation | None = None
) -> EvaluationReading | None:
    """The plan's evaluation as of a day (today when None), or None when it had none by then.
    A fixed number of queries whatever the size of the plan."""
    day = as_of or today()
    if evaluation is None:
        evaluation = Evaluation.objects.filter(plan=plan, opened_on__lte=day).first()
    if evaluation is None or evaluation.opened_on > day:
        return None
    items = list(Item.objects.filter(plan=plan).select_related("lead_unit").order_by("number"))
    votes: dict[int, Counter] = {}
    for item_id, choice, count in (
        EvaluationVote.objects.filter(evaluation=evaluation, cast_on__lte=day)
        .values_list("item_id", "choice")
        .annotate(n=Count("id"))
        .order_by()
    ):
        votes.setdefault(item_id, Counter())[choice] = count
    tallies = latest_tallies(PaperTally.objects.filter(evaluation=evaluation, entered_on__lte=day))
    links = {}
    if evaluation.closed_on is not None and evaluation.closed_on <= day:
        links = dict(
            EvaluationRectification.objects.filter(evaluation=evaluation).values_list(
                "item_id", "rectification_id"
            )
        )
    ratings = visit_ratings(plan, day)
    rows = [
        item_result(
            item,
            votes.get(item.pk, Counter()),
            tallies.get(item.pk),
            evaluation.threshold,
            rectification_id=links.get(item.pk),
            ratings=ratings.get(item.pk),
        )
        for item in items
    ]
    ballots = evaluation.ballots.filter(cast_on__lte=day).count()
    return EvaluationReading(evaluation=evaluation, as_of=day, rows=rows, ballots=ballots)


def evaluation_rows(plan: Plan, as_of: dt.date | None = None) -> list[ItemResult] | None:
    """The per-item results (for the year-end report and other readers), None when the plan
    has no evaluation. Each row has number, title, satisfied, basically_satisfied,
    unsatisfied, valid, rate (a fraction), passed, verdict, and ``as_dict()``."""
    reading = read_evaluation(plan, as_of)
    return None if reading is None else reading.rows


def public_evaluation(plan: Plan, as_of: dt.date | None = None) -> EvaluationReading | None:
    """The evaluation as the public page shows it: only once published (by that day)."""
    day = as_of or today()
    evaluation = Evaluation.objects.filter(plan=plan, published_on__lte=day).first()
    return None if evaluation is None else read_evaluation(plan, day, evaluation=evaluation)


def rating_counts_text(ratings: dict[str, int]) -> str:
    """'满意 2、基本满意 1' from a visit ratings count ('—' when none)."""
    parts = [f"{choice.label} {ratings[choice]}" for choice in CHOICES if ratings.get(choice)]
    return "、".join(parts) or "—"
