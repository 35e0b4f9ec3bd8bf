"""Forms for raising a rectification and for each step of it (respond, close, send back)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from projects import reach
from projects.models import Item, Plan, SubItem, Unit
from supervision.followup.forms.visits import SubItemChoiceField
from supervision.followup.models import InspectionVisit, Rectification
from supervision.photos.forms import MultiplePhotoField


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.Select):
            field.widget.attrs.setdefault("class", "form-select")
        elif not isinstance(field.widget, forms.ClearableFileInput):
            field.widget.attrs.setdefault("class", "form-control")


class UnitInReachField(forms.ModelChoiceField):
    """The unit a follow-up goes to: it offers the units in reach (its queryset, set by the
    form), and takes any active unit, so that the service refuses one out of reach with its
    own message (``reach.refusal``) rather than the field with "not one of the choices"."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return Unit.objects.filter(is_active=True).get(pk=value)
        except (ValueError, TypeError, ValidationError, Unit.DoesNotExist):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None


def chosen(form: forms.Form, name: str):
    """The object a form's choice field names, as posted (bound) or prefilled (unbound), among
    the field's choices; None when none or not one of them."""
    value = form.data.get(form.add_prefix(name)) if form.is_bound else form.initial.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, models.Model):
        value = value.pk
    try:
        return form.fields[name].queryset.filter(pk=value).first()
    except (ValueError, TypeError, ValidationError):
        return None


class RectificationForm(forms.ModelForm):
    """The office's form; the plan is fixed by the page (from the visit or sub-item, or chosen)."""

    sub_item = SubItemChoiceField(label=_("子项"), queryset=SubItem.objects.none(), required=False)

    class Meta:
        model = Rectification
        fields = ["source", "visit", "item", "sub_item", "unit", "title", "required_action", "deadline"]
        widgets = {
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "required_action": forms.Textarea(attrs={"rows": 4}),
        }
        field_classes = {"unit": UnitInReachField}

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["visit"].queryset = InspectionVisit.objects.filter(plan=plan)
        self.fields["item"].queryset = Item.objects.filter(plan=plan).order_by("number")
        self.fields["sub_item"].queryset = (
            SubItem.objects.filter(item__plan=plan).select_related("item").order_by("item__number", "number")
        )
        # Offered: the units in reach of the sub-item, else of the item, else of the plan.
        self.fields["unit"].queryset = reach.reach_of(
            plan, chosen(self, "sub_item"), chosen(self, "item")
        ).filter(is_active=True)
        _style(self)


class RespondForm(forms.Form):
    text = forms.CharField(
        label=_("整改情况"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("已采取的措施和整改结果"),
        error_messages={"required": _("请填写整改情况。")},
    )
    photos = MultiplePhotoField(label=_("整改照片"), help_text=_("可多选，支持 JPG、PNG、WebP"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class CloseForm(forms.Form):
    text = forms.CharField(label=_("核实意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class SendBackForm(forms.Form):
    reason = forms.CharField(
        label=_("退回理由"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写退回理由。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class BoardFilterForm(forms.Form):
    plan = forms.ModelChoiceField(
        label=_("清单"), queryset=Plan.objects.none(), required=False, empty_label=_("全部清单")
    )
    state = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部状态"))] + list(Rectification.State.choices), required=False
    )
    unit = forms.ModelChoiceField(
        label=_("整改单位"), queryset=Unit.objects.none(), required=False, empty_label=_("全部单位")
    )
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)

    def __init__(self, *args, plans, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans
        self.fields["unit"].queryset = units
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            elif name == "overdue":
                field.widget.attrs["class"] = "form-check-input"
