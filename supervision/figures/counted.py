"""A plan's figures counted from its caches, so that a cold page over 100,000 sub-items costs a
few aggregate queries instead of reading every sub-item from the ledger.

No rule is here. Each counted value was computed by the function that owns its rule, and stored
in the same transaction as the change that moved it (``services.caches``): a sub-item's status
and money when a report was accepted (``ledger.report_effect``, ``ledger.money_by_source``), its
pace row's scheduled pace, lag, light and overdue-to-report by the nightly check or by the change
(``progress.plan_progress``). This module counts them, and picks which sub-items a page shows,
so that only those are read through ``plan_progress``.

The caches hold one day: today, for a published plan whose every sub-item's pace row was checked
today. ``headline`` answers any day: from the caches when they hold it, else from a stored
snapshot of that day (month-ends, a closed list's closing day), else from the ledger. The
consistency tests state that all three give the same figures.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models import Count as CountOf

from core.dates import today
from core.lights import LAGGING_LIGHTS, Light
from projects import changes
from projects.completion import SUMMARY_COUNTS, PlanSummary, summary_from_counts
from projects.models import ChangeRequest, FundingLine, Item, Plan, Region, SubItem
from projects.shares import lower_regions
from supervision.figures.models import PlanSnapshot, RegionFigures, SubItemPace
from supervision.figures.version import figures_version
from supervision.reading.progress import (
    ItemState,
    PlanProgress,
    is_final,
    plan_progress,
    plan_summaries,
    reading_date,
)
from supervision.reading.summary import FundingTotals, figures_dict, plan_figures

ZERO = Decimal("0")


@dataclass
class Headline:
    """What a headline shows of a plan, or of the part of it a page narrows to, as of a day.

    ``progress`` is the full read model when the headline had to be read from the ledger (the
    page may use it rather than read again); None when it was counted from the caches or read
    from a stored snapshot."""

    plan: Plan
    as_of: date
    summary: PlanSummary
    light_counts: Counter
    overdue_report_count: int
    verdict_counts: Counter
    is_final: bool
    figures: dict
    source: str
    progress: PlanProgress | None = None

    @property
    def is_historical(self) -> bool:
        return self.as_of != today()

    @property
    def from_caches(self) -> bool:
        return self.source == "caches"


def sub_items(plan: Plan, sub_item_filter: Q | None = None, light: str = "") -> QuerySet[SubItem]:
    """The plan's sub-items a page counts: narrowed by the filter, and to one light of the
    cached pace rows (meaningful only on a day the caches hold)."""
    qs = SubItem.objects.filter(item__plan=plan)
    if sub_item_filter is not None:
        qs = qs.filter(sub_item_filter)
    if light:
        qs = qs.filter(pace__light=light)
    return qs


def caches_hold(plan: Plan, on: date) -> bool:
    """Whether the caches hold the plan's figures as of a day: a published plan, read today,
    with a pace row checked today for every sub-item (one query)."""
    return on == today() and plan.pk in _held_plan_ids([plan], on)


def _held_plan_ids(plans: list[Plan], on: date) -> set[int]:
    """Of these plans, the published ones whose every sub-item has a pace row checked on
    ``on`` (one query for all)."""
    published = [plan.pk for plan in plans if plan.status == Plan.Status.PUBLISHED]
    if not published:
        return set()
    # The cached status and deadline are the adopted promise's: a plan with an approved change
    # in effect (projects.changes) is read from the ledger, which applies it.
    changed = ChangeRequest.objects.filter(
        changes.approved_by(on), sub_item__item__plan_id=OuterRef("item__plan_id")
    )
    checked = SubItemPace.objects.filter(sub_item=OuterRef("pk"), checked_on=on)
    stale = (
        SubItem.objects.filter(item__plan_id__in=published)
        .filter(~Exists(checked) | Exists(changed))
        .order_by()
        .values_list("item__plan_id", flat=True)
        .distinct()
    )
    return set(published) - set(stale)


def red_first():
    return Case(When(pace__light=Light.RED, then=Value(0)), default=Value(1))


def counted_headline(plan: Plan, on: date, sub_item_filter: Q | None = None, light: str = "") -> Headline:
    """The headline counted from the caches (the caller has checked ``caches_hold``)."""
    subs = sub_items(plan, sub_item_filter, light)
    row = subs.aggregate(
        **SUMMARY_COUNTS,
        overdue=CountOf("pk", filter=Q(pace__overdue_report=True)),
        progress_sum=Sum("pace__progress_percent"),
        scheduled_sum=Sum("pace__scheduled_percent"),
        allocated=Sum("funds_allocated"),
        paid=Sum("funds_paid"),
        **{f"light_{value}": CountOf("pk", filter=Q(pace__light=value)) for value in Light.values},
    )
    planned = FundingLine.objects.filter(sub_item__in=subs.values("pk")).aggregate(total=Sum("planned"))
    summary = summary_from_counts(row)
    lights = Counter({value: row[f"light_{value}"] for value in Light.values if row[f"light_{value}"]})
    funding = FundingTotals(
        planned=planned["total"] or ZERO, allocated=row["allocated"] or ZERO, paid=row["paid"] or ZERO
    )
    figures = figures_dict(
        as_of=on,
        summary=summary,
        light_counts=lights,
        overdue_report=row["overdue"],
        progress_sum=row["progress_sum"] or ZERO,
        scheduled_sum=row["scheduled_sum"] or ZERO,
        is_final=False,
        verdict_counts=Counter(),
        funding=funding,
    )
    return Headline(
        plan=plan,
        as_of=on,
        summary=summary,
        light_counts=lights,
        overdue_report_count=row["overdue"],
        verdict_counts=Counter(),
        is_final=False,
        figures=figures,
        source="caches",
    )


def stored_headline(plan: Plan, on: date) -> Headline | None:
    """The whole plan's headline from the snapshot stored for that very day, if there is one."""
    data = PlanSnapshot.objects.filter(plan=plan, as_of=on).values_list("data", flat=True).first()
    return None if data is None else headline_of(plan, on, data, "snapshot")


def headline_of(plan: Plan, on: date, data: dict, source: str) -> Headline:
    """A headline from stored figures (``summary.plan_figures``: a snapshot's, a region's)."""
    return Headline(
        plan=plan,
        as_of=on,
        summary=_summary_of(data),
        light_counts=Counter({k: v for k, v in data["lights"].items() if v}),
        overdue_report_count=data["overdue_report"],
        verdict_counts=Counter({k: v for k, v in data["verdicts"].items() if v}),
        is_final=data["is_final"],
        figures=data,
        source=source,
    )


def region_headlines(plan: Plan, as_of: date | None = None) -> list[tuple[Region, Headline]]:
    """Each lower region's headline of a plan (``projects.shares.lower_regions``), the figures
    of its ``?region=`` pages: today from the stored region figures when every one was stored
    at the plan's current figures version (``caches.store_region_figures``: the pace refresh
    and each change's follow-up store them), else each read from the ledger."""
    regions = lower_regions(plan)
    on = reading_date(plan, as_of)
    if regions and on == today():
        stored = dict(
            RegionFigures.objects.filter(
                plan=plan, as_of=on, figures_version=figures_version(plan), region__in=regions
            ).values_list("region_id", "data")
        )
        if len(stored) == len(regions):
            return [(region, headline_of(plan, on, stored[region.pk], "caches")) for region in regions]
    return [(region, headline(plan, on, region=region)) for region in regions]


def _summary_of(figures: dict) -> PlanSummary:
    return PlanSummary(
        items_total=figures["items_total"],
        subitems_total=figures["subitems_total"],
        items_completed=figures["items_completed"],
        subitems_completed=figures["subitems_completed"],
    )


def ledger_headline(progress: PlanProgress) -> Headline:
    return Headline(
        plan=progress.plan,
        as_of=progress.as_of,
        summary=progress.summary,
        light_counts=progress.light_counts,
        overdue_report_count=progress.overdue_report_count,
        verdict_counts=progress.verdict_counts,
        is_final=progress.is_final,
        figures=plan_figures(progress),
        source="ledger",
        progress=progress,
    )


def headline(
    plan: Plan,
    as_of: date | None = None,
    *,
    sub_item_filter: Q | None = None,
    light: str = "",
    region: Region | None = None,
) -> Headline:
    """The headline of a plan (narrowed by a filter and a light) as of a day (``reading_date``
    when None): counted from the caches when they hold the day, else the day's stored snapshot
    of the whole plan, else read from the ledger. Through a region (its shares of split
    sub-items, rolled up over them alone) it is always read from the ledger: the caches hold
    each sub-item's whole roll-up."""
    on = reading_date(plan, as_of)
    if region is not None:
        return ledger_headline(
            plan_progress(plan, on, sub_item_filter=sub_item_filter, region=region).with_light(light)
        )
    if caches_hold(plan, on):
        return counted_headline(plan, on, sub_item_filter, light)
    if sub_item_filter is None and not light:
        stored = stored_headline(plan, on)
        if stored is not None and stored.is_final == is_final(plan, on):
            return stored
    return ledger_headline(plan_progress(plan, on, sub_item_filter=sub_item_filter).with_light(light))


def summaries(
    plans, as_of: date | None = None, sub_item_filter: Q | None = None
) -> list[tuple[Plan, PlanSummary]]:
    """Each plan's completion headline as of its reading day, as ``progress.plan_summaries``
    gives it: counted from the caches for the plans they hold, from the stored snapshot for a
    whole plan on a stored day, and for the rest from the ledger; at most six queries
    whatever the number of plans."""
    plans = list(plans)
    days = {plan.pk: reading_date(plan, as_of) for plan in plans}
    held = _held_plan_ids([plan for plan in plans if days[plan.pk] == today()], today())
    found: dict[int, PlanSummary] = {plan_id: PlanSummary(0, 0, 0, 0) for plan_id in held}
    counted = SubItem.objects.filter(item__plan_id__in=held)
    if sub_item_filter is not None:
        counted = counted.filter(sub_item_filter)
    for row in counted.order_by().values("item__plan_id").annotate(**SUMMARY_COUNTS):
        found[row["item__plan_id"]] = summary_from_counts(row)
    if sub_item_filter is None:
        wanted = [plan for plan in plans if plan.pk not in found]
        stored = PlanSnapshot.objects.filter(
            plan__in=wanted, as_of__in={days[plan.pk] for plan in wanted}
        ).values_list("plan_id", "as_of", "data")
        by_plan = {plan.pk: plan for plan in wanted}
        for plan_id, day, data in stored:
            plan = by_plan[plan_id]
            if day == days[plan_id] and data["is_final"] == is_final(plan, day):
                found[plan_id] = _summary_of(data)
    rest = [plan for plan in plans if plan.pk not in found]
    found.update({plan.pk: summary for plan, summary in plan_summaries(rest, as_of, sub_item_filter)})
    return [(plan, found[plan.pk]) for plan in plans]


def item_page(
    plan: Plan,
    head: Headline,
    sub_item_filter: Q | None,
    light: str,
    page_number,
    *,
    per_page: int,
) -> tuple[Page, list[ItemState]]:
    """A page of the plan table under its headline: the page's items, each with the
    sub-items the filter and light keep, read from the ledger as of the headline's day.

    Only the page's items are read, unless the headline itself had to be read from the
    ledger, whose read model is then paged instead."""
    if head.progress is not None:
        page = Paginator(head.progress.items, per_page).get_page(page_number)
        return page, list(page.object_list)
    counted = sub_items(plan, sub_item_filter, light if head.from_caches else "")
    item_ids = (
        Item.objects.filter(plan=plan)
        .filter(Exists(counted.filter(item=OuterRef("pk"))))
        .order_by("number")
        .values_list("pk", flat=True)
    )
    if head.from_caches or (sub_item_filter is None and not light):
        # The headline has counted the items already.
        item_ids = Counted(item_ids, head.summary.items_total)
    page = Paginator(item_ids, per_page).get_page(page_number)
    shown = plan_progress(
        plan,
        head.as_of,
        sub_item_filter=sub_item_filter,
        items=Item.objects.filter(pk__in=list(page.object_list)),
    )
    return page, shown.with_light(light).items


class Counted:
    """A queryset whose length is known already: the paginator slices it, never counts it."""

    def __init__(self, queryset: QuerySet, total: int):
        self.queryset, self.total = queryset, total

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index):
        return self.queryset[index]


def lagging_ids(subs: QuerySet[SubItem], limit: int | None = None) -> list[int]:
    """The red then yellow sub-items of the cached pace rows, furthest behind first, as the
    dashboard's attention list orders them (``services.dashboard.attention_list``)."""
    qs = (
        subs.filter(pace__light__in=LAGGING_LIGHTS)
        .order_by(red_first(), "-pace__lag_points", "item__number", "number")
        .values_list("pk", flat=True)
    )
    return list(qs[:limit] if limit is not None else qs)
