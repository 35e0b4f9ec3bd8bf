"""The admin an office administrator sets a plan up with."""

import pytest

from projects.models import Item, Plan, SubItem
from tests.factories import ItemFactory, UnitFactory, office_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(client):
    user = office_user(is_superuser=True)
    client.force_login(user)
    return user


def _inline_management(prefix, total=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0"}


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/projects/plan/",
        "/admin/projects/plan/add/",
        "/admin/projects/item/",
        "/admin/projects/item/add/",
        "/admin/projects/subitem/",
        "/admin/projects/subitem/add/",
        "/admin/projects/unit/",
        "/admin/projects/user/",
        "/admin/supervision/progressreport/",
    ],
)
def test_admin_pages_open_in_chinese(client, office, demo, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "民生实事管理系统" in response.content.decode()


def test_admin_lists_filter_and_search(client, office, demo):
    page = client.get("/admin/projects/subitem/", {"q": "5G"}).content.decode()
    assert "建成5G基站120个以上" in page
    assert "改造城镇老旧小区32个" not in page


def test_item_with_sub_items_inline_is_created_in_one_form(client, office):
    plan = Plan.objects.create(year=2026, title="2026年测试清单", region_name="测试区")
    unit = UnitFactory()
    data = {
        "plan": plan.pk,
        "number": "1",
        "title": "农村饮水安全工程",
        "lead_unit": unit.pk,
        "responsible_leader": "副区长 张三",
        "summary": "",
        **_inline_management("sub_items", 1),
        "sub_items-0-number": "1",
        "sub_items-0-weight": "1",
        "sub_items-0-content": "新建供水管网35公里",
        "sub_items-0-target_value": "35",
        "sub_items-0-target_unit": "公里",
        "sub_items-0-responsible_unit": unit.pk,
        "sub_items-0-planned_start": "2026-03-01",
        "sub_items-0-planned_end": "2026-10-31",
    }
    response = client.post("/admin/projects/item/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    sub = SubItem.objects.get(item__plan=plan)
    assert sub.target_display == "35公里"


def test_sub_item_ending_before_it_starts_is_refused_with_a_chinese_message(client, office):
    item = ItemFactory()
    data = {
        "item": item.pk,
        "number": "1",
        "weight": "1",
        "content": "建设任务",
        "target_value": "-3",
        "target_unit": "个",
        "responsible_unit": item.lead_unit.pk,
        "planned_start": "2026-06-01",
        "planned_end": "2026-05-01",
        **_inline_management("milestones"),
        **_inline_management("funding_lines"),
    }
    response = client.post("/admin/projects/subitem/add/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "完成时限不能早于计划开工日期" in page
    assert "0.01" in page  # the minimum target value
    assert not SubItem.objects.filter(item=item).exists()


def test_milestone_over_one_hundred_percent_is_refused_and_nothing_is_saved(client, office):
    item = ItemFactory()
    data = {
        "item": item.pk,
        "number": "1",
        "weight": "1",
        "content": "建设任务",
        "responsible_unit": item.lead_unit.pk,
        "planned_start": "2026-01-01",
        "planned_end": "2026-12-31",
        **_inline_management("milestones", 1),
        "milestones-0-date": "2026-06-30",
        "milestones-0-planned_percent": "120",
        **_inline_management("funding_lines"),
    }
    response = client.post("/admin/projects/subitem/add/", data)
    assert response.status_code == 200
    assert "100" in response.content.decode()
    assert not SubItem.objects.filter(item=item).exists()


def test_changes_are_recorded_with_who_made_them(client, office):
    item = ItemFactory(title="旧名称")
    data = {
        "plan": item.plan_id,
        "number": str(item.number),
        "title": "新名称",
        "category": item.category_id,
        "lead_unit": item.lead_unit_id,
        "responsible_leader": item.responsible_leader,
        "summary": "",
        **_inline_management("sub_items"),
    }
    assert client.post(f"/admin/projects/item/{item.pk}/change/", data).status_code == 302
    latest = Item.history.filter(id=item.pk).latest("history_date")
    assert latest.title == "新名称" and latest.history_user == office
    page = client.get(f"/admin/projects/item/{item.pk}/history/").content.decode()
    assert "新名称" in page or "旧名称" in page


def test_accepted_reports_cannot_be_edited_in_the_admin(client, office, demo):
    from supervision.models import ProgressReport

    report = ProgressReport.objects.filter(state="accepted").first()
    response = client.get(f"/admin/supervision/progressreport/{report.pk}/change/")
    assert response.status_code == 200
    assert 'name="progress_percent"' not in response.content.decode()


@pytest.mark.parametrize(
    "model", ["supervisionorder", "circular", "rankingpublication", "reminderlog", "delivery"]
)
def test_the_paperwork_is_shown_in_the_admin_and_never_edited_there(client, office, demo, model):
    """Orders, circulars, rankings and reminders are numbered and stepped by the office's pages;
    the admin lists them read-only."""
    assert client.get(f"/admin/supervision/{model}/").status_code == 200
    assert client.get(f"/admin/supervision/{model}/add/").status_code == 403
