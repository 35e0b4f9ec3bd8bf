"""One-click 催报 / 催办: the office ticks units on the lagging list, the dashboard or the
rectification board, previews and edits the message, sends it; a unit is reminded once a day
per plan and kind, and the pages show who was reminded when."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import dates
from supervision.followup.services import orders, rectifications
from supervision.models import Notification, ReminderLog, SupervisionOrder
from tests.factories import (
    PlanFactory,
    SubItemFactory,
    UnitFactory,
    deputy_user,
    liaison_user,
    office_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """A plan of this year where three units have each a sub-item never reported on: red and
    overdue to report today."""
    plan = PlanFactory()
    units = [
        UnitFactory(code=code, name=name)
        for code, name in [("edu", "区教育局"), ("water", "区水利局"), ("road", "区交通局")]
    ]
    for unit in units:
        SubItemFactory(item__plan=plan, item__lead_unit=unit)
    return {
        "plan": plan,
        "units": units,
        "liaisons": [liaison_user(unit, username=f"liaison-{unit.code}") for unit in units],
        "office": office_user(username="office1"),
    }


def target(world, n: int) -> str:
    return f"{world['plan'].pk}:{world['units'][n].pk}"


def send(client, world, kind, *units, message="请于本周五前报送进展。"):
    return client.post(
        reverse("remind"),
        {"kind": kind, "target": [target(world, n) for n in units], "message": message, "next": "/orders/"},
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_preview_lists_the_chosen_units_and_writes_nothing(client, login, world):
    login(world["office"])

    with CaptureQueriesContext(connection) as captured:
        response = client.get(
            reverse("remind"), {"kind": "report", "target": [target(world, 0), target(world, 1)]}
        )

    html = response.content.decode()
    assert response.status_code == 200
    assert "区教育局" in html and "区水利局" in html and "区交通局" not in html
    assert "请尽快报送" in html  # the default message, editable in the textarea
    assert not any(q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"} for q in captured)
    assert not Notification.objects.exists()


def test_sending_notifies_the_chosen_units_liaisons_only_with_the_edited_message(client, login, world):
    login(world["office"])

    response = send(client, world, "report", 0, 1, message="请于本周五前报送11月进展。")

    assert response.status_code == 302 and response.url == "/orders/"
    notes = Notification.objects.filter(kind=Notification.Kind.REPORT_REMINDER)
    assert sorted(n.recipient.username for n in notes) == ["liaison-edu", "liaison-water"]
    assert {n.body for n in notes} == {"请于本周五前报送11月进展。"}
    logs = ReminderLog.objects.filter(kind=ReminderLog.Kind.MANUAL_REPORT)
    assert sorted(log.unit.code for log in logs) == ["edu", "water"]
    assert {log.sent_by for log in logs} == {world["office"]}
    assert "已向区教育局、区水利局催报。" in messages_of(response)


def test_a_second_send_the_same_day_reminds_nobody_twice_and_says_so(client, login, world):
    login(world["office"])
    send(client, world, "report", 0)

    response = send(client, world, "report", 0, 2)

    assert Notification.objects.filter(recipient=world["liaisons"][0]).count() == 1
    assert Notification.objects.filter(recipient=world["liaisons"][2]).count() == 1
    assert "区教育局今天已催报过，未重复发送。" in messages_of(response)
    preview = client.get(reverse("remind"), {"kind": "report", "target": target(world, 0)}).content.decode()
    assert "已催报，不再重复发送" in preview


def test_a_reminder_sent_yesterday_does_not_stop_todays(client, login, world):
    login(world["office"])
    send(client, world, "report", 0)
    ReminderLog.objects.update(
        period_start=dates.today() - dt.timedelta(days=1),
        sent_at=timezone.now() - dt.timedelta(days=1),
    )

    send(client, world, "report", 0)

    assert Notification.objects.filter(recipient=world["liaisons"][0]).count() == 2


def test_the_lagging_list_shows_who_was_reminded_when(client, login, world):
    login(world["office"])
    send(client, world, "report", 1)
    sent_at = timezone.localtime(ReminderLog.objects.get().sent_at)

    response = client.get(reverse("plan_lagging", args=[world["plan"].pk]))

    html = response.content.decode()
    rows = {r.state.sub_item.responsible_unit.code: r.reminded_at for r in response.context["red_rows"]}
    assert rows["water"] is not None and rows["edu"] is None and rows["road"] is None
    assert f"已催报 {sent_at:%m-%d %H:%M}" in html
    assert 'name="target"' in html and "下发督办单" in html


def test_the_lagging_list_costs_the_same_queries_however_many_units_were_reminded(client, login, world):
    login(world["office"])
    url = reverse("plan_lagging", args=[world["plan"].pk])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    send(client, world, "report", 0, 1, 2)
    with CaptureQueriesContext(connection) as after:
        client.get(url)

    assert len(after) == len(before)


def test_the_dashboard_offers_the_office_todays_overdue_units(client, login, world):
    login(world["office"])
    send(client, world, "report", 2)

    response = client.get(reverse("plan_dashboard", args=[world["plan"].pk]))

    html = response.content.decode()
    assert "超期未报单位：一键催报" in html
    units = {entry.unit.code: entry.reminded_at for entry in response.context["overdue_units"]}
    assert set(units) == {"edu", "water", "road"} and units["road"] is not None
    login(deputy_user())
    assert "一键催报" not in client.get(reverse("plan_dashboard", args=[world["plan"].pk])).content.decode()


def test_urging_goes_only_to_units_with_an_overdue_rectification_or_an_open_order(client, login, world):
    office = world["office"]
    rectifications.create_rectification(
        office,
        plan=world["plan"],
        unit=world["units"][0],
        title="围挡破损",
        required_action="修复",
        deadline=dates.today() - dt.timedelta(days=2),
    )
    rectifications.mark_overdue()
    orders.issue(
        office,
        plan=world["plan"],
        unit=world["units"][1],
        source=SupervisionOrder.Source.RED,
        sub_item=world["units"][1].responsible_sub_items.first(),
        problem="滞后",
        requirement="赶进度",
        deadline=dates.today() + dt.timedelta(days=5),
    )
    Notification.objects.all().delete()
    login(office)

    response = send(client, world, "action", 0, 1, 2, message="请抓紧办理。")

    urged = sorted(n.recipient.username for n in Notification.objects.filter(body="请抓紧办理。"))
    assert urged == ["liaison-edu", "liaison-water"]
    assert "区交通局无需催办或没有联络员，未发送。" in messages_of(response)
    board = client.get(reverse("rectification_list")).content.decode()
    assert "已催办" in board and "下发督办单" in board


def test_only_the_office_reminds(client, login, world):
    login(world["liaisons"][0])
    assert client.get(reverse("remind"), {"kind": "report", "target": target(world, 1)}).status_code == 403
    assert send(client, world, "report", 1).status_code == 403
    assert not Notification.objects.exists()


def test_nothing_chosen_is_refused_with_a_message(client, login, world):
    login(world["office"])

    response = client.get(reverse("remind"), {"kind": "report", "next": "/orders/"})

    assert response.status_code == 302
    assert "请先勾选要催报的单位。" in messages_of(response)


def test_the_dashboard_names_a_few_of_a_units_overdue_sub_items_and_counts_the_rest(client, login, world):
    edu = world["units"][0]
    more = [SubItemFactory(item__plan=world["plan"], item__lead_unit=edu) for _ in range(4)]
    for sub in more:
        sub.responsible_unit = edu
        sub.save()
    login(world["office"])

    response = client.get(reverse("plan_dashboard", args=[world["plan"].pk]))
    html = response.content.decode()
    html = html[html.index('id="overdue-remind"') :]
    html = html[: html.index("</section>")]

    entry = next(
        e
        for e in client.get(reverse("plan_dashboard", args=[world["plan"].pk])).context["overdue_units"]
        if e.unit == edu
    )
    assert len(entry.sub_items) == 5
    assert sum(sub.code in html for sub in entry.sub_items) == 3
    assert "等另2项" in html
