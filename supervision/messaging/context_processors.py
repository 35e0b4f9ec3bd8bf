from django.utils.functional import SimpleLazyObject

from projects.permissions import is_office
from supervision.messaging.deliveries import failed_count
from supervision.messaging.notifications import unread_count


def notifications(request):
    """``unread_notifications`` for the nav badge, and for the office ``failed_deliveries``
    (messages that could not be sent); each counted only if a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context = {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
    if is_office(user):
        context["failed_deliveries"] = SimpleLazyObject(lambda: failed_count(user))
    return context
