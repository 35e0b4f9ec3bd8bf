from django.utils.functional import SimpleLazyObject

from .services.notifications import unread_count


def notifications(request):
    """``unread_notifications`` for the nav badge, counted only if a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
