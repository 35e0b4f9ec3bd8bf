"""Every stored figure that is not the ledger is a cache of it: the sub-items' current figures,
the pace rows of the last check, the month-end snapshots and each report's money totals.

This module is the one place that knows how to compute each cache from the ledger, so that
the writers (accepting a report, editing the registry, the pace check) refresh them in the same
transaction as the change, and ``verify_figures`` compares and rebuilds them with the same code.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial

from celery import shared_task
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from kombu.exceptions import OperationalError as BrokerUnavailable

from core.dates import today
from core.tasks import DATABASE_RETRY
from projects.models import Item, Plan, SubItem, SubItemShare
from projects.shares import lower_regions
from supervision.figures.models import ItemPace, PlanFiguresVersion, PlanSnapshot, RegionFigures, SubItemPace
from supervision.figures.version import figures_version
from supervision.ledger import periods
from supervision.ledger.models import ProgressReport, ReportFunding
from supervision.reading import pace
from supervision.reading.progress import PlanProgress, SubItemState, plan_progress
from supervision.reading.summary import plan_figures

logger = logging.getLogger(__name__)
SUB_ITEM_CACHE_FIELDS = (
    "status",
    "progress_percent",
    "actual_value",
    "completed_on",
    "last_accepted_on",
    "funds_allocated",
    "funds_paid",
)
SUB_PACE_FIELDS = (
    "checked_on",
    "scheduled_percent",
    "progress_percent",
    "lag_points",
    "light",
    "overdue_report",
    "forecast_completion",
    "forecast_late",
    "owing_units",
)
ITEM_PACE_FIELDS = ("checked_on", "scheduled_percent", "progress_percent", "lag_points", "light")


@dataclass(frozen=True)
class Drift:
    """One cached figure that differs from what the ledger says."""

    where: str
    field: str
    cached: object
    ledger: object

    def __str__(self) -> str:
        return f"{self.where}：{self.field} 缓存为 {_shown(self.cached)}，账本为 {_shown(self.ledger)}"


def _shown(value) -> str:
    if value is None:
        return "空"
    if isinstance(value, tuple):
        return "/".join(_shown(v) for v in value)
    return str(getattr(value, "value", value))


# --- Sub-items' current figures ------------------------------------------------------------


def refresh_sub_item(sub_item_id: int) -> None:
    """Bring a sub-item's stored current figures in line with the ledger as of today, read
    through the same read model as every page (``ledger_figures``).

    A queryset update: a cache write is no edit of the registry, so it leaves no audit record
    and sends no signal."""
    sub_item = SubItem.objects.select_related("item__plan").get(pk=sub_item_id)
    progress = plan_progress(
        sub_item.item.plan,
        today(),
        sub_item_filter=Q(pk=sub_item_id),
        items=Item.objects.filter(pk=sub_item.item_id),
    )
    SubItem.objects.filter(pk=sub_item_id).update(**ledger_figures(progress.sub_states[0]))


def ledger_figures(state: SubItemState) -> dict:
    """The values a sub-item's cached fields should hold, from its state as of a day."""
    return {
        "status": state.status,
        "progress_percent": state.progress_percent,
        "actual_value": state.actual_value,
        "completed_on": state.completed_on,
        "last_accepted_on": state.last_report.accepted_on if state.last_report else None,
        "funds_allocated": state.money.allocated,
        "funds_paid": state.money.paid,
    }


def sub_item_drift(plan: Plan) -> list[Drift]:
    """Compare each sub-item's stored current figures with the ledger as of today."""
    drift = []
    for state in plan_progress(plan, today()).sub_states:
        sub, true = state.sub_item, ledger_figures(state)
        for name in SUB_ITEM_CACHE_FIELDS:
            if getattr(sub, name) != true[name]:
                drift.append(Drift(f"子项 {sub.code}（{plan}）", name, getattr(sub, name), true[name]))
    return drift


# --- Pace rows -----------------------------------------------------------------------------


def accepted_history(plan: Plan, on: date, sub_item_ids: Iterable[int] | None = None) -> dict:
    """Each sub-item's accepted reports (accepted date, progress %) up to a date, oldest first,
    in one query."""
    history: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    rows = ProgressReport.objects.accepted_by(on).filter(sub_item__item__plan=plan)
    if sub_item_ids is not None:
        rows = rows.filter(sub_item_id__in=list(sub_item_ids))
    for sub_item_id, accepted_on, progress in (
        rows.oldest_first()
        .values_list("sub_item_id", "accepted_on", "progress_percent")
        .iterator(chunk_size=5000)
    ):
        history[sub_item_id].append((accepted_on, progress))
    return history


def sub_pace_row(state: SubItemState, on: date, history, due: periods.Period) -> dict:
    forecast = None
    if not state.is_complete:
        forecast = pace.forecast_completion(history.get(state.sub_item.pk, ()), not_before=on)
    return {
        "sub_item_id": state.sub_item.pk,
        "checked_on": on,
        "scheduled_percent": state.scheduled_percent,
        "progress_percent": state.progress_percent,
        "lag_points": state.lag_points,
        "light": state.light,
        "overdue_report": state.overdue_report,
        "forecast_completion": forecast,
        "forecast_late": pace.forecast_is_late(forecast, state.sub_item.planned_end),
        "owing_units": state.units_overdue(due),
    }


def item_pace_row(item_state, on: date) -> dict:
    return {
        "item_id": item_state.item.pk,
        "checked_on": on,
        "scheduled_percent": item_state.scheduled_percent,
        "progress_percent": item_state.progress_percent,
        "lag_points": item_state.lag_points,
        "light": item_state.light,
    }


def pace_rows(progress: PlanProgress, history) -> tuple[list[dict], list[dict]]:
    on = progress.as_of
    plan = progress.plan
    due = periods.last_due_period(on, plan.report_cadence, plan.report_due_day)
    return (
        [sub_pace_row(state, on, history, due) for state in progress.sub_states],
        [item_pace_row(item, on) for item in progress.items],
    )


# Rows per INSERT / UPDATE statement. SQLite takes at most 999 parameters per statement in
# Django (99 rows of SubItemPace's 10 columns), PostgreSQL has no such cap: 90 rows fits
# both, so writing costs the same queries on either, one per 90 rows.
BATCH_SIZE = 90


def store_pace_rows(sub_rows: list[dict], item_rows: list[dict], *, batch_size: int = BATCH_SIZE) -> None:
    """Write pace rows, replacing each sub-item's and item's previous row."""
    SubItemPace.objects.bulk_create(
        [SubItemPace(**row) for row in sub_rows],
        update_conflicts=True,
        unique_fields=["sub_item"],
        update_fields=list(SUB_PACE_FIELDS),
        batch_size=batch_size,
    )
    ItemPace.objects.bulk_create(
        [ItemPace(**row) for row in item_rows],
        update_conflicts=True,
        unique_fields=["item"],
        update_fields=list(ITEM_PACE_FIELDS),
        batch_size=batch_size,
    )


def refresh_pace(plan: Plan, item_ids: Iterable[int] | None = None) -> None:
    """Recompute the stored pace rows of a plan (or of some of its items) as of today, after
    a change to the ledger or the registry; of the whole plan, also its lower regions' figures
    (``store_region_figures``). Only published plans are checked; a plan in any other state
    keeps no pace rows."""
    items = Item.objects.filter(plan=plan)
    if item_ids is not None:
        items = items.filter(pk__in=list(item_ids))
    if plan.status != Plan.Status.PUBLISHED:
        _drop_pace(items)
        return
    on = today()
    _store_pace(plan_progress(plan, on, items=items), on)
    if item_ids is None:
        region_figures_after_commit(plan.pk)


def _store_pace(progress: PlanProgress, on: date) -> None:
    history = accepted_history(progress.plan, on, [s.sub_item.pk for s in progress.sub_states])
    store_pace_rows(*pace_rows(progress, history))


def _drop_pace(items) -> None:
    SubItemPace.objects.filter(sub_item__item__in=items).delete()
    ItemPace.objects.filter(item__in=items).delete()


def refresh_sub_item_and_pace(sub_item_id: int) -> Plan:
    """``refresh_sub_item`` and ``refresh_pace`` of the sub-item's item, from one read of the
    item: neither cache is computed from the other, so one read model as of today serves both
    (a registry edit or an acceptance pays for it once, not twice). Returns the plan."""
    sub_item = SubItem.objects.select_related("item__plan").get(pk=sub_item_id)
    plan = sub_item.item.plan
    items = Item.objects.filter(pk=sub_item.item_id)
    on = today()
    progress = plan_progress(plan, on, items=items)
    state = next(s for s in progress.sub_states if s.sub_item.pk == sub_item_id)
    SubItem.objects.filter(pk=sub_item_id).update(**ledger_figures(state))
    if plan.status == Plan.Status.PUBLISHED:
        _store_pace(progress, on)
    else:
        _drop_pace(items)
    return plan


# --- A plan's lower regions (a city list's counties) -----------------------------------------


def region_figures(plan: Plan, on: date) -> dict[int, dict]:
    """Each lower region's headline figures of a plan as of a day, from the ledger (the shares
    that fall to it, rolled up over them alone), by region id."""
    return {region.pk: plan_figures(plan_progress(plan, on, region=region)) for region in lower_regions(plan)}


def store_region_figures(plan: Plan) -> int:
    """Store today's figures of a plan's lower regions at its current figures version (read
    by ``current.region_headlines`` while the version holds); returns how many. Any change
    bumps the version, so a stored row is never read stale; ``refresh_region_figures`` stores
    them again after the change commits."""
    on = today()
    version = figures_version(plan)
    rows = [
        RegionFigures(plan=plan, region_id=region_id, as_of=on, figures_version=version, data=data)
        for region_id, data in region_figures(plan, on).items()
    ]
    try:
        with transaction.atomic():
            RegionFigures.objects.filter(plan=plan).delete()
            RegionFigures.objects.bulk_create(rows)
    except IntegrityError:  # another process stored them for today meanwhile
        return 0
    return len(rows)


def refresh_region_figures(plan_id: int) -> int:
    """After a change to a plan with shares has committed: store its lower regions' figures
    unless they are stored at the current version already (the task ``refresh_region_figures``;
    several changes in a row store them once). Returns how many were stored."""
    plan = Plan.objects.filter(pk=plan_id, status=Plan.Status.PUBLISHED).first()
    if plan is None or not lower_regions(plan):
        return 0
    if RegionFigures.objects.filter(plan=plan, as_of=today(), figures_version=figures_version(plan)).exists():
        return 0
    return store_region_figures(plan)


def region_figures_after_commit(plan_id: int) -> None:
    """Once the caller's transaction commits, have the plan's lower regions' figures stored at
    its new version (the task ``refresh_region_figures``, for a plan with shares). Until then,
    and if the broker is down until the nightly refresh, pages read them from the ledger."""
    transaction.on_commit(partial(_enqueue_region_figures, plan_id))


@shared_task(name="supervision.tasks.refresh_region_figures", **DATABASE_RETRY)
def refresh_region_figures_task(plan_id: int) -> int:
    """Store a plan's lower regions' figures at its current version, after a change committed;
    returns how many were stored."""
    return refresh_region_figures(plan_id)


def _enqueue_region_figures(plan_id: int) -> None:
    task = refresh_region_figures_task
    if not SubItemShare.objects.filter(sub_item__item__plan_id=plan_id).exists():
        return
    try:
        task.delay(plan_id)
    except BrokerUnavailable:
        logger.warning("region figures of plan %s left to the nightly refresh: no task broker", plan_id)


def region_figures_drift(plan: Plan) -> list[Drift]:
    """Compare each lower region's figures stored at the current version with the ledger."""
    version = figures_version(plan)
    stored = RegionFigures.objects.filter(plan=plan, figures_version=version).select_related("region")
    drift = []
    for row in stored:
        true = plan_figures(plan_progress(plan, row.as_of, region=row.region))
        if row.data != true:
            drift.append(Drift(f"{plan}·{row.region.name}（{row.as_of}）", "下级区划进度", row.data, true))
    return drift


def pace_drift(plan: Plan) -> list[Drift]:
    """Compare each stored pace row of a plan with the ledger as of the row's own check date."""
    stored = {
        "sub_item_id": {
            row.sub_item_id: row for row in SubItemPace.objects.filter(sub_item__item__plan=plan)
        },
        "item_id": {row.item_id: row for row in ItemPace.objects.filter(item__plan=plan)},
    }
    days = {row.checked_on for rows in stored.values() for row in rows.values()}
    drift: list[Drift] = []
    for day in sorted(days):
        expected_subs, expected_items = pace_rows(plan_progress(plan, day), accepted_history(plan, day))
        for key, label, fields, expected_rows in (
            ("sub_item_id", "子项序时进度", SUB_PACE_FIELDS, expected_subs),
            ("item_id", "实事序时进度", ITEM_PACE_FIELDS, expected_items),
        ):
            for expected in expected_rows:
                row = stored[key].get(expected[key])
                if row is None or row.checked_on != day:
                    continue
                drift += [
                    Drift(f"{label} #{expected[key]}", name, getattr(row, name), expected[name])
                    for name in fields
                    if getattr(row, name) != expected[name]
                ]
    return drift


# --- Snapshots ------------------------------------------------------------------------------


def snapshot_drift(plan: Plan) -> list[Drift]:
    drift = []
    for snapshot in PlanSnapshot.objects.filter(plan=plan).order_by("as_of"):
        expected = plan_figures(plan_progress(plan, snapshot.as_of))
        for key in sorted(set(expected) | set(snapshot.data)):
            if snapshot.data.get(key) != expected.get(key):
                drift.append(
                    Drift(f"快照 {plan} {snapshot.as_of}", key, snapshot.data.get(key), expected.get(key))
                )
    return drift


def forget_snapshots(plan: Plan) -> bool:
    """A registry change can change what past month-ends looked like (a milestone moves the
    scheduled pace): the plan's stored snapshots are dropped in the same transaction. Returns
    whether any were; the caller queues the snapshot task to store them again (until then,
    trend charts compute them)."""
    return PlanSnapshot.objects.filter(plan=plan).delete()[0] > 0


# --- Report totals ---------------------------------------------------------------------------


def report_total_drift() -> list[Drift]:
    """A report stated per source must carry totals equal to the sums of its sources (summed
    here in Decimal: SQLite would sum in floating point)."""
    sums: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    for report_id, allocated, paid in ReportFunding.objects.values_list("report_id", "allocated", "paid"):
        sums[report_id][0] += allocated
        sums[report_id][1] += paid
    drift = []
    reports = ProgressReport.objects.filter(pk__in=list(sums)).select_related("sub_item__item")
    for report in reports.order_by("pk"):
        expected = tuple(sums[report.pk])
        if (report.funds_allocated, report.funds_paid) != expected:
            drift.append(
                Drift(
                    f"填报 #{report.pk}（{report.sub_item.code}）",
                    "funds_allocated/funds_paid",
                    (report.funds_allocated, report.funds_paid),
                    expected,
                )
            )
    return drift


@transaction.atomic
def rebuild_plan(plan: Plan) -> None:
    """Rewrite every cache of a plan from the ledger: sub-items' current figures, pace rows and
    lower regions' figures (as of today) and the stored snapshots (each for its own date)."""
    bump_figures_version(plan)
    store_current_figures(plan)
    refresh_pace(plan)
    if lower_regions(plan):
        store_region_figures(plan)
    for snapshot in PlanSnapshot.objects.filter(plan=plan):
        snapshot.data = plan_figures(plan_progress(plan, snapshot.as_of))
        snapshot.save(update_fields=["data"])


def store_current_figures(plan: Plan) -> None:
    """Rewrite every sub-item's stored current figures from the ledger as of today, in one
    read of the plan (a split sub-item's rolled up from its shares)."""
    subs = []
    for state in plan_progress(plan, today()).sub_states:
        for name, value in ledger_figures(state).items():
            setattr(state.sub_item, name, value)
        subs.append(state.sub_item)
    # Batched like the pace rows, not one query per sub-item; no signal, no audit record.
    SubItem.objects.bulk_update(subs, list(SUB_ITEM_CACHE_FIELDS), batch_size=BATCH_SIZE)


# --- The plan's figures version ------------------------------------------------------------


def bump_figures_version(plan: Plan | int, *, insert: bool = True) -> None:
    """Count one change of the plan's figures, in the caller's transaction. An UPDATE of
    ``version + 1`` (the row is locked until the transaction ends), so concurrent bumps each
    count. A plan's row is inserted by its first bump, which saving a new plan makes (the
    ``post_save`` of Plan); ``insert=False`` only updates, for a deletion that may be part of
    deleting the plan itself, whose row may already be gone."""
    plan_id = getattr(plan, "pk", plan)
    rows = PlanFiguresVersion.objects.filter(plan_id=plan_id)
    if not rows.update(version=F("version") + 1) and insert:
        try:
            with transaction.atomic():
                PlanFiguresVersion.objects.create(plan_id=plan_id, version=1)
        except IntegrityError:  # another transaction inserted it first
            rows.update(version=F("version") + 1)
    # After the new version is counted (at once, outside a transaction).
    region_figures_after_commit(plan_id)


# --- After a change --------------------------------------------------------------------------


def after_ledger_change(sub_item: SubItem) -> None:
    """A report was accepted: refresh the sub-item's figures and its item's pace rows, in the
    caller's transaction."""
    plan = refresh_sub_item_and_pace(sub_item.pk)
    bump_figures_version(plan)


@transaction.atomic
def after_sub_item_change(sub_item_id: int) -> bool:
    """A sub-item was saved, or its shares changed: its stored figures are derived again from
    the ledger, and as after any registry change its item's pace rows are recomputed and the
    plan's snapshots dropped (returns whether there were)."""
    plan = refresh_sub_item_and_pace(sub_item_id)
    bump_figures_version(plan)
    return forget_snapshots(plan)


@transaction.atomic
def forget_item(plan_id: int, item_id: int) -> bool:
    """Part of the registry was deleted: drop the item's pace rows and the plan's snapshots
    (returns whether there were snapshots to drop)."""
    SubItemPace.objects.filter(sub_item__item_id=item_id).delete()
    ItemPace.objects.filter(item_id=item_id).delete()
    bump_figures_version(plan_id, insert=False)
    return forget_snapshots(Plan(pk=plan_id))


@transaction.atomic
def after_registry_change(plan: Plan, item_ids: Iterable[int] | None = None) -> bool:
    """The registry changed (a date, milestone, weight, margin): recompute the pace rows that
    depend on it and drop the snapshots it may have made untrue (returns whether it did)."""
    refresh_pace(plan, item_ids)
    bump_figures_version(plan)
    return forget_snapshots(plan)
