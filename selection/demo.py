"""The demo county's selection of next year's list: about 40 suggestions (residents online,
deputies, the 12345 hotline, letters and calls; duplicates merged, a few declined, a few still
waiting), 13 candidates for 10 places, a vote of 120 deputies — the tellers' paper tallies plus
the demo deputy's own phone ballot — in which one candidate fails to win half of all deputies,
and the draft list made from the result, each on its day of the county's calendar
(``projects.demo``). Every write goes through ``selection.services``. All of it is 青山区's
selection (its region, once the region tree is seeded), the draft list too. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.db import transaction

from projects import demo, roles
from projects.models import Category, Plan, Region, Unit, User
from selection import services
from selection.models import Candidate, CandidateFunding, Suggestion, VotingSession

DEPUTIES = 120
SEATS = 10
PAPER_ISSUED, PAPER_RETURNED, PAPER_VALID = 117, 116, 114
SESSION_TITLE = "青山区第三届人民代表大会第六次会议"


def plan_title(year: int) -> str:
    return f"{year}年区级十件民生实事"


@dataclass(frozen=True)
class CandidateSpec:
    title: str
    category: str
    lead: str
    content: str
    target: str
    value: int
    unit: str
    money: tuple[tuple[str, int], ...]
    votes_for: int  # the final count, paper and phone together
    feasibility: str = "已完成选址和初步设计，资金纳入年度预算安排。"


CANDIDATES = [
    CandidateSpec(
        "城区学校扩容新增学位",
        "教育",
        "edu",
        "新建城东小学、扩建实验中学，缓解城区入学难。",
        "新增公办学位1200个以上",
        1200,
        "个",
        (("county", 6800), ("provincial", 1200)),
        108,
    ),
    CandidateSpec(
        "社区嵌入式养老服务中心",
        "养老",
        "civil",
        "在人口密集社区建设集日间照料、助餐、康复于一体的养老服务中心。",
        "新建社区嵌入式养老服务中心8个",
        8,
        "个",
        (("county", 1600), ("municipal", 400)),
        112,
    ),
    CandidateSpec(
        "农村供水管网改造",
        "饮水",
        "water",
        "更新河西镇等老旧供水管网，解决夏季水压不足。",
        "改造农村供水管网45公里",
        45,
        "公里",
        (("county", 2200), ("special_bond", 1800)),
        101,
    ),
    CandidateSpec(
        "老旧小区加装电梯",
        "住房",
        "housing",
        "对具备条件的多层住宅加装电梯，实行政府补助。",
        "既有住宅加装电梯60台",
        60,
        "台",
        (("county", 900), ("social", 1500)),
        97,
    ),
    CandidateSpec(
        "公交候车亭新建改造",
        "交通",
        "transport",
        "优化公交线路，新建改造带遮阳座椅的候车亭。",
        "新建改造公交候车亭100个",
        100,
        "个",
        (("county", 500),),
        93,
    ),
    CandidateSpec(
        "社区医院建设",
        "医疗卫生",
        "health",
        "将三家社区卫生服务中心提升为社区医院，增设住院床位。",
        "建成社区医院3家",
        3,
        "家",
        (("county", 2400), ("central", 600)),
        104,
    ),
    CandidateSpec(
        "零工市场和就业驿站",
        "就业",
        "hrss",
        "建设零工市场，在街道社区设立就业驿站。",
        "建成就业驿站12个",
        12,
        "个",
        (("county", 360),),
        88,
    ),
    CandidateSpec(
        "城乡公共充电设施",
        "新型基础设施",
        "power",
        "在小区、停车场和乡镇布设公共充电桩。",
        "新建公共充电桩300个",
        300,
        "个",
        (("social", 1200), ("county", 300)),
        85,
    ),
    CandidateSpec(
        "口袋公园和全民健身场地",
        "文体",
        "culture",
        "利用边角地建设口袋公园和健身场地。",
        "新建口袋公园和健身场地20处",
        20,
        "处",
        (("county", 800),),
        80,
    ),
    CandidateSpec(
        "困难群众助餐服务",
        "社会保障",
        "civil",
        "为困难老人和残疾人提供助餐补贴和送餐上门。",
        "为1500名困难群众提供助餐服务",
        1500,
        "名",
        (("county", 450),),
        76,
    ),
    CandidateSpec(
        "农贸市场提升改造",
        "住房",
        "chengguan",
        "改造城关农贸市场的排水、通风和摊位。",
        "改造农贸市场4个",
        4,
        "个",
        (("county", 700),),
        71,
    ),
    CandidateSpec(
        "背街小巷整治",
        "住房",
        "chengguan",
        "整治路面、雨污管网和架空线。",
        "整治背街小巷30条",
        30,
        "条",
        (("county", 1100),),
        66,
    ),
    CandidateSpec(
        "城区公共停车场",
        "交通",
        "transport",
        "新建两处立体停车场，增加公共停车位。",
        "新增公共停车位800个",
        800,
        "个",
        (("special_bond", 3000), ("social", 1000)),
        58,
    ),
]

# The demo deputy's phone ballot: 赞成 for the first ten on the ballot, then 反对, 弃权, 反对.
DEPUTY_BALLOT = ["for"] * 10 + ["against", "abstain", "against"]

# (source, field, place, text, name, people, candidate number on the ballot or None, reason declined)
SUGGESTIONS = [
    (
        "online",
        "教育",
        "城关街道东街社区",
        "城东片区新小区多，小学一个班五十多人，希望新建学校。",
        "王女士",
        1,
        1,
        "",
    ),
    ("online", "教育", "城关街道南门社区", "孩子上学要跨区，建议扩建实验中学。", "", 1, 1, ""),
    ("hotline", "教育", "城关街道", "12345热线汇总：反映城区学位紧张、入学难。", "", 46, 1, ""),
    ("deputy", "教育", "城关街道", "关于增加城区公办学位的建议。", "张建国代表", 1, 1, ""),
    (
        "online",
        "养老",
        "城关街道西街社区",
        "家里老人白天没人照顾，希望社区有日间照料和老年食堂。",
        "李先生",
        1,
        2,
        "",
    ),
    ("hotline", "养老", "城关街道", "12345热线汇总：咨询社区养老、助餐服务。", "", 91, 2, ""),
    ("paper", "养老", "河西镇", "老年协会来信：建议每个社区都建养老服务站。", "河西镇老年协会", 32, 2, ""),
    ("online", "养老", "城关街道北苑社区", "老人康复训练要跑医院，社区能不能有康复室。", "", 1, 2, ""),
    ("online", "饮水", "河西镇前进村", "夏天用水高峰水压低，三楼以上经常没水。", "赵先生", 1, 3, ""),
    ("phone", "饮水", "河西镇后湾村", "来电反映村里水管老化经常爆管。", "周大伯", 1, 3, ""),
    ("hotline", "饮水", "河西镇", "12345热线汇总：反映农村自来水水压不足、水质浑浊。", "", 23, 3, ""),
    (
        "online",
        "住房",
        "城关街道南门社区",
        "老小区六层没电梯，老人上下楼难，希望加装电梯有补助。",
        "",
        1,
        4,
        "",
    ),
    ("online", "住房", "城关街道东街社区", "加装电梯协调难，希望政府牵头。", "陈女士", 1, 4, ""),
    ("online", "交通", "河西镇", "公交站没有候车亭，下雨天只能站在路边等车。", "", 1, 5, ""),
    ("hotline", "交通", "河西镇", "12345热线汇总：反映公交站点缺少遮阳避雨设施。", "", 17, 5, ""),
    ("online", "医疗卫生", "城关街道北苑社区", "社区卫生服务中心看不了小病住院，希望升级。", "", 1, 6, ""),
    ("paper", "医疗卫生", "河西镇", "来信建议在河西镇卫生院设康复和住院病床。", "刘医生", 1, 6, ""),
    ("online", "就业", "城关街道", "打零工的人每天在路口等活，希望有个零工市场。", "", 1, 7, ""),
    ("online", "新型基础设施", "城关街道西街社区", "小区没有充电桩，电动车只能飞线充电。", "", 1, 8, ""),
    ("hotline", "新型基础设施", "城关街道", "12345热线汇总：反映小区充电桩不足。", "", 12, 8, ""),
    ("online", "文体", "城关街道东街社区", "附近没有公园，希望利用空地建小公园和健身器材。", "", 1, 9, ""),
    ("online", "社会保障", "河西镇", "独居老人吃饭难，希望有送餐服务。", "", 1, 10, ""),
    ("online", "住房", "城关街道", "城关农贸市场地面湿滑、气味大，希望改造。", "", 1, 11, ""),
    ("online", "住房", "城关街道南门社区", "背街小巷路面坑洼、下雨积水。", "", 1, 12, ""),
    ("online", "交通", "城关街道", "城区停车难，建议建停车场。", "", 1, 13, ""),
    ("hotline", "交通", "城关街道", "12345热线汇总：反映城区停车难。", "", 9, 13, ""),
    (
        "online",
        "文体",
        "河西镇",
        "希望建一座大型体育中心。",
        "",
        1,
        None,
        "投资规模超出年度财力，已转交区发改局纳入中长期规划研究。",
    ),
    ("online", "交通", "城关街道", "建议修建城区地铁。", "", 1, None, "不属于区级事权，已转报市级有关部门。"),
    (
        "phone",
        "住房",
        "城关街道西街社区",
        "来电要求解决个人房屋产权纠纷。",
        "",
        1,
        None,
        "属个人诉求，已转区信访局依法办理。",
    ),
    (
        "online",
        "教育",
        "河西镇",
        "希望河西镇中学增开夜自习。",
        "",
        1,
        None,
        "属学校日常管理事项，已转区教育局研究答复。",
    ),
    ("online", "养老", "河西镇前进村", "村里希望有老年活动室。", "", 1, None, ""),
    ("online", "医疗卫生", "城关街道", "建议医院延长夜间门诊时间。", "", 1, None, ""),
    ("hotline", "交通", "河西镇", "12345热线：建议增开河西镇至高铁站的公交。", "", 4, None, ""),
]

# Filed by the demo deputy, signed in (代表建议 under their name).
DEPUTY_SUGGESTIONS = [
    ("养老", "城关街道", "关于在城区社区建设嵌入式养老服务中心的建议。", 2),
    ("饮水", "河西镇", "关于加快农村供水管网改造的建议。", 3),
    ("医疗卫生", "河西镇", "关于提升基层医疗机构服务能力、建设社区医院的建议。", 6),
    ("就业", "城关街道", "关于建设零工市场的建议。", 7),
    ("交通", "城关街道", "关于增加公共停车位的建议。", 13),
]


def _split(spec: CandidateSpec, mine: str) -> tuple[int, int, int]:
    """The paper tally of a candidate: its final 赞成 less the demo deputy's, the rest of the
    valid ballots split two to one between 反对 and 弃权."""
    paper_for = spec.votes_for - (1 if mine == "for" else 0)
    rest = PAPER_VALID - paper_for
    return paper_for, rest * 2 // 3, rest - rest * 2 // 3


def _received_on(year: int) -> list[tuple[date, tuple]]:
    """When each suggestion arrived: residents' every other day from 1 September, deputies'
    every fourth day from 8 October, in the year before the list's."""
    first = demo.in_year(year - 1, demo.SUGGESTIONS_FROM)
    return [(first + timedelta(days=2 * n), ("resident", n, row)) for n, row in enumerate(SUGGESTIONS)] + [
        (first + timedelta(days=37 + 4 * n), ("deputy", n, row)) for n, row in enumerate(DEPUTY_SUGGESTIONS)
    ]


def county_region() -> Region | None:
    """青山区 in the region tree (None before the tree is seeded)."""
    return Region.objects.filter(name=demo.REGION, level=Region.Level.COUNTY).first()


def _seed_suggestions(
    year: int, today: date, office, deputy, categories, region: Region | None
) -> dict[int, list[Suggestion]]:
    """The suggestions received by ``today`` that are not there yet; returns every suggestion
    of the year that goes into a candidate, by candidate number on the ballot."""
    existing = {s.text: s for s in Suggestion.objects.filter(year=year, region=region)}
    merges: dict[int, list[Suggestion]] = {}
    for received, (kind, n, row) in sorted(_received_on(year), key=lambda pair: pair[0]):
        if received > today:
            continue
        if kind == "resident":
            source, field, place, text, name, people, number, _reason = row
            suggestion = existing.get(text) or services.submit_suggestion(
                year=year,
                source=source,
                text=text,
                received_on=received,
                category=categories[field],
                place=place,
                name=name,
                phone="" if source == "online" and n % 2 else f"1380000{n:04d}",
                people=people,
                by=None if source == "online" else office,
                region=region,
            )
        else:
            field, place, text, number = row
            suggestion = existing.get(text) or services.submit_suggestion(
                year=year,
                source=Suggestion.Source.DEPUTY,
                text=text,
                received_on=received,
                category=categories[field],
                place=place,
                by=deputy,
                region=region,
            )
        if number is not None:
            merges.setdefault(number, []).append(suggestion)
    return merges


def _seed_candidates(
    year: int, office, categories, merges: dict[int, list[Suggestion]], on: date, region: Region | None
):
    """The 13 candidates the office drafted on ``on``, the suggestions merged into them and the
    ones it declined (two days later); once."""
    found = list(Candidate.objects.filter(year=year, region=region).order_by("ballot_order"))
    if found:
        return found
    units = {u.code: u for u in Unit.objects.all()}
    candidates = []
    for order, spec in enumerate(CANDIDATES, start=1):
        candidate = Candidate.objects.create(
            region=region,
            year=year,
            title=spec.title,
            content=spec.content,
            category=categories[spec.category],
            target_text=spec.target,
            target_value=Decimal(spec.value),
            target_unit=spec.unit,
            target_at_least=spec.target.endswith("以上"),
            lead_unit=units[spec.lead],
            feasibility=spec.feasibility,
            ballot_order=order,
        )
        for source, amount in spec.money:
            CandidateFunding.objects.create(candidate=candidate, source=source, amount=Decimal(amount))
        candidates.append(candidate)
    for number, suggestions in merges.items():
        services.merge_suggestions(office, suggestions, candidates[number - 1], on)
    by_text = {s.text: s for s in Suggestion.objects.filter(year=year, region=region)}
    for _source, _field, _place, text, _name, _people, number, reason in SUGGESTIONS:
        if number is None and reason and text in by_text:
            services.decline_suggestion(office, by_text[text], reason, on + timedelta(days=2))
    return candidates


@transaction.atomic
def seed_selection(today: date) -> VotingSession | None:
    """Next year's selection as far as it has got by ``today`` (the calendar in
    ``projects.demo``): suggestions from September, the candidates in late November with the
    suggestions merged into them or declined, the ballot at the congress session in January —
    the tellers' paper tallies and the demo deputy's phone ballot — counted, and the draft list
    made from the result. Each stage is added once. Returns the vote's session, if it is open."""
    year = demo.running_year(today) + 1
    if today < demo.in_year(year - 1, demo.SUGGESTIONS_FROM):
        return None
    office = User.objects.get(username="office")
    deputy = User.objects.get(username="deputy")
    # Every office drafts its own region's candidates in 清单设置 (the admin).
    drafting = Permission.objects.filter(content_type__app_label="selection")
    office.user_permissions.add(*drafting)
    for account in (
        User.objects.filter(groups__name=roles.OFFICE, is_staff=True).exclude(pk=office.pk).distinct()
    ):
        account.user_permissions.add(*drafting)
    categories = {c.name: c for c in Category.objects.all()}
    region = county_region()
    merges = _seed_suggestions(year, today, office, deputy, categories, region)

    drafted_on = demo.in_year(year - 1, demo.CANDIDATES_ON)
    if today < drafted_on:
        return None
    candidates = _seed_candidates(year, office, categories, merges, drafted_on, region)

    held_on, voted_on = demo.in_year(year, demo.SESSION_HELD_ON), demo.in_year(year, demo.VOTED_ON)
    if today < held_on:
        return None
    session = VotingSession.objects.filter(
        year=year, round=1, region=region
    ).first() or services.open_session(
        office,
        year=year,
        title=SESSION_TITLE,
        held_on=voted_on,
        deputies_total=DEPUTIES,
        seats=SEATS,
        region=region,
    )
    if today < voted_on:
        return session
    if session.state != VotingSession.State.COUNTED:
        services.cast_ballot(
            deputy, session, {c.pk: mine for c, mine in zip(candidates, DEPUTY_BALLOT, strict=True)}
        )
        services.record_tally(
            office,
            session,
            issued=PAPER_ISSUED,
            returned=PAPER_RETURNED,
            valid=PAPER_VALID,
            rows={
                c.pk: _split(spec, mine)
                for c, spec, mine in zip(candidates, CANDIDATES, DEPUTY_BALLOT, strict=True)
            },
        )
        services.count_session(office, session, voted_on)
    drafted_on = demo.in_year(year, demo.DRAFTED_ON)
    if today >= drafted_on and not Plan.objects.filter(year=year, title=plan_title(year)).exists():
        services.create_draft_plan(
            office,
            year,
            title=plan_title(year),
            region=demo.REGION,
            level="区级",
            on=drafted_on,
            vote_region=region,
        )
    return session
