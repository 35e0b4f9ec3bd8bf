"""The demo's levels above and below 青山区: the region tree (示范省 → 示范市 → three districts,
青山区 among them → its townships), this year's municipal list split across the districts, and
one sub-item of 青山区's own list split across four townships, each share with a month-by-month
history of accepted reports. The 2023 list is not touched. Idempotent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from projects import demo
from projects.models import Category, Item, Plan, Region, SubItem, SubItemShare, Unit, User
from projects.shares import ShareRow, save_shares
from supervision.demo.county import REPORT_DAY, _month_end, _month_starts, _q
from supervision.figures.caches import bump_figures_version, refresh_pace, refresh_sub_item
from supervision.ledger.models import ProgressReport
from supervision.reading import pace

D = Decimal
PROVINCE = ("990000", "示范省")
CITY = ("990100", "示范市")
# (code, name, unit-code prefix, offset from the scheduled pace in percentage points)
DISTRICTS = (
    ("990102", demo.REGION, "", D("-3")),
    ("990103", "东湖区", "donghu-", D("12")),
    ("990104", "西岭区", "xiling-", D("-25")),
)
# 青山区's townships: (code, name, unit code, offset)
TOWNSHIPS = (
    ("990102001", "城关街道", "chengguan", D("10")),
    ("990102002", "河西镇", "hexi", D("-3")),
    ("990102003", "东山镇", "dongshan", D("-28")),
    ("990102004", "南岭乡", "nanling", D("0")),
)
NEW_TOWNSHIP_UNITS = (
    ("dongshan", "青山区东山镇人民政府", "东山镇", "孔伟", "0571-8800117"),
    ("nanling", "青山区南岭乡人民政府", "南岭乡", "曹琳", "0571-8800118"),
)
CONTACTS = ("严华", "金涛", "魏敏", "陶磊", "姜丽", "戚军")
BUREAUS = {"edu": "教育局", "water": "水务局", "housing": "住房和城乡建设局", "health": "卫生健康委员会"}
TOWNSHIP_SPLIT = {"chengguan": D(25), "hexi": D(25), "dongshan": D(15), "nanling": D(15)}
# Offices of a region (username, unit name, short name, region code): each acts within its
# region and below, e.g. 西岭区's reviews its own shares of the city's list, never its neighbours'.
REGION_OFFICES = (
    ("city-office", "示范市督查室", "市督查室", CITY[0]),
    ("xiling-office", "西岭区督查室", "西岭督查室", "990104"),
)


@dataclass(frozen=True)
class CitySub:
    content: str
    bureau: str
    target: Decimal
    unit_label: str
    start: tuple[int, int]
    end: tuple[int, int]
    shares: tuple[Decimal, ...] | None  # per district, in DISTRICTS order; None: not split
    note: str = ""


# (number, title, category, bureau, leader, sub-items)
CITY_ITEMS = (
    (
        1,
        "扩充中小学学位",
        "教育",
        "edu",
        "副市长 陈卫华",
        (
            CitySub(
                "新增公办中小学学位6000个",
                "edu",
                D(6000),
                "个",
                (1, 15),
                (10, 31),
                (D(2000), D(2500), D(1500)),
            ),
        ),
    ),
    (
        2,
        "城乡供水一体化",
        "饮水",
        "water",
        "副市长 陈卫华",
        (
            CitySub(
                "新建改造供水管网200公里", "water", D(200), "公里", (2, 1), (11, 30), (D(80), D(70), D(50))
            ),
        ),
    ),
    (
        3,
        "城镇老旧小区改造",
        "住房",
        "housing",
        "副市长 郑国强",
        (
            CitySub("改造老旧小区60个", "housing", D(60), "个", (3, 1), (12, 31), (D(25), D(20), D(15))),
            CitySub(
                "既有住宅加装电梯150部",
                "housing",
                D(150),
                "部",
                (2, 1),
                (12, 31),
                (D(60), D(50), D(50)),
                "西岭区申请多承担10部，市政府同意，分解合计160部。",
            ),
        ),
    ),
    (
        4,
        "基层医疗服务能力提升",
        "医疗卫生",
        "health",
        "副市长 郑国强",
        (CitySub("建设标准化村卫生室45个", "health", D(45), "个", (3, 1), (11, 30), None),),
    ),
)


def city_plan_title(year: int) -> str:
    return f"{year}年{CITY[1]}民生实事"


def _region(code: str, name: str, level: str, parent: Region | None) -> Region:
    region, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return region


def _unit(code: str, name: str, short: str, kind: str, region: Region, person: str, phone: str) -> Unit:
    unit, _ = Unit.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "short_name": short,
            "kind": kind,
            "region": region,
            "contact_person": person,
            "contact_phone": phone,
        },
    )
    return unit


@transaction.atomic
def seed_levels(plan_now: Plan, units: dict[str, Unit], reviewer: User, today: dt.date) -> int:
    """Build the levels around the demo county; returns how many reports it added."""
    province = _region(*PROVINCE, Region.Level.PROVINCE, None)
    city = _region(*CITY, Region.Level.CITY, province)
    districts = [_region(code, name, Region.Level.COUNTY, city) for code, name, _, _ in DISTRICTS]
    county = districts[0]
    townships = {
        unit: _region(code, name, Region.Level.TOWNSHIP, county) for code, name, unit, _ in TOWNSHIPS
    }
    for code, name, short, person, phone in NEW_TOWNSHIP_UNITS:
        units[code] = _unit(code, name, short, Unit.Kind.TOWNSHIP, townships[code], person, phone)
    for code, unit in units.items():
        region = townships.get(code, county)
        if unit.region_id != region.pk:
            Unit.objects.filter(pk=unit.pk).update(region=region)
    # Contact people and numbers as the office keeps them (never shown on the public page).
    contacts = iter(enumerate(CONTACTS * 3, start=1))
    for code in BUREAUS:
        n, person = next(contacts)
        units[f"city-{code}"] = _unit(
            f"city-{code}",
            f"{CITY[1]}{BUREAUS[code]}",
            f"市{BUREAUS[code][:2]}",
            Unit.Kind.DEPARTMENT,
            city,
            person,
            f"0571-8900{n:03d}",
        )
        for (_, name, prefix, _), district in zip(DISTRICTS[1:], districts[1:], strict=True):
            n, person = next(contacts)
            units[f"{prefix}{code}"] = _unit(
                f"{prefix}{code}",
                f"{name}{BUREAUS[code]}",
                f"{name[:2]}{BUREAUS[code][:2]}",
                Unit.Kind.DEPARTMENT,
                district,
                person,
                f"0571-8900{n:03d}",
            )
    # The county's lists belong to it; no figure depends on a list's region until it is split.
    Plan.objects.filter(pk=plan_now.pk).update(region=county)
    Plan.objects.filter(year=2023, title=demo.PLAN_2023_TITLE).update(region=county)
    plan_now.region = county

    city_plan = _seed_city_plan(city, districts, units, plan_now.year)
    water = SubItem.objects.get(item__plan=plan_now, content__startswith="新建改造供水管网")
    if not water.shares.exists():
        save_shares(
            water,
            [
                ShareRow(
                    region=townships[code],
                    responsible_unit=units[code],
                    target_value=target,
                    first_responsible_person=f"{units[code].short_name}负责人",
                    planned_end=water.planned_end,
                )
                for code, target in TOWNSHIP_SPLIT.items()
            ],
        )
    for username, name, short, code in REGION_OFFICES:
        region = Region.objects.get(code=code)
        demo.seed_office(
            username, _unit(username, name, short, Unit.Kind.OTHER, region, CONTACTS[0], "0571-8900100")
        )
    liaison_units = {
        share.responsible_unit.code for share in SubItemShare.objects.select_related("responsible_unit")
    }
    liaison_units |= {sub.responsible_unit.code for sub in SubItem.objects.filter(item__plan=city_plan)}
    demo.seed_liaisons(units, liaison_units)

    offsets = {code: offset for _, _, code, offset in TOWNSHIPS}
    shares = water.shares.select_related("region", "responsible_unit")
    created = _seed_share_reports(
        water, {s: offsets[s.responsible_unit.code] for s in shares}, reviewer, today
    )
    district_offsets = {
        district.pk: offset for district, (_, _, _, offset) in zip(districts, DISTRICTS, strict=True)
    }
    for sub in SubItem.objects.filter(item__plan=city_plan).order_by("item__number", "number"):
        created += _seed_share_reports(
            sub,
            {share: district_offsets[share.region_id] for share in sub.shares.select_related("region")},
            reviewer,
            today,
        )
    for plan in (plan_now, city_plan):
        refresh_pace(plan)
        bump_figures_version(plan)
    return created


def _seed_city_plan(city: Region, districts: list[Region], units: dict[str, Unit], year: int) -> Plan:
    plan, _ = Plan.objects.get_or_create(
        year=year,
        title=city_plan_title(year),
        defaults={
            "region_name": CITY[1],
            "region": city,
            "level": "市级",
            "status": Plan.Status.PUBLISHED,
            "published_on": demo.in_year(year, demo.PUBLISHED_ON),
            "summary": f"经{year}年市人民代表大会票决产生，分解下达各区实施。",
        },
    )
    categories = {c.name: c for c in Category.objects.all()}
    prefixes = [prefix for _, _, prefix, _ in DISTRICTS]
    for number, title, category, bureau, leader, subs in CITY_ITEMS:
        item, _ = Item.objects.get_or_create(
            plan=plan,
            number=number,
            defaults={
                "title": title,
                "category": categories[category],
                "lead_unit": units[f"city-{bureau}"],
                "responsible_leader": leader,
            },
        )
        for index, spec in enumerate(subs, start=1):
            sub, created = SubItem.objects.get_or_create(
                item=item,
                number=index,
                defaults={
                    "content": spec.content,
                    "responsible_unit": units[f"city-{spec.bureau}"],
                    "target_value": spec.target,
                    "target_unit": spec.unit_label,
                    "first_responsible_person": f"{CITY[1]}{BUREAUS[spec.bureau]}局长",
                    "planned_start": dt.date(year, *spec.start),
                    "planned_end": dt.date(year, *spec.end),
                },
            )
            if created and spec.shares:
                save_shares(
                    sub,
                    [
                        ShareRow(
                            region=district,
                            responsible_unit=units[f"{prefix}{spec.bureau}"],
                            target_value=target,
                            first_responsible_person=f"{district.name}分管副区长",
                            planned_end=sub.planned_end,
                        )
                        for district, prefix, target in zip(districts, prefixes, spec.shares, strict=True)
                    ],
                    spec.note,
                )
    return plan


def _seed_share_reports(
    sub: SubItem, offsets: dict[SubItemShare, Decimal], reviewer: User, today: dt.date
) -> int:
    """Monthly accepted reports on each share that has none, its progress the scheduled pace
    plus the share's offset, up to the last month accepted by today."""
    liaisons = {u.unit_id: u for u in User.objects.filter(username__startswith="liaison-")}
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if today.day < REPORT_DAY:
        last_month = (last_month - dt.timedelta(days=1)).replace(day=1)
    months = _month_starts(sub.planned_start, last_month) if sub.planned_start <= last_month else []
    milestones = [(m.date, m.planned_percent) for m in sub.milestones.all()]
    reports = []
    for share, offset in offsets.items():
        if share.reports.exists():
            continue
        author = liaisons.get(share.responsible_unit_id) or reviewer
        for month in months:
            scheduled = pace.scheduled_pace(
                _month_end(month),
                sub.planned_start,
                share.planned_end or sub.planned_end,
                milestones,
                plan_year=sub.planned_end.year,
            )
            progress = _q(min(D("100"), max(D("0"), scheduled + offset)))
            complete = progress >= 100
            actual = _q(share.target_value * progress / 100, "1") if share.target_value is not None else None
            accepted_on = min(
                dt.date(month.year + (month.month == 12), month.month % 12 + 1, REPORT_DAY), today
            )
            moment = timezone.make_aware(dt.datetime.combine(accepted_on, dt.time(10, 0)))
            reports.append(
                ProgressReport(
                    sub_item=sub,
                    share=share,
                    period_start=month,
                    state=ProgressReport.State.ACCEPTED,
                    progress_percent=progress,
                    actual_value=actual,
                    work_done=f"{month.month}月：{share.region.name}累计完成{progress.normalize():f}%。",
                    next_steps="" if complete else "按节点倒排工期，加快推进。",
                    marks_complete=complete,
                    created_by=author,
                    created_at=moment - dt.timedelta(days=2),
                    submitted_at=moment - dt.timedelta(days=1),
                    reviewed_by=reviewer,
                    reviewed_at=moment,
                    accepted_on=accepted_on,
                )
            )
            if complete:
                break
    ProgressReport.objects.bulk_create(reports)
    if reports:
        refresh_sub_item(sub.pk)
    return len(reports)
