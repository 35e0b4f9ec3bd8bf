"""API tokens end with the session that issued their trust: logging out of the site, or a new
password, revokes all of the user's tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import pre_save
from django.dispatch import receiver
from knox.models import AuthToken


@receiver(user_logged_out)
def revoke_tokens_on_logout(sender, request, user, **kwargs) -> None:
    """Logging out of the site signs the user out of the API too."""
    if user is not None:
        AuthToken.objects.filter(user=user).delete()


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def revoke_tokens_on_password_change(sender, instance, update_fields=None, **kwargs) -> None:
    """A new password revokes every token issued under the old one."""
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = get_user_model().objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        AuthToken.objects.filter(user_id=instance.pk).delete()
