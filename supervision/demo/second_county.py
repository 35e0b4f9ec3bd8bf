"""The demo's second county: 西岭区 has a list of its own, carried out by units that bear the same
names as 青山区's (区教育局, 区住建局, 区卫健局: every district calls its bureaus so), an office
(``xiling-office``), a deputy and liaisons. Nothing of it may show to 青山区, nor 青山区's to it;
the tests walk every page as each region's users. Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import transaction

from projects import demo, roles
from projects.demo import ItemSpec, SubItemSpec
from projects.models import Plan, Region, Unit, User
from supervision.demo.county import seed_report_history

D = Decimal
CODE = "990104"
NAME = "西岭区"
# The district's bureaus as the city's list already knows them (levels.py seeds them), with
# the short names every district uses; and the people's congress and government of each
# district, so that deputies and leaders read their own district.
SHORT_NAMES = {"xiling-edu": "区教育局", "xiling-housing": "区住建局", "xiling-health": "区卫健局"}
BODIES = (
    # (code, name, short name, region code, usernames, contact, phone)
    ("qingshan-npc", "青山区人大常委会", "区人大常委会", "990102", ("deputy",), "林芳", "0571-8800120"),
    ("qingshan-gov", "青山区人民政府", "区政府", "990102", ("leader", "leader-chen"), "黄强", "0571-8800121"),
    ("xiling-npc", "西岭区人大常委会", "区人大常委会", CODE, ("xiling-deputy",), "周平", "0571-8900120"),
)


def plan_title(year: int) -> str:
    return f"{year}年{NAME}民生实事"


SPECS = [
    ItemSpec(
        1,
        "西岭区城区学校扩容",
        "教育",
        "xiling-edu",
        "副区长 沈涛",
        "新建西岭实验小学，缓解城区入学难。",
        [
            SubItemSpec(
                "新建西岭实验小学，新增学位900个",
                "xiling-edu",
                D(900),
                "个",
                start=(3, 1),
                end=(11, 30),
                person="西岭区教育局局长 严华",
                location="西岭区岭南街道",
                lag_profile="slow_start",
                problems="西岭实验小学地块征迁滞后，主体结构晚开工一个月。",
            ),
        ],
    ),
    ItemSpec(
        2,
        "西岭区老旧小区改造",
        "住房",
        "xiling-housing",
        "副区长 沈涛",
        "改造岭北片区老旧小区，同步加装电梯。",
        [
            SubItemSpec(
                "改造岭北片区老旧小区12个",
                "xiling-housing",
                D(12),
                "个",
                start=(2, 1),
                end=(12, 31),
                person="西岭区住建局局长 金涛",
                location="西岭区岭北片区",
            ),
            SubItemSpec(
                "岭北片区既有住宅加装电梯40部",
                "xiling-housing",
                D(40),
                "部",
                start=(3, 1),
                end=(12, 31),
                person="西岭区住建局局长 金涛",
                lag_profile="stalled",
                problems="岭北片区加装电梯居民意见不一，部分单元未签约。",
            ),
        ],
    ),
    ItemSpec(
        3,
        "西岭区村卫生室标准化建设",
        "医疗卫生",
        "xiling-health",
        "副区长 魏红",
        "建设标准化村卫生室，群众就近看病。",
        [
            SubItemSpec(
                "建设标准化村卫生室15个",
                "xiling-health",
                D(15),
                "个",
                start=(3, 1),
                end=(10, 31),
                person="西岭区卫健局局长 魏敏",
            ),
        ],
    ),
]


@transaction.atomic
def seed_second_county(year: int, units: dict[str, Unit], today: dt.date) -> Plan:
    """西岭区's own list for ``year``, its reports up to ``today``, and the accounts of each
    district's congress and government. Runs after ``levels.seed_levels`` (the regions, the
    district's bureaus and its office exist)."""
    for code, short in SHORT_NAMES.items():
        Unit.objects.filter(code=code).update(short_name=short)
        units[code].short_name = short
    deputies = Group.objects.get(name=roles.DEPUTY)
    for code, name, short, region_code, usernames, person, phone in BODIES:
        body, _ = Unit.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "short_name": short,
                "kind": Unit.Kind.OTHER,
                "region": Region.objects.get(code=region_code),
                "contact_person": person,
                "contact_phone": phone,
            },
        )
        if "xiling-deputy" in usernames:
            demo.seed_account("xiling-deputy", "代表", "周", deputies, unit=body)
        User.objects.filter(username__in=usernames).update(unit=body)
    plan, seeded = demo.seed_plan(
        year,
        plan_title(year),
        SPECS,
        units,
        status=Plan.Status.PUBLISHED,
        # A few days before 青山区's, so that a reader of both lands on 青山区's (the newer).
        published_on=demo.in_year(year, demo.PUBLISHED_ON) - dt.timedelta(days=3),
        region_name=NAME,
    )
    Plan.objects.filter(pk=plan.pk).update(region=Region.objects.get(code=CODE), level="区级")
    demo.seed_liaisons(units, {spec.unit for item in SPECS for spec in item.subs})
    seed_report_history(seeded, today, User.objects.get(username="xiling-office"), live=True)
    return plan
