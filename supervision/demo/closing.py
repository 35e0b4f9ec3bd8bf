"""The 2023 list's year end in the demo county (issue 15): two approved changes, acceptance
records and management units for its completed works, and its five unfinished sub-items
carried into a 2024 continuation list, which finished them and closed.

Chosen so that every figure of the 2023 list stays as the inspection speech gives it (10件13项,
6件8项 completed, 60%, 377.5%, 169%, five red at the close): both changes are on sub-items that
were still unfinished at the close (so completion, the on-time rate and the red lights do not
move), approved in November 2023, after the October inspection the figures come from.
Idempotent: nothing is added once the 2023 list has carried anything over.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from projects import demo
from projects.models import (
    Acceptance,
    CarryOver,
    ChangeRequest,
    Plan,
    Stewardship,
    SubItem,
    User,
)
from supervision.ledger import services as reports
from supervision.ledger.models import ProgressReport
from supervision.reading.progress import plan_progress
from supervision.yearend.services import closing

PLAN_2024_TITLE = "2024年区级民生实事（2023年结转项目）"
PLAN_2024_CLOSED_ON = dt.date(2024, 12, 31)
CARRIED_DEADLINE = dt.date(2024, 6, 30)

# (item, sub-item, kind, filed, approved, new end, new target, reason, committee document)
CHANGES = [
    (
        9,
        1,
        ChangeRequest.Kind.EXTEND,
        dt.date(2023, 11, 6),
        dt.date(2023, 11, 15),
        dt.date(2023, 12, 31),
        None,
        "受10月持续降雨影响，沥青摊铺无法施工，申请完成时限延至2023年12月31日。",
        "青人常〔2023〕38号",
    ),
    (
        4,
        1,
        ChangeRequest.Kind.RETARGET,
        dt.date(2023, 11, 2),
        dt.date(2023, 11, 28),
        None,
        Decimal("24"),
        "8个小区纳入城市更新片区统一实施，申请将改造目标由32个调整为24个。",
        "青人常〔2023〕41号",
    ),
]

# Who looks after each completed work (item, sub-item): management unit, person, target.
STEWARDS = {
    (1, 1): ("各幼儿园", "区教育局学前教育科 李明", "园舍设施完好，安全检查每月一次"),
    (2, 1): ("青山区供水有限公司", "管网所所长 陈涛", "管网漏损率低于10%，故障24小时内修复"),
    (2, 2): ("青山区供水有限公司", "水厂厂长 赵强", "出厂水质合格率100%"),
    (5, 1): ("青山区通信发展办公室", "钱鹏", "基站在网率99%以上"),
    (5, 2): ("国网青山供电公司", "褚红", "充电桩完好率95%以上，故障48小时内修复"),
    (6, 1): ("各村村民委员会", "区卫健局基层卫生科 郑洁", "村卫生室每日开诊，设备完好"),
    (7, 1): ("青山区就业服务中心", "王芳", "新增就业人员稳岗跟踪服务一年"),
    (8, 1): ("各社区居民委员会", "区民政局养老服务科 冯刚", "服务中心每周开放不少于5天"),
}


def _sub(plan: Plan, item: int, number: int) -> SubItem:
    return SubItem.objects.select_related("item__plan").get(item__plan=plan, item__number=item, number=number)


def _seed_changes(plan: Plan, office: User) -> None:
    liaisons = {u.unit_id: u for u in User.objects.filter(username__startswith="liaison-")}
    for item, number, kind, filed, approved, new_end, new_target, reason, document in CHANGES:
        sub = _sub(plan, item, number)
        change = ChangeRequest.objects.create(
            sub_item=sub,
            kind=kind,
            reason=reason,
            new_planned_end=new_end,
            new_target_value=new_target,
            filed_by=liaisons.get(sub.responsible_unit_id, office),
            state=ChangeRequest.State.APPROVED,
            decided_by=office,
            decided_on=approved,
            decision_note="同意。",
            committee_approved_on=approved,
            committee_document=document,
        )
        filed_at = timezone.make_aware(dt.datetime.combine(filed, dt.time(10)))
        ChangeRequest.objects.filter(pk=change.pk).update(filed_at=filed_at)


def _seed_acceptances(plan: Plan, office: User) -> None:
    for state in plan_progress(plan, plan.closed_on).sub_states:
        if not state.is_complete:
            continue
        accepted_on = min(state.completed_on + dt.timedelta(days=25), plan.closed_on)
        Acceptance.objects.create(
            sub_item=state.sub_item,
            accepted_on=accepted_on,
            accepted_by=f"{state.sub_item.responsible_unit}会同区督查室、区财政局联合验收",
            conclusion="完成建设任务，资料齐全，同意验收。",
            recorded_by=office,
        )
        key = (state.sub_item.item.number, state.sub_item.number)
        if key in STEWARDS:
            unit, person, target = STEWARDS[key]
            Stewardship.objects.create(
                sub_item=state.sub_item,
                management_unit=unit,
                responsible_person=person,
                management_target=target,
                assigned_on=accepted_on,
            )


def _seed_continuation(plan: Plan, office: User) -> Plan:
    continuation, _created = Plan.objects.get_or_create(
        year=2024,
        title=PLAN_2024_TITLE,
        defaults={
            "region_name": demo.REGION,
            "region": plan.region,
            "level": "区级",
            "status": Plan.Status.PUBLISHED,
            "published_on": plan.closed_on,
            "summary": "2023年区级十件民生实事中未完成的5项结转至2024年继续实施。",
            "adopted_by_vote": True,
        },
    )
    final = plan_progress(plan, plan.closed_on)
    for state in final.sub_states:
        if not state.is_complete and not state.terminated:
            closing.copy_into(
                state, continuation, on=plan.closed_on, planned_end=CARRIED_DEADLINE, user=office
            )
    # The carried work was finished in May 2024, reported in early June.
    for carry in CarryOver.objects.filter(to_sub_item__item__plan=continuation).select_related("to_sub_item"):
        sub = carry.to_sub_item
        report = ProgressReport.objects.create(
            sub_item=sub,
            period_start=dt.date(2024, 5, 1),
            state=ProgressReport.State.SUBMITTED,
            submitted_at=timezone.make_aware(dt.datetime(2024, 6, 4, 10, 0)),
            created_by=office,
            progress_percent=Decimal("100"),
            actual_value=sub.target_value,
            marks_complete=True,
            work_done="结转任务已全面完成。",
        )
        reports.accept_report(report, office, on=dt.date(2024, 6, 5))
    continuation.status = Plan.Status.CLOSED
    continuation.closed_on = PLAN_2024_CLOSED_ON
    continuation.save()
    return continuation


# The list being carried out, once its year is over (January): how many deputies of the congress
# rated each item at the session (满意, 基本满意, 不满意), out of 117 ballots issued, 116 returned.
RUNNING_YEAR_TALLIES = {
    1: (92, 18, 4),
    2: (80, 27, 7),
    3: (28, 36, 50),  # 老旧小区改造和加装电梯 (56.1%): stalled for want of money, under the threshold
    4: (95, 15, 4),
    5: (70, 33, 11),
    6: (88, 22, 4),
    7: (45, 41, 28),
    8: (76, 30, 8),
}
RUNNING_YEAR_BALLOTS = (117, 116)


@transaction.atomic
def seed_running_year_end(plan: Plan, today: dt.date) -> None:
    """The year's end of the list being carried out, as far as it has got by ``today``: nothing
    while its year lasts; in January the office accepts what was completed, and the deputies
    evaluate it at the congress session that votes the new list (``projects.demo``'s calendar).
    It is closed when the new list is published. Idempotent."""
    from supervision.yearend.models import Evaluation
    from supervision.yearend.services import evaluation as evaluation_service

    if today.year <= plan.year:
        return
    office = User.objects.get(username="office")
    accepted_on = demo.in_year(today.year, demo.YEAR_END_ACCEPTED_ON)
    if today >= accepted_on and not Acceptance.objects.filter(sub_item__item__plan=plan).exists():
        for state in plan_progress(plan, accepted_on).sub_states:
            if state.is_complete:
                closing.record_acceptance(
                    office,
                    state.sub_item,
                    accepted_on=accepted_on,
                    accepted_by=f"{state.sub_item.responsible_unit}会同区督查室、区财政局联合验收",
                    conclusion="完成年度目标任务，资料齐全，同意验收销号。",
                )
    held_on = demo.in_year(today.year, demo.SESSION_HELD_ON)
    if today < held_on or Evaluation.objects.filter(plan=plan).exists():
        return
    evaluation = evaluation_service.open_evaluation(office, plan, on=held_on)
    counted_on = demo.in_year(today.year, demo.VOTED_ON)
    if today < counted_on:
        return
    issued, returned = RUNNING_YEAR_BALLOTS
    for item in plan.items.order_by("number"):
        satisfied, fairly, unsatisfied = RUNNING_YEAR_TALLIES[item.number]
        evaluation_service.enter_tally(
            office,
            evaluation,
            item,
            issued=issued,
            returned=returned,
            valid=satisfied + fairly + unsatisfied,
            satisfied=satisfied,
            basically_satisfied=fairly,
            unsatisfied=unsatisfied,
            on=counted_on,
        )
    evaluation_service.close_evaluation(office, evaluation, on=counted_on)
    published_on = demo.in_year(today.year, demo.DRAFTED_ON)
    if today >= published_on:
        evaluation_service.publish_evaluation(office, evaluation, on=published_on)


@transaction.atomic
def seed_year_end() -> Plan | None:
    """Give the demo's 2023 list its year end (see the module); returns the 2024 continuation."""
    plan = Plan.objects.filter(year=2023, title=demo.PLAN_2023_TITLE).first()
    if plan is None or CarryOver.objects.filter(from_sub_item__item__plan=plan).exists():
        return None
    office = User.objects.get(username="office")
    Plan.objects.filter(pk=plan.pk).update(adopted_by_vote=True)
    plan.refresh_from_db()
    _seed_changes(plan, office)
    _seed_acceptances(plan, office)
    return _seed_continuation(plan, office)
