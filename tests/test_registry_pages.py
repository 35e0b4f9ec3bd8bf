"""Plan list, the plan's published table, item and sub-item pages: content, permissions and a
query count that does not grow with the plan."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Item, Plan, SubItem
from tests.factories import (
    ItemFactory,
    MilestoneFactory,
    PlanFactory,
    SubItemFactory,
    UnitFactory,
    accepted_report,
    deputy_user,
    liaison_user,
    office_user,
)

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_the_chinese_login_page(client):
    response = client.get("/plans/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    page = client.get("/accounts/login/").content.decode()
    assert "登录" in page and "用户名" in page and "密码" in page


def test_plan_list_shows_each_plan_headline(client, login, demo):
    login("deputy")
    page = client.get("/plans/").content.decode()
    assert "2023年区级十件民生实事" in page
    assert "10件13项，已完成6件8项，完成率60%" in page


def test_plan_table_groups_sub_items_under_their_item_as_published(client, login, demo):
    login("leader")
    plan = demo["plan_2023"]
    response = client.get(f"/plans/{plan.pk}/")
    page = response.content.decode()
    for header in [
        "序号",
        "项目名称",
        "目标任务",
        "牵头单位",
        "责任单位",
        "目标值",
        "完成值",
        "完成率",
        "状态",
    ]:
        assert f"<th>{header}</th>" in page or f'<th class="num">{header}</th>' in page
    assert "120个以上" in page and "377.5%" in page and "169%" in page
    two_sub_items = Item.objects.get(plan=plan, title="农村饮水安全工程")
    assert f'<a href="/items/{two_sub_items.pk}/">农村饮水安全工程</a>' in page
    assert 'rowspan="2"' in page


def test_plan_table_filters_by_light(client, login, demo):
    login("office")
    plan = demo["plan_2023"]
    page = client.get(f"/plans/{plan.pk}/", {"light": "blue"}).content.decode()
    assert "377.5%" in page
    assert "改造城镇老旧小区32个" not in page


def test_plan_table_as_of_a_past_date_recomputes_from_reports(client, login, demo):
    login("office")
    plan = demo["plan_2023"]
    page = client.get(f"/plans/{plan.pk}/", {"as_of": "2023-03-31"}).content.decode()
    assert "截至 2023年3月31日" in page
    assert "已完成0件0项" in page


def test_malformed_as_of_date_is_a_clear_400(client, login, demo):
    login("office")
    assert client.get(f"/plans/{demo['plan_2023'].pk}/", {"as_of": "2023-13-45"}).status_code == 400


def test_item_page_shows_sub_items_milestones_and_funding(client, login, demo):
    login("deputy")
    item = Item.objects.get(plan=demo["plan_2023"], title="新增学前教育学位")
    page = client.get(f"/items/{item.pk}/").content.decode()
    assert "第1件 新增学前教育学位" in page
    assert "主体开工" in page  # a milestone
    assert "县级财政" in page and "4200" in page
    assert "1620" in page


def test_sub_item_page_shows_figures(client, login, demo):
    login("deputy")
    sub = SubItem.objects.get(item__plan=demo["plan_2023"], content__contains="5G基站")
    page = client.get(f"/subitems/{sub.pk}/").content.decode()
    assert "377.5%" in page and "453" in page


def test_liaison_sees_only_their_units_sub_items(client, login, demo):
    liaison = login("liaison-water")
    plan = demo["plan_2023"]
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert "新建改造农村供水管网120公里" in page
    assert "建成5G基站120个以上" not in page
    other = SubItem.objects.filter(item__plan=plan).exclude(responsible_unit=liaison.unit).first()
    own = SubItem.objects.filter(item__plan=plan, responsible_unit=liaison.unit).first()
    assert client.get(f"/subitems/{other.pk}/").status_code == 404
    assert client.get(f"/items/{other.item_id}/").status_code == 404
    assert client.get(f"/subitems/{own.pk}/").status_code == 200


def test_users_without_a_role_are_refused(client, login, demo):
    from tests.factories import UserFactory

    login(UserFactory())
    assert client.get("/plans/").status_code == 403
    assert client.get(f"/plans/{demo['plan_2023'].pk}/").status_code == 403


def test_draft_plans_are_visible_to_the_office_only(client, login):
    plan = PlanFactory(status=Plan.Status.DRAFT)
    SubItemFactory(item=ItemFactory(plan=plan))
    login(deputy_user())
    assert client.get(f"/plans/{plan.pk}/").status_code == 404
    login(office_user())
    assert client.get(f"/plans/{plan.pk}/").status_code == 200


def _build_plan(items: int, subs_per_item: int) -> Plan:
    plan = PlanFactory()
    unit = UnitFactory()
    for _ in range(items):
        item = ItemFactory(plan=plan, lead_unit=unit)
        for _ in range(subs_per_item):
            sub = SubItemFactory(item=item, responsible_unit=unit)
            MilestoneFactory(sub_item=sub)
            accepted_report(sub, on=dt.date(plan.year, 3, 5), progress=30, actual=30)
    return plan


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["plan", "plan_as_of", "item", "list"])
def test_main_pages_run_a_constant_number_of_queries(client, login, page):
    login(office_user())
    small, large = _build_plan(2, 1), _build_plan(12, 3)

    def url(plan):
        if page == "plan":
            return f"/plans/{plan.pk}/"
        if page == "plan_as_of":
            return f"/plans/{plan.pk}/?as_of={plan.year}-03-31"
        if page == "item":
            return f"/items/{plan.items.order_by('pk').first().pk}/"
        return "/plans/"

    _count_queries(client, url(small))  # warm caches (content types, sessions)
    assert _count_queries(client, url(small)) == _count_queries(client, url(large))


def test_liaison_plan_table_query_count_is_constant(client):
    plan = _build_plan(3, 2)
    unit = plan.items.first().lead_unit
    client.force_login(liaison_user(unit))
    first = _count_queries(client, f"/plans/{plan.pk}/")
    for _ in range(5):
        item = ItemFactory(plan=plan, lead_unit=unit)
        SubItemFactory(item=item, responsible_unit=unit)
    assert _count_queries(client, f"/plans/{plan.pk}/") == first


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}


def test_as_of_dates_before_2000_are_a_clear_400(client, login, demo):
    login("office")
    response = client.get(f"/plans/{demo['plan_2023'].pk}/", {"as_of": "0001-01-01"})
    assert response.status_code == 400
    assert "2000" in response.content.decode()


def test_a_long_plan_table_is_paged_by_item_while_the_headline_counts_the_whole_plan(client, login):
    from supervision.reading.views.plans import ITEMS_PER_PAGE

    plan = PlanFactory()
    for number in range(1, ITEMS_PER_PAGE + 3):
        SubItemFactory(item=ItemFactory(plan=plan, number=number, title=f"实事{number:03d}"))
    login(office_user())

    first = client.get(f"/plans/{plan.pk}/").content.decode()
    second = client.get(f"/plans/{plan.pk}/", {"page": 2}).content.decode()

    total = ITEMS_PER_PAGE + 2
    assert f"{total}件{total}项" in first and f"{total}件{total}项" in second
    assert "实事001" in first and f"实事{total:03d}" not in first
    assert f"实事{total:03d}" in second and "实事001" not in second
    assert f"共{total}件" in first
