"""What every form open to the public shares: an image captcha that works without the internet
(django-simple-captcha draws it on our own server) and a per-address limit on how often it may be
sent (django-ratelimit, counted in the shared cache).

A public form subclasses ``PublicForm``; its view calls ``sent_too_often(request, "group")`` on
POST only (a GET never counts) and answers with ``TOO_OFTEN`` when it is true.

Showing the form writes nothing: its challenge is picked from a pool drawn ahead of time
(``CAPTCHA_GET_FROM_POOL``), which ``refill_captcha_pool`` (a Celery beat task every ten
minutes, and ``seed_demo``) keeps full. A challenge is used up when answered; should the pool be
empty, django-simple-captcha draws one on the spot and logs it.
"""

from __future__ import annotations

import datetime

from captcha.conf import settings as captcha_settings
from captcha.fields import CaptchaField
from captcha.models import CaptchaStore
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited

TOO_OFTEN = _("提交过于频繁，请稍后再试。")

# How often one address may send one kind of public form.
DEFAULT_RATE = "5/h"
# Challenges kept ready: about what the public forms show in ten minutes on a busy day.
CAPTCHA_POOL_SIZE = 500


class PublicForm(forms.Form):
    captcha = CaptchaField(
        label=_("验证码"),
        error_messages={"invalid": _("验证码不正确，请重新输入。"), "required": _("请输入验证码。")},
    )


def sent_too_often(request, group: str, rate: str = DEFAULT_RATE) -> bool:
    """Count this POST against the sender's address and say whether it is over ``rate``."""
    return is_ratelimited(request, group=group, key="ip", rate=rate, method="POST", increment=True)


def refill_captcha_pool(size: int = CAPTCHA_POOL_SIZE) -> int:
    """Remove expired challenges and draw new ones until ``size`` can still be picked (those
    with more than the picking margin left); how many were drawn."""
    CaptchaStore.remove_expired()
    usable_after = timezone.now() + datetime.timedelta(
        minutes=int(captcha_settings.CAPTCHA_GET_FROM_POOL_TIMEOUT)
    )
    missing = size - CaptchaStore.objects.filter(expiration__gt=usable_after).count()
    if missing > 0:
        CaptchaStore.create_pool(missing)
    return max(missing, 0)
