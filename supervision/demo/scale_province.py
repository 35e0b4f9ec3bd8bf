"""``seed_scale --province``: a synthetic province for benchmarks (issue 18) — the region tree
(one province, ``cities`` cities, ``counties`` counties shared out among them), a provincial
list whose every sub-item is split into a share for each county, a list for each city split
across its own counties, and each county's own list; every share and every unsplit sub-item
with a year of monthly accepted reports.

Written in bulk as ``seed_scale``'s single plan is (COPY on PostgreSQL, no per-row signal).
A split sub-item's reports are its shares' (each by its county unit's liaison); its stored
current figures are then rolled up from them by the one function that keeps them
(``caches.store_current_figures``), and the month-end snapshots and today's pace rows are
stored as for any plan, so ``verify_figures`` finds no drift. Codes begin with 98 (no real
province has it); running it again leaves an existing province alone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import connection, transaction

from projects import roles
from projects.models import (
    FundingLine,
    Milestone,
    Plan,
    Region,
    SubItem,
    SubItemShare,
    Unit,
    User,
)
from supervision.demo.scale import (
    BATCH,
    END_MONTHS_EARLY,
    PROFILES,
    _add_months,
    _cached_history,
    _insert_rows,
    _scale_people,
    accepted_row,
    build_scale_plan,
    fast_commit,
    plan_with_items,
    report_months,
)
from supervision.figures import caches
from supervision.ledger.models import ProgressReport

PROVINCE = ("980000", "规模测试省")
# A share's target, by county index mod 5: the shares of a sub-item add up to its target.
SHARE_TARGETS = (Decimal("2"), Decimal("3"), Decimal("4"), Decimal("5"), Decimal("6"))


def city_code(number: int) -> str:
    return f"98{number:02d}00"


def build_regions(cities: int, counties: int) -> tuple[Region, list[Region], dict[int, list[Region]]]:
    """The province, its cities and their counties (shared out as evenly as they go): the
    province, the cities in code order, and each city's counties by city id."""
    if not 1 <= cities <= 99 or not cities <= counties <= cities * 99:
        raise ValueError("城市数须为1至99，区县数不少于城市数且每市不超过99个")
    province = Region.objects.create(code=PROVINCE[0], name=PROVINCE[1], level=Region.Level.PROVINCE)
    city_list = Region.objects.bulk_create(
        [
            Region(code=city_code(n), name=f"规模测试{n}市", level=Region.Level.CITY, parent=province)
            for n in range(1, cities + 1)
        ]
    )
    per_city, extra = divmod(counties, cities)
    rows = []
    for index, city in enumerate(city_list):
        for k in range(1, per_city + (index < extra) + 1):
            rows.append(
                Region(
                    code=f"{city.code[:4]}{k:02d}",
                    name=f"规模测试{index + 1}市{k}县",
                    level=Region.Level.COUNTY,
                    parent=city,
                )
            )
    county_list = Region.objects.bulk_create(rows)
    by_city: dict[int, list[Region]] = {city.pk: [] for city in city_list}
    for county in county_list:
        by_city[county.parent_id].append(county)
    return province, city_list, by_city


def region_people(regions: list[Region], office: User) -> tuple[dict[int, Unit], dict[int, User]]:
    """One responsible unit (发展和改革局) per region, with one liaison: units by region id and
    liaisons by unit id."""
    units = Unit.objects.bulk_create(
        [
            Unit(
                name=f"{region.name}发展和改革局",
                short_name=f"{region.name}发改局",
                code=f"scale-{region.code}",
                kind=Unit.Kind.DEPARTMENT,
                region=region,
            )
            for region in regions
        ]
    )
    users = User.objects.bulk_create(
        [
            User(
                username=f"scale-liaison-{unit.code}",
                unit=unit,
                email=f"scale-liaison-{unit.code}@example.invalid",
                password="!",  # unusable
            )
            for unit in units
        ]
    )
    liaison_group = Group.objects.get_or_create(name=roles.LIAISON)[0]
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=user.pk, group_id=liaison_group.pk) for user in users]
    )
    return (
        {unit.region_id: unit for unit in units},
        {user.unit_id: user for user in users},
    )


def build_split_plan(
    *,
    year: int,
    title: str,
    region: Region,
    lower: list[Region],
    items: int,
    subitems: int,
    months: int,
    today: dt.date,
    bureaus: list[Unit],
    units_by_region: dict[int, Unit],
    liaisons: dict[int, User],
    office: User,
) -> tuple[Plan, int, int]:
    """A list of ``region`` whose every sub-item is split into a share for each of ``lower``,
    each share with its own county unit and history of accepted reports. Returns the plan,
    the number of shares and of reports."""
    fast_commit()
    months_reported = report_months(year, months, today)
    plan, item_objs = plan_with_items(year, title, region, items, bureaus, f"{region.name}实事")
    window_start = min(months_reported[0], dt.date(year, 1, 1))
    year_end = dt.date(year, 12, 31)
    targets = [SHARE_TARGETS[k % len(SHARE_TARGETS)] for k in range(len(lower))]
    per_item, extra = divmod(subitems, items)
    subs, dates = [], []
    index = 0
    for position, item in enumerate(item_objs):
        for number in range(1, per_item + (position < extra) + 1):
            start = _add_months(window_start, index % 3)
            end = _add_months(year_end.replace(day=1), 1 - END_MONTHS_EARLY[index % 5]) - dt.timedelta(days=1)
            milestones = (
                ((dt.date(year, 6, 30), Decimal("40")),)
                if index % 4 == 0 and start < dt.date(year, 6, 30) < end
                else ()
            )
            subs.append(
                SubItem(
                    item=item,
                    number=number,
                    content=f"{region.name}分解任务{item.number}.{number}",
                    target_value=sum(targets, Decimal("0")),
                    target_unit="个",
                    responsible_unit=bureaus[(item.number + number) % len(bureaus)],
                    planned_start=start,
                    planned_end=end,
                    weight=Decimal(1 + index % 3),
                )
            )
            dates.append((start, end, milestones))
            index += 1
    subs = SubItem.objects.bulk_create(subs, batch_size=BATCH)
    Milestone.objects.bulk_create(
        [
            Milestone(sub_item=sub, date=when, planned_percent=percent, description="主体工程完工")
            for sub, (_s, _e, milestones) in zip(subs, dates, strict=True)
            for when, percent in milestones
        ],
        batch_size=BATCH,
    )
    # 万元 per share unit of target: the sub-item's planned money is the shares' summed.
    money_per_target = [Decimal(5 + n % 45) for n in range(len(subs))]
    FundingLine.objects.bulk_create(
        [
            FundingLine(
                sub_item=sub,
                source=FundingLine.Source.PROVINCIAL
                if region.level == Region.Level.PROVINCE
                else FundingLine.Source.MUNICIPAL,
                planned=money_per_target[n] * sub.target_value,
            )
            for n, sub in enumerate(subs)
        ],
        batch_size=BATCH,
    )
    shares = SubItemShare.objects.bulk_create(
        [
            SubItemShare(
                sub_item=sub,
                region=county,
                target_value=targets[k],
                responsible_unit=units_by_region[county.pk],
                first_responsible_person=f"{county.name}分管副县长",
            )
            for sub in subs
            for k, county in enumerate(lower)
        ],
        batch_size=BATCH * 5,
    )
    report_count, batch = 0, []
    for n, (sub, (start, end, milestones)) in enumerate(zip(subs, dates, strict=True)):
        for k in range(len(lower)):
            share = shares[n * len(lower) + k]
            profile = PROFILES[(n * 7 + k) % len(PROFILES)]
            history = _cached_history(profile, start, end, milestones, year, tuple(months_reported))
            planned_money = money_per_target[n] * share.target_value
            liaison = liaisons[share.responsible_unit_id]
            batch += [
                accepted_row(
                    row,
                    sub.pk,
                    share.pk,
                    share.target_value,
                    planned_money,
                    liaison.pk,
                    office.pk,
                    "本地区累计完成",
                )
                for row in history
            ]
            if len(batch) >= BATCH * 5:
                report_count += _insert_rows(ProgressReport, batch)
                batch = []
    report_count += _insert_rows(ProgressReport, batch)
    caches.bump_figures_version(plan)
    return plan, len(shares), report_count


def build_province(
    *,
    year: int,
    items: int,
    subitems: int,
    months: int,
    today: dt.date,
    cities: int,
    counties: int,
    lower_items: int = 10,
    lower_subitems: int = 30,
) -> dict:
    """The whole province: regions, people, the provincial list (``items``/``subitems``, each
    split over every county), one list per city (split over its counties) and one per county
    (unsplit), ``lower_items`` items and ``lower_subitems`` sub-items each. Returns what was
    built; None when the province exists already."""
    with transaction.atomic():
        fast_commit()
        province, city_list, by_city = build_regions(cities, counties)
        county_list = [county for city in city_list for county in by_city[city.pk]]
        bureaus, _liaisons, office = _scale_people(20)
        units_by_region, liaisons = region_people([province, *city_list, *county_list], office)
        province_plan, shares, reports = build_split_plan(
            year=year,
            title=f"{year}年{province.name}民生实事（{items}件{subitems}项，分解到{len(county_list)}个县）",
            region=province,
            lower=county_list,
            items=items,
            subitems=subitems,
            months=months,
            today=today,
            bureaus=bureaus,
            units_by_region=units_by_region,
            liaisons=liaisons,
            office=office,
        )
        plans = [province_plan]
        for city in city_list:
            plan, city_shares, city_reports = build_split_plan(
                year=year,
                title=f"{year}年{city.name}民生实事",
                region=city,
                lower=by_city[city.pk],
                items=lower_items,
                subitems=lower_subitems,
                months=months,
                today=today,
                bureaus=[units_by_region[city.pk]],
                units_by_region=units_by_region,
                liaisons=liaisons,
                office=office,
            )
            plans.append(plan)
            shares += city_shares
            reports += city_reports
        for county in county_list:
            unit = units_by_region[county.pk]
            plan, county_reports = build_scale_plan(
                year=year,
                title=f"{year}年{county.name}民生实事",
                items=lower_items,
                subitems=lower_subitems,
                months=months,
                unit_count=1,
                today=today,
                region=county,
                people=([unit], liaisons, office),
            )
            plans.append(plan)
            reports += county_reports
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # the planner's statistics for the new rows
                cursor.execute("ANALYZE")
        # The split sub-items' stored figures, rolled up from their shares' reports.
        for plan in plans[: 1 + len(city_list)]:
            caches.store_current_figures(plan)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "province": province,
        "plans": plans,
        "cities": len(city_list),
        "counties": len(county_list),
        "shares": shares,
        "reports": reports,
    }
