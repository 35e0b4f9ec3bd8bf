"""Supervision orders (督办单): numbering, the lifecycle through the pages, the talk (约谈), who
may do what, the Word copy, the list's overdue mark and its as-of reading."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx import Document

from core import dates
from supervision.followup.services import orders as service
from supervision.followup.services import rectifications
from supervision.ledger.services import accept_report
from supervision.models import (
    Notification,
    ProgressReport,
    SupervisionOrder,
    SupervisionOrderEvent,
)
from tests.factories import (
    PlanFactory,
    ProgressReportFactory,
    SubItemFactory,
    UnitFactory,
    deputy_user,
    liaison_user,
    office_user,
)

State = SupervisionOrder.State
Action = SupervisionOrderEvent.Action


@pytest.fixture
def world(db):
    plan = PlanFactory()
    unit = UnitFactory(code="housing", name="区住建局")
    other = UnitFactory(code="water", name="区水利局")
    liaison = liaison_user(unit, username="liaison-housing")
    sub = SubItemFactory(item__plan=plan, item__lead_unit=unit, content="改造老旧小区12个")
    report = ProgressReportFactory(
        sub_item=sub,
        period_start=dates.today().replace(day=1) - dt.timedelta(days=40),
        progress_percent=5,
        problems="上级补助资金未实际到位",
        state=ProgressReport.State.SUBMITTED,
        created_by=liaison,
    )
    office = office_user(username="office1")
    accept_report(report, office, on=dates.today() - dt.timedelta(days=20))
    return {
        "plan": plan,
        "unit": unit,
        "other": other,
        "sub": sub,
        "office": office,
        "liaison": liaison,
        "other_liaison": liaison_user(other, username="liaison-water"),
        "deputy": deputy_user(username="deputy1"),
    }


def issue(world, *, on=None, deadline=None, unit=None, problem="进度滞后") -> SupervisionOrder:
    on = on or dates.today()
    return service.issue(
        world["office"],
        plan=world["plan"],
        unit=unit or world["unit"],
        source=SupervisionOrder.Source.RED,
        sub_item=world["sub"],
        problem=problem,
        requirement="倒排工期，按期赶上序时进度",
        deadline=deadline or on + dt.timedelta(days=10),
        on=on,
    )


def test_orders_are_numbered_in_sequence_within_each_year(world):
    first, second = issue(world), issue(world)
    next_year = issue(world, on=dt.date(dates.today().year + 1, 1, 3))
    year = dates.today().year

    assert (first.number, second.number) == (1, 2)
    assert second.code == f"督办〔{year}〕2号"
    assert (next_year.year, next_year.number) == (year + 1, 1)


def test_a_failed_issue_gives_its_number_back(world):
    with pytest.raises(Exception, match="不属于该清单"):
        service.issue(
            world["office"],
            plan=PlanFactory(),
            unit=world["unit"],
            source=SupervisionOrder.Source.RED,
            sub_item=world["sub"],
            problem="滞后",
            requirement="整改",
            deadline=dates.today(),
        )

    assert issue(world).number == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_orders_issued_at_the_same_moment_get_different_numbers():
    sub = SubItemFactory()
    office = office_user()
    start = threading.Barrier(2)
    numbers, errors = [], []

    def issue_one():
        try:
            start.wait()
            order = service.issue(
                office,
                plan=sub.item.plan,
                unit=sub.responsible_unit,
                source=SupervisionOrder.Source.RED,
                sub_item=sub,
                problem="滞后",
                requirement="整改",
                deadline=dates.today(),
            )
            numbers.append(order.number)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue_one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(numbers) == [1, 2]


def test_the_issue_form_is_prefilled_from_the_lagging_row(client, login, world):
    login(world["office"])

    response = client.get(reverse("order_create"), {"sub_item": world["sub"].pk, "source": "red"})

    form = response.context["form"]
    assert response.status_code == 200
    assert form.initial["unit"] == world["unit"].pk
    assert "滞后" in form.initial["problem"] and "百分点" in form.initial["problem"]
    assert "存在问题：上级补助资金未实际到位" in form.initial["problem"]


def test_the_issue_form_is_prefilled_from_an_overdue_rectification(client, login, world):
    rect = rectifications.create_rectification(
        world["office"],
        plan=world["plan"],
        unit=world["unit"],
        title="围挡破损",
        required_action="修复围挡",
        deadline=dates.today() - dt.timedelta(days=3),
    )
    login(world["office"])

    form = client.get(reverse("order_create"), {"rectification": rect.pk}).context["form"]

    assert form.initial["source"] == SupervisionOrder.Source.OVERDUE_RECTIFICATION
    assert "已逾期3天" in form.initial["problem"]


def test_full_lifecycle_through_the_pages(client, login, world):
    login(world["office"])
    deadline = dates.today() + dt.timedelta(days=7)
    response = client.post(
        reverse("order_create"),
        {
            "plan": world["plan"].pk,
            "source": "red",
            "sub_item": world["sub"].pk,
            "unit": world["unit"].pk,
            "problem": "序时进度滞后40个百分点",
            "requirement": "一周内拿出赶超方案",
            "deadline": deadline.isoformat(),
        },
    )
    order = SupervisionOrder.objects.get()
    assert response.status_code == 302 and response.url == reverse("order_detail", args=[order.pk])
    note = Notification.objects.get(recipient=world["liaison"])
    assert note.title == f"督办单：{order.code}"
    assert note.url == reverse("order_detail", args=[order.pk])
    assert not Notification.objects.filter(recipient=world["other_liaison"]).exists()

    login(world["liaison"])
    page = client.get(reverse("order_detail", args=[order.pk])).content.decode()
    assert "签收督办单" in page and order.code in page
    assert client.post(reverse("order_sign", args=[order.pk])).status_code == 302
    answer = client.post(reverse("order_answer", args=[order.pk]), {"text": "已制定赶超方案，增加施工队伍"})
    assert answer.status_code == 302

    login(world["office"])
    assert client.post(reverse("order_close", args=[order.pk]), {"text": "同意办结"}).status_code == 302

    order.refresh_from_db()
    assert order.state == State.CLOSED and order.closed_at is not None
    assert list(order.events.values_list("action", flat=True)) == [
        Action.ISSUED,
        Action.SIGNED,
        Action.ANSWERED,
        Action.CLOSED,
    ]
    page = client.get(reverse("order_detail", args=[order.pk])).content.decode()
    assert "已制定赶超方案，增加施工队伍" in page and "已办结" in page


def test_a_talk_is_recorded_and_the_unit_answers_again(client, login, world):
    order = issue(world)
    talk_on = dates.today()
    login(world["office"])

    response = client.post(
        reverse("order_escalate", args=[order.pk]),
        {
            "talk_on": talk_on.isoformat(),
            "participants": "副县长张三、住建局局长李四",
            "record": "要求月底前复工",
        },
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == State.ESCALATED
    talk = order.events.get(action=Action.ESCALATED)
    assert (talk.talk_on, talk.participants, talk.text) == (
        talk_on,
        "副县长张三、住建局局长李四",
        "要求月底前复工",
    )
    page = client.get(reverse("order_detail", args=[order.pk])).content.decode()
    assert "副县长张三、住建局局长李四" in page and "要求月底前复工" in page
    service.answer(order, world["liaison"], "已复工")
    service.close(order, world["office"])
    order.refresh_from_db()
    assert order.state == State.CLOSED


@pytest.mark.parametrize(
    ("steps", "attempt", "message"),
    [
        (["sign"], "sign", "该督办单已签收，不能重复签收。"),
        ([], "answer", "请先签收督办单，再答复。"),
        (["sign", "answer"], "answer", "该督办单已答复，等待督查室办结，不能重复答复。"),
        (["sign", "answer", "close"], "answer", "该督办单已办结，不能再答复。"),
        (["sign"], "close", "督办单位尚未答复，不能办结。"),
        (["sign", "answer", "close"], "escalate", "该督办单已办结，不能约谈。"),
    ],
)
def test_steps_out_of_order_are_refused_with_a_chinese_message(world, steps, attempt, message):
    order = issue(world)
    run = {
        "sign": lambda: service.sign(order, world["liaison"]),
        "answer": lambda: service.answer(order, world["liaison"], "已办理"),
        "close": lambda: service.close(order, world["office"]),
        "escalate": lambda: service.escalate(
            order, world["office"], talk_on=dates.today(), participants="局长", record="记录"
        ),
    }
    for step in steps:
        run[step]()

    with pytest.raises(service.TransitionError) as caught:
        run[attempt]()
    assert caught.value.messages == [message]


def test_signing_twice_through_the_page_shows_the_message(client, login, world):
    order = issue(world)
    login(world["liaison"])
    client.post(reverse("order_sign", args=[order.pk]))

    response = client.post(reverse("order_sign", args=[order.pk]))

    assert response.status_code == 400
    assert "该督办单已签收，不能重复签收。" in response.content.decode()


def test_a_liaison_of_another_unit_neither_sees_nor_signs_the_order(client, login, world):
    order = issue(world)
    login(world["other_liaison"])

    assert client.get(reverse("order_detail", args=[order.pk])).status_code == 404
    assert client.get(reverse("order_docx", args=[order.pk])).status_code == 404
    assert client.post(reverse("order_sign", args=[order.pk])).status_code == 404
    assert order.code not in client.get(reverse("order_list")).content.decode()
    order.refresh_from_db()
    assert order.state == State.ISSUED


def test_only_the_office_issues_and_only_the_unit_signs(client, login, world):
    order = issue(world)
    login(world["liaison"])
    assert client.get(reverse("order_create")).status_code == 403
    assert client.post(reverse("order_close", args=[order.pk]), {"text": ""}).status_code == 403

    login(world["deputy"])
    assert client.get(reverse("order_detail", args=[order.pk])).status_code == 200
    assert client.post(reverse("order_sign", args=[order.pk])).status_code == 403


def test_the_word_copy_carries_number_unit_and_deadline_with_typed_text_as_text(client, login, world):
    deadline = dates.today() + dt.timedelta(days=5)
    order = issue(world, deadline=deadline, problem="=SUM(A1:A9) 资金未到位")
    login(world["liaison"])

    response = client.get(reverse("order_docx", args=[order.pk]))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert order.code in text
    assert "区住建局" in text
    assert f"{deadline:%Y年%m月%d日}" in text
    assert "=SUM(A1:A9) 资金未到位" in text
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    title_run = document.paragraphs[0].runs[0]
    assert title_run.font.size.pt == 22


def test_the_list_marks_orders_past_their_deadline_without_an_answer(client, login, world):
    past = dates.today() - dt.timedelta(days=20)
    late = issue(world, on=past, deadline=past + dt.timedelta(days=5))
    answered = issue(world, on=past, deadline=past + dt.timedelta(days=5))
    service.sign(answered, world["liaison"])
    service.answer(answered, world["liaison"], "已办理")
    on_time = issue(world)
    login(world["office"])

    response = client.get(reverse("order_list"))

    overdue = {row.order.pk for row in response.context["page"].object_list if row.is_overdue}
    assert overdue == {late.pk}
    assert response.content.decode().index(late.code) < response.content.decode().index(on_time.code)
    only = client.get(reverse("order_list"), {"overdue": "on"}).context["page"].object_list
    assert [row.order.pk for row in only] == [late.pk]


def test_the_list_as_of_an_earlier_day_shows_the_state_then(client, login, world):
    order = issue(world)
    service.sign(order, world["liaison"])
    SupervisionOrder.objects.filter(pk=order.pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    order.events.filter(action=Action.ISSUED).update(at=timezone.now() - dt.timedelta(days=10))
    login(world["office"])

    earlier = (dates.today() - dt.timedelta(days=5)).isoformat()
    rows = client.get(reverse("order_list"), {"as_of": earlier}).context["page"].object_list
    before = (dates.today() - dt.timedelta(days=15)).isoformat()

    assert [row.state for row in rows] == [State.ISSUED]
    assert client.get(reverse("order_list"), {"as_of": before}).context["page"].object_list == []
    assert client.get(reverse("order_detail", args=[order.pk]), {"as_of": before}).status_code == 404


def test_reading_the_order_pages_writes_nothing(client, login, world):
    order = issue(world)
    urls = [
        reverse("order_list"),
        reverse("order_detail", args=[order.pk]),
        reverse("order_docx", args=[order.pk]),
        f"{reverse('order_create')}?sub_item={world['sub'].pk}",
    ]
    login(world["office"])
    client.get(urls[0])

    with CaptureQueriesContext(connection) as captured:
        for url in urls:
            assert client.get(url).status_code == 200

    writes = [q["sql"] for q in captured if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
