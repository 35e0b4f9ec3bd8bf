"""Forms for issuing a supervision order (督办单), for each step of it, and for its list."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.dates import validate_supported
from projects.models import Plan, SubItem, Unit
from supervision.followup.forms.rectifications import BoardFilterForm, UnitInReachField, _style, chosen
from supervision.followup.forms.visits import SubItemChoiceField
from supervision.followup.models import Rectification, SupervisionOrder
from supervision.followup.services import orders


class OrderForm(forms.ModelForm):
    """The office's form; the plan is fixed by the page (from the row it was raised from)."""

    sub_item = SubItemChoiceField(label=_("子项"), queryset=SubItem.objects.none(), required=False)

    class Meta:
        model = SupervisionOrder
        fields = ["source", "sub_item", "rectification", "unit", "problem", "requirement", "deadline"]
        widgets = {
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "problem": forms.Textarea(attrs={"rows": 4}),
            "requirement": forms.Textarea(attrs={"rows": 4}),
        }
        field_classes = {"unit": UnitInReachField}

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sub_item"].queryset = (
            SubItem.objects.filter(item__plan=plan).select_related("item").order_by("item__number", "number")
        )
        self.fields["rectification"].queryset = Rectification.objects.filter(plan=plan).exclude(
            state=Rectification.State.CLOSED
        )
        # Offered: the units in reach of the sub-item (or of the rectification followed up); the
        # page preselects the responsible unit.
        self.fields["unit"].queryset = orders.units_in_reach(
            plan, chosen(self, "sub_item"), chosen(self, "rectification")
        ).filter(is_active=True)
        self.fields["deadline"].validators.append(validate_supported)
        _style(self)


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("办理情况"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写办理情况。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class CloseForm(forms.Form):
    text = forms.CharField(label=_("办结意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class EscalateForm(forms.Form):
    talk_on = forms.DateField(
        label=_("约谈日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_supported],
        error_messages={"required": _("请填写约谈日期。"), "invalid": _("约谈日期格式应为 YYYY-MM-DD。")},
    )
    participants = forms.CharField(
        label=_("参加人员"), max_length=300, error_messages={"required": _("请填写参加约谈的人员。")}
    )
    record = forms.CharField(
        label=_("约谈记录"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写约谈记录。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class OrderFilterForm(BoardFilterForm):
    """The rectification board's filters (plan, state, unit, overdue), over the orders' states."""

    state = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部状态"))] + list(SupervisionOrder.State.choices), required=False
    )
    unit = forms.ModelChoiceField(
        label=_("督办单位"), queryset=Unit.objects.none(), required=False, empty_label=_("全部单位")
    )


class ReminderForm(forms.Form):
    message = forms.CharField(
        label=_("提醒内容"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写提醒内容。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
