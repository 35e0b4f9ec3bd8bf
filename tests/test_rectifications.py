"""Rectifications: the state machine, who may do what, the daily overdue check and the pages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from core import dates
from supervision.followup.services import rectifications as service
from supervision.models import Notification, Rectification, RectificationEvent
from supervision.tasks import mark_overdue_rectifications
from tests.factories import (
    SubItemFactory,
    UnitFactory,
    deputy_user,
    leader_user,
    liaison_user,
    office_user,
)

pytestmark = pytest.mark.django_db
Action = RectificationEvent.Action
State = Rectification.State


def png(name="photo.png", fmt="PNG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.fixture
def world():
    unit = UnitFactory(code="housing", name="区住建局")
    other = UnitFactory(code="water", name="区水利局")
    sub = SubItemFactory(item__lead_unit=unit)
    # A rectification on the sub-item goes only to a unit in reach of it (projects.reach): the
    # water bureau, assigned some below, cooperates on it.
    sub.cooperating_units.add(other)
    return {
        "sub": sub,
        "plan": sub.item.plan,
        "unit": unit,
        "other": other,
        "office": office_user(username="office1"),
        "liaison": liaison_user(unit, username="liaison-housing"),
        "other_liaison": liaison_user(other, username="liaison-water"),
        "deputy": deputy_user(username="deputy1"),
        "leader": leader_user(username="leader1"),
    }


def raise_one(world, *, deadline=None, unit=None, title="资金未到位，停工待款") -> Rectification:
    return service.create_rectification(
        world["office"],
        plan=world["plan"],
        unit=unit or world["unit"],
        title=title,
        required_action="落实资金，尽快复工",
        deadline=deadline or dates.today() + dt.timedelta(days=30),
        source=Rectification.Source.PACE,
        sub_item=world["sub"],
    )


def actions(rectification) -> list[str]:
    return list(rectification.events.values_list("action", flat=True))


def test_office_raising_a_rectification_records_it_and_notifies_the_units_liaisons(world):
    rectification = raise_one(world)

    assert rectification.state == State.OPEN
    assert rectification.item == world["sub"].item
    assert actions(rectification) == [Action.CREATED]
    note = Notification.objects.get(recipient=world["liaison"])
    assert note.kind == Notification.Kind.RECTIFICATION
    assert note.url == reverse("rectification_detail", args=[rectification.pk])
    assert not Notification.objects.filter(recipient=world["other_liaison"]).exists()


def test_full_cycle_respond_send_back_respond_close_keeps_every_step(world):
    rectification = raise_one(world)

    service.respond(rectification, world["liaison"], "已协调资金", [png()])
    service.send_back(rectification, world["office"], "资金仍未到账")
    rectification.refresh_from_db()
    assert rectification.state == State.OPEN
    service.respond(rectification, world["liaison"], "资金已到账，已复工")
    service.close(rectification, world["office"], "现场核实属实")

    rectification.refresh_from_db()
    assert rectification.state == State.CLOSED
    assert rectification.closed_at is not None
    assert actions(rectification) == [
        Action.CREATED,
        Action.RESPONDED,
        Action.SENT_BACK,
        Action.RESPONDED,
        Action.CLOSED,
    ]
    first_response = rectification.events.filter(action=Action.RESPONDED).first()
    assert first_response.actor == world["liaison"]
    assert first_response.photos.count() == 1
    assert rectification.events.get(action=Action.SENT_BACK).text == "资金仍未到账"


@pytest.mark.parametrize(
    ("steps", "attempt", "message"),
    [
        ([], "close", "整改单位尚未反馈，不能销号。"),
        ([], "send_back", "整改单位尚未反馈，无需退回。"),
        (["respond"], "respond", "该事项已反馈，等待督查室核实，不能重复反馈。"),
        (["respond", "close"], "respond", "该事项已销号，不能再反馈。"),
        (["respond", "close"], "close", "该事项已销号。"),
        (["respond", "close"], "send_back", "该事项已销号，不能退回。"),
    ],
)
def test_illegal_transitions_are_refused_with_a_chinese_reason(world, steps, attempt, message):
    rectification = raise_one(world)
    run = {
        "respond": lambda: service.respond(rectification, world["liaison"], "已整改"),
        "close": lambda: service.close(rectification, world["office"]),
        "send_back": lambda: service.send_back(rectification, world["office"], "不合格"),
    }
    for step in steps:
        run[step]()

    with pytest.raises(service.TransitionError) as excinfo:
        run[attempt]()
    assert excinfo.value.messages == [message]


def test_only_the_units_own_liaison_may_respond(world):
    rectification = raise_one(world)
    for outsider in (world["other_liaison"], world["office"], world["deputy"]):
        with pytest.raises(PermissionDenied):
            service.respond(rectification, outsider, "不是我的事项")
    assert Rectification.objects.get(pk=rectification.pk).state == State.OPEN


def test_only_the_office_raises_and_closes(world):
    with pytest.raises(PermissionDenied):
        service.create_rectification(
            world["deputy"],
            plan=world["plan"],
            unit=world["unit"],
            title="t",
            required_action="a",
            deadline=dates.today(),
        )
    rectification = raise_one(world)
    service.respond(rectification, world["liaison"], "已整改")
    for user in (world["liaison"], world["leader"]):
        with pytest.raises(PermissionDenied):
            service.close(rectification, user)


def test_sending_back_needs_a_reason(world):
    rectification = raise_one(world)
    service.respond(rectification, world["liaison"], "已整改")
    with pytest.raises(ValidationError) as excinfo:
        service.send_back(rectification, world["office"], "  ")
    assert excinfo.value.message_dict == {"reason": ["请填写退回理由。"]}


def test_a_rectification_from_a_red_light_must_name_its_sub_item(world):
    with pytest.raises(ValidationError) as excinfo:
        service.create_rectification(
            world["office"],
            plan=world["plan"],
            unit=world["unit"],
            title="t",
            required_action="a",
            deadline=dates.today(),
            source=Rectification.Source.PACE,
        )
    assert "sub_item" in excinfo.value.message_dict


def test_daily_check_marks_unfinished_past_deadline_once_and_notifies_the_unit(
    world, django_capture_on_commit_callbacks
):
    today = dates.today()
    late = raise_one(world, deadline=today - dt.timedelta(days=1), title="逾期未整改")
    answered_late = raise_one(world, deadline=today - dt.timedelta(days=3), title="已反馈但逾期")
    service.respond(answered_late, world["liaison"], "正在整改")
    on_time = raise_one(world, deadline=today, title="今天到期")
    closed = raise_one(world, deadline=today - dt.timedelta(days=5), title="已销号")
    service.respond(closed, world["liaison"], "已整改")
    service.close(closed, world["office"])
    Notification.objects.all().delete()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert mark_overdue_rectifications.delay().get() == 2
    assert service.mark_overdue() == 0

    flagged = set(Rectification.objects.filter(is_overdue=True).values_list("title", flat=True))
    assert flagged == {"逾期未整改", "已反馈但逾期"}
    assert actions(late).count(Action.MARKED_OVERDUE) == 1
    assert Action.MARKED_OVERDUE not in actions(on_time)
    notes = Notification.objects.filter(recipient=world["liaison"], kind=Notification.Kind.RECTIFICATION)
    assert sorted(n.title for n in notes) == ["整改逾期：已反馈但逾期", "整改逾期：逾期未整改"]
    assert len(mail.outbox) == 2


# --- pages -----------------------------------------------------------------------------------


def test_liaison_sees_only_their_units_rectifications_on_the_board(world, client, login):
    mine = raise_one(world, title="住建局的问题")
    theirs = raise_one(world, unit=world["other"], title="水利局的问题")
    login(world["liaison"])

    page = client.get(reverse("rectification_list")).content.decode()

    assert "住建局的问题" in page and "水利局的问题" not in page
    assert client.get(reverse("rectification_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("rectification_detail", args=[mine.pk])).status_code == 200


def test_liaison_cannot_respond_to_another_units_rectification(world, client, login):
    theirs = raise_one(world, unit=world["other"])
    login(world["liaison"])

    response = client.post(reverse("rectification_respond", args=[theirs.pk]), {"text": "冒充反馈"})

    assert response.status_code == 404
    assert Rectification.objects.get(pk=theirs.pk).state == State.OPEN


def test_liaison_responds_with_photos_through_the_page(world, client, login):
    rectification = raise_one(world)
    login(world["liaison"])

    response = client.post(
        reverse("rectification_respond", args=[rectification.pk]),
        {"text": "已复工", "photos": [png("a.png"), png("b.webp", "WEBP")]},
    )

    assert response.status_code == 302
    event = rectification.events.get(action=Action.RESPONDED)
    assert event.text == "已复工" and event.photos.count() == 2
    assert "已复工" in client.get(reverse("rectification_detail", args=[rectification.pk])).content.decode()


def test_a_file_that_is_not_an_image_is_refused_and_the_text_kept(world, client, login):
    rectification = raise_one(world)
    login(world["liaison"])
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")

    response = client.post(
        reverse("rectification_respond", args=[rectification.pk]), {"text": "我写的反馈", "photos": [fake]}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "不是有效的图片文件" in page and "我写的反馈" in page
    assert Rectification.objects.get(pk=rectification.pk).state == State.OPEN


def test_a_gif_is_refused_even_though_it_is_an_image(world, client, login):
    rectification = raise_one(world)
    login(world["liaison"])

    response = client.post(
        reverse("rectification_respond", args=[rectification.pk]),
        {"text": "x", "photos": [png("a.gif", "GIF")]},
    )

    assert "是 GIF 格式，只能上传 JPEG、PNG 或 WebP 格式的照片" in response.content.decode()


def test_office_closes_and_sends_back_through_the_page(world, client, login):
    rectification = raise_one(world)
    service.respond(rectification, world["liaison"], "已整改")
    login(world["office"])

    response = client.post(reverse("rectification_send_back", args=[rectification.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "请填写退回理由。" in response.content.decode()

    client.post(reverse("rectification_send_back", args=[rectification.pk]), {"reason": "照片不清楚"})
    assert Rectification.objects.get(pk=rectification.pk).state == State.OPEN

    response = client.post(reverse("rectification_close", args=[rectification.pk]), {"text": ""})
    assert response.status_code == 400
    assert "整改单位尚未反馈，不能销号。" in response.content.decode()


def test_deputy_reads_every_rectification_but_cannot_close_one(world, client, login):
    rectification = raise_one(world)
    service.respond(rectification, world["liaison"], "已整改")
    login(world["deputy"])

    assert client.get(reverse("rectification_detail", args=[rectification.pk])).status_code == 200
    assert client.post(reverse("rectification_close", args=[rectification.pk])).status_code == 403
    assert client.get(reverse("rectification_create")).status_code == 403


def test_create_form_prefills_from_a_sub_item_and_raises_it(world, client, login):
    login(world["office"])
    sub = world["sub"]

    page = client.get(reverse("rectification_create"), {"sub_item": sub.pk}).content.decode()
    assert f'<option value="{sub.pk}" selected>' in page
    assert f'<option value="{world["unit"].pk}" selected>' in page

    response = client.post(
        reverse("rectification_create"),
        {
            "plan": world["plan"].pk,
            "source": "pace",
            "item": sub.item.pk,
            "sub_item": sub.pk,
            "unit": world["unit"].pk,
            "title": "进度严重滞后",
            "required_action": "倒排工期",
            "deadline": "2099-01-31",
        },
    )
    rectification = Rectification.objects.get(title="进度严重滞后")
    assert response.status_code == 302
    assert rectification.sub_item == sub and rectification.created_by == world["office"]


def test_create_form_keeps_input_when_the_source_needs_a_visit(world, client, login):
    login(world["office"])
    response = client.post(
        reverse("rectification_create"),
        {
            "plan": world["plan"].pk,
            "source": "visit",
            "unit": world["unit"].pk,
            "title": "我输入的问题",
            "required_action": "我输入的要求",
            "deadline": "2099-01-31",
        },
    )
    page = response.content.decode()
    assert "来源为视察发现时，请选择对应的视察。" in page
    assert "我输入的问题" in page and "我输入的要求" in page
    assert not Rectification.objects.exists()


def test_board_puts_overdue_first_and_counts_by_unit(world, client, login):
    today = dates.today()
    raise_one(world, deadline=today + dt.timedelta(days=3), title="未到期事项")
    raise_one(world, deadline=today - dt.timedelta(days=30), title="逾期事项", unit=world["other"])
    service.mark_overdue()
    login(world["office"])

    response = client.get(reverse("rectification_list"))
    page = response.content.decode()

    assert page.index("逾期事项") < page.index("未到期事项")
    board = {row["unit"]: row for row in response.context["board"]}
    assert board["区水利局"]["overdue"] == 1 and board["区住建局"]["open"] == 1
    only_overdue = client.get(reverse("rectification_list"), {"overdue": "on"}).content.decode()
    assert "逾期事项" in only_overdue and "未到期事项" not in only_overdue


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_board_and_detail_query_counts_do_not_grow_with_the_number_of_rectifications(world, client, login):
    first = raise_one(world)
    service.respond(first, world["liaison"], "已整改", [png()])
    login(world["office"])
    client.get(reverse("rectification_list"))
    board_small = _count_queries(client, reverse("rectification_list"))
    detail_small = _count_queries(client, reverse("rectification_detail", args=[first.pk]))

    for n in range(6):
        extra = raise_one(world, title=f"问题{n}", unit=world["other"] if n % 2 else world["unit"])
        if n % 2 == 0:
            service.respond(extra, world["liaison"], "已整改", [png()])
            service.send_back(extra, world["office"], "再改")
            service.respond(extra, world["liaison"], "再次反馈", [png()])
            first = extra

    assert _count_queries(client, reverse("rectification_list")) == board_small
    assert _count_queries(client, reverse("rectification_detail", args=[first.pk])) == detail_small
