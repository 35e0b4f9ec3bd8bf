"""The synthetic plans ``seed_scale`` builds for benchmarks, written in bulk; see the command."""

from __future__ import annotations

import datetime as dt
import functools
import io
import multiprocessing
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from django.contrib.auth.models import Group
from django.db import connection, connections, models, transaction
from django.utils import timezone

from core import dates
from projects import roles
from projects.models import Category, FundingLine, Item, Milestone, Plan, Region, SubItem, Unit, User
from supervision.figures import caches
from supervision.figures.snapshots import month_ends, store_missing_snapshots, take_snapshot
from supervision.ledger import rules as ledger
from supervision.ledger.models import ProgressReport
from supervision.reading import pace

REPORT_DAY = 4
# Most deadlines are the year end; some fall due one or three months earlier.
END_MONTHS_EARLY = (0, 0, 0, 1, 3)
BATCH = 2000
# Offset from the scheduled pace (percentage points) and behaviour, by sub-item index mod 10.
PROFILES = (
    "ahead",
    "ahead",
    "steady",
    "steady",
    "steady",
    "steady",
    "slow",
    "stalled",
    "silent",
    "completed",
)
OFFSET = {
    "ahead": Decimal("8"),
    "steady": Decimal("-3"),
    "slow": Decimal("-18"),
    "stalled": Decimal("-40"),
    "silent": Decimal("-5"),
    "completed": Decimal("0"),
}
PROBLEMS = {
    "slow": "征地拆迁协调难度大，施工进度受影响。",
    "stalled": "上级补助资金未实际到位，项目暂停施工。",
    "silent": "",
}


def _q(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class _Report:
    period_start: dt.date
    accepted_on: dt.date
    progress: Decimal
    complete: bool
    problems: str


def report_months(year: int, months: int, today: dt.date) -> list[dt.date]:
    """The ``months`` months ending with the last month whose report had been accepted (on the
    4th of the next month) by today, or by the end of January after a past year."""
    as_of = min(today, dt.date(year + 1, 1, 31))
    last = _add_months(as_of.replace(day=1), -1)
    if as_of.day < REPORT_DAY:
        last = _add_months(last, -1)
    return [_add_months(last, -offset) for offset in range(months - 1, -1, -1)]


@functools.cache
def _cached_history(profile: str, start, end, milestones: tuple, year: int, months: tuple) -> list[_Report]:
    return _history(profile, _schedule(start, end, list(milestones), year), list(months))


@functools.cache
def _share(amount: Decimal, percent: Decimal, factor: Decimal = Decimal("1")) -> Decimal:
    return _q(amount * percent / 100 * factor)


def _history(profile: str, schedule, report_months: list[dt.date]) -> list[_Report]:
    if profile == "silent":
        report_months = report_months[:-2]
    reports: list[_Report] = []
    for index, month in enumerate(report_months):
        month_end = _add_months(month, 1) - dt.timedelta(days=1)
        scheduled = schedule(month_end)
        is_last = index == len(report_months) - 1
        finishes = profile in {"ahead", "steady", "completed"} and scheduled >= 100
        if finishes or (profile == "completed" and is_last):
            progress, complete = Decimal("100"), True
        else:
            progress, complete = min(Decimal("95"), max(Decimal("0"), scheduled + OFFSET[profile])), False
        if profile == "stalled" and reports and index >= len(report_months) - 3:
            progress = reports[-1].progress
        if reports:
            progress = max(progress, reports[-1].progress)
        reports.append(
            _Report(
                period_start=month,
                accepted_on=_add_months(month, 1).replace(day=REPORT_DAY),
                progress=_q(progress),
                complete=complete,
                problems=PROBLEMS.get(profile, "") if index >= len(report_months) - 3 else "",
            )
        )
        if complete:
            break
    return reports


def store_caches(plan: Plan, jobs: int) -> int:
    """Store what the nightly task and a pace check would have stored by now: the month-end
    snapshots (``store_missing_snapshots``) and today's pace rows (``refresh_pace``). Each is
    a whole-plan computation; on PostgreSQL, outside a transaction, they run side by side in
    ``jobs`` processes (one snapshot each), since the plan's data is committed by then.
    Returns the number of snapshots stored."""
    return store_plans_caches([plan], jobs)


def store_plans_caches(plans: list[Plan], jobs: int) -> int:
    """``store_caches`` for several plans, their jobs (largest plan first) in one pool."""
    yesterday = dates.today() - dt.timedelta(days=1)
    known = {plan.pk: set(plan.snapshots.values_list("as_of", flat=True)) for plan in plans}
    missing = {
        plan.pk: [day for day in month_ends(plan.year, yesterday) if day not in known[plan.pk]]
        for plan in plans
    }
    if jobs > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
        connections.close_all()  # each process opens its own
        work = [(_pace_job, (plan.pk,)) for plan in plans]  # the pace rows first: the longest
        work += [(_snapshot_job, (plan.pk, day)) for plan in plans for day in missing[plan.pk]]
        with multiprocessing.get_context("fork").Pool(min(jobs, len(work))) as pool:
            for job in [pool.apply_async(function, args) for function, args in work]:
                job.get()
        for plan in plans:
            if missing[plan.pk]:
                caches.bump_figures_version(plan)  # as store_missing_snapshots does
    else:
        for plan in plans:
            caches.refresh_pace(plan)
    # Stores whatever is still missing (everything when the jobs above did not run).
    for plan in plans:
        store_missing_snapshots(plan)
    return sum(plan.snapshots.count() - len(known[plan.pk]) for plan in plans)


def _pace_job(plan_id: int) -> None:
    try:
        caches.refresh_pace(Plan.objects.get(pk=plan_id))
    finally:
        connection.close()


def _snapshot_job(plan_id: int, day: dt.date) -> None:
    try:
        take_snapshot(Plan.objects.get(pk=plan_id), day)
    finally:
        connection.close()


def _scale_people(unit_count: int) -> tuple[list[Unit], dict[int, User], User]:
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in roles.ALL_ROLES}
    codes = [f"scale{n:03d}" for n in range(1, unit_count + 1)]
    known = set(Unit.objects.filter(code__in=codes).values_list("code", flat=True))
    Unit.objects.bulk_create(
        [
            Unit(name=f"规模测试单位{code[5:]}", short_name=f"测试单位{code[5:]}", code=code)
            for code in codes
            if code not in known
        ]
    )
    units = list(Unit.objects.filter(code__in=codes).order_by("code"))
    office, created = User.objects.get_or_create(username="scale-office", defaults={"is_staff": True})
    if created:
        office.set_unusable_password()
        office.save()
        office.groups.add(groups[roles.OFFICE])
    liaisons: dict[int, User] = {}
    for unit in units:
        user, created = User.objects.get_or_create(
            username=f"scale-liaison-{unit.code}",
            defaults={"unit": unit, "email": f"scale-liaison-{unit.code}@example.invalid"},
        )
        if created:
            user.set_unusable_password()
            user.save()
            user.groups.add(groups[roles.LIAISON])
        liaisons[unit.pk] = user
    return units, liaisons, office


@transaction.atomic
def build_scale_plan(
    *,
    year: int,
    title: str,
    items: int,
    subitems: int,
    months: int,
    unit_count: int,
    today: dt.date,
    region: Region | None = None,
    people: tuple[list[Unit], dict[int, User], User] | None = None,
) -> tuple[Plan, int]:
    """Create the plan, its items, sub-items, milestones, funding and accepted reports (the
    plan of ``region`` with ``people``' units and liaisons, when given)."""
    fast_commit()
    units, liaisons, office = people or _scale_people(unit_count)
    months_reported = report_months(year, months, today)
    plan, item_objs = plan_with_items(year, title, region, items, units, "规模测试实事")
    window_start = min(months_reported[0], dt.date(year, 1, 1))
    year_end = dt.date(year, 12, 31)
    per_item, extra = divmod(subitems, items)
    subs: list[SubItem] = []
    milestone_rows: list[tuple[int, dt.date, Decimal]] = []
    histories: list[list[_Report]] = []
    index = 0
    for position, item in enumerate(item_objs):
        for number in range(1, per_item + (position < extra) + 1):
            profile = PROFILES[index % len(PROFILES)]
            start = _add_months(window_start, index % 3)
            end = _add_months(year_end.replace(day=1), 1 - END_MONTHS_EARLY[index % 5]) - dt.timedelta(days=1)
            milestones = (
                [(dt.date(year, 6, 30), Decimal("40"))]
                if index % 4 == 0 and start < dt.date(year, 6, 30) < end
                else []
            )
            # A few dozen distinct (profile, dates, milestones): each history is computed once.
            history = _cached_history(profile, start, end, tuple(milestones), year, tuple(months_reported))
            last = history[-1] if history else None
            progress = last.progress if last else Decimal("0")
            subs.append(
                SubItem(
                    item=item,
                    number=number,
                    content=f"规模测试任务{item.number}.{number}",
                    target_value=Decimal(100 + index % 400),
                    target_unit="个",
                    responsible_unit=units[(item.number + number) % len(units)],
                    planned_start=start,
                    planned_end=end,
                    weight=Decimal(1 + index % 3),
                    status=(
                        SubItem.Status.COMPLETED
                        if last and last.complete
                        else SubItem.Status.IN_PROGRESS
                        if progress > 0
                        else SubItem.Status.NOT_STARTED
                    ),
                    progress_percent=progress,
                    actual_value=_q(Decimal(100 + index % 400) * progress / 100) if last else None,
                    completed_on=_completed_on(plan, last),
                    last_accepted_on=last.accepted_on if last else None,
                    # Every seeded report states money: the latest one's (see the reports below).
                    funds_allocated=_share(Decimal(50 + index % 450), progress) if last else Decimal("0"),
                    funds_paid=_share(Decimal(50 + index % 450), progress, Decimal("0.8"))
                    if last
                    else Decimal("0"),
                )
            )
            milestone_rows.append(milestones)
            histories.append(history)
            index += 1
    subs = SubItem.objects.bulk_create(subs, batch_size=BATCH)
    Milestone.objects.bulk_create(
        [
            Milestone(sub_item=sub, date=when, planned_percent=percent, description="主体工程完工")
            for sub, rows in zip(subs, milestone_rows, strict=True)
            for when, percent in rows
        ],
        batch_size=BATCH,
    )
    FundingLine.objects.bulk_create(
        [
            FundingLine(
                sub_item=sub,
                source=FundingLine.Source.COUNTY,
                planned=Decimal(50 + n % 450),
            )
            for n, sub in enumerate(subs)
        ],
        batch_size=BATCH,
    )
    report_count = 0
    batch: list[dict] = []
    for n, (sub, history) in enumerate(zip(subs, histories, strict=True)):
        planned_money = Decimal(50 + n % 450)
        liaison = liaisons[sub.responsible_unit_id]
        batch += [
            accepted_row(
                row, sub.pk, None, sub.target_value, planned_money, liaison.pk, office.pk, "总体进度"
            )
            for row in history
        ]
        if len(batch) >= BATCH * 5:
            report_count += _insert_rows(ProgressReport, batch)
            batch = []
    report_count += _insert_rows(ProgressReport, batch)
    # Bulk inserts send no signal: the plan's cached figures are told here.
    caches.bump_figures_version(plan)
    return plan, report_count


def plan_with_items(
    year: int, title: str, region: Region | None, items: int, units: list[Unit], item_title: str
) -> tuple[Plan, list[Item]]:
    """A published plan (of a region, when given) with ``items`` items, led in turn by ``units``."""
    categories = list(Category.objects.all()) or [Category.objects.create(name="其他")]
    plan = Plan.objects.create(
        year=year,
        title=title,
        region_name=region.name if region else "规模测试区",
        region=region,
        level=LEVEL_NAMES.get(region.level, "区级") if region else "区级",
        status=Plan.Status.PUBLISHED,
        published_on=dt.date(year, 1, 20),
    )
    item_objs = Item.objects.bulk_create(
        [
            Item(
                plan=plan,
                number=n,
                title=f"{item_title}{n}",
                category=categories[n % len(categories)],
                lead_unit=units[n % len(units)],
            )
            for n in range(1, items + 1)
        ],
        batch_size=BATCH,
    )
    return plan, item_objs


def accepted_row(
    row: _Report,
    sub_item_id: int,
    share_id: int | None,
    target: Decimal,
    planned_money: Decimal,
    liaison_id: int,
    office_id: int,
    progress_label: str,
) -> dict:
    """One accepted report of a history, as a row for ``_insert_rows``: written by the
    liaison two days before the office accepted it, its money in step with its progress."""
    moment = _review_moment(row.accepted_on)
    return dict(
        sub_item_id=sub_item_id,
        share_id=share_id,
        period_start=row.period_start,
        state=ProgressReport.State.ACCEPTED,
        progress_percent=row.progress,
        actual_value=_share(target, row.progress),
        funds_allocated=_share(planned_money, row.progress),
        funds_paid=_share(planned_money, row.progress, Decimal("0.8")),
        work_done=f"{row.period_start.month}月：{progress_label}{row.progress.normalize():f}%。",
        problems=row.problems,
        next_steps="" if row.complete else "按节点倒排工期，加快推进。",
        marks_complete=row.complete,
        created_by_id=liaison_id,
        created_at=moment - dt.timedelta(days=2),
        updated_at=moment,
        submitted_at=moment - dt.timedelta(days=1),
        reviewed_by_id=office_id,
        reviewed_at=moment,
        accepted_on=row.accepted_on,
    )


LEVEL_NAMES = {"province": "省级", "city": "市级", "county": "县级"}


def fast_commit() -> None:
    """Seed data can be rebuilt: no need to wait for the WAL flush at commit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _completed_on(plan: Plan, last: _Report | None) -> dt.date | None:
    """What ``ledger.completion_date`` says of the latest report: the end of the period it
    covers, or its acceptance day if earlier."""
    if last is None or not last.complete:
        return None
    report = SimpleNamespace(
        marks_complete=True, period_start=last.period_start, accepted_on=last.accepted_on
    )
    return ledger.completion_date(report, plan.report_cadence, plan.report_due_day)


@functools.cache
def _review_moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def _insert_rows(model, rows: list[dict]) -> int:
    """Insert rows (attname → value, already of the column's Python type) without building a
    model instance per row, which is most of the time for a million report rows: PostgreSQL
    takes them through COPY, other databases through executemany. Fields left out take their
    default and each distinct date/time is adapted once."""
    if not rows:
        return 0
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    if connection.vendor == "postgresql":
        return _copy_rows(model, fields, defaults, rows)
    ops = connection.ops
    adapters = {}
    for f in fields:
        if isinstance(f, models.DateTimeField):
            adapters[f.attname] = functools.cache(ops.adapt_datetimefield_value)
        elif isinstance(f, models.DateField):
            adapters[f.attname] = functools.cache(ops.adapt_datefield_value)
    values = []
    for row in rows:
        line = []
        for f in fields:
            value = row.get(f.attname, defaults[f.attname])
            adapt = adapters.get(f.attname)
            line.append(adapt(value) if adapt is not None and value is not None else value)
        values.append(line)
    qn = ops.quote_name
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
    return len(values)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """A value as COPY's text format spells it (dates and aware datetimes in ISO form)."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, dt.date):  # and datetime; a few hundred distinct ones
        return _iso(value)
    return str(value).translate(_COPY_ESCAPES)


@functools.cache
def _iso(value: dt.date) -> str:
    return value.isoformat()


def _copy_rows(model, fields, defaults: dict, rows: list[dict]) -> int:
    qn = connection.ops.quote_name
    names = [f.attname for f in fields]
    # Per column, each distinct value is spelled once (a column holds one type, so equal
    # values spell alike); only the ids are many.
    memo: dict[str, dict] = {name: {} for name in names}
    lines = []
    for row in rows:
        parts = []
        for name in names:
            value = row.get(name, defaults[name])
            seen = memo[name]
            text = seen.get(value)
            if text is None:
                text = seen[value] = _copy_text(value)
            parts.append(text)
        lines.append("\t".join(parts))
    buffer = io.StringIO("\n".join(lines) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) FROM STDIN",
            buffer,
        )
    return len(rows)


def _schedule(start: dt.date, end: dt.date, milestones, year: int):
    def at(day: dt.date) -> Decimal:
        return pace.scheduled_pace(day, start, end, milestones, plan_year=year)

    return at
