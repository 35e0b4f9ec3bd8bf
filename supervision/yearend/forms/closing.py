"""Forms of the year's end: a change request, its decision, an acceptance, a handover, a
carry-over. They only translate input; the rules and their messages are the services'
(``projects.changes``, ``supervision.yearend.services.closing``), whose errors the views put back on the
named field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.changes import Kind
from projects.documents import ALLOWED, check_documents
from projects.models import Plan
from supervision.photos.forms import MultipleFileInput

DATE = {"type": "date", "class": "form-control"}
DOCUMENT_ACCEPT = ".pdf,.jpg,.jpeg,.png,.webp,.docx,.xlsx"


class DocumentsField(forms.FileField):
    """Several attachments from one <input type=file multiple>, each checked by its content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": DOCUMENT_ACCEPT, "class": "form-control"})
        )
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("可上传%(allowed)s，每个不超过20MB") % {"allowed": ALLOWED})
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        check_documents(files)
        return files


class NamedForm(forms.Form):
    """A missing value is named in the message (请填写管护单位), as the services name theirs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["required"] = _("请填写%(label)s") % {"label": field.label}


class ChangeRequestForm(NamedForm):
    kind = forms.ChoiceField(label=_("调整类型"), choices=Kind.choices, widget=forms.RadioSelect)
    new_planned_end = forms.DateField(
        label=_("调整后完成时限"),
        required=False,
        widget=forms.DateInput(attrs=DATE),
        help_text=_("延期时填写"),
    )
    new_target_value = forms.DecimalField(
        label=_("调整后目标值"),
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
        help_text=_("调整目标时填写"),
    )
    reason = forms.CharField(
        label=_("调整理由"), widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"})
    )
    attachments = DocumentsField(label=_("附件"))


class DecisionForm(NamedForm):
    decision = forms.ChoiceField(
        label=_("审批意见"),
        choices=[("approve", _("批准")), ("reject", _("不批准"))],
        widget=forms.RadioSelect,
    )
    decided_on = forms.DateField(
        label=_("批准日期"),
        required=False,
        widget=forms.DateInput(attrs=DATE),
        help_text=_("留空为今天；调整自该日起生效"),
    )
    note = forms.CharField(
        label=_("审批说明"), required=False, widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )
    committee_approved_on = forms.DateField(
        label=_("人大常委会批准日期"), required=False, widget=forms.DateInput(attrs=DATE)
    )
    committee_document = forms.CharField(
        label=_("人大常委会批准文号"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "青人常〔2023〕41号"}),
    )


class AcceptanceForm(NamedForm):
    accepted_on = forms.DateField(label=_("验收日期"), widget=forms.DateInput(attrs=DATE))
    accepted_by = forms.CharField(
        label=_("验收单位（人员）"), max_length=200, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    conclusion = forms.CharField(
        label=_("验收结论"), required=False, widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )
    attachments = DocumentsField(label=_("验收材料（文件、照片）"))


class StewardshipForm(NamedForm):
    management_unit = forms.CharField(
        label=_("管护单位"), max_length=200, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    responsible_person = forms.CharField(
        label=_("管护责任人"), max_length=100, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    management_target = forms.CharField(
        label=_("管护目标"), widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )
    assigned_on = forms.DateField(label=_("移交日期"), widget=forms.DateInput(attrs=DATE))


class CarryForm(forms.Form):
    sub_item = forms.IntegerField(widget=forms.HiddenInput)
    to_plan = forms.ModelChoiceField(
        label=_("结转到"),
        queryset=Plan.objects.none(),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    planned_end = forms.DateField(
        label=_("新的完成时限"),
        required=False,
        widget=forms.DateInput(attrs={**DATE, "class": "form-control form-control-sm"}),
    )

    def __init__(self, *args, next_plans=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_plan"].queryset = Plan.objects.filter(pk__in=[p.pk for p in next_plans])
