"""Inspection visits: recording through the browser form, who may edit and lock, the pages and
the item page's supervision panel."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from core import dates
from supervision.followup.services import rectifications as rectification_service
from supervision.followup.services import visits as service
from supervision.models import InspectionVisit, Rectification, Satisfaction, VisitedItem
from tests.factories import (
    ItemFactory,
    PlanFactory,
    SubItemFactory,
    UnitFactory,
    deputy_user,
    leader_user,
    liaison_user,
    office_user,
)

pytestmark = pytest.mark.django_db


def jpeg(name="site.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def world():
    plan = PlanFactory()
    unit = UnitFactory(code="housing", name="区住建局")
    items = [ItemFactory(plan=plan, number=n, lead_unit=unit, title=f"实事{n}") for n in (1, 2)]
    subs = [SubItemFactory(item=item, number=1) for item in items]
    return {
        "plan": plan,
        "unit": unit,
        "items": items,
        "subs": subs,
        "office": office_user(username="office1"),
        "deputy": deputy_user(username="deputy1", last_name="林", first_name="代表"),
        "other_deputy": deputy_user(username="deputy2"),
        "leader": leader_user(username="leader1"),
        "liaison": liaison_user(unit, username="liaison-housing"),
    }


def form_data(world, **overrides) -> dict:
    item, sub = world["items"][0], world["subs"][0]
    data = {
        "plan": world["plan"].pk,
        "date": "2023-10-27",
        "kind": "inspection",
        "title": "人大代表视察民生实事",
        "organiser": "区人大常委会",
        "participants": [world["deputy"].pk],
        "other_participants": "政协委员 张三",
        "findings": "资金未到位",
        "opinions": "加快拨付",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-item": item.pk,
        "items-0-sub_item": sub.pk,
        "items-0-satisfaction": "fairly",
        "items-0-comment": "进度偏慢",
        "items-1-item": "",
        "items-1-sub_item": "",
        "items-1-satisfaction": "",
        "items-1-comment": "",
    }
    data.update(overrides)
    return data


def record(world, user, **details) -> InspectionVisit:
    return service.create_visit(
        user,
        service.VisitDetails(
            plan=world["plan"],
            date=details.get("date", dt.date(2023, 10, 27)),
            kind=InspectionVisit.Kind.DEPUTY_INSPECTION,
            title=details.get("title", "视察"),
        ),
        rows=[service.VisitedRow(item=world["items"][0], satisfaction=Satisfaction.SATISFIED)],
    )


def test_deputy_records_a_visit_with_ratings_participants_and_photos(world, client, login):
    login(world["deputy"])

    response = client.post(
        reverse("visit_create"), {**form_data(world), "photos": [jpeg("a.jpg"), jpeg("b.jpg")]}
    )

    visit = InspectionVisit.objects.get()
    assert response.status_code == 302 and response.url == reverse("visit_detail", args=[visit.pk])
    assert visit.recorded_by == world["deputy"]
    assert list(visit.participants.all()) == [world["deputy"]]
    assert visit.other_participants == "政协委员 张三"
    row = VisitedItem.objects.get(visit=visit)
    assert (row.item, row.sub_item, row.satisfaction, row.comment) == (
        world["items"][0],
        world["subs"][0],
        Satisfaction.FAIRLY,
        "进度偏慢",
    )
    assert visit.photos.count() == 2
    page = client.get(response.url).content.decode()
    assert "基本满意" in page and "林代表" in page and "资金未到位" in page


def test_a_sub_item_of_another_item_is_refused_and_the_form_keeps_what_was_typed(world, client, login):
    login(world["office"])

    response = client.post(
        reverse("visit_create"), form_data(world, **{"items-0-sub_item": world["subs"][1].pk})
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "所选子项不属于该实事。" in page and "人大代表视察民生实事" in page
    assert not InspectionVisit.objects.exists()


def test_a_renamed_non_image_is_refused_as_a_photo(world, client, login):
    login(world["office"])
    fake = SimpleUploadedFile("site.jpg", b"MZ\x90\x00 executable", content_type="image/jpeg")

    response = client.post(reverse("visit_create"), {**form_data(world), "photos": [fake]})

    assert "不是有效的图片文件" in response.content.decode()
    assert not InspectionVisit.objects.exists()


def test_liaisons_and_leaders_cannot_record_visits(world, client, login):
    for user in (world["liaison"], world["leader"]):
        login(user)
        assert client.post(reverse("visit_create"), form_data(world)).status_code == 403
    assert not InspectionVisit.objects.exists()


def test_deputy_edits_own_visit_until_the_office_locks_it(world, client, login):
    visit = record(world, world["deputy"])
    login(world["deputy"])

    data = form_data(world, title="改过的标题", **{"items-INITIAL_FORMS": "1"})
    assert client.post(reverse("visit_edit", args=[visit.pk]), data).status_code == 302
    visit.refresh_from_db()
    assert visit.title == "改过的标题"
    assert visit.visited_items.get().satisfaction == Satisfaction.FAIRLY

    service.set_locked(visit, world["office"], True)
    assert client.get(reverse("visit_edit", args=[visit.pk])).status_code == 403
    assert (
        client.post(reverse("visit_edit", args=[visit.pk]), form_data(world, title="再改")).status_code == 403
    )
    assert InspectionVisit.objects.get(pk=visit.pk).title == "改过的标题"

    login(world["office"])
    assert (
        client.post(reverse("visit_edit", args=[visit.pk]), form_data(world, title="督查室修改")).status_code
        == 302
    )
    assert InspectionVisit.objects.get(pk=visit.pk).title == "督查室修改"


def test_deputy_cannot_edit_a_visit_someone_else_recorded(world, client, login):
    visit = record(world, world["other_deputy"])
    login(world["deputy"])

    assert client.get(reverse("visit_edit", args=[visit.pk])).status_code == 403
    assert "修改</a>" not in client.get(reverse("visit_detail", args=[visit.pk])).content.decode()


def test_only_the_office_locks_and_unlocks(world, client, login):
    visit = record(world, world["deputy"])
    login(world["deputy"])
    assert client.post(reverse("visit_lock", args=[visit.pk]), {"locked": "1"}).status_code == 403
    assert not InspectionVisit.objects.get(pk=visit.pk).locked

    login(world["office"])
    client.post(reverse("visit_lock", args=[visit.pk]), {"locked": "1"})
    assert InspectionVisit.objects.get(pk=visit.pk).locked
    client.post(reverse("visit_lock", args=[visit.pk]), {"locked": "0"})
    assert not InspectionVisit.objects.get(pk=visit.pk).locked


def test_removing_a_row_in_the_edit_form_removes_the_visited_item(world, client, login):
    visit = record(world, world["office"])
    login(world["office"])
    data = form_data(world, **{"items-INITIAL_FORMS": "1", "items-0-DELETE": "on"})

    client.post(reverse("visit_edit", args=[visit.pk]), data)

    assert not VisitedItem.objects.filter(visit=visit).exists()


def test_liaisons_do_not_see_visits(world, client, login):
    visit = record(world, world["office"])
    login(world["liaison"])
    assert client.get(reverse("visit_list")).status_code == 403
    assert client.get(reverse("visit_detail", args=[visit.pk])).status_code == 403


def test_visit_page_offers_the_office_to_raise_a_rectification_per_item(world, client, login):
    visit = record(world, world["office"])
    login(world["office"])

    page = client.get(reverse("visit_detail", args=[visit.pk])).content.decode()
    link = f"{reverse('rectification_create')}?visit={visit.pk}&amp;item={world['items'][0].pk}"
    assert link in page

    form = client.get(reverse("rectification_create"), {"visit": visit.pk, "item": world["items"][0].pk})
    assert form.context["form"].initial["unit"] == world["unit"].pk
    assert form.context["form"].initial["source"] == Rectification.Source.VISIT


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_detail_and_item_panel_query_counts_stay_constant(world, client, login):
    def add_visit(n):
        visit = service.create_visit(
            world["office"],
            service.VisitDetails(
                plan=world["plan"], date=dt.date(2023, 10, n), kind="inspection", title=f"视察{n}"
            ),
            participants=[world["deputy"], world["other_deputy"]],
            rows=[service.VisitedRow(item=i, satisfaction=Satisfaction.SATISFIED) for i in world["items"]],
            photos=[jpeg()],
        )
        rectification_service.create_rectification(
            world["office"],
            plan=world["plan"],
            unit=world["unit"],
            title=f"问题{n}",
            required_action="整改",
            deadline=dt.date(2099, 1, 1),
            source=Rectification.Source.VISIT,
            visit=visit,
            item=world["items"][0],
        )
        return visit

    first = add_visit(1)
    login(world["office"])
    item_url = reverse("item_detail", args=[world["items"][0].pk])
    client.get(item_url)
    small = [
        _queries(client, url) for url in (reverse("visit_list"), reverse("visit_detail", args=[first.pk]))
    ]
    panel_small = _queries(client, item_url)

    last = [add_visit(n) for n in range(2, 8)][-1]

    large = [
        _queries(client, url) for url in (reverse("visit_list"), reverse("visit_detail", args=[last.pk]))
    ]
    assert large == small
    assert _queries(client, item_url) == panel_small


def test_item_page_shows_its_visits_ratings_and_rectifications(world, client, login):
    visit = record(world, world["office"], title="年中视察")
    rectification_service.create_rectification(
        world["office"],
        plan=world["plan"],
        unit=world["unit"],
        title="安置房交房推迟",
        required_action="倒排工期",
        deadline=dt.date(2099, 1, 1),
        source=Rectification.Source.VISIT,
        visit=visit,
        item=world["items"][0],
    )
    login(world["deputy"])

    page = client.get(reverse("item_detail", args=[world["items"][0].pk])).content.decode()

    assert "年中视察" in page and "满意 1" in page and "安置房交房推迟" in page


def test_item_page_shows_a_liaison_their_units_rectifications_but_not_the_visits(world, client, login):
    visit = record(world, world["office"], title="年中视察")
    rectification_service.create_rectification(
        world["office"],
        plan=world["plan"],
        unit=world["unit"],
        title="本单位的整改",
        required_action="整改",
        deadline=dt.date(2099, 1, 1),
        source=Rectification.Source.VISIT,
        visit=visit,
        item=world["items"][0],
    )
    finance = UnitFactory(code="finance", name="区财政局")
    # A rectification goes only to a unit with a part in the item (projects.reach).
    world["subs"][0].cooperating_units.add(finance)
    rectification_service.create_rectification(
        world["office"],
        plan=world["plan"],
        unit=finance,
        title="财政局的整改",
        required_action="拨付",
        deadline=dt.date(2099, 1, 1),
        item=world["items"][0],
    )
    login(world["liaison"])

    page = client.get(reverse("item_detail", args=[world["items"][0].pk])).content.decode()

    assert "本单位的整改" in page
    assert "财政局的整改" not in page and "年中视察" not in page


def test_demo_has_the_october_2023_inspection_and_its_rectifications_once(demo):
    from supervision.demo.visits import INSPECTION_2023, seed_visits

    visit = InspectionVisit.objects.get(plan=demo["plan_2023"], date=INSPECTION_2023)
    assert visit.kind == InspectionVisit.Kind.DEPUTY_INSPECTION and visit.locked
    assert "老旧小区改造" in visit.findings
    assert visit.visited_items.exclude(satisfaction="").count() >= 3
    states = set(visit.rectifications.values_list("state", "is_overdue"))
    assert states == {(Rectification.State.CLOSED, False), (Rectification.State.OPEN, True)}
    assert InspectionVisit.objects.filter(plan=demo["plan_now"]).exists()

    assert seed_visits(dates.today()) == 0
    visits_rectifications = Rectification.objects.exclude(source=Rectification.Source.EVALUATION)
    assert InspectionVisit.objects.count() == 2 and visits_rectifications.count() == 3
