"""Database constraints and validation on the registry: impossible values never get in."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects.models import Milestone, Plan, SubItem
from tests.factories import FundingLineFactory, ItemFactory, PlanFactory, SubItemFactory

pytestmark = pytest.mark.django_db


def _violates(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_item_numbers_are_unique_within_a_plan():
    item = ItemFactory(number=3)
    ItemFactory(number=3)  # another plan: fine
    _violates(lambda: ItemFactory(plan=item.plan, number=3))


def test_sub_item_numbers_are_unique_within_an_item():
    sub = SubItemFactory(number=1)
    _violates(lambda: SubItemFactory(item=sub.item, number=1))


def test_database_refuses_negative_target_and_end_before_start():
    sub = SubItemFactory()
    _violates(lambda: SubItem.objects.filter(pk=sub.pk).update(target_value=Decimal("-5")))
    _violates(lambda: SubItem.objects.filter(pk=sub.pk).update(target_value=Decimal("0")))
    _violates(
        lambda: SubItem.objects.filter(pk=sub.pk).update(
            planned_start=dt.date(2026, 6, 1), planned_end=dt.date(2026, 5, 1)
        )
    )
    _violates(lambda: SubItem.objects.filter(pk=sub.pk).update(progress_percent=Decimal("100.5")))


def test_database_refuses_milestone_percent_over_one_hundred():
    sub = SubItemFactory()
    _violates(lambda: Milestone.objects.create(sub_item=sub, date=dt.date(2026, 5, 1), planned_percent=101))


def test_database_refuses_negative_money():
    _violates(lambda: FundingLineFactory(planned=Decimal("-1")))


def test_plan_margins_must_be_ordered():
    plan = PlanFactory()
    _violates(lambda: Plan.objects.filter(pk=plan.pk).update(yellow_margin=40, red_margin=30))


def test_full_clean_explains_bad_sub_item_in_chinese():
    sub = SubItemFactory.build(
        item=ItemFactory(),
        target_value=Decimal("-1"),
        planned_start=dt.date(2026, 6, 1),
        planned_end=dt.date(2026, 5, 1),
    )
    sub.responsible_unit = sub.item.lead_unit
    with pytest.raises(ValidationError) as excinfo:
        sub.full_clean()
    messages = " ".join(str(m) for msgs in excinfo.value.message_dict.values() for m in msgs)
    assert "完成时限不能早于计划开工日期" in messages
    assert "target_value" in excinfo.value.message_dict


def test_str_is_what_a_clerk_recognises():
    sub = SubItemFactory(
        item=ItemFactory(number=5, title="新建5G基站和充电桩"), number=2, content="建成5G基站120个以上"
    )
    assert str(sub.item) == "第5件 新建5G基站和充电桩"
    assert str(sub) == "5.2 建成5G基站120个以上"
    assert sub.code == "5.2"


def test_registry_changes_keep_an_audit_history():
    sub = SubItemFactory(content="原内容")
    sub.content = "新内容"
    sub.save()
    assert [h.content for h in sub.history.order_by("history_date")] == ["原内容", "新内容"]
