"""The state of a plan as of a date: each sub-item's figures, pace and light, each item's
roll-up, and the plan's headline. Every page, export, API view and check reads it from here.

Every figure comes from the ledger: the accepted reports that had been accepted by the date,
read through ``supervision.ledger.rules`` (the sub-items' stored current figures are a cache that
``verify_figures`` checks against it, never a source here). A closed list is read as of its
closing date unless another date is asked for, and then carries each sub-item's final verdict.
The whole plan loads in a fixed number of queries.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Case, DateField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from core.dates import today
from core.lights import Light
from projects import changes
from projects.completion import PlanSummary, completion_rate, format_target, item_is_complete, summarize
from projects.models import (
    Acceptance,
    CarryOver,
    Category,
    FundingLine,
    Item,
    Milestone,
    Plan,
    Region,
    SubItem,
    SubItemShare,
    Unit,
)
from projects.shares import region_filter
from supervision.ledger import periods
from supervision.ledger import rules as ledger
from supervision.ledger.models import ProgressReport, ReportFunding
from supervision.ledger.rules import Money
from supervision.reading import pace, shares

COMPLETED = SubItem.Status.COMPLETED
CLOSED_OUT_LABEL = _("已验收销号")
AWAITING_ACCEPTANCE_LABEL = _("已完成待验收")


def counted_statuses(item_states: Iterable[ItemState]) -> dict[int, list[str]]:
    """The statuses the headline (N件M项) counts, by item: a sub-item terminated by an approved
    change is not counted, nor an item left with none (the rule is ``projects.changes``)."""
    counted = {}
    for state in item_states:
        statuses = [s.status for s in state.sub_states if not s.terminated]
        if statuses:
            counted[state.item.pk] = statuses
    return counted


@dataclass(frozen=True)
class ShareRow:
    """One share of a split sub-item as of a day: what it must do and what it has done."""

    share: SubItemShare
    state: shares.ShareState
    last_report: ProgressReport | None


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
    completed_on: date | None = None
    as_of: date | None = None
    planned_by_source: dict[str, Decimal] = field(default_factory=dict)
    money_by_source: dict[str, Money] = field(default_factory=dict)
    verdict: str | None = None
    # The year's end (projects.changes, projects.closing_models): the promise of the day, the
    # acceptance (验收) and the carry-over (结转) known by then.
    promise: changes.Promise | None = None
    accepted_on: date | None = None
    carried_on: date | None = None
    # The deadline every rule reads (the light, the verdict, days past it, on time or late): the
    # sub-item's promised one, or for a split sub-item the latest of its shares'.
    deadline: date | None = None

    @property
    def terminated(self) -> bool:
        """Stopped by an approved change by this day: no light, not counted (projects.changes)."""
        return bool(self.promise and self.promise.terminated)

    @property
    def changed(self) -> bool:
        """Its promise was changed by an approved change by this day (已调整)."""
        return bool(self.promise and self.promise.changed)

    @property
    def closed_out(self) -> bool:
        """已验收销号: complete and accepted (验收) by this day."""
        return self.is_complete and self.accepted_on is not None

    @property
    def closing_verdict(self) -> str:
        """The verdict the sub-item has (a closed year) or would close with on the day it is
        read (``ledger.final_verdict``, the one rule)."""
        if self.verdict:
            return self.verdict
        figures = ledger.SubItemFigures(
            self.status, self.progress_percent, self.actual_value, self.completed_on, self.last_accepted_on
        )
        return ledger.final_verdict(
            figures, self.deadline, terminated=self.terminated, carried=self.carried_on is not None
        )

    @property
    def closing_label(self) -> str:
        """已验收销号 / 已完成待验收 for a complete sub-item, else ''."""
        if not self.is_complete:
            return ""
        return str(CLOSED_OUT_LABEL if self.closed_out else AWAITING_ACCEPTANCE_LABEL)

    # Read through a region, a split sub-item's target is the sum of that region's shares';
    # None: the sub-item's own (the whole sub-item's, whatever its shares add up to).
    shares_target: Decimal | None = None
    shares: list[ShareRow] = field(default_factory=list)

    @property
    def target_value(self) -> Decimal | None:
        return self.shares_target if self.shares_target is not None else self.sub_item.target_value

    @property
    def target_display(self) -> str:
        sub = self.sub_item
        return format_target(self.target_value, sub.target_unit, sub.target_at_least)

    @property
    def is_split(self) -> bool:
        return bool(self.shares)

    @property
    def answering_units(self) -> list[Unit]:
        """The units that answer for the sub-item's reports (and are chased by 催报): its
        responsible unit, or for a split sub-item its shares' units (those read: a region's
        only, when read through one)."""
        if self.shares:
            return [row.share.responsible_unit for row in self.shares]
        return [self.sub_item.responsible_unit]

    def units_overdue(self, period: periods.Period) -> list[int]:
        """The units 超期未报 is chased from (the due ``period`` the sub-item is overdue for):
        ``units_owing_report`` while it is overdue to report, else none."""
        return self.units_owing_report(period) if self.overdue_report else []

    def units_owing_report(self, period: periods.Period) -> list[int]:
        """The units that owe a report for a period (``ledger.owes_report``): the responsible
        unit, or for a split sub-item the unit of each share that owes its own (催报 goes to
        the counties, not to the city bureau)."""
        sub = self.sub_item
        if not self.shares:
            owes = ledger.owes_report(
                is_complete=self.is_complete,
                planned_start=sub.planned_start,
                last_report=self.last_report,
                period=period,
            )
            return [sub.responsible_unit_id] if owes else []
        return [
            row.share.responsible_unit_id
            for row in self.shares
            if ledger.owes_report(
                is_complete=row.state.figures.is_complete,
                planned_start=sub.planned_start,
                last_report=row.last_report,
                period=period,
            )
        ]

    @property
    def planned_money(self) -> Decimal:
        """计划投资 (万元): the registry's promise, summed over the funding sources."""
        return sum(self.planned_by_source.values(), Decimal("0"))

    @property
    def money(self) -> Money:
        """到位 and 支付 (万元) as the latest accepted report that stated money says."""
        return ledger.total_money(self.money_by_source)

    @property
    def funding_rows(self) -> list[tuple[str, Decimal, Money]]:
        """(source, planned, money to date) per funding source, planned sources first."""
        sources = list(self.planned_by_source) + sorted(
            set(self.money_by_source) - set(self.planned_by_source)
        )
        return [
            (
                source,
                self.planned_by_source.get(source, Decimal("0")),
                self.money_by_source.get(source, ledger.NO_MONEY),
            )
            for source in sources
        ]

    @property
    def is_complete(self) -> bool:
        return self.status == COMPLETED

    @property
    def completion_rate(self) -> Decimal | None:
        return completion_rate(self.actual_value, self.target_value)

    @property
    def status_label(self) -> str:
        return SubItem.Status(self.status).label

    @property
    def light_label(self) -> str:
        return Light(self.light).label if self.light else ""

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
    as_of: date | None = None

    @property
    def is_complete(self) -> bool:
        return item_is_complete(s.status for s in self.sub_states if not s.terminated)

    @property
    def verdict(self) -> str | None:
        """The closed year's verdict on the item (None while the year is not closed)."""
        verdicts = [s.verdict for s in self.sub_states]
        return ledger.item_verdict(verdicts) if all(verdicts) else None

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
    is_final: bool = False

    @property
    def verdict_counts(self) -> Counter:
        return Counter(s.verdict for s in self.sub_states if s.verdict)

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
                        as_of=state.as_of,
                    )
                )
        return PlanProgress(
            plan=self.plan,
            as_of=self.as_of,
            is_historical=self.is_historical,
            items=items,
            summary=summarize(counted_statuses(items)),
            light_counts=Counter(sub.light for s in items for sub in s.sub_states),
            is_final=self.is_final,
        )


def combine_progress(parts: Sequence[PlanProgress]) -> PlanProgress:
    """One plan's progress read in parts (batches of items, as of one date) as one view, its
    headline and light counts over all of them."""
    first = parts[0]
    items = [item_state for part in parts for item_state in part.items]
    return PlanProgress(
        plan=first.plan,
        as_of=first.as_of,
        is_historical=first.is_historical,
        items=items,
        summary=summarize(counted_statuses(items)),
        light_counts=sum((part.light_counts for part in parts), Counter()),
        is_final=first.is_final,
    )


def reading_date(plan: Plan, as_of: date | None) -> date:
    """The date a plan is read as of when none is asked for: today, or for a closed list its
    closing date (a closed year reads as it closed, not as if still running)."""
    if as_of is not None:
        return as_of
    if plan.status == Plan.Status.CLOSED and plan.closed_on is not None:
        return min(plan.closed_on, today())
    return today()


def is_final(plan: Plan, on: date) -> bool:
    """Read on or after its closing date, a closed list shows final verdicts, not lights."""
    return plan.status == Plan.Status.CLOSED and plan.closed_on is not None and on >= plan.closed_on


def latest_accepted_report_ids(
    sub_items: QuerySet[SubItem], on: date, *, money_only: bool = False
) -> QuerySet:
    """Sub-item ids annotated with the id of their latest report accepted by a date (with
    ``money_only``, of the latest that stated money: see ``ledger.states_money``)."""
    # A split sub-item's reports are its shares' (``_shares``), never the sub-item's own.
    reports = ProgressReport.objects.accepted().filter(
        sub_item=OuterRef("pk"), share__isnull=True, accepted_on__lte=on
    )
    if money_only:
        reports = reports.filter(Q(funds_allocated__isnull=False) | Q(funds_paid__isnull=False))
    latest = reports.latest_first().values("id")[:1]
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
    region: Region | None = None,
) -> PlanProgress:
    """Everything the plan's pages show, as of a date (see ``reading_date`` when None), in
    ten queries at any size.

    ``sub_item_filter`` narrows the sub-items (a unit's, a category's); items left without
    sub-items are dropped from the result. ``region`` narrows them to what falls to a region
    (``projects.shares.region_filter``), a split sub-item's figures rolled up over that
    region's shares only.
    """
    on = reading_date(plan, as_of)
    if region is not None:
        in_region = region_filter(plan, region)
        sub_item_filter = in_region if sub_item_filter is None else sub_item_filter & in_region
    final = is_final(plan, on)
    sub_qs = sub_items_for_plan(plan, sub_item_filter)
    item_qs = items if items is not None else Item.objects.filter(plan=plan)
    if items is None and sub_item_filter is not None:
        # Only the items of the sub-items read, not the whole plan's (a page of 100 rows of a
        # province's list would otherwise load its 20,000 items).
        item_qs = item_qs.filter(pk__in=sub_qs.values("item_id"))
    if items is not None:
        # Every query below reads only these items' sub-items, not the whole plan's.
        sub_qs = sub_qs.filter(item__in=item_qs.values("pk"))
    item_list, subs_by_item = _load_registry(item_qs, _with_year_end(sub_qs, on))
    _apply_promises(subs_by_item, sub_qs, on)
    # One query at any plan size: in_bulk would split 10,000 ids into batches on SQLite.
    latest_ids = latest_accepted_report_ids(sub_qs, on).values("latest_report_id")
    share_qs = _shares(sub_qs, on, region)
    shares_by_sub: dict[int, list[SubItemShare]] = defaultdict(list)
    # Prefetched, not joined: a province's 100,000 shares name only its 100 counties and units.
    for share in share_qs.prefetch_related("region", "responsible_unit"):
        shares_by_sub[share.sub_item_id].append(share)
    # Timestamps are never read from here and cost 40,000 conversions on a large plan.
    # As the money below: each part through its own index, added up (UNION ALL).
    unread = (
        "created_at",
        "updated_at",
        "submitted_at",
        "reviewed_at",
        "return_reason",
        "regression_explanation",
    )
    latest_reports = (
        ProgressReport.objects.filter(pk__in=latest_ids)
        .defer(*unread)
        .order_by()
        .union(
            ProgressReport.objects.filter(pk__in=share_qs.values("latest_report_id"))
            .defer(*unread)
            .order_by(),
            all=True,
        )
    )
    reports, share_reports = {}, {}
    for report in latest_reports:
        if report.share_id is None:
            reports[report.sub_item_id] = report
        else:
            share_reports[report.share_id] = report
    planned, money = _load_money(sub_qs, on, share_qs, set(shares_by_sub))
    due_period = periods.last_due_period(on, plan.report_cadence, plan.report_due_day)
    expects_reports = not (plan.status == Plan.Status.CLOSED and final)

    item_states: list[ItemState] = []
    lights: Counter = Counter()
    for item in item_list:
        sub_states = []
        for sub in subs_by_item.get(item.pk, ()):
            split = shares_by_sub.get(sub.pk)
            if split:
                state = _split_state(plan, sub, split, share_reports, on, due_period, expects_reports, final)
                if region is None:
                    state.shares_target = None
            else:
                state = _sub_item_state(
                    plan, sub, reports.get(sub.pk), on, due_period, expects_reports, final
                )
            state.planned_by_source = planned.get(sub.pk, {})
            state.money_by_source = money.get(sub.pk, {})
            sub_states.append(state)
            if state.light:
                lights[state.light] += 1
        if not sub_states:
            continue
        item_states.append(_item_state(plan, item, sub_states, on))
    summary = summarize(counted_statuses(item_states))
    return PlanProgress(
        plan=plan,
        as_of=on,
        is_historical=on != today(),
        items=item_states,
        summary=summary,
        light_counts=lights,
        is_final=final,
    )


class _MoneyReport(NamedTuple):
    funds_allocated: Decimal | None
    funds_paid: Decimal | None


class _SourceMoney(NamedTuple):
    source: str
    allocated: Decimal
    paid: Decimal


def _shares(sub_qs: QuerySet[SubItem], on: date, region: Region | None) -> QuerySet[SubItemShare]:
    """The shares of these sub-items (those within a region, with one), each annotated with
    the id of its latest report accepted by a date."""
    qs = SubItemShare.objects.filter(sub_item__in=sub_qs.values("pk"))
    if region is not None:
        qs = qs.filter(region__code__startswith=region.prefix)
    return qs.annotate(latest_report_id=_latest_share_report(on)).order_by("sub_item_id", "region__code")


def _latest_share_report(on: date, *, money_only: bool = False) -> Subquery:
    reports = ProgressReport.objects.accepted().filter(share=OuterRef("pk"), accepted_on__lte=on)
    if money_only:
        reports = reports.filter(Q(funds_allocated__isnull=False) | Q(funds_paid__isnull=False))
    return Subquery(reports.latest_first().values("id")[:1])


def _load_money(
    sub_qs: QuerySet[SubItem], on: date, share_qs: QuerySet[SubItemShare], split_ids: set[int]
) -> tuple[dict, dict]:
    """Each sub-item's planned money by source (the registry) and its money by source as of a
    date (the ledger: the latest accepted report that stated money; for a split sub-item, the
    sum over its shares of each share's), in three queries of plain rows (model instances
    would cost a second at 10,000 sub-items)."""
    planned: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for sub_id, source, amount in FundingLine.objects.filter(sub_item__in=sub_qs.values("pk")).values_list(
        "sub_item_id", "source", "planned"
    ):
        planned[sub_id][source] = amount
    share_money_ids = share_qs.annotate(money_report_id=_latest_share_report(on, money_only=True)).values(
        "money_report_id"
    )
    sub_money_ids = latest_accepted_report_ids(sub_qs, on, money_only=True).values("latest_report_id")
    # Each part found through its own index and the two added up (UNION ALL): "id IN (…) OR
    # id IN (…)" would read every report of the database (1.2 million in a province).
    fields = ("id", "sub_item_id", "share_id", "funds_allocated", "funds_paid")
    money_reports = (
        ProgressReport.objects.filter(pk__in=sub_money_ids)
        .values_list(*fields)
        .order_by()
        .union(
            ProgressReport.objects.filter(pk__in=share_money_ids).values_list(*fields).order_by(), all=True
        )
    )
    rows: dict[int, list[_SourceMoney]] = defaultdict(list)
    funding = ("report_id", "source", "allocated", "paid")
    for report_id, source, allocated, paid in (
        ReportFunding.objects.filter(report__in=sub_money_ids)
        .values_list(*funding)
        .order_by()
        .union(
            ReportFunding.objects.filter(report__in=share_money_ids).values_list(*funding).order_by(),
            all=True,
        )
    ):
        rows[report_id].append(_SourceMoney(source, allocated, paid))
    money: dict[int, dict[str, Money]] = defaultdict(dict)
    for report_id, sub_id, share_id, allocated, paid in money_reports:
        if share_id is None and sub_id in split_ids:
            continue  # stated before the sub-item was split: its shares' money stands now
        stated = ledger.money_by_source(
            _MoneyReport(allocated, paid), rows.get(report_id, ()), sorted(planned.get(sub_id, ()))
        )
        for source, amount in stated.items():
            money[sub_id][source] = money[sub_id].get(source, ledger.NO_MONEY) + amount
    return planned, money


def _with_year_end(sub_qs: QuerySet[SubItem], on: date) -> QuerySet[SubItem]:
    """The sub-items annotated with what the year's end knew by ``on`` (no extra query): an
    approved change in effect, the acceptance date, the carry-over date."""
    acceptance = Acceptance.objects.filter(sub_item=OuterRef("pk"), accepted_on__lte=on).values("accepted_on")
    carried = CarryOver.objects.filter(from_sub_item=OuterRef("pk"), carried_on__lte=on).values("carried_on")
    return sub_qs.annotate(
        has_changes=changes.has_changes_by(on),
        accepted_on=Subquery(acceptance[:1]),
        carried_on=Subquery(carried[:1]),
    )


def _apply_promises(subs_by_item: dict, sub_qs: QuerySet[SubItem], on: date) -> None:
    """Give each loaded sub-item the promise of the day (``projects.changes``): its target and
    deadline become the promised ones for every rule downstream, the adopted ones stay on
    ``adopted_target_value`` / ``adopted_planned_end``. One query, only when a change is in effect."""
    subs = [sub for group in subs_by_item.values() for sub in group]
    changed = [sub for sub in subs if sub.has_changes]
    in_effect = (
        changes.changes_in_effect(sub_qs.filter(pk__in=[s.pk for s in changed]), on) if changed else {}
    )
    for sub in subs:
        sub.adopted_target_value, sub.adopted_planned_end = sub.target_value, sub.planned_end
        sub.promise = changes.apply_changes(sub.target_value, sub.planned_end, in_effect.get(sub.pk, ()))
        sub.target_value, sub.planned_end = sub.promise.target_value, sub.promise.planned_end


def _load_registry(item_qs: QuerySet[Item], sub_qs: QuerySet[SubItem]) -> tuple[list[Item], dict]:
    """Items and their sub-items with milestones, units and categories, in four flat queries.

    prefetch_related would build a related manager and a queryset clone per object, which at
    10,000 sub-items costs seconds; grouping flat rows in Python costs milliseconds. Each
    sub-item's ``milestone_list`` and foreign keys are filled in, so templates make no queries.
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
        sub.attach_milestones(milestones.get(sub.pk, []))
        subs_by_item[sub.item_id].append(sub)
    return items, subs_by_item


def _sub_item_state(
    plan: Plan,
    sub: SubItem,
    report: ProgressReport | None,
    on: date,
    due_period: periods.Period,
    expects_reports: bool,
    final: bool,
) -> SubItemState:
    figures = ledger.report_effect(report, plan.report_cadence, plan.report_due_day)
    scheduled = pace.scheduled_pace(
        on,
        sub.planned_start,
        sub.planned_end,
        [(m.date, m.planned_percent) for m in sub.milestone_list],
        plan_year=plan.year,
    )
    light = pace.light_for(
        on=on,
        scheduled=scheduled,
        progress=figures.progress_percent,
        is_complete=figures.is_complete,
        deadline=sub.planned_end,
        planned_start=sub.planned_start,
        yellow_margin=plan.yellow_margin,
        red_margin=plan.red_margin,
    )
    promise = getattr(sub, "promise", None)
    terminated = bool(promise and promise.terminated)
    carried_on = getattr(sub, "carried_on", None)
    verdict = None
    if final:
        verdict = ledger.final_verdict(
            figures, sub.planned_end, terminated=terminated, carried=carried_on is not None
        )
    return SubItemState(
        sub_item=sub,
        status=figures.status,
        progress_percent=figures.progress_percent,
        actual_value=figures.actual_value,
        last_report=report,
        scheduled_percent=scheduled,
        lag_points=pace.lag_points(scheduled, figures.progress_percent),
        light="" if terminated else light,
        overdue_report=expects_reports
        and not terminated
        and ledger.owes_report(
            is_complete=figures.is_complete,
            planned_start=sub.planned_start,
            last_report=report,
            period=due_period,
        ),
        completed_on=figures.completed_on,
        as_of=on,
        verdict=verdict,
        promise=promise,
        accepted_on=getattr(sub, "accepted_on", None),
        carried_on=carried_on,
        deadline=sub.planned_end,
    )


def _split_state(
    plan: Plan,
    sub: SubItem,
    split: list[SubItemShare],
    share_reports: dict[int, ProgressReport],
    on: date,
    due_period: periods.Period,
    expects_reports: bool,
    final: bool,
) -> SubItemState:
    """A split sub-item's state rolled up from its shares (``shares.roll_up``): each share is
    paced to its own deadline (with the sub-item's milestones when it keeps the sub-item's);
    the sub-item owes a report while any unfinished share does."""
    rows = []
    owes = False
    milestones = [(m.date, m.planned_percent) for m in sub.milestone_list]
    # Shares keep the sub-item's deadline but for a few: each distinct one is paced once.
    scheduled_by_deadline: dict[date | None, Decimal] = {}
    for share in split:
        report = share_reports.get(share.pk)
        figures = ledger.report_effect(report, plan.report_cadence, plan.report_due_day)
        deadline = share.planned_end or sub.planned_end
        scheduled = scheduled_by_deadline.get(deadline)
        if scheduled is None:
            scheduled = scheduled_by_deadline[deadline] = pace.scheduled_pace(
                on,
                sub.planned_start,
                deadline,
                milestones if deadline == sub.planned_end else [],
                plan_year=plan.year,
            )
        rows.append(ShareRow(share, shares.ShareState(share.target_value, figures, scheduled), report))
        owes = owes or ledger.owes_report(
            is_complete=figures.is_complete,
            planned_start=sub.planned_start,
            last_report=report,
            period=due_period,
        )
    rolled = shares.roll_up([row.state for row in rows])
    figures = rolled.figures
    deadlines = [share.planned_end or sub.planned_end for share in split]
    deadline = max(deadlines) if all(deadlines) else sub.planned_end
    light = pace.light_for(
        on=on,
        scheduled=rolled.scheduled,
        progress=figures.progress_percent,
        is_complete=figures.is_complete,
        deadline=deadline,
        planned_start=sub.planned_start,
        yellow_margin=plan.yellow_margin,
        red_margin=plan.red_margin,
    )
    reported = [row.last_report for row in rows if row.last_report is not None]
    # The year's end holds for a split sub-item as for any other (see _sub_item_state).
    promise = getattr(sub, "promise", None)
    terminated = bool(promise and promise.terminated)
    carried_on = getattr(sub, "carried_on", None)
    verdict = None
    if final:
        verdict = ledger.final_verdict(
            figures, deadline, terminated=terminated, carried=carried_on is not None
        )
    return SubItemState(
        sub_item=sub,
        status=figures.status,
        progress_percent=figures.progress_percent,
        actual_value=figures.actual_value,
        last_report=max(reported, key=lambda r: (r.accepted_on, r.pk)) if reported else None,
        scheduled_percent=rolled.scheduled,
        lag_points=pace.lag_points(rolled.scheduled, figures.progress_percent),
        light="" if terminated else light,
        overdue_report=expects_reports and owes and not terminated,
        completed_on=figures.completed_on,
        as_of=on,
        verdict=verdict,
        promise=promise,
        accepted_on=getattr(sub, "accepted_on", None),
        carried_on=carried_on,
        deadline=deadline,
        shares_target=rolled.target,
        shares=rows,
    )


def _item_state(plan: Plan, item: Item, sub_states: list[SubItemState], on: date) -> ItemState:
    # A terminated sub-item weighs nothing in its item's roll-up.
    live = [s for s in sub_states if not s.terminated]
    scheduled, progress = pace.roll_up(
        [pace.Weighted(s.sub_item.weight, s.scheduled_percent, s.progress_percent) for s in live]
    )
    # A sub-item's deadline as every rule reads it: a split sub-item's is its latest share's.
    deadlines = [s.deadline for s in live if s.deadline]
    complete = item_is_complete(s.status for s in live)
    light = pace.item_light(
        on=on,
        scheduled=scheduled,
        progress=progress,
        is_complete=complete,
        deadline=max(deadlines) if deadlines else None,
        sub_item_lights=[s.light for s in live],
        yellow_margin=plan.yellow_margin,
        red_margin=plan.red_margin,
    )
    return ItemState(
        item=item,
        sub_states=sub_states,
        scheduled_percent=scheduled,
        progress_percent=progress,
        lag_points=pace.lag_points(scheduled, progress),
        light=light,
        as_of=on,
    )


def plan_summaries(
    plans: Iterable[Plan], as_of: date | None = None, sub_item_filter: Q | None = None
) -> list[tuple[Plan, PlanSummary]]:
    """Each plan's completion headline (N件M项, completed A件B项) as of its reading date
    (``reading_date``), the same figures ``plan_progress`` gives, for a list of plans in three
    queries whatever their number or size."""
    plans = list(plans)
    if not plans:
        return []
    days = {plan.pk: reading_date(plan, as_of) for plan in plans}
    reading_day = Case(
        *[When(item__plan_id=pk, then=Value(day)) for pk, day in days.items()], output_field=DateField()
    )
    subs = SubItem.objects.filter(item__plan__in=plans)
    if sub_item_filter is not None:
        subs = subs.filter(sub_item_filter)
    # Sub-items stopped by an approved change by the reading day are not counted (projects.changes).
    subs = subs.annotate(reading_day=reading_day).filter(~changes.terminated_by(OuterRef("reading_day")))
    latest = (
        ProgressReport.objects.accepted()
        .filter(sub_item=OuterRef("pk"), share__isnull=True, accepted_on__lte=OuterRef("reading_day"))
        .latest_first()
        .values("id")[:1]
    )
    rows = list(
        subs.annotate(latest_report_id=Subquery(latest)).values_list(
            "item__plan_id", "item_id", "pk", "latest_report_id"
        )
    )
    share_day = Case(
        *[When(sub_item__item__plan_id=pk, then=Value(day)) for pk, day in days.items()],
        output_field=DateField(),
    )
    latest_of_share = (
        ProgressReport.objects.accepted()
        .filter(share=OuterRef("pk"), accepted_on__lte=OuterRef("reading_day"))
        .latest_first()
        .values("id")[:1]
    )
    split: dict[int, list[tuple[Decimal | None, int | None]]] = defaultdict(list)
    for sub_id, target, report_id in (
        SubItemShare.objects.filter(sub_item__in=subs.values("pk"))
        .annotate(reading_day=share_day, latest_report_id=Subquery(latest_of_share))
        .values_list("sub_item_id", "target_value", "latest_report_id")
    ):
        split[sub_id].append((target, report_id))
    wanted = [report_id for *_, report_id in rows if report_id]
    wanted += [report_id for parts in split.values() for _, report_id in parts if report_id]
    reports = ProgressReport.objects.only(
        "id", "period_start", "accepted_on", "progress_percent", "actual_value", "marks_complete"
    ).in_bulk(wanted)
    statuses: dict[int, dict[int, list[str]]] = {plan.pk: defaultdict(list) for plan in plans}
    by_pk = {plan.pk: plan for plan in plans}
    for plan_id, item_id, sub_id, report_id in rows:
        plan = by_pk[plan_id]

        def effect(report_id, plan=plan):
            return ledger.report_effect(reports.get(report_id), plan.report_cadence, plan.report_due_day)

        if sub_id in split:
            parts = [shares.ShareState(target, effect(rid), Decimal("0")) for target, rid in split[sub_id]]
            figures = shares.roll_up(parts).figures
        else:
            figures = effect(report_id)
        statuses[plan_id][item_id].append(figures.status)
    return [(plan, summarize(statuses[plan.pk])) for plan in plans]
