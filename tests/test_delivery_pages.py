"""The pages around message channels: each user's channel choice, the office's delivery record
with its failed sends, and the admin where unit robots are set without their keys ever being
shown back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import dates
from supervision.models import Delivery, Notification, UnitChannels, UserChannels

from .factories import UnitFactory, liaison_user, office_user

pytestmark = pytest.mark.django_db

WECOM_KEY = "wecom-key-5e7d21aa"
DINGTALK_SECRET = "SEC-signing-88c1f0"


@pytest.fixture
def unit():
    return UnitFactory(name="县水利局", code="water")


@pytest.fixture
def liaison(unit):
    return liaison_user(unit, username="liaison-water")


def failed_delivery(recipient, title="催报：农村供水", created_at=None, error="HTTP 502") -> Delivery:
    notification = Notification.objects.create(
        recipient=recipient, kind=Notification.Kind.REPORT_REMINDER, title=title
    )
    return Delivery.objects.create(
        notification=notification,
        channel=Delivery.Channel.WECOM,
        destination=str(recipient.unit),
        unit=recipient.unit,
        state=Delivery.State.FAILED,
        attempts=5,
        last_error=error,
        created_at=created_at or timezone.now(),
    )


def test_only_the_office_sees_and_resends_deliveries(client, liaison):
    failed = failed_delivery(liaison)
    client.force_login(liaison)
    assert client.get("/deliveries/").status_code == 403
    assert client.post(f"/deliveries/{failed.pk}/resend/").status_code == 403
    failed.refresh_from_db()
    assert failed.state == Delivery.State.FAILED


def test_the_delivery_page_filters_by_state_and_counts_each(client, liaison):
    failed_delivery(liaison, title="催报：农村供水")
    sent = failed_delivery(liaison, title="填报已通过")
    Delivery.objects.filter(pk=sent.pk).update(state=Delivery.State.SENT, last_error="")
    client.force_login(office_user())

    everything = client.get("/deliveries/").content.decode()
    assert "催报：农村供水" in everything and "填报已通过" in everything
    only_failed = client.get("/deliveries/?state=failed").content.decode()
    assert "催报：农村供水" in only_failed and "填报已通过" not in only_failed
    assert "HTTP 502" in only_failed and "重发" in only_failed

    bad = client.get("/deliveries/?state=lost")
    assert bad.status_code == 400 and "状态只能是" in bad.content.decode()


def test_the_delivery_page_as_of_a_day_shows_the_messages_of_that_day_and_before(client, liaison):
    failed_delivery(liaison, title="上周的催报", created_at=timezone.now() - dt.timedelta(days=7))
    failed_delivery(liaison, title="今天的催报")
    client.force_login(office_user())
    day = (dates.today() - dt.timedelta(days=3)).isoformat()
    page = client.get(f"/deliveries/?as_of={day}").content.decode()
    assert "上周的催报" in page and "今天的催报" not in page
    assert client.get("/deliveries/?as_of=2024-13-01").status_code == 400


def test_the_delivery_page_reads_a_fixed_number_of_queries(client, liaison):
    client.force_login(office_user())
    failed_delivery(liaison)
    client.get("/deliveries/")
    with CaptureQueriesContext(connection) as few:
        client.get("/deliveries/")
    for n in range(10):
        failed_delivery(liaison_user(liaison.unit, username=f"more-{n}"), title=f"第{n}条")
    with CaptureQueriesContext(connection) as many:
        assert "第9条" in client.get("/deliveries/").content.decode()
    assert len(many) == len(few)


def test_a_user_chooses_sms_with_a_valid_phone_number(client, settings, liaison):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    client.force_login(liaison)
    assert client.get("/notifications/channels/").status_code == 200
    assert not UserChannels.objects.exists()  # reading the page writes nothing

    bad = client.post("/notifications/channels/", {"email": "on", "sms": "on", "phone": "12345"})
    assert "请输入11位手机号" in bad.content.decode()
    missing = client.post("/notifications/channels/", {"sms": "on", "phone": ""})
    assert "选择短信须填写手机号" in missing.content.decode()
    assert not UserChannels.objects.exists()

    saved = client.post("/notifications/channels/", {"sms": "on", "phone": "139 0000 1111"})
    assert saved.status_code == 302
    choice = UserChannels.objects.get(user=liaison)
    liaison.refresh_from_db()
    assert (choice.email, choice.sms, liaison.phone) == (False, True, "13900001111")


def test_without_a_gateway_sms_cannot_be_chosen(client, settings, liaison):
    settings.SMS_GATEWAY_URL = ""
    client.force_login(liaison)
    assert "系统未配置短信网关" in client.get("/notifications/channels/").content.decode()
    client.post("/notifications/channels/", {"email": "on", "sms": "on", "phone": "13900001111"})
    assert UserChannels.objects.get(user=liaison).sms is False


def test_the_settings_page_shows_the_units_robots_without_their_keys(client, unit, liaison):
    UnitChannels.objects.create(
        unit=unit, wecom_webhook=f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"
    )
    client.force_login(liaison)
    page = client.get("/notifications/channels/").content.decode()
    assert "qyapi.weixin.qq.com" in page and "已设置" in page and WECOM_KEY not in page


def test_the_office_sets_unit_robots_in_the_admin_and_never_sees_the_keys_again(client, unit):
    client.force_login(office_user(is_superuser=True))
    webhook = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"
    response = client.post(
        "/admin/supervision/unitchannels/add/",
        {
            "unit": unit.pk,
            "wecom_webhook": webhook,
            "dingtalk_webhook": "",
            "dingtalk_secret": DINGTALK_SECRET,
        },
    )
    assert response.status_code == 302, response.content.decode()
    robots = UnitChannels.objects.get(unit=unit)
    assert robots.wecom_webhook == webhook and robots.dingtalk_secret == DINGTALK_SECRET

    for url in ("/admin/supervision/unitchannels/", f"/admin/supervision/unitchannels/{robots.pk}/change/"):
        page = client.get(url).content.decode()
        assert WECOM_KEY not in page and DINGTALK_SECRET not in page, url

    # Left blank, a stored secret stays; ticked "清除", it goes.
    client.post(
        f"/admin/supervision/unitchannels/{robots.pk}/change/",
        {
            "unit": unit.pk,
            "wecom_webhook": "",
            "dingtalk_webhook": "",
            "dingtalk_secret": "",
            "clear": ["dingtalk_secret"],
        },
    )
    robots.refresh_from_db()
    assert robots.wecom_webhook == webhook and robots.dingtalk_secret == ""

    invalid = client.post(
        f"/admin/supervision/unitchannels/{robots.pk}/change/",
        {"unit": unit.pk, "wecom_webhook": "not a url", "dingtalk_webhook": "", "dingtalk_secret": ""},
    )
    assert invalid.status_code == 200 and "请输入合法的URL" in invalid.content.decode()


def test_the_admin_lists_deliveries_read_only(client, liaison):
    failed_delivery(liaison, error="HTTP 500")
    client.force_login(office_user(is_superuser=True))
    page = client.get("/admin/supervision/delivery/")
    assert page.status_code == 200 and "HTTP 500" in page.content.decode()
    assert client.get("/admin/supervision/delivery/add/").status_code == 403
