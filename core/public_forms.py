"""What every form open to the public shares: an image captcha that works without the internet
(django-simple-captcha draws it on our own server) and a per-address limit on how often it may be
sent (django-ratelimit, counted in the shared cache).

A public form subclasses ``PublicForm``; its view calls ``sent_too_often(request, "group")`` on
POST only (a GET never counts) and answers with ``TOO_OFTEN`` when it is true.
"""

from __future__ import annotations

from captcha.fields import CaptchaField
from django import forms
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited

TOO_OFTEN = _("提交过于频繁，请稍后再试。")

# How often one address may send one kind of public form.
DEFAULT_RATE = "5/h"


class PublicForm(forms.Form):
    captcha = CaptchaField(
        label=_("验证码"),
        error_messages={"invalid": _("验证码不正确，请重新输入。"), "required": _("请输入验证码。")},
    )


def sent_too_often(request, group: str, rate: str = DEFAULT_RATE) -> bool:
    """Count this POST against the sender's address and say whether it is over ``rate``."""
    return is_ratelimited(request, group=group, key="ip", rate=rate, method="POST", increment=True)
