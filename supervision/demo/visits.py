"""Demo inspection visits and rectifications: the deputies' inspection of 27 October 2023 and
what it led to (one matter closed, one overdue), plus an office inspection this year with an
open rectification. Idempotent: visits are keyed on plan, date and title; rectifications on
plan and title.

The 2023 history is written as it happened (dated events), not through today's services, in
the same way ``supervision.demo.county`` writes the report history.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from projects import demo
from projects.models import Item, Plan, User
from supervision.followup.models import (
    InspectionVisit,
    Rectification,
    RectificationEvent,
    Satisfaction,
    VisitedItem,
)
from supervision.followup.services import rectifications as rectification_service

INSPECTION_2023 = dt.date(2023, 10, 27)
INSPECTION_2023_TITLE = "区人大代表视察2023年十件民生实事推进情况"
FUNDS_TITLE = "城镇老旧小区改造中央补助资金未到位，部分小区停工待款"
RESETTLEMENT_TITLE = "征拆安置房竣工验收滞后，交房时间推迟"
VISITED_2023 = [
    # item number, satisfaction, comment
    (2, Satisfaction.SATISFIED, "管网和水厂建设质量好，群众反映用水更稳定。"),
    (3, Satisfaction.DISSATISFIED, "安置房交房一再推迟，未安置户意见较大。"),
    (4, Satisfaction.FAIRLY, "已完工小区效果好，但部分小区资金未实际到位，停工待款。"),
    (5, Satisfaction.SATISFIED, "5G基站和充电桩超额完成目标。"),
    (8, Satisfaction.FAIRLY, "养老服务中心已建成，运营服务有待加强。"),
]


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _visit(plan: Plan, day: dt.date, title: str, defaults: dict, rows, participants) -> InspectionVisit:
    visit, created = InspectionVisit.objects.get_or_create(
        plan=plan, date=day, title=title, defaults={**defaults, "created_at": _at(day, 17)}
    )
    if created:
        visit.participants.set(participants)
        items = {i.number: i for i in Item.objects.filter(plan=plan)}
        VisitedItem.objects.bulk_create(
            [
                VisitedItem(visit=visit, item=items[number], satisfaction=rating, comment=comment)
                for number, rating, comment in rows
            ]
        )
    return visit


def _history(rectification: Rectification, steps) -> None:
    RectificationEvent.objects.bulk_create(
        [
            RectificationEvent(
                rectification=rectification, action=action, actor=actor, text=text, at=_at(day)
            )
            for day, action, actor, text in steps
        ]
    )


@transaction.atomic
def seed_visits(today: dt.date) -> int:
    """Create the demo visits and rectifications that are missing; returns how many visits."""
    office = User.objects.get(username="office")
    deputy = User.objects.get(username="deputy")
    housing = User.objects.get(username="liaison-housing")
    plan_2023 = Plan.objects.get(year=2023, title=demo.PLAN_2023_TITLE)
    before = InspectionVisit.objects.count()
    visit = _visit(
        plan_2023,
        INSPECTION_2023,
        INSPECTION_2023_TITLE,
        {
            "kind": InspectionVisit.Kind.DEPUTY_INSPECTION,
            "organiser": "区人大常委会办公室",
            "other_participants": "区人大常委会副主任 周文、区人大代表 何平、区人大代表 吴桂兰",
            "findings": (
                "1. 城镇老旧小区改造中央补助资金未实际到位，部分小区施工单位进场后停工待款。\n"
                "2. 征拆安置房竣工验收滞后，交房时间推迟，未安置户意见较大。"
            ),
            "opinions": (
                "建议区财政局会同区住建局加快资金拨付，确保年底前完成改造任务；"
                "区征收中心倒排工期，尽快组织竣工验收和分房。"
            ),
            "recorded_by": office,
            "locked": True,
        },
        VISITED_2023,
        [deputy],
    )
    items = {i.number: i for i in plan_2023.items.select_related("lead_unit")}
    if not Rectification.objects.filter(plan=plan_2023, title=FUNDS_TITLE).exists():
        funds = Rectification.objects.create(
            plan=plan_2023,
            source=Rectification.Source.VISIT,
            visit=visit,
            item=items[4],
            unit=items[4].lead_unit,
            title=FUNDS_TITLE,
            required_action="会同区财政局落实补助资金拨付，督促施工单位复工，11月底前反馈整改结果。",
            deadline=dt.date(2023, 11, 30),
            state=Rectification.State.CLOSED,
            created_by=office,
            created_at=_at(dt.date(2023, 10, 30)),
            closed_at=_at(dt.date(2023, 11, 24)),
        )
        _history(
            funds,
            [
                (dt.date(2023, 10, 30), RectificationEvent.Action.CREATED, office, funds.required_action),
                (
                    dt.date(2023, 11, 20),
                    RectificationEvent.Action.RESPONDED,
                    housing,
                    "中央补助资金1200万元已于11月15日拨付到位，停工小区已全部复工。",
                ),
                (
                    dt.date(2023, 11, 24),
                    RectificationEvent.Action.CLOSED,
                    office,
                    "经现场核实，已复工，同意销号。",
                ),
            ],
        )
    if not Rectification.objects.filter(plan=plan_2023, title=RESETTLEMENT_TITLE).exists():
        resettlement = Rectification.objects.create(
            plan=plan_2023,
            source=Rectification.Source.VISIT,
            visit=visit,
            item=items[3],
            unit=items[3].lead_unit,
            title=RESETTLEMENT_TITLE,
            required_action="倒排竣工验收和分房计划，12月15日前反馈进展。",
            deadline=dt.date(2023, 12, 15),
            is_overdue=True,
            created_by=office,
            created_at=_at(dt.date(2023, 10, 30)),
        )
        _history(
            resettlement,
            [
                (
                    dt.date(2023, 10, 30),
                    RectificationEvent.Action.CREATED,
                    office,
                    resettlement.required_action,
                ),
                (
                    dt.date(2023, 12, 16),
                    RectificationEvent.Action.MARKED_OVERDUE,
                    None,
                    "已超过整改时限（2023-12-15）。",
                ),
            ],
        )

    year = demo.running_year(today)
    plan_now = Plan.objects.get(year=year, title=demo.current_plan_title(year))
    # The office inspects a fortnight before the demo's day, once the list is under way
    # (from March) and within the list's year.
    day = min(today - dt.timedelta(days=14), dt.date(year, 12, 31))
    if day < dt.date(year, 3, 1):
        return InspectionVisit.objects.count() - before
    title = f"{year}年民生实事项目督查"
    now_visit = _visit(
        plan_now,
        day,
        title,
        {
            "kind": InspectionVisit.Kind.SUPERVISION,
            "organiser": "区政府督查室",
            "findings": "老旧小区改造中央预算内补助资金尚未到位，施工进度明显滞后于序时进度。",
            "opinions": "请区住建局加快资金申请和拨付，倒排工期追赶进度。",
            "recorded_by": office,
        },
        [
            (1, Satisfaction.SATISFIED, "新建学校已竣工投用。"),
            (3, Satisfaction.DISSATISFIED, "改造进度滞后，居民意见较多。"),
        ],
        [],
    )
    stalled = plan_now.items.get(number=3).sub_items.get(number=1)
    if not Rectification.objects.filter(plan=plan_now, sub_item=stalled).exists():
        rectification_service.create_rectification(
            office,
            plan=plan_now,
            unit=stalled.responsible_unit,
            title=f"{stalled.code} 老旧小区改造进度严重滞后",
            required_action="加快中央预算内补助资金申请和拨付，倒排工期，一个月内赶上序时进度并反馈。",
            deadline=day + dt.timedelta(days=30),
            source=Rectification.Source.VISIT,
            visit=now_visit,
            sub_item=stalled,
        )
    return InspectionVisit.objects.count() - before
