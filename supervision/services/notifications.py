"""In-app notifications, also sent by e-mail (through Django's mail backend) to recipients who
have an address. The e-mail goes out only once the surrounding transaction has committed, so
a rolled-back review never mails anybody."""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from ..models import Notification

logger = logging.getLogger(__name__)


def notify(recipient, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, title=title, body=body, url=url
    )
    if recipient.email:
        message = f"{body}\n\n{url}".strip() if url else body
        transaction.on_commit(lambda: _send_email(recipient.email, title, message))
    return notification


def _send_email(address: str, subject: str, message: str) -> None:
    # The in-app notification is already saved; a mail server outage must not turn a review
    # that has been committed into an error page.
    try:
        send_mail(subject, message, None, [address])
    except Exception:  # noqa: BLE001 - any transport failure is logged, never raised
        logger.exception("notification e-mail to %s failed", address)


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_all_read(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
