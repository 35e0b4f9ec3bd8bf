"""Query-string filters of the registry API (``?year=2023&category=3&light=red&lagging=true``).

Related objects are filtered by id without loading them, so a filter costs no extra query and
an id the user may not see simply matches nothing.
"""

from __future__ import annotations

from django import forms
from django.db.models import Exists, OuterRef
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.lights import LAGGING_LIGHTS, Light
from projects.models import Item, Plan, SubItem, Unit

# Bounded so that an absurd number answers 400 instead of overflowing the database integer.
ID_RANGE = {"min_value": 0, "max_value": 2**63 - 1}


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 0, "maximum": 2**63 - 1})
class IntegerFilter(filters.NumberFilter):
    """A whole number (a year, or a related object's id matched without loading the object)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        for key, value in ID_RANGE.items():
            kwargs.setdefault(key, value)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.BOOL)
class LaggingFilter(filters.BooleanFilter):
    """true: yellow or red at the last pace check; false: neither (or no check yet)."""


def filter_lagging(queryset, name: str, value: bool | None):
    """Lagging means a yellow or red light at the last pace check (``name`` is the light field)."""
    if value is None:
        return queryset
    condition = {f"{name}__in": LAGGING_LIGHTS}
    return queryset.filter(**condition) if value else queryset.exclude(**condition)


class PlanFilter(filters.FilterSet):
    year = IntegerFilter(field_name="year", label="年度")
    status = filters.ChoiceFilter(choices=Plan.Status.choices)

    class Meta:
        model = Plan
        fields = ["year", "status"]


class UnitFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Unit.Kind.choices)
    is_active = filters.BooleanFilter()

    class Meta:
        model = Unit
        fields = ["kind", "is_active"]


class ItemFilter(filters.FilterSet):
    plan = IntegerFilter(field_name="plan_id", label="清单ID")
    year = IntegerFilter(field_name="plan__year", label="年度")
    category = IntegerFilter(field_name="category_id", label="领域ID")
    lead_unit = IntegerFilter(field_name="lead_unit_id", label="牵头单位ID")
    unit = IntegerFilter(method="filter_unit", label="责任单位ID（任一子项）")
    light = filters.ChoiceFilter(field_name="pace__light", choices=Light.choices, label="灯色")
    lagging = LaggingFilter(field_name="pace__light", method=filter_lagging, label="滞后（黄灯或红灯）")

    class Meta:
        model = Item
        fields = ["plan", "year", "category", "lead_unit", "unit", "light", "lagging"]

    def filter_unit(self, queryset, name, value):
        responsible = SubItem.objects.filter(item=OuterRef("pk"), responsible_unit_id=value)
        return queryset.filter(Exists(responsible))


class SubItemFilter(filters.FilterSet):
    plan = IntegerFilter(field_name="item__plan_id", label="清单ID")
    year = IntegerFilter(field_name="item__plan__year", label="年度")
    item = IntegerFilter(field_name="item_id", label="实事ID")
    category = IntegerFilter(field_name="item__category_id", label="领域ID")
    unit = IntegerFilter(field_name="responsible_unit_id", label="责任单位ID")
    status = filters.ChoiceFilter(choices=SubItem.Status.choices, label="状态")
    light = filters.ChoiceFilter(field_name="pace__light", choices=Light.choices, label="灯色")
    lagging = LaggingFilter(field_name="pace__light", method=filter_lagging, label="滞后（黄灯或红灯）")
    overdue_report = filters.BooleanFilter(field_name="pace__overdue_report", label="超期未报")
    planned_end = filters.DateFromToRangeFilter(label="完成时限")
    completed_on = filters.DateFromToRangeFilter(label="完成日期")
    last_accepted_on = filters.DateFromToRangeFilter(label="最近填报日期")

    class Meta:
        model = SubItem
        fields = [
            "plan",
            "year",
            "item",
            "category",
            "unit",
            "status",
            "light",
            "lagging",
            "overdue_report",
            "planned_end",
            "completed_on",
            "last_accepted_on",
        ]
