"""Messages reach officials where they read them: e-mail, SMS through the HTTP gateway, WeCom
and DingTalk group robots. Every channel is run against a local HTTP receiver started by the
test, including its failures (500, bad JSON, an error code, no answer in time): each message has
one delivery record per channel, a failure is recorded with its secrets masked and retried,
nothing is lost and nothing is sent twice."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from celery.exceptions import Retry
from django.core import mail
from django.db import transaction
from django.utils import timezone

from supervision.messaging import deliveries
from supervision.messaging.notifications import notify
from supervision.models import Delivery, Notification, ProgressReport, UnitChannels, UserChannels
from supervision.tasks import send_delivery, send_due_deliveries

from .factories import ProgressReportFactory, SubItemFactory, UnitFactory, liaison_user, office_user

pytestmark = pytest.mark.django_db

WECOM_KEY = "wecom-key-0f3a9c7e5b"
DINGTALK_TOKEN = "ding-token-7d1e44aa90"
DINGTALK_SECRET = "SECa1b2c3d4e5f6-signing"
SMS_TOKEN = "sms-token-93be10c2"
SECRETS = (WECOM_KEY, DINGTALK_TOKEN, DINGTALK_SECRET, SMS_TOKEN)
TIMEOUT = 0.5


class Receiver:
    """A local HTTP server that records every request and answers as it is told: "ok"
    (errcode 0), "500", "bad_json", "errcode" (93000, echoing the address with its key, as some providers do), or
    "slow" (answers after the sender's timeout). Queued answers are used first, then ``default``."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[str] = []
        self.default = "ok"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                receiver.requests.append(
                    {
                        "path": parts.path,
                        "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                        "headers": dict(self.headers),
                        "json": json.loads(raw or b"null"),
                    }
                )
                answer = receiver.answers.pop(0) if receiver.answers else receiver.default
                if answer == "slow":
                    time.sleep(TIMEOUT * 3)
                status, body = {
                    "ok": (200, b'{"errcode": 0, "errmsg": "ok"}'),
                    "slow": (200, b'{"errcode": 0, "errmsg": "ok"}'),
                    "500": (500, b"Internal Server Error"),
                    "bad_json": (200, b"<html>not json"),
                    "errcode": (
                        200,
                        json.dumps({"errcode": 93000, "errmsg": f"invalid {self.path}"}).encode(),
                    ),
                }[answer]
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the sender gave up waiting
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # shutdown() waits for the server's next poll: at the default half second, every
        # test with a receiver would sit idle that long.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _channel_settings(settings, receiver):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFY_HTTP_TIMEOUT = TIMEOUT
    settings.NOTIFY_MAX_ATTEMPTS = 3
    settings.NOTIFY_RETRY_SECONDS = 60
    settings.SMS_GATEWAY_URL = receiver.url("/sms/send")
    settings.SMS_GATEWAY_TOKEN = SMS_TOKEN
    settings.SITE_URL = "https://minsheng.example.gov.cn"


@pytest.fixture
def unit():
    return UnitFactory(name="县住建局", code="housing")


@pytest.fixture
def liaison(unit):
    return liaison_user(unit, username="liaison-housing", email="", phone="13800138000")


def wecom(unit, receiver):
    return UnitChannels.objects.update_or_create(
        unit=unit, defaults={"wecom_webhook": receiver.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}")}
    )[0]


def dingtalk(unit, receiver, secret=DINGTALK_SECRET):
    return UnitChannels.objects.update_or_create(
        unit=unit,
        defaults={
            "dingtalk_webhook": receiver.url(f"/robot/send?access_token={DINGTALK_TOKEN}"),
            "dingtalk_secret": secret,
        },
    )[0]


def send(recipient, capture, title="填报被退回：老旧小区改造", body="请补充现场照片", url="/reports/7/"):
    with capture(execute=True):
        return notify(recipient, Notification.Kind.REPORT_RETURNED, title, body, url)


def delivery(channel) -> Delivery:
    return Delivery.objects.get(channel=channel)


def later(minutes):
    return time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=False)


# --- each channel's happy path ---------------------------------------------------------------


def test_a_unit_wecom_robot_gets_each_message_to_its_people_once(
    liaison, unit, receiver, django_capture_on_commit_callbacks
):
    wecom(unit, receiver)
    notification = send(liaison, django_capture_on_commit_callbacks)

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["path"] == "/cgi-bin/webhook/send" and request["query"] == {"key": WECOM_KEY}
    assert request["json"]["msgtype"] == "text"
    content = request["json"]["text"]["content"]
    assert "填报被退回：老旧小区改造" in content and "请补充现场照片" in content
    assert "https://minsheng.example.gov.cn/reports/7/" in content
    sent = delivery(Delivery.Channel.WECOM)
    assert (sent.state, sent.attempts, sent.destination, sent.last_error) == ("sent", 1, "县住建局", "")
    assert sent.notification == notification and sent.sent_at is not None
    assert delivery(Delivery.Channel.IN_APP).state == Delivery.State.SENT
    assert Notification.objects.filter(recipient=liaison, read_at__isnull=True).count() == 1


def test_a_dingtalk_robot_with_a_signing_secret_gets_a_valid_signature(
    liaison, unit, receiver, django_capture_on_commit_callbacks
):
    dingtalk(unit, receiver)
    send(liaison, django_capture_on_commit_callbacks)

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    query = request["query"]
    assert query["access_token"] == DINGTALK_TOKEN
    expected = hmac.new(
        DINGTALK_SECRET.encode(), f"{query['timestamp']}\n{DINGTALK_SECRET}".encode(), hashlib.sha256
    ).digest()
    assert query["sign"] == base64.b64encode(expected).decode()
    assert abs(int(query["timestamp"]) - time.time() * 1000) < 60_000
    assert request["json"] == {"msgtype": "text", "text": {"content": request["json"]["text"]["content"]}}
    assert delivery(Delivery.Channel.DINGTALK).state == Delivery.State.SENT


def test_a_dingtalk_robot_without_a_secret_is_called_unsigned(
    liaison, unit, receiver, django_capture_on_commit_callbacks
):
    dingtalk(unit, receiver, secret="")
    send(liaison, django_capture_on_commit_callbacks)
    assert receiver.requests[0]["query"] == {"access_token": DINGTALK_TOKEN}


def test_sms_goes_through_the_gateway_to_users_who_chose_it(
    liaison, receiver, django_capture_on_commit_callbacks
):
    UserChannels.objects.create(user=liaison, sms=True)
    send(liaison, django_capture_on_commit_callbacks)

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["path"] == "/sms/send"
    assert request["headers"]["Authorization"] == f"Bearer {SMS_TOKEN}"
    assert request["json"]["phone"] == "13800138000" and "填报被退回" in request["json"]["text"]
    sms = delivery(Delivery.Channel.SMS)
    assert sms.state == Delivery.State.SENT and sms.shown_destination == "138****8000"


def test_sms_is_not_used_without_a_gateway(settings, liaison, receiver, django_capture_on_commit_callbacks):
    settings.SMS_GATEWAY_URL = ""
    UserChannels.objects.create(user=liaison, sms=True)
    send(liaison, django_capture_on_commit_callbacks)
    assert receiver.requests == []
    assert not Delivery.objects.filter(channel=Delivery.Channel.SMS).exists()


def test_email_is_sent_through_the_mail_backend_unless_the_user_switched_it_off(
    unit, receiver, django_capture_on_commit_callbacks
):
    reader = liaison_user(unit, username="reader", email="reader@example.invalid")
    send(reader, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["reader@example.invalid"]
    assert mail.outbox[0].subject == "填报被退回：老旧小区改造"
    assert "https://minsheng.example.gov.cn/reports/7/" in mail.outbox[0].body
    assert delivery(Delivery.Channel.EMAIL).state == Delivery.State.SENT

    UserChannels.objects.create(user=reader, email=False)
    send(reader, django_capture_on_commit_callbacks, title="第二条")
    assert len(mail.outbox) == 1
    assert Delivery.objects.filter(channel=Delivery.Channel.EMAIL).count() == 1
    assert Notification.objects.filter(recipient=reader).count() == 2  # in-app always


def test_a_rolled_back_action_messages_nobody(liaison, unit, receiver, django_capture_on_commit_callbacks):
    wecom(unit, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(liaison, Notification.Kind.REPORT_RETURNED, "不会发出")
            raise RuntimeError
    assert receiver.requests == [] and not Delivery.objects.exists()


# --- failures: recorded, masked, retried, never lost, never doubled ---------------------------


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ("500", "HTTP 500"),
        ("bad_json", "不是有效的 JSON"),
        ("errcode", "错误码 93000"),
        ("slow", "超时"),
    ],
)
def test_a_failed_send_stays_queued_with_its_error_and_no_secret_anywhere(
    liaison, unit, receiver, django_capture_on_commit_callbacks, caplog, answer, error
):
    caplog.set_level(logging.DEBUG)
    wecom(unit, receiver)
    dingtalk(unit, receiver)
    UserChannels.objects.create(user=liaison, sms=True)
    receiver.default = answer

    started = time.monotonic()
    send(liaison, django_capture_on_commit_callbacks)
    assert time.monotonic() - started < 3 * TIMEOUT + 2  # one short attempt each, no retry in-process

    assert len(receiver.requests) == 3
    for channel in (Delivery.Channel.WECOM, Delivery.Channel.DINGTALK, Delivery.Channel.SMS):
        failed = delivery(channel)
        assert failed.state == Delivery.State.QUEUED and failed.attempts == 1, channel
        assert error in failed.last_error, failed.last_error
        assert failed.next_attempt_at > timezone.now()
    shown = " ".join(Delivery.objects.values_list("last_error", flat=True)) + caplog.text
    assert "failed on attempt 1" in caplog.text
    for secret in SECRETS:
        assert secret not in shown


def test_an_unreachable_robot_is_recorded_and_retried(
    liaison, unit, django_capture_on_commit_callbacks, caplog
):
    # A port bound but never listened on refuses connections; held until the send is done, so
    # that no other test worker's server can be given it meanwhile.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        UnitChannels.objects.create(unit=unit, wecom_webhook=f"http://127.0.0.1:{port}/send?key={WECOM_KEY}")
        send(liaison, django_capture_on_commit_callbacks)
    failed = delivery(Delivery.Channel.WECOM)
    assert failed.state == Delivery.State.QUEUED and "无法连接" in failed.last_error
    assert WECOM_KEY not in failed.last_error + caplog.text


def test_a_send_that_failed_succeeds_later_exactly_once(
    liaison, unit, receiver, django_capture_on_commit_callbacks
):
    wecom(unit, receiver)
    receiver.answers = ["500"]
    send(liaison, django_capture_on_commit_callbacks)
    queued = delivery(Delivery.Channel.WECOM)
    assert queued.attempts == 1 and len(receiver.requests) == 1

    assert send_delivery.delay(queued.pk).get() == "queued"  # not due yet: nothing sent
    assert len(receiver.requests) == 1

    with later(minutes=1.1):
        assert send_delivery.delay(queued.pk).get() == "sent"
        assert send_delivery.delay(queued.pk).get() == "sent"  # a re-run sends nothing
    with later(minutes=60):
        assert send_due_deliveries.delay().get() == 0

    queued.refresh_from_db()
    assert (queued.state, queued.attempts, queued.last_error) == ("sent", 2, "")
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["json"] == receiver.requests[1]["json"]


def test_the_sweep_retries_deliveries_whose_task_did_not_run_with_back_off(
    liaison, unit, receiver, django_capture_on_commit_callbacks
):
    wecom(unit, receiver)
    receiver.default = "500"
    send(liaison, django_capture_on_commit_callbacks)
    pending = delivery(Delivery.Channel.WECOM)

    with later(minutes=2.5):  # the first retry is due after 1 minute, swept 2 minutes later
        send_due_deliveries.delay().get()
    assert len(receiver.requests) == 1
    with later(minutes=3.5):
        send_due_deliveries.delay().get()
    pending.refresh_from_db()
    assert pending.attempts == 2 and len(receiver.requests) == 2
    with later(minutes=6):  # the second wait is 2 minutes: due at 5.5, swept from 7.5
        send_due_deliveries.delay().get()
    assert len(receiver.requests) == 2

    receiver.default = "ok"
    with later(minutes=8):
        assert send_due_deliveries.delay().get() == 1
    pending.refresh_from_db()
    assert pending.state == Delivery.State.SENT and pending.attempts == 3 and len(receiver.requests) == 3


def test_a_worker_schedules_the_retry_instead_of_sending_again_at_once(
    liaison, unit, receiver, django_capture_on_commit_callbacks
):
    wecom(unit, receiver)
    receiver.default = "500"
    send(liaison, django_capture_on_commit_callbacks)
    pending = delivery(Delivery.Channel.WECOM)
    with later(minutes=1.1), pytest.raises(Retry):
        send_delivery(pending.pk)  # as a worker runs it: the failed attempt schedules a retry
    pending.refresh_from_db()
    assert pending.attempts == 2 and len(receiver.requests) == 2


def test_after_the_last_attempt_the_delivery_fails_and_the_office_resends_it(
    client, liaison, unit, receiver, django_capture_on_commit_callbacks
):
    wecom(unit, receiver)
    receiver.default = "500"
    send(liaison, django_capture_on_commit_callbacks)
    pending = delivery(Delivery.Channel.WECOM)
    for minutes in (1.1, 3.2, 7.3):
        with later(minutes):
            send_delivery.delay(pending.pk).get()
    pending.refresh_from_db()
    assert (pending.state, pending.attempts, pending.next_attempt_at) == ("failed", 3, None)
    assert len(receiver.requests) == 3

    office = office_user()
    client.force_login(office)
    page = client.get("/deliveries/?state=failed").content.decode()
    assert "县住建局" in page and "HTTP 500" in page and "重发" in page and WECOM_KEY not in page
    assert 'badge text-bg-danger">1<' in client.get("/notifications/").content.decode()

    receiver.default = "ok"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/deliveries/{pending.pk}/resend/")
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.state == Delivery.State.SENT and len(receiver.requests) == 4

    again = client.post(f"/deliveries/{pending.pk}/resend/", follow=True)
    assert "只有发送失败的消息可以重发" in again.content.decode() and len(receiver.requests) == 4


def test_a_page_is_not_held_up_by_an_unreachable_robot(
    client, liaison, unit, receiver, django_capture_on_commit_callbacks
):
    wecom(unit, receiver)
    receiver.default = "slow"
    report = ProgressReportFactory(
        sub_item=SubItemFactory(item__lead_unit=unit),
        state=ProgressReport.State.SUBMITTED,
        created_by=liaison,
    )
    client.force_login(office_user())
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/reports/{report.pk}/return/", {"version": report.version, "reason": "请补充照片"}
        )
    assert response.status_code == 302 and time.monotonic() - started < TIMEOUT + 2
    report.refresh_from_db()
    assert report.state == ProgressReport.State.RETURNED
    failed = delivery(Delivery.Channel.WECOM)
    assert failed.state == Delivery.State.QUEUED and "超时" in failed.last_error


def test_a_robot_removed_meanwhile_fails_at_once_without_retrying(
    liaison, unit, receiver, django_capture_on_commit_callbacks
):
    robots = wecom(unit, receiver)
    receiver.default = "500"
    send(liaison, django_capture_on_commit_callbacks)
    robots.wecom_webhook = ""
    robots.save()
    with later(minutes=2):
        send_delivery.delay(delivery(Delivery.Channel.WECOM).pk).get()
    gone = delivery(Delivery.Channel.WECOM)
    assert gone.state == Delivery.State.FAILED and "未设置企业微信群机器人" in gone.last_error


def test_the_backoff_doubles_after_each_failure(settings):
    settings.NOTIFY_RETRY_SECONDS = 60
    assert [deliveries.backoff_seconds(n) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert deliveries.backoff_seconds(30) == 6 * 3600
