"""The office's form to issue a progress notice, the public objection form and the office's
answer form. The rules (window, required text) are the service's; these forms read input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.public_forms import PublicForm
from supervision.notices.rules import DEFAULT_OBJECTION_DAYS
from supervision.notices.services import MAX_OBJECTION_DAYS


class IssueNoticeForm(forms.Form):
    as_of = forms.DateField(
        label=_("数据截至"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写数据截至日期。"), "invalid": _("日期格式应为 年-月-日。")},
    )
    title = forms.CharField(
        label=_("标题"),
        required=False,
        max_length=200,
        help_text=_("不填则按“清单名称 + 进展情况公示（截至日期）”生成"),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    objection_days = forms.IntegerField(
        label=_("公示期（天）"),
        initial=DEFAULT_OBJECTION_DAYS,
        min_value=1,
        max_value=MAX_OBJECTION_DAYS,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
        error_messages={
            "required": _("请填写公示期天数。"),
            "invalid": _("公示期须为整数天。"),
            "min_value": _("公示期须为1至%(limit_value)s天。") % {"limit_value": MAX_OBJECTION_DAYS},
            "max_value": _("公示期须为1至%(limit_value)s天。") % {"limit_value": MAX_OBJECTION_DAYS},
        },
    )


class ObjectionForm(PublicForm):
    text = forms.CharField(
        label=_("意见或异议"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        error_messages={
            "required": _("请填写意见或异议的内容。"),
            "max_length": _("内容请控制在2000字以内。"),
        },
    )
    contact = forms.CharField(
        label=_("联系方式（选填）"),
        required=False,
        max_length=100,
        help_text=_("仅供政府办回访，不会公开"),
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "tel"}),
        error_messages={"max_length": _("联系方式请控制在100字以内。")},
    )

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("请填写意见或异议的内容。"))
        return text


class AnswerForm(forms.Form):
    objection = forms.IntegerField(widget=forms.HiddenInput)
    answer = forms.CharField(
        label=_("答复（公开）"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        error_messages={"required": _("请填写答复内容。")},
    )
