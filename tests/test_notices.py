"""The public progress notice (进展公示): the three classes and their shares, the slow items
and their units, the objection window, the office's public answers, and the share link and
QR code of each notice and list."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
import segno
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from core import dates
from core.lights import Light
from core.public_forms import TOO_OFTEN, refill_captcha_pool
from core.qr import qr_svg
from projects.models import Plan
from supervision.models import NoticeObjection, ProgressNotice
from supervision.notices import services as service
from supervision.notices.rules import (
    NoticeClass,
    class_sentences,
    notice_class,
    notice_figures,
    objection_closes,
    share,
)
from tests.captcha import solved_captcha

from .factories import (
    ItemFactory,
    PlanFactory,
    SubItemFactory,
    UnitFactory,
    accepted_report,
    liaison_user,
    office_user,
)

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2025, 7, 1)
TODAY = dates.today()


# --- The rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("is_complete", "light", "lag", "rate", "expected"),
    [
        (True, Light.BLUE, "0", None, NoticeClass.AHEAD),
        (False, Light.GREEN, "-0.01", None, NoticeClass.AHEAD),  # ahead of the scheduled pace
        (False, Light.GREEN, "5", "1.2", NoticeClass.AHEAD),  # beyond target, not yet declared done
        (False, Light.GREEN, "5", "1", NoticeClass.ON_PACE),  # exactly on target is not beyond it
        (False, Light.GREEN, "0", None, NoticeClass.ON_PACE),  # exactly on pace
        (False, Light.GREEN, "9.99", "0.5", NoticeClass.ON_PACE),
        (False, Light.YELLOW, "10", None, NoticeClass.SLOW),
        (False, Light.RED, "-5", "1.5", NoticeClass.SLOW),  # past its deadline unfinished
    ],
)
def test_the_three_classes(is_complete, light, lag, rate, expected):
    found = notice_class(
        is_complete=is_complete,
        light=light,
        lag_points=Decimal(lag),
        completion_rate=None if rate is None else Decimal(rate),
    )
    assert found == expected


def test_shares_are_written_as_speeches_write_them():
    assert share(3, 10) == "30%"
    assert share(1, 3) == "33.3%"
    assert share(0, 0) == "0%"


def test_the_window_counts_the_day_of_issue():
    assert objection_closes(dt.date(2025, 6, 1), 7) == dt.date(2025, 6, 7)
    assert objection_closes(dt.date(2025, 6, 1), 1) == dt.date(2025, 6, 1)


# --- A list of ten, three of them slow -------------------------------------------------------


@pytest.fixture
def world():
    plan = PlanFactory(year=2025, title="2025年区级十件民生实事")
    housing = UnitFactory(code="housing", name="区住建局")
    water = UnitFactory(code="water", name="区水利局")
    roads = UnitFactory(code="roads", name="区交通局")

    def sub(unit, title):
        return SubItemFactory(item=ItemFactory(plan=plan, lead_unit=unit, title=title))

    on, period = dt.date(2025, 6, 30), dt.date(2025, 6, 1)
    done = sub(housing, "老旧小区改造")
    accepted_report(done, on=on, period_start=period, progress="100", actual="100", complete=True)
    ahead = sub(housing, "加装电梯")
    accepted_report(ahead, on=on, period_start=period, progress="60")
    beyond = sub(roads, "新建充电桩")
    accepted_report(beyond, on=on, period_start=period, progress="45", actual="120")
    for n in range(4):
        accepted_report(sub(roads, f"道路改造{n}"), on=on, period_start=period, progress="45")
    red = sub(water, "供水管网")
    accepted_report(red, on=on, period_start=period, progress="10")
    sub(water, "农村饮水")  # never reported: not started three months after its start
    yellow = sub(roads, "公交站台")
    accepted_report(yellow, on=on, period_start=period, progress="30")
    return {"plan": plan, "office": office_user(username="office"), "liaison": liaison_user(housing)}


def test_notice_figures_count_share_and_name_the_slow_items_and_units(world):
    figures = notice_figures(world["plan"], AS_OF)
    assert figures["subitems_total"] == 10
    assert class_sentences(figures) == [
        "提前或超额完成的有3项，占30%",
        "正常推进的有4项，占40%",
        "推进缓慢的有3项，占30%",
    ]
    assert [(row["item"], row["unit"]) for row in figures["slow"]] == [
        ("供水管网", "区水利局"),
        ("农村饮水", "区水利局"),
        ("公交站台", "区交通局"),
    ]


def test_the_office_issues_a_notice_that_keeps_its_figures_as_of_its_day(world, client, login):
    login(world["office"])
    response = client.post(
        reverse("plan_notices", args=[world["plan"].pk]), {"as_of": AS_OF.isoformat(), "objection_days": "7"}
    )
    notice = ProgressNotice.objects.get()
    assert response.url == reverse("notice_manage", args=[world["plan"].pk, notice.pk])
    assert notice.title == "2025年区级十件民生实事进展情况公示（截至2025年7月1日）"
    assert notice.issued_on == TODAY and notice.objection_days == 7
    assert notice.figures == notice_figures(world["plan"], AS_OF)

    # A report accepted later changes the live figures, not the issued notice.
    later = world["plan"].items.get(title="公交站台").sub_items.get()
    accepted_report(
        later,
        on=dt.date(2025, 7, 31),
        period_start=dt.date(2025, 7, 1),
        progress="100",
        actual="100",
        complete=True,
    )
    page = Client().get(reverse("public_notice", args=[world["plan"].pk, notice.pk])).content.decode()
    assert "推进缓慢的有3项，占30%" in page
    assert "区水利局" in page and "区交通局" in page


def test_issuing_refuses_a_future_day_and_a_bad_window_in_chinese(world, client, login):
    login(world["office"])
    url = reverse("plan_notices", args=[world["plan"].pk])
    tomorrow = TODAY + dt.timedelta(days=1)
    response = client.post(url, {"as_of": tomorrow.isoformat(), "objection_days": "7"})
    assert response.status_code == 400
    assert "数据截至日期不能晚于公示日期。" in response.content.decode()
    response = client.post(url, {"as_of": AS_OF.isoformat(), "objection_days": "0"})
    assert "公示期须为1至60天。" in response.content.decode()
    assert not ProgressNotice.objects.exists()


def test_a_draft_list_has_no_notices(world):
    draft = PlanFactory(status=Plan.Status.DRAFT)
    with pytest.raises(ValidationError) as raised:
        service.issue_notice(draft, world["office"], as_of=TODAY)
    assert raised.value.message_dict["plan"] == ["清单尚未公布，不能发布进展公示。"]


def test_only_the_office_issues_and_answers(world, client, login):
    login(world["liaison"])
    url = reverse("plan_notices", args=[world["plan"].pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"as_of": AS_OF.isoformat(), "objection_days": "7"}).status_code == 403
    assert Client().get(url).status_code == 302  # to the login page


# --- Residents object; the office answers in public ---------------------------------------------


@pytest.fixture
def notice(world):
    cache.clear()
    return service.issue_notice(world["plan"], world["office"], as_of=AS_OF)


def objection_url(notice) -> str:
    return reverse("public_notice", args=[notice.plan_id, notice.pk])


def test_a_resident_objects_with_a_contact_the_public_never_sees_and_the_answer_is_public(
    world, notice, client, login
):
    resident = Client()
    response = resident.post(
        objection_url(notice),
        {"text": "供水管网我们村还没动工", "contact": "13800001111", **solved_captcha()},
    )
    assert response.status_code == 302
    objection = NoticeObjection.objects.get()
    assert objection.contact == "13800001111"
    page = resident.get(objection_url(notice)).content.decode()
    assert "供水管网我们村还没动工" not in page  # shown once answered
    assert "13800001111" not in page

    login(world["office"])
    manage = reverse("notice_manage", args=[world["plan"].pk, notice.pk])
    assert "13800001111" in client.get(manage).content.decode()
    empty = client.post(manage, {"objection": objection.pk, "answer": " "})
    assert empty.status_code == 400 and "请填写答复内容。" in empty.content.decode()
    client.post(manage, {"objection": objection.pk, "answer": "已督促区水利局8月开工"})

    page = resident.get(objection_url(notice)).content.decode()
    assert "供水管网我们村还没动工" in page and "已督促区水利局8月开工" in page
    assert "13800001111" not in page
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    assert (
        "已督促区水利局8月开工"
        not in resident.get(objection_url(notice), {"as_of": yesterday}).content.decode()
    )


def test_an_objection_without_text_is_refused_in_chinese(notice):
    response = Client().post(objection_url(notice), {"text": "   ", "contact": "", **solved_captcha()})
    assert response.status_code == 400
    assert "请填写意见或异议的内容。" in response.content.decode()
    assert not NoticeObjection.objects.exists()


def test_a_wrong_captcha_is_refused(notice):
    fields = solved_captcha() | {"captcha_1": "wrong"}
    response = Client().post(objection_url(notice), {"text": "有意见", **fields})
    assert response.status_code == 400
    assert "验证码不正确，请重新输入。" in response.content.decode()
    assert not NoticeObjection.objects.exists()


def test_objections_sent_too_often_from_one_address_are_refused_in_chinese(notice):
    resident = Client()
    for n in range(5):
        assert (
            resident.post(objection_url(notice), {"text": f"意见{n}", **solved_captcha()}).status_code == 302
        )
    response = resident.post(objection_url(notice), {"text": "第六条", **solved_captcha()})
    assert response.status_code == 429
    assert str(TOO_OFTEN) in response.content.decode()
    assert NoticeObjection.objects.count() == 5


def test_an_objection_after_the_window_closes_is_refused_in_chinese(world):
    cache.clear()
    old = service.issue_notice(
        world["plan"], world["office"], as_of=AS_OF, issued_on=TODAY - dt.timedelta(days=7)
    )
    page = Client().get(objection_url(old)).content.decode()
    assert "意见反馈期已于" in page and 'name="text"' not in page
    response = Client().post(objection_url(old), {"text": "晚了", **solved_captcha()})
    assert response.status_code == 400
    closed = TODAY - dt.timedelta(days=1)
    assert (
        f"本公示的意见反馈期已于{closed.year}年{closed.month}月{closed.day}日结束，不再受理意见。"
        in response.content.decode()
    )
    assert not NoticeObjection.objects.exists()

    last_day = service.issue_notice(
        world["plan"], world["office"], as_of=AS_OF, issued_on=TODAY - dt.timedelta(days=6)
    )
    assert Client().post(objection_url(last_day), {"text": "赶上了", **solved_captcha()}).status_code == 302


# --- Reading as of a day; sharing ------------------------------------------------------------


def test_the_list_shows_notices_issued_by_the_day(world, notice):
    url = reverse("public_notices", args=[world["plan"].pk])
    page = Client().get(url).content.decode()
    assert notice.title in page and "推进缓慢的有3项，占30%" in page
    before = (TODAY - dt.timedelta(days=1)).isoformat()
    assert notice.title not in Client().get(url, {"as_of": before}).content.decode()
    assert Client().get(objection_url(notice), {"as_of": before}).status_code == 404


def test_each_notice_and_list_has_a_share_link_and_a_qr_code_of_it(world, notice, settings):
    """The QR code is drawn on our server (no CDN) and encodes exactly the link offered."""
    resident = Client()
    plan_page = reverse("public_plan", args=[world["plan"].pk])
    plan_qr = reverse("public_plan_qr", args=[world["plan"].pk])
    notice_qr = reverse("public_notice_qr", args=[world["plan"].pk, notice.pk])
    for page_url, shared_path, qr_url in (
        (objection_url(notice), objection_url(notice), notice_qr),
        (plan_page, plan_page, plan_qr),
        (reverse("public_notices", args=[world["plan"].pk]), plan_page, plan_qr),
    ):
        page = resident.get(page_url).content.decode()
        shared = "http://testserver" + shared_path
        assert f'id="share-url" href="{shared}"' in page
        assert f'src="{qr_url}"' in page
        code = resident.get(qr_url)
        assert code["Content-Type"] == "image/svg+xml"
        assert code.content == qr_svg(shared)
        assert code.content.startswith(b"<?xml") and b"<svg" in code.content

    settings.SITE_URL = "https://minsheng.example.gov.cn"
    page = resident.get(objection_url(notice)).content.decode()
    assert f'href="https://minsheng.example.gov.cn{objection_url(notice)}"' in page
    assert resident.get(notice_qr).content == qr_svg(
        f"https://minsheng.example.gov.cn{objection_url(notice)}"
    )


def test_the_qr_code_is_a_readable_code_of_the_link():
    url = "https://minsheng.example.gov.cn/public/plans/1/notices/2/"
    drawn = qr_svg(url).decode()
    matrix = segno.make(url, error="m", micro=False)
    width = (matrix.symbol_size(scale=6, border=2))[0]
    assert f'width="{width}"' in drawn


def test_public_notice_pages_read_in_a_fixed_number_of_queries(world, notice, django_assert_max_num_queries):
    for n in range(3):
        objection = service.send_objection(notice, f"意见{n}")
        service.answer_objection(objection, world["office"], f"答复{n}")
    resident = Client()
    refill_captcha_pool(size=5)  # as the beat task keeps it: the form picks, never draws
    with django_assert_max_num_queries(4):
        resident.get(objection_url(notice))
    with django_assert_max_num_queries(3):
        resident.get(reverse("public_notices", args=[world["plan"].pk]))


def test_the_demo_has_the_2023_mid_year_notice_with_an_answered_objection_once(demo):
    plan = demo["plan_2023"]
    notice = ProgressNotice.objects.get(plan=plan)
    assert notice.figures == notice_figures(plan, dt.date(2023, 6, 30))
    page = Client().get(objection_url(notice)).content.decode()
    answer = notice.objections.get().answer
    assert answer in page and "138****0000" not in page
    assert "意见反馈期已于 2023年7月9日 结束" in page
    counts = (ProgressNotice.objects.count(), NoticeObjection.objects.count())
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    assert (ProgressNotice.objects.count(), NoticeObjection.objects.count()) == counts


def test_the_offices_notice_pages_read_in_a_fixed_number_of_queries(
    world, notice, client, login, django_assert_max_num_queries
):
    for n in range(4):
        service.send_objection(notice, f"意见{n}", f"1380000000{n}")
    service.issue_notice(world["plan"], world["office"], as_of=TODAY)
    login(world["office"])
    with django_assert_max_num_queries(8):
        listed = client.get(reverse("plan_notices", args=[world["plan"].pk]))
    assert "意见 4 条，待答复 4 条" in listed.content.decode()
    with django_assert_max_num_queries(8):
        page = client.get(reverse("notice_manage", args=[world["plan"].pk, notice.pk])).content.decode()
    assert page.count('class="border rounded bg-white p-2 mb-2 objection"') == 4
    assert "13800000003" in page
