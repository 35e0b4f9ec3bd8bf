"""Sending each message through the channels its recipient and the recipient's unit chose.

Every message gets one ``Delivery`` per channel: the in-app one is sent by being saved; the
others are queued and sent by a Celery task once the transaction that created the message has
committed, so a page or a report never waits for a gateway. A failed attempt is recorded
(attempts, the error with secrets masked) and retried with exponential back-off until
settings.NOTIFY_MAX_ATTEMPTS, then the delivery is failed and the office sees it on
/deliveries/, where it can be sent again.

Nothing is sent twice: ``deliver`` locks the delivery's row, sends only a queued delivery that
is due, and marks it sent in the same transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from projects import permissions, scope
from supervision.messaging import channels
from supervision.messaging.models import Delivery, Notification, UnitChannels, UserChannels

logger = logging.getLogger(__name__)

Channel = Delivery.Channel
State = Delivery.State

# A retry scheduled in Celery runs when due; the sweep takes a delivery only this long after,
# when its task was lost (a broker restart) or never queued (no worker, a broker outage).
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_BATCH = 100


class DeliveryError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def queue(notification: Notification) -> list[Delivery]:
    """Record one delivery per channel the recipient receives on, and send the outward ones
    after commit."""
    now = timezone.now()
    deliveries = [
        Delivery(
            notification=notification,
            channel=channel,
            destination=destination,
            unit=unit,
            next_attempt_at=now,
            created_at=now,
        )
        for channel, destination, unit in _destinations(notification.recipient)
    ]
    for delivery in deliveries:
        if delivery.channel == Channel.IN_APP:
            delivery.state, delivery.attempts, delivery.sent_at = State.SENT, 1, now
            delivery.next_attempt_at = None
    Delivery.objects.bulk_create(deliveries)
    outward = [d.pk for d in deliveries if d.state == State.QUEUED]
    if outward:
        transaction.on_commit(lambda: _enqueue(outward))
    return deliveries


def _destinations(recipient) -> list[tuple[str, str, object]]:
    """(channel, destination, unit) for every channel the recipient receives on: in-app always;
    e-mail unless switched off (and an address is known); SMS when chosen, with a phone number
    and a configured gateway; the unit's group robots when the unit has set them up."""
    choice = UserChannels.objects.filter(user=recipient).first()
    found = [(Channel.IN_APP, "", None)]
    if (choice.email if choice else True) and recipient.email:
        found.append((Channel.EMAIL, recipient.email, None))
    if choice and choice.sms and recipient.phone and settings.SMS_GATEWAY_URL:
        found.append((Channel.SMS, recipient.phone, None))
    if recipient.unit_id:
        robots = UnitChannels.objects.filter(unit_id=recipient.unit_id).select_related("unit").first()
        if robots and robots.wecom_webhook:
            found.append((Channel.WECOM, robots.unit.name, robots.unit))
        if robots and robots.dingtalk_webhook:
            found.append((Channel.DINGTALK, robots.unit.name, robots.unit))
    return found


@shared_task(bind=True, name="supervision.tasks.send_delivery", max_retries=None)
def send_delivery(self, delivery_id: int) -> str:
    """One attempt at a delivery; while it stays queued, try again when it is due. Run eagerly
    (no broker) it makes one attempt only: the sweep makes the later ones, never the request."""
    delivery = deliver(delivery_id)
    if delivery is None:
        return "missing"
    if delivery.state == delivery.State.QUEUED and not self.request.is_eager:
        raise self.retry(countdown=seconds_until_due(delivery))
    return delivery.state


def _enqueue(delivery_ids: list[int]) -> None:
    for pk in delivery_ids:
        try:
            send_delivery.delay(pk)
        except BrokerUnavailable:
            # Still queued in the database: the sweep (send_due) sends it once the broker is back.
            logger.warning("delivery %s left to the sweep: the task broker is unavailable", pk)


def deliver(delivery_id: int, now: datetime | None = None) -> Delivery | None:
    """Make one attempt at a queued delivery that is due, and record its outcome; a delivery
    already sent or failed, or not yet due, is left alone (and returned)."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.state != State.QUEUED:
            return delivery
        if delivery.next_attempt_at and delivery.next_attempt_at > now + timedelta(seconds=1):
            return delivery
        delivery.attempts += 1
        try:
            _send(delivery)
        except channels.SendError as exc:
            _record_failure(delivery, exc, now)
        else:
            delivery.state, delivery.sent_at = State.SENT, now
            delivery.next_attempt_at, delivery.last_error = None, ""
        delivery.save(update_fields=["state", "attempts", "last_error", "next_attempt_at", "sent_at"])
    return delivery


def _record_failure(delivery: Delivery, exc: channels.SendError, now: datetime) -> None:
    delivery.last_error = exc.message[:500]
    if exc.permanent or delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        delivery.state, delivery.next_attempt_at = State.FAILED, None
    else:
        delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(delivery.attempts))
    logger.warning(
        "delivery %s (%s to %s) failed on attempt %s%s: %s",
        delivery.pk,
        delivery.channel,
        delivery.shown_destination,
        delivery.attempts,
        ", giving up" if delivery.state == State.FAILED else "",
        delivery.last_error,
    )


def backoff_seconds(attempts: int) -> int:
    """The wait after the n-th failed attempt: NOTIFY_RETRY_SECONDS, doubled after each
    further failure, at most six hours."""
    return min(settings.NOTIFY_RETRY_SECONDS * 2 ** (attempts - 1), 6 * 3600)


def seconds_until_due(delivery: Delivery, now: datetime | None = None) -> int:
    if delivery.next_attempt_at is None:
        return 0
    return max(1, int((delivery.next_attempt_at - (now or timezone.now())).total_seconds()) + 1)


def message_text(notification: Notification) -> str:
    """The text of a message on SMS and in the group robots: title, body and the page's address."""
    parts = [f"【民生实事】{notification.title}", notification.body, absolute_url(notification.url)]
    return "\n".join(part for part in parts if part)


def absolute_url(url: str) -> str:
    if url.startswith("/") and settings.SITE_URL:
        return settings.SITE_URL.rstrip("/") + url
    return url


def _send(delivery: Delivery) -> None:
    notification = delivery.notification
    if delivery.channel == Channel.EMAIL:
        link = absolute_url(notification.url)
        body = f"{notification.body}\n\n{link}".strip() if link else notification.body
        channels.send_email(delivery.destination, notification.title, body)
    elif delivery.channel == Channel.SMS:
        channels.send_sms(delivery.destination, message_text(notification))
    elif delivery.channel in (Channel.WECOM, Channel.DINGTALK):
        robots = UnitChannels.objects.filter(unit_id=delivery.unit_id).first() or UnitChannels()
        text = message_text(notification)
        if delivery.channel == Channel.WECOM:
            channels.send_wecom(robots.wecom_webhook, text)
        else:
            channels.send_dingtalk(robots.dingtalk_webhook, robots.dingtalk_secret, text)


def send_due(now: datetime | None = None) -> int:
    """Attempt the queued deliveries whose time has come and whose task did not run (see
    SWEEP_GRACE); returns how many were sent."""
    now = now or timezone.now()
    due = Delivery.objects.filter(state=State.QUEUED, next_attempt_at__lte=now - SWEEP_GRACE).order_by(
        "next_attempt_at"
    )
    sent = 0
    for pk in list(due.values_list("pk", flat=True)[:SWEEP_BATCH]):
        delivery = deliver(pk, now)
        sent += delivery is not None and delivery.state == State.SENT
    return sent


def resend(delivery_id: int, user) -> Delivery:
    """Queue a failed delivery again (the office's 重发), with a fresh round of attempts."""
    if not permissions.is_office(user):
        raise PermissionDenied
    with transaction.atomic():
        # A neighbour's delivery is not even said to exist.
        delivery = scope.readable(user, Delivery.objects.select_for_update()).filter(pk=delivery_id).first()
        if delivery is None:
            raise DeliveryError("该投递记录不存在")
        if delivery.state != State.FAILED:
            raise DeliveryError("只有发送失败的消息可以重发")
        delivery.state, delivery.attempts, delivery.next_attempt_at = State.QUEUED, 0, timezone.now()
        delivery.save(update_fields=["state", "attempts", "next_attempt_at"])
        transaction.on_commit(lambda: _enqueue([delivery.pk]))
    return delivery


def failed_count(user) -> int:
    """The failed deliveries the office reads (its region's)."""
    return scope.readable(user, Delivery.objects.filter(state=State.FAILED)).count()
