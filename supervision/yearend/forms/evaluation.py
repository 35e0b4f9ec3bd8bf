"""Forms of the satisfaction evaluation: the office opens it and enters paper tallies; a deputy
rates every item on their phone. The rules are ``supervision.yearend.evaluation``'s; these forms only
collect the figures and show its messages beside the fields."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from projects.models import Item
from supervision.followup.models import Satisfaction
from supervision.yearend import evaluation as rules


def _count(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
        error_messages={
            "required": _("请填写%(label)s。") % {"label": label},
            "invalid": _("票数应为不小于0的整数。"),
            "min_value": _("票数应为不小于0的整数。"),
        },
    )


class OpenEvaluationForm(forms.Form):
    threshold = forms.DecimalField(
        label=_("满意率达标线（%）"),
        initial=rules.DEFAULT_THRESHOLD,
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "step": "0.01"}),
        error_messages={
            "required": _("请填写达标线。"),
            "invalid": _("达标线应为0到100之间的数。"),
            "min_value": _("达标线应为0到100之间的数。"),
            "max_value": _("达标线应为0到100之间的数。"),
        },
    )


class TallyForm(forms.Form):
    issued = _count("发出票数")
    returned = _count("收回票数")
    valid = _count("有效票数")
    satisfied = _count("满意")
    basically_satisfied = _count("基本满意")
    unsatisfied = _count("不满意")

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                rules.check_tally(**data)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    for message in messages:
                        self.add_error(name, message)
        return data


class BallotForm(forms.Form):
    """One radio group per item, every one required."""

    def __init__(self, *args, items: list[Item], **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                label=f"第{item.number}件 {item.title}",
                choices=Satisfaction.choices,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                error_messages={
                    "required": f"请对第{item.number}件“{item.title}”作出评价。",
                    "invalid_choice": f"请对第{item.number}件“{item.title}”作出评价。",
                },
            )

    def choices(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data[f"item_{item.pk}"] for item in self.items}
