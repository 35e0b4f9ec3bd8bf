"""Two people editing the same registry row in the admin: the second, stale save is refused
with a message naming who changed what, instead of silently undoing the first."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from projects.models import FundingLine, Item, Milestone, Plan, SubItem
from projects.versioning import VersionConflict
from tests.factories import (
    FundingLineFactory,
    ItemFactory,
    MilestoneFactory,
    PlanFactory,
    SubItemFactory,
    accepted_report,
    office_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(client):
    user = office_user(is_superuser=True, last_name="王", first_name="督查")
    client.force_login(user)
    return user


@pytest.fixture
def colleague():
    return office_user(is_superuser=True, last_name="李", first_name="四")


def _form_data(response) -> dict:
    """What the browser would post back from an admin change page, untouched."""
    forms = [response.context["adminform"].form]
    for inline in response.context.get("inline_admin_formsets", []):
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            if value is True:
                data[field.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[field.html_name] = [str(v) for v in value]
            else:
                data[field.html_name] = str(value)
    return data


def _change_url(sub: SubItem) -> str:
    return f"/admin/projects/subitem/{sub.pk}/change/"


def test_stale_sub_item_form_is_refused_naming_who_changed_what(client, office, colleague):
    sub = SubItemFactory(weight=Decimal("1"), content="新建供水管网35公里")
    mine = _form_data(client.get(_change_url(sub)))

    other = Client()
    other.force_login(colleague)
    theirs = _form_data(other.get(_change_url(sub)))
    theirs["weight"] = "3"
    assert other.post(_change_url(sub), theirs).status_code == 302

    mine["content"] = "新建供水管网40公里"
    response = client.post(_change_url(sub), mine)

    assert response.status_code == 200
    page = response.content.decode()
    assert "李四" in page and "权重" in page and "修改了这条子项（项）" in page
    assert "新建供水管网40公里" in page  # what the office typed is still in the form
    sub.refresh_from_db()
    assert sub.weight == Decimal("3") and sub.content == "新建供水管网35公里"


def test_after_reading_the_conflict_the_office_can_save_its_form_again(client, office, colleague):
    sub = SubItemFactory(location="东区")
    stale = _form_data(client.get(_change_url(sub)))
    sub.location = "西区"
    sub._history_user = colleague
    sub.save()

    stale["content"] = "改过的任务"
    refused = client.post(_change_url(sub), stale)
    assert refused.status_code == 200
    again = _form_data(refused)
    again["location"] = "西区"
    assert client.post(_change_url(sub), again).status_code == 302

    sub.refresh_from_db()
    assert (sub.content, sub.location, sub.version) == ("改过的任务", "西区", 3)


def test_a_fresh_form_saves_and_moves_the_version_on(client, office):
    sub = SubItemFactory()
    data = _form_data(client.get(_change_url(sub)))
    data["location"] = "城关镇"
    assert client.post(_change_url(sub), data).status_code == 302
    sub.refresh_from_db()
    assert (sub.location, sub.version) == ("城关镇", 2)


def test_stale_milestone_edit_in_the_sub_item_form_is_refused(client, office, colleague):
    milestone = MilestoneFactory(planned_percent=Decimal("50"))
    sub = milestone.sub_item
    mine = _form_data(client.get(_change_url(sub)))

    milestone.planned_percent = Decimal("60")
    milestone._history_user = colleague
    milestone.save()

    mine["milestones-0-planned_percent"] = "40"
    response = client.post(_change_url(sub), mine)

    assert response.status_code == 200
    page = response.content.decode()
    assert "李四" in page and "计划累计进度（%）（现为 60.00）" in page
    milestone.refresh_from_db()
    assert milestone.planned_percent == Decimal("60")


@pytest.mark.parametrize(
    "factory,changed",
    [
        (PlanFactory, ("region_name", "某县")),
        (ItemFactory, ("title", "新名称")),
        (SubItemFactory, ("location", "某镇")),
        (MilestoneFactory, ("description", "主体完工")),
        (FundingLineFactory, ("planned", Decimal("7"))),
    ],
)
def test_every_registry_row_refuses_a_save_from_a_stale_copy(factory, changed):
    row = factory()
    model = type(row)
    assert model in (Plan, Item, SubItem, Milestone, FundingLine)
    stale = model.objects.get(pk=row.pk)
    name, value = changed
    setattr(row, name, value)
    row.save()

    with pytest.raises(VersionConflict):
        stale.save()
    assert getattr(model.objects.get(pk=row.pk), name) == value
    assert model.objects.get(pk=row.pk).version == 2


def test_accepting_a_report_does_not_make_an_open_form_stale_nor_is_it_rolled_back(client, office):
    sub = SubItemFactory()
    form = _form_data(client.get(_change_url(sub)))

    accepted_report(sub, on=dt.date(sub.item.plan.year, 3, 10), progress="45")
    sub.refresh_from_db()
    assert sub.version == 1  # a cache write is no edit of the registry

    form["location"] = "南区"
    assert client.post(_change_url(sub), form).status_code == 302
    sub.refresh_from_db()
    assert (sub.location, sub.progress_percent, sub.version) == ("南区", Decimal("45"), 2)


def test_reverting_to_an_old_record_from_the_history_page_is_not_refused(client, office):
    sub = SubItemFactory(location="东区")
    sub.location = "西区"
    sub.save()
    first = SubItem.history.filter(id=sub.pk).earliest("history_date")
    url = f"/admin/projects/subitem/{sub.pk}/history/{first.history_id}/"

    assert client.post(url, _form_data(client.get(url))).status_code == 302
    sub.refresh_from_db()
    assert (sub.location, sub.version) == ("东区", 3)
