"""The filters above the plan table: category, unit and light."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.lights import Light
from projects.models import Category, Item, Plan, SubItem, Unit


class PlanTableFilter(forms.Form):
    category = forms.ModelChoiceField(label=_("领域"), queryset=Category.objects.none(), required=False)
    unit = forms.ModelChoiceField(label=_("责任单位"), queryset=Unit.objects.none(), required=False)
    light = forms.ChoiceField(
        label=_("灯色"), choices=[("", _("全部"))] + list(Light.choices), required=False
    )

    def __init__(self, data, *, plan: Plan):
        super().__init__(data or None)
        # Semi-joins, not DISTINCT over a join of every sub-item: one index probe per unit.
        self.fields["category"].queryset = Category.objects.filter(
            pk__in=Item.objects.filter(plan=plan).values("category_id")
        )
        self.fields["unit"].queryset = Unit.objects.filter(
            pk__in=SubItem.objects.filter(item__plan=plan).values("responsible_unit_id")
        )
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def _value(self, name):
        return self.cleaned_data.get(name) if self.is_bound and self.is_valid() else None

    def sub_item_filter(self, scope: Q | None) -> Q | None:
        """Combine the user's permission scope with the chosen category and unit."""
        conditions = Q() if scope is None else scope
        if category := self._value("category"):
            conditions &= Q(item__category=category)
        if unit := self._value("unit"):
            conditions &= Q(responsible_unit=unit)
        return conditions if conditions else None

    @property
    def chosen_light(self) -> str:
        """The chosen light, or "" for all."""
        return self._value("light") or ""

    def filter_states(self, progress):
        """Items of the progress view, keeping only sub-items with the chosen light."""
        return progress.with_light(self._value("light")).items
