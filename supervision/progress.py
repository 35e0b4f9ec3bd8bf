"""The state of a plan as of a date: each sub-item's figures, pace and light, each item's
roll-up, and the plan's headline. Every page, export, API view and check reads it from here.

Today's figures come from the sub-items' current fields (kept in step with the latest accepted
report); a past date is recomputed from the accepted reports that had been accepted by then.
Either way the whole plan loads in a fixed number of queries.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Q, QuerySet, Subquery

from core.dates import today
from core.lights import Light
from projects.completion import PlanSummary, completion_rate, item_is_complete, summarize
from projects.models import Category, Item, Milestone, Plan, SubItem, Unit

from . import pace, periods
from .models import ProgressReport

COMPLETED = SubItem.Status.COMPLETED


@dataclass
class SubItemState:
    sub_item: SubItem
    status: str
    progress_percent: Decimal
    actual_value: Decimal | None
    last_report: ProgressReport | None
    scheduled_percent: Decimal
    lag_points: Decimal
    light: str
    overdue_report: bool

    @property
    def is_complete(self) -> bool:
        return self.status == COMPLETED

    @property
    def completion_rate(self) -> Decimal | None:
        return completion_rate(self.actual_value, self.sub_item.target_value)

    @property
    def status_label(self) -> str:
        return SubItem.Status(self.status).label

    @property
    def light_label(self) -> str:
        return Light(self.light).label

    @property
    def last_accepted_on(self) -> date | None:
        return self.last_report.accepted_on if self.last_report else None

    @property
    def problems(self) -> str:
        return self.last_report.problems if self.last_report else ""


@dataclass
class ItemState:
    item: Item
    sub_states: list[SubItemState]
    scheduled_percent: Decimal
    progress_percent: Decimal
    lag_points: Decimal
    light: str

    @property
    def is_complete(self) -> bool:
        return item_is_complete(s.status for s in self.sub_states)

    @property
    def light_label(self) -> str:
        return Light(self.light).label


@dataclass
class PlanProgress:
    plan: Plan
    as_of: date
    is_historical: bool
    items: list[ItemState]
    summary: PlanSummary
    light_counts: Counter = field(default_factory=Counter)

    @property
    def sub_states(self) -> list[SubItemState]:
        return [s for item in self.items for s in item.sub_states]

    @property
    def overdue_report_count(self) -> int:
        return sum(1 for s in self.sub_states if s.overdue_report)

    def with_light(self, light: str | None) -> PlanProgress:
        """The progress narrowed to the sub-items showing one light, with the headline and
        light counts recomputed over them ("of the red sub-items, how many per unit…"); each
        item keeps its own roll-up. No light returns the progress unchanged."""
        if not light:
            return self
        items = []
        for state in self.items:
            subs = [s for s in state.sub_states if s.light == light]
            if subs:
                items.append(
                    ItemState(
                        item=state.item,
                        sub_states=subs,
                        scheduled_percent=state.scheduled_percent,
                        progress_percent=state.progress_percent,
                        lag_points=state.lag_points,
                        light=state.light,
                    )
                )
        return PlanProgress(
            plan=self.plan,
            as_of=self.as_of,
            is_historical=self.is_historical,
            items=items,
            summary=summarize({s.item.pk: [sub.status for sub in s.sub_states] for s in items}),
            light_counts=Counter(sub.light for s in items for sub in s.sub_states),
        )


def latest_accepted_report_ids(sub_items: QuerySet[SubItem], as_of: date | None) -> QuerySet:
    """Sub-item ids annotated with the id of their latest accepted report (as of a date)."""
    reports = ProgressReport.objects.filter(sub_item=OuterRef("pk"), state=ProgressReport.State.ACCEPTED)
    if as_of is not None:
        reports = reports.filter(accepted_on__lte=as_of)
    latest = reports.order_by("-accepted_on", "-reviewed_at", "-id").values("id")[:1]
    return sub_items.annotate(latest_report_id=Subquery(latest)).values_list("pk", "latest_report_id")


def sub_items_for_plan(plan: Plan, sub_item_filter: Q | None = None) -> QuerySet[SubItem]:
    qs = SubItem.objects.filter(item__plan=plan)
    if sub_item_filter is not None:
        qs = qs.filter(sub_item_filter)
    return qs


def plan_progress(
    plan: Plan,
    as_of: date | None = None,
    *,
    sub_item_filter: Q | None = None,
    items: QuerySet[Item] | None = None,
) -> PlanProgress:
    """Everything the plan's pages show, as of a date (today when None), in six queries.

    ``sub_item_filter`` narrows the sub-items (a unit's, a category's); items left without
    sub-items are dropped from the result.
    """
    on = as_of or today()
    sub_qs = sub_items_for_plan(plan, sub_item_filter)
    item_qs = items if items is not None else Item.objects.filter(plan=plan)
    item_list, subs_by_item = _load_registry(item_qs, sub_qs)
    # One query at any plan size: in_bulk would split 10,000 ids into batches on SQLite.
    latest_ids = latest_accepted_report_ids(sub_qs, as_of).values("latest_report_id")
    # Timestamps are never read from here and cost 40,000 conversions on a large plan.
    latest_reports = ProgressReport.objects.filter(pk__in=latest_ids).defer(
        "created_at", "updated_at", "submitted_at", "reviewed_at", "return_reason", "regression_explanation"
    )
    reports = {r.sub_item_id: r for r in latest_reports}
    due_period = periods.last_due_period(on, plan.report_cadence, plan.report_due_day)

    item_states: list[ItemState] = []
    lights: Counter = Counter()
    for item in item_list:
        sub_states = []
        for sub in subs_by_item.get(item.pk, ()):
            report = reports.get(sub.pk)
            state = _sub_item_state(plan, sub, report, on, as_of is not None, due_period)
            sub_states.append(state)
            lights[state.light] += 1
        if not sub_states:
            continue
        item_states.append(_item_state(plan, item, sub_states, on))
    summary = summarize({state.item.pk: [s.status for s in state.sub_states] for state in item_states})
    return PlanProgress(
        plan=plan,
        as_of=on,
        is_historical=as_of is not None and as_of != today(),
        items=item_states,
        summary=summary,
        light_counts=lights,
    )


def _load_registry(item_qs: QuerySet[Item], sub_qs: QuerySet[SubItem]) -> tuple[list[Item], dict]:
    """Items and their sub-items with milestones, units and categories, in four flat queries.

    prefetch_related would build a related manager and a queryset clone per object, which at
    10,000 sub-items costs seconds; grouping flat rows in Python costs milliseconds. Each
    sub-item's ``milestones.all()`` and foreign keys are filled in, so templates make no queries.
    """
    items = list(item_qs.order_by("number"))
    units = Unit.objects.in_bulk()
    categories = Category.objects.in_bulk()
    items_by_pk = {}
    for item in items:
        item.lead_unit = units[item.lead_unit_id]
        item.category = categories.get(item.category_id)
        items_by_pk[item.pk] = item
    subs = list(sub_qs.filter(item__in=item_qs.values("pk")).order_by("item_id", "number"))
    milestones: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in Milestone.objects.filter(sub_item__in=sub_qs.values("pk")).order_by(
        "sub_item_id", "date"
    ):
        milestones[milestone.sub_item_id].append(milestone)
    subs_by_item: dict[int, list[SubItem]] = defaultdict(list)
    for sub in subs:
        sub.item = items_by_pk[sub.item_id]
        sub.responsible_unit = units[sub.responsible_unit_id]
        # What prefetch_related would store, without a queryset per sub-item: .all() returns it.
        sub._prefetched_objects_cache = {"milestones": milestones.get(sub.pk, [])}
        subs_by_item[sub.item_id].append(sub)
    return items, subs_by_item


def _sub_item_state(
    plan: Plan,
    sub: SubItem,
    report: ProgressReport | None,
    on: date,
    historical: bool,
    due_period: periods.Period,
) -> SubItemState:
    if historical:
        if report is None:
            status, progress, actual = SubItem.Status.NOT_STARTED, Decimal("0"), None
        else:
            progress, actual = report.progress_percent, report.actual_value
            if report.marks_complete:
                status = COMPLETED
            elif progress > 0:
                status = SubItem.Status.IN_PROGRESS
            else:
                status = SubItem.Status.NOT_STARTED
    else:
        status, progress, actual = sub.status, sub.progress_percent, sub.actual_value

    is_complete = status == COMPLETED
    if is_complete:
        progress = Decimal("100")
    scheduled = pace.scheduled_pace(
        on,
        sub.planned_start,
        sub.planned_end,
        [(m.date, m.planned_percent) for m in sub.milestones.all()],
        plan_year=plan.year,
    )
    light = pace.light_for(
        on=on,
        scheduled=scheduled,
        progress=progress,
        is_complete=is_complete,
        deadline=sub.planned_end,
        planned_start=sub.planned_start,
        yellow_margin=plan.yellow_margin,
        red_margin=plan.red_margin,
    )
    return SubItemState(
        sub_item=sub,
        status=status,
        progress_percent=progress,
        actual_value=actual,
        last_report=report,
        scheduled_percent=scheduled,
        lag_points=pace.lag_points(scheduled, progress),
        light=light,
        overdue_report=plan.status != Plan.Status.CLOSED
        and _is_overdue_to_report(sub, report, is_complete, due_period),
    )


def _is_overdue_to_report(
    sub: SubItem, report: ProgressReport | None, is_complete: bool, due_period: periods.Period
) -> bool:
    """超期未报: the last period whose due date has passed has no accepted report, for a
    sub-item that is not complete and had started by the end of that period. (A closed plan
    expects no more reports; the caller skips it.)"""
    if is_complete:
        return False
    if sub.planned_start is not None and sub.planned_start > due_period.end:
        return False
    return report is None or report.period_start < due_period.start


def _item_state(plan: Plan, item: Item, sub_states: list[SubItemState], on: date) -> ItemState:
    scheduled, progress = pace.roll_up(
        [pace.Weighted(s.sub_item.weight, s.scheduled_percent, s.progress_percent) for s in sub_states]
    )
    deadlines = [s.sub_item.planned_end for s in sub_states if s.sub_item.planned_end]
    complete = item_is_complete(s.status for s in sub_states)
    light = pace.light_for(
        on=on,
        scheduled=scheduled,
        progress=progress,
        is_complete=complete,
        deadline=max(deadlines) if deadlines else None,
        yellow_margin=plan.yellow_margin,
        red_margin=plan.red_margin,
    )
    # An item is never shown greener than its worst unfinished sub-item's red.
    if not complete and any(s.light == Light.RED for s in sub_states):
        light = Light.RED
    return ItemState(
        item=item,
        sub_states=sub_states,
        scheduled_percent=scheduled,
        progress_percent=progress,
        lag_points=pace.lag_points(scheduled, progress),
        light=light,
    )


def plan_summary(plan: Plan, as_of: date | None = None) -> PlanSummary:
    return plan_progress(plan, as_of).summary


def group_by_unit(states: list[SubItemState]) -> dict:
    grouped: dict = defaultdict(list)
    for state in states:
        grouped[state.sub_item.responsible_unit].append(state)
    return dict(grouped)
