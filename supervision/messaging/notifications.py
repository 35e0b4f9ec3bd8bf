"""Notifications: the in-app message, and its deliveries through the other channels the
recipient and their unit chose (e-mail, SMS, WeCom and DingTalk group robots; see
supervision.messaging.deliveries). Outward sends start only once the surrounding transaction
has committed, so a rolled-back review never messages anybody, and never wait in the request."""

from __future__ import annotations

from django.utils import timezone

from supervision.messaging import deliveries
from supervision.messaging.models import Notification


def notify(recipient, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, title=title, body=body, url=url
    )
    deliveries.queue(notification)
    return notification


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_all_read(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
