"""factory-boy factories for the registry and supervision models."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings

from projects import roles
from projects.models import (
    Category,
    FundingLine,
    Item,
    Milestone,
    Plan,
    Region,
    SubItem,
    SubItemShare,
    Unit,
    User,
)
from supervision.models import ProgressReport
from tests import clock


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试单位{n}")
    short_name = factory.LazyAttribute(lambda o: o.name)
    code = factory.Sequence(lambda n: f"unit{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.invalid")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
        if create:
            self.save()


def office_user(**kwargs) -> User:
    return UserFactory(role=roles.OFFICE, is_staff=True, **kwargs)


def liaison_user(unit: Unit, **kwargs) -> User:
    return UserFactory(role=roles.LIAISON, unit=unit, **kwargs)


def deputy_user(**kwargs) -> User:
    return UserFactory(role=roles.DEPUTY, **kwargs)


def leader_user(**kwargs) -> User:
    return UserFactory(role=roles.LEADER, **kwargs)


def api_token(user: User, key: str | None = None) -> str:
    """An API token for the user, as sent in "Authorization: Token <key>". A fixed ``key`` is
    stored the way knox stores issued ones (hashed), for tests that must know it beforehand."""
    if key is None:
        _, key = AuthToken.objects.create(user=user)
        return key
    AuthToken(
        digest=hash_token(key),
        token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
        user=user,
        expiry=timezone.now() + knox_settings.TOKEN_TTL,
    ).save()
    return key


def region(code: str, name: str, parent: Region | None = None) -> Region:
    """A region of the level its code and parent imply (6 digits without a parent: a province)."""
    if len(code) == 9:
        level = Region.Level.TOWNSHIP
    elif parent is None:
        level = Region.Level.PROVINCE
    else:
        level = {Region.Level.PROVINCE: Region.Level.CITY, Region.Level.CITY: Region.Level.COUNTY}[
            parent.level
        ]
    row = Region(code=code, name=name, level=level, parent=parent)
    row.full_clean()
    row.save()
    return row


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    year = clock.YEAR
    title = factory.Sequence(lambda n: f"测试清单{n}")
    region_name = "测试区"
    status = Plan.Status.PUBLISHED
    closed_on = factory.LazyAttribute(
        lambda plan: dt.date(plan.year, 12, 31) if plan.status == Plan.Status.CLOSED else None
    )


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = factory.Iterator(["教育", "住房", "交通", "饮水", "养老"])


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    plan = factory.SubFactory(PlanFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"民生实事{n}")
    category = factory.SubFactory(CategoryFactory)
    lead_unit = factory.SubFactory(UnitFactory)
    responsible_leader = "副区长 测试"


class SubItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubItem

    item = factory.SubFactory(ItemFactory)
    number = factory.Sequence(lambda n: n + 1)
    content = factory.Sequence(lambda n: f"建设任务{n}")
    target_value = Decimal("100")
    target_unit = "个"
    responsible_unit = factory.SelfAttribute("item.lead_unit")
    planned_start = factory.LazyAttribute(lambda o: dt.date(o.item.plan.year, 1, 1))
    planned_end = factory.LazyAttribute(lambda o: dt.date(o.item.plan.year, 12, 31))


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    sub_item = factory.SubFactory(SubItemFactory)
    date = factory.LazyAttribute(lambda o: dt.date(o.sub_item.item.plan.year, 6, 30))
    planned_percent = Decimal("50")


class FundingLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingLine

    sub_item = factory.SubFactory(SubItemFactory)
    source = FundingLine.Source.COUNTY
    planned = Decimal("100")


class SubItemShareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubItemShare

    sub_item = factory.SubFactory(SubItemFactory)
    responsible_unit = factory.SubFactory(UnitFactory)


class ProgressReportFactory(factory.django.DjangoModelFactory):
    """A draft report by default; use ``accepted_report`` for an official one."""

    class Meta:
        model = ProgressReport

    sub_item = factory.SubFactory(SubItemFactory)
    share = None
    period_start = clock.TODAY.replace(day=1)
    progress_percent = Decimal("50")
    actual_value = Decimal("50")
    created_by = factory.LazyAttribute(
        lambda o: liaison_user(o.share.responsible_unit if o.share else o.sub_item.responsible_unit)
    )


def accepted_report(
    sub_item: SubItem,
    *,
    on: dt.date,
    progress="50",
    actual=None,
    complete=False,
    reviewer: User | None = None,
    period_start: dt.date | None = None,
    allocated=None,
    paid=None,
    share: SubItemShare | None = None,
) -> ProgressReport:
    """An accepted report applied to the sub-item (or to one of its shares), as the office's
    review would leave it."""
    from supervision.ledger.services import accept_report

    report = ProgressReportFactory(
        sub_item=sub_item,
        share=share,
        period_start=period_start or on.replace(day=1),
        progress_percent=Decimal(str(progress)),
        actual_value=None if actual is None else Decimal(str(actual)),
        marks_complete=complete,
        funds_allocated=None if allocated is None else Decimal(str(allocated)),
        funds_paid=None if paid is None else Decimal(str(paid)),
        state=ProgressReport.State.SUBMITTED,
        submitted_at=timezone.now(),
    )
    return accept_report(report, reviewer or office_user(), on=on)
