"""Messaging's sweep: deliveries whose task was lost are picked up here. Sending one delivery
(``send_delivery``), queued when a notification is made, lives beside its work in
``deliveries``."""

from celery import shared_task

from supervision.messaging import deliveries


@shared_task(name="supervision.tasks.send_due_deliveries")
def send_due_deliveries() -> int:
    return deliveries.send_due()
