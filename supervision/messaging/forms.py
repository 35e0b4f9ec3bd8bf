"""The form a user chooses their message channels with."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

MOBILE = re.compile(r"^1\d{10}$")


class ChannelChoiceForm(forms.Form):
    email = forms.BooleanField(label=_("邮件"), required=False)
    sms = forms.BooleanField(label=_("短信"), required=False)
    phone = forms.CharField(label=_("手机号"), max_length=30, required=False)

    def __init__(self, *args, sms_available: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.sms_available = sms_available
        for name in ("email", "sms"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        self.fields["phone"].widget.attrs.update({"class": "form-control", "inputmode": "numeric"})
        if not sms_available:
            self.fields["sms"].disabled = True

    def clean_phone(self) -> str:
        phone = re.sub(r"[\s-]", "", self.cleaned_data["phone"])
        if phone and not MOBILE.match(phone):
            raise forms.ValidationError(_("请输入11位手机号，如 13800138000"))
        return phone

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("sms") and not cleaned.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("选择短信须填写手机号"))
        return cleaned
