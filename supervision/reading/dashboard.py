"""The numbers the completion dashboard shows, as plain functions of a ``PlanProgress``.

Every figure here is counted from the same read model as the plan table, so a number on the
dashboard and the length of the list it links to always agree. Rates are fractions
(0.6 = 60%); lag is in percentage points, positive when behind the scheduled pace.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from core.lights import LAGGING_LIGHTS, Light
from projects.completion import SUMMARY_COUNTS, summary_from_counts
from projects.models import Category, Item, Plan, Region, SubItem, Unit
from supervision.figures import counted as current
from supervision.figures import trend as trend_of
from supervision.followup import rectification_state
from supervision.followup.models import InspectionVisit, Rectification
from supervision.ledger import rules as ledger
from supervision.ledger.models import ProgressReport, ReportPhoto
from supervision.reading import pace
from supervision.reading.progress import ItemState, PlanProgress, SubItemState, plan_progress, reading_date

ZERO = Decimal("0")
LATEST_VISITS = 5
OPEN_RECTIFICATIONS = 10


@dataclass
class CategoryRow:
    category: Category | None
    items_total: int = 0
    items_completed: int = 0
    subitems_total: int = 0
    subitems_completed: int = 0

    @property
    def name(self) -> str:
        return self.category.name if self.category else "未分类"

    @property
    def item_completion_rate(self) -> Decimal:
        return Decimal(self.items_completed) / Decimal(self.items_total) if self.items_total else ZERO

    @property
    def subitems_remaining(self) -> int:
        return self.subitems_total - self.subitems_completed


def by_category(progress: PlanProgress) -> list[CategoryRow]:
    """Items and sub-items, total and completed, per policy field (领域), in the field order."""
    rows: dict[int | None, CategoryRow] = {}
    for state in progress.items:
        category = state.item.category
        row = rows.setdefault(category.pk if category else None, CategoryRow(category))
        row.items_total += 1
        row.items_completed += state.is_complete
        row.subitems_total += len(state.sub_states)
        row.subitems_completed += sum(1 for s in state.sub_states if s.is_complete)
    return _in_field_order(rows.values())


def _in_field_order(rows) -> list[CategoryRow]:
    return sorted(rows, key=lambda r: (r.category is None, r.category.order if r.category else 0, r.name))


def counted_by_category(subs: QuerySet[SubItem]) -> list[CategoryRow]:
    """``by_category`` counted from the sub-items' cached status (``supervision.figures.counted``)."""
    categories = Category.objects.in_bulk()
    return _in_field_order(
        CategoryRow(categories.get(row["item__category_id"]), **_category_counts(row))
        for row in subs.order_by().values("item__category_id").annotate(**SUMMARY_COUNTS)
    )


def _category_counts(row: dict) -> dict:
    summary = summary_from_counts(row)
    return {
        "items_total": summary.items_total,
        "items_completed": summary.items_completed,
        "subitems_total": summary.subitems_total,
        "subitems_completed": summary.subitems_completed,
    }


@dataclass
class UnitRow:
    unit: Unit
    subitems_total: int = 0
    completed: int = 0
    completed_on_time: int = 0
    red: int = 0
    yellow: int = 0
    overdue_report: int = 0
    lag_sum: Decimal = ZERO

    @property
    def on_time_rate(self) -> Decimal:
        """按期完成率 = sub-items completed by their deadline / all the unit's sub-items."""
        return Decimal(self.completed_on_time) / Decimal(self.subitems_total) if self.subitems_total else ZERO

    @property
    def average_lag(self) -> Decimal:
        """Mean lag behind the scheduled pace over the unit's sub-items, in percentage points."""
        if not self.subitems_total:
            return ZERO
        return pace.lag_points(self.lag_sum / self.subitems_total, ZERO)


def unit_ranking(progress: PlanProgress) -> list[UnitRow]:
    """Responsible units, best first: highest on-time completion rate, then least average lag."""
    rows: dict[int, UnitRow] = {}
    for state in progress.sub_states:
        sub = state.sub_item
        row = rows.setdefault(sub.responsible_unit_id, UnitRow(sub.responsible_unit))
        row.subitems_total += 1
        row.lag_sum += state.lag_points
        row.red += state.light == Light.RED
        row.yellow += state.light == Light.YELLOW
        row.overdue_report += state.overdue_report
        if state.is_complete:
            row.completed += 1
            row.completed_on_time += ledger.finished_on_time(state.completed_on, sub.planned_end)
    return _best_first(rows.values())


def _best_first(rows) -> list[UnitRow]:
    return sorted(rows, key=lambda r: (-r.on_time_rate, r.average_lag, str(r.unit)))


def counted_unit_ranking(subs: QuerySet[SubItem]) -> list[UnitRow]:
    """``unit_ranking`` counted from the cached status and pace rows (``supervision.figures.counted``)."""
    units = Unit.objects.in_bulk()
    completed = Q(status=SubItem.Status.COMPLETED)
    rows = (
        subs.order_by()
        .values("responsible_unit_id")
        .annotate(
            subitems_total=Count("pk"),
            completed=Count("pk", filter=completed),
            completed_on_time=Count("pk", filter=completed & ledger.FINISHED_ON_TIME),
            red=Count("pk", filter=Q(pace__light=Light.RED)),
            yellow=Count("pk", filter=Q(pace__light=Light.YELLOW)),
            overdue_report=Count("pk", filter=Q(pace__overdue_report=True)),
            lag_sum=Sum("pace__lag_points"),
        )
    )
    return _best_first(
        UnitRow(
            unit=units[row.pop("responsible_unit_id")],
            **{**row, "lag_sum": row["lag_sum"] or ZERO},
        )
        for row in rows
    )


@dataclass
class AttentionRow:
    state: SubItemState
    item: ItemState
    reasons: list[str] = field(default_factory=list)

    @property
    def problems(self) -> str:
        return self.state.problems


def _reasons(state: SubItemState, on: date) -> list[str]:
    sub = state.sub_item
    reasons = []
    if state.deadline is not None and on > state.deadline:
        reasons.append(f"已超过完成时限（{state.deadline:%Y-%m-%d}）仍未完成")
    if state.progress_percent <= 0 and sub.planned_start is not None and sub.planned_start <= on:
        reasons.append(f"计划{sub.planned_start:%Y-%m-%d}开工，至今未开工")
    if state.lag_points > 0:
        lag = f"{state.lag_points.normalize():f}"
        reasons.append(f"落后序时进度{lag}个百分点")
    if state.overdue_report:
        reasons.append("超期未报")
    return reasons


def attention_list(progress: PlanProgress) -> list[AttentionRow]:
    """The red and yellow sub-items with why they are lit: red first, then the furthest behind."""
    rows = [
        AttentionRow(state, item, _reasons(state, progress.as_of))
        for item in progress.items
        for state in item.sub_states
        if state.light in LAGGING_LIGHTS
    ]
    return sorted(
        rows,
        key=lambda r: (
            r.state.light != Light.RED,
            -r.state.lag_points,
            r.item.item.number,
            r.state.sub_item.number,
        ),
    )


def overdue_to_report(progress: PlanProgress) -> list[tuple[ItemState, SubItemState]]:
    """Sub-items whose last due period has no accepted report (超期未报), in list order."""
    return [(item, s) for item in progress.items for s in item.sub_states if s.overdue_report]


def trend(plan: Plan, head: current.Headline, whole_plan: bool) -> trend_of.Trend:
    """Month-end points of the plan's year before the as-of date, then the as-of date itself.

    The month-ends come from the stored snapshots (whole plan); those not stored yet are
    listed as missing. When the dashboard shows the whole plan its own figures are the last
    point, so the line ends where the headline says.
    """
    stored = trend_of.trend(plan, until=head.as_of - timedelta(days=1))
    last = head.figures if whole_plan else current.headline(plan, head.as_of).figures
    return trend_of.Trend([*stored.points, last], stored.missing)


@dataclass
class Reading:
    """Everything the dashboard body counts, read once."""

    headline: current.Headline
    categories: list[CategoryRow]
    units: list[UnitRow]
    attention: list[AttentionRow]
    attention_total: int
    overdue: list[tuple[ItemState, SubItemState]]
    overdue_total: int
    trend: trend_of.Trend


def read_dashboard(
    plan: Plan,
    as_of: date | None,
    sub_item_filter: Q | None,
    light: str,
    *,
    attention_rows: int,
    overdue_rows: int,
    region: Region | None = None,
) -> Reading:
    """The dashboard's figures as of a day: counted from the caches when they hold the day
    (the first ``attention_rows`` and ``overdue_rows`` sub-items then read from the ledger to
    show them), else everything from one read of the ledger."""
    whole_plan = sub_item_filter is None and not light and region is None
    on = reading_date(plan, as_of)
    if region is not None or not current.caches_hold(plan, on):
        progress = plan_progress(plan, on, sub_item_filter=sub_item_filter, region=region).with_light(light)
        head = current.ledger_headline(progress)
        attention = attention_list(progress)
        overdue = overdue_to_report(progress)
        return Reading(
            headline=head,
            categories=by_category(progress),
            units=unit_ranking(progress),
            attention=attention[:attention_rows],
            attention_total=len(attention),
            overdue=overdue[:overdue_rows],
            overdue_total=len(overdue),
            trend=trend(plan, head, whole_plan),
        )
    head = current.counted_headline(plan, on, sub_item_filter, light)
    subs = current.sub_items(plan, sub_item_filter, light)
    attention_ids = current.lagging_ids(subs, attention_rows)
    overdue_ids = list(
        subs.filter(pace__overdue_report=True)
        .order_by("item__number", "number")
        .values_list("pk", flat=True)[:overdue_rows]
    )
    shown = plan_progress(plan, on, sub_item_filter=Q(pk__in=[*attention_ids, *overdue_ids]))
    attention_shown, overdue_shown = set(attention_ids), set(overdue_ids)
    return Reading(
        headline=head,
        categories=counted_by_category(subs),
        units=counted_unit_ranking(subs),
        attention=[row for row in attention_list(shown) if row.state.sub_item.pk in attention_shown],
        attention_total=sum(head.light_counts.get(value, 0) for value in LAGGING_LIGHTS),
        overdue=[(i, s) for i, s in overdue_to_report(shown) if s.sub_item.pk in overdue_shown],
        overdue_total=head.overdue_report_count,
        trend=trend(plan, head, whole_plan),
    )


def _is_month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


def trend_rows(points: list[dict]) -> list[dict]:
    """The trend as chart/table rows: completed sub-items (to date and within the period),
    average progress and average scheduled pace (percent values)."""
    rows = []
    previous = 0
    for point in points:
        day = date.fromisoformat(point["as_of"])
        completed = point["subitems_completed"]
        rows.append(
            {
                "as_of": point["as_of"],
                "label": f"{day.year}年{day.month}月" if _is_month_end(day) else f"截至{day:%Y-%m-%d}",
                "completed": completed,
                "completed_in_period": completed - previous,
                "average_progress": point["average_progress"],
                "average_scheduled": point["average_scheduled"],
            }
        )
        previous = completed
    return rows


def open_rectifications(plan: Plan, day: date, condition: Q | None = None, limit: int = OPEN_RECTIFICATIONS):
    """(the first ``limit`` rectifications open at the end of ``day``, overdue first; how many
    were open in all), each as it stood that day."""
    qs = Rectification.objects.filter(plan=plan, created_at__lt=rectification_state.end_of(day))
    if condition is not None:
        qs = qs.filter(condition)
    rows = rectification_state.as_of(qs.select_related("unit", "item", "sub_item__item"), day)
    open_rows = sorted(
        (r for r in rows if r.is_open), key=lambda r: (not r.is_overdue, r.deadline, r.rectification.pk)
    )
    return open_rows[:limit], len(open_rows)


def latest_visits_on(
    plan: Plan, day: date, limit: int = LATEST_VISITS, condition: Q | None = None
) -> list[InspectionVisit]:
    """The latest visits made by ``day`` (and meeting ``condition``: the reader's scope), with
    how many items they saw and rectifications they raised by then."""
    return list(
        InspectionVisit.objects.filter(condition or Q(), plan=plan, date__lte=day)
        .annotate(
            item_count=Count("visited_items", distinct=True),
            rectification_count=Count(
                "rectifications",
                filter=Q(rectifications__created_at__lt=rectification_state.end_of(day)),
                distinct=True,
            ),
        )
        .order_by("-date", "-id")[:limit]
    )


def item_history(
    item_state: ItemState, plan: Plan, until: date, sub_item_filter: Q | None = None
) -> list[dict]:
    """An item's progress and scheduled pace at each month-end of the plan's year up to
    ``until``, and on ``until`` itself (where ``item_state`` stands), each as the read model
    (``plan_progress``) reads the item that day: a split sub-item rolled up over its shares, an
    approved change from its approval, so the chart ends exactly where the item stands. A
    bounded number of queries: ten per month-end, whatever the item's size."""
    items = Item.objects.filter(pk=item_state.item.pk)
    days = [d for d in trend_of.month_ends(plan.year, until) if d < until]
    if until <= date(plan.year, 12, 31) or not days:
        days.append(until)
    points = []
    for day in days:
        if day == until:
            state = item_state
        else:
            read = plan_progress(plan, day, sub_item_filter=sub_item_filter, items=items).items
            if not read:
                continue
            state = read[0]
        points.append(
            {
                "as_of": day.isoformat(),
                "progress": float(state.progress_percent),
                "scheduled": float(state.scheduled_percent),
            }
        )
    return points


def item_photos(item_state: ItemState, as_of: date | None) -> list[tuple[ReportPhoto, SubItemState]]:
    """Each sub-item's photos from its latest accepted report that has any (one query)."""
    states = {s.sub_item.pk: s for s in item_state.sub_states}
    qs = ReportPhoto.objects.filter(
        report__sub_item_id__in=list(states), report__state=ProgressReport.State.ACCEPTED
    ).select_related("report")
    if as_of is not None:
        qs = qs.filter(report__accepted_on__lte=as_of)
    latest: dict[int, tuple] = {}
    photos: dict[int, list[ReportPhoto]] = defaultdict(list)
    for photo in qs.order_by("uploaded_at", "id"):
        report = photo.report
        key = (report.accepted_on, report.pk)
        if report.sub_item_id not in latest or key > latest[report.sub_item_id]:
            latest[report.sub_item_id] = key
            photos[report.sub_item_id] = []
        if key == latest[report.sub_item_id]:
            photos[report.sub_item_id].append(photo)
    return [(photo, states[sub_id]) for sub_id in states for photo in photos.get(sub_id, [])]


# --- A city's counties side by side ---------------------------------------------------------


@dataclass
class RegionRow:
    """One lower region's part of a plan: the headline of its shares as of a day."""

    region: Region
    headline: current.Headline

    @property
    def summary(self):
        return self.headline.summary

    @property
    def figures(self) -> dict:
        return self.headline.figures

    @property
    def red(self) -> int:
        return self.headline.light_counts.get(Light.RED, 0)


def region_comparison(plan: Plan, as_of: date | None) -> list[RegionRow]:
    """The plan's lower regions ranked by what their shares have done: sub-item completion
    rate, then average progress, then the smaller average lag. Each region's figures are the
    ones its own ``?region=`` pages show (``current.region_headlines``)."""
    rows = [RegionRow(region, head) for region, head in current.region_headlines(plan, as_of)]
    return sorted(
        rows,
        key=lambda row: (
            -row.summary.subitem_completion_rate,
            -row.figures["average_progress"],
            row.figures["average_scheduled"] - row.figures["average_progress"],
            row.region.code,
        ),
    )
