"""The demo county (青山区): units, people, the 2023 list of 10件13项 and this year's list.

Everything here is created idempotently, keyed on natural keys (unit code, username, plan
year + title, item number, sub-item number). Progress is never written here: it comes from the
report history that ``supervision.demo.county`` builds, as in real use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import transaction

from projects import roles
from projects.models import Category, FundingLine, Item, Milestone, Plan, SubItem, Unit, User

DEMO_PASSWORD = "livelihood-demo"
REGION = "青山区"

UNITS = [
    # code, name, short name, kind, contact, phone
    ("edu", "青山区教育局", "区教育局", Unit.Kind.DEPARTMENT, "李明", "0571-8800101"),
    ("water", "青山区水利局", "区水利局", Unit.Kind.DEPARTMENT, "陈涛", "0571-8800102"),
    ("expro", "青山区房屋征收服务中心", "区征收中心", Unit.Kind.DEPARTMENT, "赵磊", "0571-8800103"),
    ("housing", "青山区住房和城乡建设局", "区住建局", Unit.Kind.DEPARTMENT, "孙丽", "0571-8800104"),
    ("industry", "青山区经济和信息化局", "区经信局", Unit.Kind.DEPARTMENT, "周强", "0571-8800105"),
    ("develop", "青山区发展和改革局", "区发改局", Unit.Kind.DEPARTMENT, "吴敏", "0571-8800106"),
    ("health", "青山区卫生健康局", "区卫健局", Unit.Kind.DEPARTMENT, "郑洁", "0571-8800107"),
    ("hrss", "青山区人力资源和社会保障局", "区人社局", Unit.Kind.DEPARTMENT, "王芳", "0571-8800108"),
    ("civil", "青山区民政局", "区民政局", Unit.Kind.DEPARTMENT, "冯刚", "0571-8800109"),
    ("transport", "青山区交通运输局", "区交通局", Unit.Kind.DEPARTMENT, "何军", "0571-8800110"),
    ("culture", "青山区文化和旅游体育局", "区文旅体局", Unit.Kind.DEPARTMENT, "许静", "0571-8800111"),
    ("telecom", "青山区通信发展办公室", "区通信办", Unit.Kind.DEPARTMENT, "钱鹏", "0571-8800112"),
    ("power", "国网青山供电公司", "青山供电公司", Unit.Kind.ENTERPRISE, "褚红", "0571-8800113"),
    ("finance", "青山区财政局", "区财政局", Unit.Kind.DEPARTMENT, "卫东", "0571-8800114"),
    ("chengguan", "青山区城关街道办事处", "城关街道", Unit.Kind.TOWNSHIP, "蒋华", "0571-8800115"),
    ("hexi", "青山区河西镇人民政府", "河西镇", Unit.Kind.TOWNSHIP, "沈亮", "0571-8800116"),
]

CATEGORIES = ["教育", "医疗卫生", "就业", "社会保障", "住房", "交通", "饮水", "养老", "文体", "新型基础设施"]


@dataclass
class SubItemSpec:
    content: str
    unit: str
    target: Decimal | None
    target_unit: str = ""
    at_least: bool = False
    start: tuple[int, int] = (1, 15)
    end: tuple[int, int] = (12, 31)
    person: str = ""
    location: str = ""
    cooperating: tuple[str, ...] = ()
    weight: Decimal = Decimal("1")
    milestones: tuple[tuple[tuple[int, int], int, str], ...] = ()
    funding: tuple[tuple[str, Decimal], ...] = ()
    # The trajectory the demo history follows: final figures as of the plan's "as of" date.
    final_progress: Decimal = Decimal("0")
    final_actual: Decimal | None = None
    complete: bool = False
    lag_profile: str = "steady"  # steady | slow_start | stalled | late_start | silent
    problems: str = ""


@dataclass
class ItemSpec:
    number: int
    title: str
    category: str
    lead: str
    leader: str
    summary: str
    subs: list[SubItemSpec] = field(default_factory=list)


D = Decimal

# A vice head with a demo account of her own, who signs in to the items she answers for (我分管的).
RESPONSIBLE_LEADERS = {"leader-chen": ("副区长", "陈", "副区长 陈静")}

PLAN_2023_TITLE = "2023年区级十件民生实事"
PLAN_2023_AS_OF = date(2023, 10, 25)  # the office's record before the late-October inspection
PLAN_2023_CLOSED_ON = date(2024, 1, 20)  # closed with the year-end evaluation, when the next list was adopted

PLAN_2023 = [
    ItemSpec(
        1,
        "新增学前教育学位",
        "教育",
        "edu",
        "副区长 刘建国",
        "新建、改扩建公办幼儿园，缓解入园难。",
        [
            SubItemSpec(
                "新建、改扩建公办幼儿园5所，新增学前教育学位1500个",
                "edu",
                D(1500),
                "个",
                start=(2, 1),
                end=(8, 31),
                person="区教育局局长 李明",
                location="城关街道、河西镇",
                cooperating=("housing", "finance"),
                milestones=(((4, 30), 30, "主体开工"), ((6, 30), 70, "主体完工")),
                funding=(("county", D(4200)), ("provincial", D(800))),
                final_progress=D(100),
                final_actual=D(1620),
                complete=True,
            ),
        ],
    ),
    ItemSpec(
        2,
        "农村饮水安全工程",
        "饮水",
        "water",
        "副区长 张卫东",
        "巩固提升农村供水保障水平。",
        [
            SubItemSpec(
                "新建改造农村供水管网120公里",
                "water",
                D(120),
                "公里",
                start=(3, 1),
                end=(9, 30),
                person="区水利局局长 陈涛",
                location="河西镇等6个乡镇",
                cooperating=("hexi",),
                funding=(("county", D(2600)), ("special_bond", D(3000))),
                final_progress=D(100),
                final_actual=D(126),
                complete=True,
            ),
            SubItemSpec(
                "建设农村规模化水厂2座",
                "water",
                D(2),
                "座",
                start=(3, 1),
                end=(10, 31),
                person="区水利局局长 陈涛",
                location="河西镇",
                funding=(("special_bond", D(5200)),),
                final_progress=D(100),
                final_actual=D(2),
                complete=True,
            ),
        ],
    ),
    ItemSpec(
        3,
        "征拆未安置户安置",
        "住房",
        "expro",
        "副区长 王海",
        "加快安置房建设和分配，解决群众安置问题。",
        [
            SubItemSpec(
                "安置征拆未安置户2000户以上",
                "expro",
                D(2000),
                "户",
                at_least=True,
                start=(1, 15),
                end=(12, 31),
                person="区征收中心主任 赵磊",
                cooperating=("housing", "chengguan"),
                funding=(("county", D(18000)),),
                final_progress=D(72),
                final_actual=D(1450),
                lag_profile="slow_start",
                problems="部分安置房项目竣工验收滞后，交房时间推迟。",
            ),
        ],
    ),
    ItemSpec(
        4,
        "城镇老旧小区改造",
        "住房",
        "housing",
        "副区长 王海",
        "改造2000年前建成的老旧小区，完善配套。",
        [
            SubItemSpec(
                "改造城镇老旧小区32个",
                "housing",
                D(32),
                "个",
                start=(3, 1),
                end=(11, 30),
                person="区住建局局长 孙丽",
                location="城关街道",
                cooperating=("chengguan", "finance"),
                milestones=(((5, 31), 25, "完成设计招标"), ((8, 31), 60, "开工建设")),
                funding=(("central", D(3500)), ("county", D(1500))),
                final_progress=D(38),
                final_actual=D(12),
                lag_profile="stalled",
                problems="中央补助资金未实际到位，部分小区施工单位进场后停工待款。",
            ),
            SubItemSpec(
                "既有住宅加装电梯50部",
                "housing",
                D(50),
                "部",
                start=(3, 1),
                end=(12, 31),
                person="区住建局局长 孙丽",
                cooperating=("chengguan",),
                funding=(("county", D(1000)), ("social", D(1500))),
                final_progress=D(62),
                final_actual=D(31),
                lag_profile="steady",
                problems="个别单元低层住户意见不一，协调难度大。",
            ),
        ],
    ),
    ItemSpec(
        5,
        "新建5G基站和充电桩",
        "新型基础设施",
        "industry",
        "副区长 张卫东",
        "完善新型基础设施。",
        [
            SubItemSpec(
                "建成5G基站120个以上",
                "telecom",
                D(120),
                "个",
                at_least=True,
                start=(2, 1),
                end=(10, 31),
                person="区通信办主任 钱鹏",
                cooperating=("industry",),
                funding=(("social", D(9000)),),
                final_progress=D(100),
                final_actual=D(453),
                complete=True,
            ),
            SubItemSpec(
                "新建公共充电桩100个以上",
                "power",
                D(100),
                "个",
                at_least=True,
                start=(3, 1),
                end=(10, 31),
                person="青山供电公司总经理 褚红",
                cooperating=("develop",),
                funding=(("social", D(1200)), ("county", D(300))),
                final_progress=D(100),
                final_actual=D(169),
                complete=True,
            ),
        ],
    ),
    ItemSpec(
        6,
        "村卫生室标准化建设",
        "医疗卫生",
        "health",
        "副区长 陈静",
        "提升基层医疗卫生服务能力。",
        [
            SubItemSpec(
                "完成10个村卫生室标准化建设",
                "health",
                D(10),
                "个",
                start=(3, 1),
                end=(5, 31),
                person="区卫健局局长 郑洁",
                location="河西镇、城关街道",
                funding=(("county", D(600)),),
                final_progress=D(100),
                final_actual=D(10),
                complete=True,
            ),
        ],
    ),
    ItemSpec(
        7,
        "稳岗就业帮扶",
        "就业",
        "hrss",
        "副区长 陈静",
        "开展就业帮扶，稳定就业。",
        [
            SubItemSpec(
                "城镇新增就业3000人以上",
                "hrss",
                D(3000),
                "人",
                at_least=True,
                start=(1, 1),
                end=(12, 31),
                person="区人社局局长 王芳",
                funding=(("county", D(800)), ("provincial", D(400))),
                final_progress=D(100),
                final_actual=D(3412),
                complete=True,
            ),
        ],
    ),
    ItemSpec(
        8,
        "社区居家养老服务中心建设",
        "养老",
        "civil",
        "副区长 陈静",
        "织密养老服务网络。",
        [
            SubItemSpec(
                "新建社区居家养老服务中心8个",
                "civil",
                D(8),
                "个",
                start=(2, 15),
                end=(9, 30),
                person="区民政局局长 冯刚",
                cooperating=("chengguan", "hexi"),
                funding=(("county", D(960)),),
                final_progress=D(100),
                final_actual=D(8),
                complete=True,
            ),
        ],
    ),
    ItemSpec(
        9,
        "农村公路提档升级",
        "交通",
        "transport",
        "副区长 张卫东",
        "改善农村出行条件。",
        [
            SubItemSpec(
                "改造提升农村公路50公里",
                "transport",
                D(50),
                "公里",
                start=(3, 1),
                end=(11, 30),
                person="区交通局局长 何军",
                location="河西镇",
                funding=(("county", D(2500)), ("provincial", D(1000))),
                final_progress=D(78),
                final_actual=D(39),
                lag_profile="steady",
                problems="雨季影响路面施工。",
            ),
        ],
    ),
    ItemSpec(
        10,
        "全民健身设施建设",
        "文体",
        "culture",
        "副区长 陈静",
        "建设群众身边的健身场地。",
        [
            SubItemSpec(
                "新建口袋公园和健身广场20个",
                "culture",
                D(20),
                "个",
                start=(3, 1),
                end=(12, 31),
                person="区文旅体局局长 许静",
                cooperating=("chengguan", "hexi"),
                funding=(("county", D(700)),),
                final_progress=D(70),
                final_actual=D(14),
                lag_profile="steady",
                problems="部分选址涉及用地调整。",
            ),
        ],
    ),
]


# --- The demo county's year ------------------------------------------------------------------
# As counties usually run it: suggestions for next year's list are collected from September;
# the office drafts the candidates in late November; the people's congress meets in early
# January, votes the new list (the ballot opens with the session) and evaluates last year's;
# the new list is published on 1 February. Until then last year's list, its year over, is still
# being accepted and evaluated: it is the list the county is on.
# (month, day) each; the first two fall in the year before the list's.
SUGGESTIONS_FROM = (9, 1)
CANDIDATES_ON = (11, 20)
SESSION_HELD_ON = (1, 6)
VOTED_ON = (1, 8)
DRAFTED_ON = (1, 10)
YEAR_END_ACCEPTED_ON = (1, 4)
PUBLISHED_ON = (2, 1)


def running_year(today: date) -> int:
    """The year whose list the demo county is carrying out on ``today``: this year's from its
    publication on 1 February; before that last year's, whose year is over but which is still
    being accepted and evaluated while the new list is being chosen."""
    return today.year if today >= date(today.year, *PUBLISHED_ON) else today.year - 1


def in_year(year: int, month_day: tuple[int, int]) -> date:
    """The day ``(month, day)`` of ``year``."""
    return date(year, *month_day)


def current_plan_title(year: int) -> str:
    return f"{year}年区级民生实事"


def current_plan_specs() -> list[ItemSpec]:
    """This year's list. Progress is set relative to each sub-item's scheduled pace on the day
    the demo is seeded (see ``supervision.demo.county``), so the lights are right whenever it runs."""
    return [
        ItemSpec(
            1,
            "义务教育学校扩容提质",
            "教育",
            "edu",
            "副区长 刘建国",
            "新建学校，扩充学位。",
            [
                SubItemSpec(
                    "新建中小学2所，新增学位2700个",
                    "edu",
                    D(2700),
                    "个",
                    start=(1, 10),
                    end=(8, 31),
                    person="区教育局局长 李明",
                    location="城关街道",
                    milestones=(((3, 31), 20, "完成桩基"), ((6, 30), 80, "竣工验收")),
                    funding=(("county", D(12000)), ("special_bond", D(8000))),
                    lag_profile="ahead",
                    complete=True,
                ),
                SubItemSpec(
                    "改造提升学校食堂15所",
                    "edu",
                    D(15),
                    "所",
                    start=(3, 1),
                    end=(12, 31),
                    person="区教育局局长 李明",
                    funding=(("county", D(900)),),
                    lag_profile="steady",
                ),
            ],
        ),
        ItemSpec(
            2,
            "城乡供水一体化",
            "饮水",
            "water",
            "副区长 张卫东",
            "推进城乡供水同网同质。",
            [
                SubItemSpec(
                    "新建改造供水管网80公里",
                    "water",
                    D(80),
                    "公里",
                    start=(2, 1),
                    end=(11, 30),
                    person="区水利局局长 陈涛",
                    location="河西镇",
                    funding=(("special_bond", D(4000)),),
                    lag_profile="steady",
                ),
            ],
        ),
        ItemSpec(
            3,
            "老旧小区改造和加装电梯",
            "住房",
            "housing",
            "副区长 王海",
            "",
            [
                SubItemSpec(
                    "改造老旧小区18个",
                    "housing",
                    D(18),
                    "个",
                    start=(3, 1),
                    end=(11, 30),
                    person="区住建局局长 孙丽",
                    cooperating=("chengguan",),
                    funding=(("central", D(2100)), ("county", D(900))),
                    lag_profile="stalled",
                    problems="中央预算内补助资金尚未到位，施工进度受影响。",
                ),
                SubItemSpec(
                    "既有住宅加装电梯60部",
                    "housing",
                    D(60),
                    "部",
                    start=(2, 1),
                    end=(12, 31),
                    person="区住建局局长 孙丽",
                    funding=(("county", D(1200)), ("social", D(1800))),
                    lag_profile="slow_start",
                    problems="居民意见协调耗时较长。",
                ),
            ],
        ),
        ItemSpec(
            4,
            "新能源汽车充电设施建设",
            "新型基础设施",
            "develop",
            "副区长 张卫东",
            "",
            [
                SubItemSpec(
                    "新建公共充电桩300个以上",
                    "power",
                    D(300),
                    "个",
                    at_least=True,
                    start=(2, 1),
                    end=(10, 31),
                    person="青山供电公司总经理 褚红",
                    funding=(("social", D(2400)),),
                    lag_profile="ahead",
                    complete=True,
                ),
            ],
        ),
        ItemSpec(
            5,
            "基层医疗服务能力提升",
            "医疗卫生",
            "health",
            "副区长 陈静",
            "",
            [
                SubItemSpec(
                    "建成紧密型医共体分院3家",
                    "health",
                    D(3),
                    "家",
                    start=(3, 1),
                    end=(12, 31),
                    person="区卫健局局长 郑洁",
                    funding=(("county", D(1500)),),
                    lag_profile="steady",
                ),
                SubItemSpec(
                    "为65岁以上老年人免费体检2万人次",
                    "health",
                    D(20000),
                    "人次",
                    start=(3, 1),
                    end=(11, 30),
                    person="区卫健局局长 郑洁",
                    funding=(("county", D(240)),),
                    lag_profile="silent",
                ),
            ],
        ),
        ItemSpec(
            6,
            "就业创业服务",
            "就业",
            "hrss",
            "副区长 陈静",
            "",
            [
                SubItemSpec(
                    "城镇新增就业3200人以上",
                    "hrss",
                    D(3200),
                    "人",
                    at_least=True,
                    start=(1, 1),
                    end=(12, 31),
                    person="区人社局局长 王芳",
                    funding=(("county", D(900)),),
                    lag_profile="ahead",
                ),
            ],
        ),
        ItemSpec(
            7,
            "农村公路安全提升",
            "交通",
            "transport",
            "副区长 张卫东",
            "",
            [
                SubItemSpec(
                    "实施农村公路安全生命防护工程60公里",
                    "transport",
                    D(60),
                    "公里",
                    start=(4, 1),
                    end=(11, 30),
                    person="区交通局局长 何军",
                    funding=(("provincial", D(600)), ("county", D(600))),
                    lag_profile="late_start",
                    problems="项目招标流标一次，开工推迟。",
                ),
            ],
        ),
        ItemSpec(
            8,
            "养老助餐服务",
            "养老",
            "civil",
            "副区长 陈静",
            "",
            [
                SubItemSpec(
                    "新建老年食堂（助餐点）12个",
                    "civil",
                    D(12),
                    "个",
                    start=(2, 1),
                    end=(10, 31),
                    person="区民政局局长 冯刚",
                    cooperating=("chengguan", "hexi"),
                    funding=(("county", D(360)),),
                    lag_profile="steady",
                ),
            ],
        ),
    ]


@transaction.atomic
def seed_units_and_people() -> dict[str, Unit]:
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in roles.ALL_ROLES}
    for name in CATEGORIES:
        Category.objects.get_or_create(name=name, defaults={"order": CATEGORIES.index(name)})
    units: dict[str, Unit] = {}
    for code, name, short, kind, contact, phone in UNITS:
        units[code], _ = Unit.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "short_name": short,
                "kind": kind,
                "contact_person": contact,
                "contact_phone": phone,
            },
        )
    _demo_user("office", "督查室", "王", groups[roles.OFFICE], staff=True)
    _demo_user("deputy", "代表", "林", groups[roles.DEPUTY])
    _demo_user("leader", "区长", "黄", groups[roles.LEADER])
    for username, (first, last, _name) in RESPONSIBLE_LEADERS.items():
        _demo_user(username, first, last, groups[roles.LEADER])
    return units


def _demo_user(
    username: str, first: str, last: str, group: Group, *, unit: Unit | None = None, staff: bool = False
) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "unit": unit,
            "is_staff": staff,
            "email": f"{username}@example.invalid",
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    user.groups.add(group)
    if staff and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if staff:
        from django.contrib.auth.models import Permission

        user.user_permissions.add(
            *Permission.objects.filter(content_type__app_label__in=["projects", "supervision"])
        )
    return user


def seed_account(username: str, first: str, last: str, group: Group, *, unit: Unit | None = None) -> User:
    """A demo account of one role (the demo password), e.g. another region's deputy."""
    return _demo_user(username, first, last, group, unit=unit)


def seed_office(username: str, unit: Unit) -> User:
    """An office (督查室) account of a unit: it acts within the unit's region and below."""
    group = Group.objects.get(name=roles.OFFICE)
    return _demo_user(
        username, "督查室", unit.region.name if unit.region_id else "", group, unit=unit, staff=True
    )


def seed_liaisons(units: dict[str, Unit], codes: set[str]) -> list[User]:
    group = Group.objects.get(name=roles.LIAISON)
    liaisons = []
    for code in sorted(codes):
        unit = units[code]
        liaisons.append(
            _demo_user(f"liaison-{code}", "联络员", unit.short_name or unit.name, group, unit=unit)
        )
    return liaisons


@transaction.atomic
def seed_plan(
    year: int,
    title: str,
    specs: list[ItemSpec],
    units: dict[str, Unit],
    *,
    status: str,
    published_on: date,
    closed_on: date | None = None,
    region_name: str = REGION,
) -> tuple[Plan, list[tuple[SubItem, SubItemSpec]]]:
    plan, _ = Plan.objects.get_or_create(
        year=year,
        title=title,
        defaults={
            "region_name": region_name,
            "level": "区级",
            "status": status,
            "published_on": published_on,
            "closed_on": closed_on,
            "summary": f"经{year}年区人民代表大会票决产生。",
        },
    )
    categories = {c.name: c for c in Category.objects.all()}
    leader_accounts = {
        name: User.objects.get(username=username) for username, (_f, _l, name) in RESPONSIBLE_LEADERS.items()
    }
    seeded = []
    for spec in specs:
        item, _ = Item.objects.update_or_create(
            plan=plan,
            number=spec.number,
            defaults={
                "title": spec.title,
                "category": categories[spec.category],
                "lead_unit": units[spec.lead],
                "responsible_leader": spec.leader,
                "responsible_leader_account": leader_accounts.get(spec.leader),
                "summary": spec.summary,
            },
        )
        for number, sub_spec in enumerate(spec.subs, start=1):
            sub, created = SubItem.objects.get_or_create(
                item=item,
                number=number,
                defaults={
                    "content": sub_spec.content,
                    "responsible_unit": units[sub_spec.unit],
                    "target_value": sub_spec.target,
                    "target_unit": sub_spec.target_unit,
                    "target_at_least": sub_spec.at_least,
                    "first_responsible_person": sub_spec.person,
                    "planned_start": in_year(year, sub_spec.start),
                    "planned_end": in_year(year, sub_spec.end),
                    "location": sub_spec.location,
                    "weight": sub_spec.weight,
                },
            )
            if created:
                sub.full_clean()
                sub.cooperating_units.set([units[c] for c in sub_spec.cooperating])
                for month_day, percent, description in sub_spec.milestones:
                    Milestone.objects.create(
                        sub_item=sub,
                        date=in_year(year, month_day),
                        planned_percent=percent,
                        description=description,
                    )
                for source, planned in sub_spec.funding:
                    FundingLine.objects.create(sub_item=sub, source=source, planned=planned)
            seeded.append((sub, sub_spec))
    return plan, seeded
