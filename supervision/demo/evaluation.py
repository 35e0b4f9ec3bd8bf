"""The demo 2023 list's satisfaction evaluation: 60 deputies given paper ballots at the
January 2024 session, 58 returned; 城镇老旧小区改造 falls below the 60% threshold and, when the
office closes the evaluation, gets its rectification through the same service the page uses.
This year's list has no evaluation yet. Idempotent: nothing is added once the 2023 list has one.

The evaluation belongs to its list's region (青山区): only an office that manages the list opens,
tallies and closes it (``permissions.can_manage_plan``), so the list is given its county first
when the region tree is there and the list has no region yet.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from projects import demo
from projects.models import Plan, Region, User
from supervision.yearend.models import Evaluation
from supervision.yearend.services import evaluation as service

OPENED_ON = dt.date(2024, 1, 10)
COUNTED_ON = dt.date(2024, 1, 12)  # ballots counted, evaluation closed
PUBLISHED_ON = dt.date(2024, 1, 15)
DEPUTIES = 60
RETURNED = 58
BELOW_THRESHOLD = "城镇老旧小区改造"
# item number: (满意, 基本满意, 不满意); their sum is the item's valid ballots
TALLIES_2023 = {
    1: (41, 14, 3),
    2: (45, 11, 2),
    3: (12, 24, 22),  # 62.1%: just above the threshold
    4: (14, 16, 27),  # 城镇老旧小区改造, 52.6%: one returned ballot left it blank
    5: (48, 9, 1),
    6: (38, 17, 3),
    7: (35, 19, 4),
    8: (30, 21, 7),
    9: (39, 15, 4),
    10: (40, 15, 3),
}


@transaction.atomic
def seed_evaluation() -> Evaluation:
    plan = Plan.objects.get(year=2023, title=demo.PLAN_2023_TITLE)
    if plan.region_id is None:
        county = Region.objects.filter(name=demo.REGION, level=Region.Level.COUNTY).first()
        if county is not None:
            Plan.objects.filter(pk=plan.pk).update(region=county)
            plan.region = county
    existing = Evaluation.objects.filter(plan=plan).first()
    if existing is not None:
        return existing
    office = User.objects.get(username="office")
    evaluation = service.open_evaluation(office, plan, on=OPENED_ON)
    for item in plan.items.order_by("number"):
        satisfied, fairly, unsatisfied = TALLIES_2023[item.number]
        service.enter_tally(
            office,
            evaluation,
            item,
            issued=DEPUTIES,
            returned=RETURNED,
            valid=satisfied + fairly + unsatisfied,
            satisfied=satisfied,
            basically_satisfied=fairly,
            unsatisfied=unsatisfied,
            on=COUNTED_ON,
        )
    service.close_evaluation(office, evaluation, on=COUNTED_ON)
    return service.publish_evaluation(office, evaluation, on=PUBLISHED_ON)
