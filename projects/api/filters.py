"""Query-string filters of the registry API (``?year=2023&status=published``), and the whole-number
filter every API filter uses for years and ids.

Related objects are filtered by id without loading them, so a filter costs no extra query and
an id the user may not see simply matches nothing.
"""

from __future__ import annotations

from django import forms
from django_filters import rest_framework as filters
from django_filters.fields import RangeField
from drf_spectacular.utils import extend_schema_field

from core.dates import validate_supported
from projects.models import Plan, Unit

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


class SupportedDateField(forms.DateField):
    default_validators = [validate_supported]


class SupportedDateRangeField(filters.DateFromToRangeFilter.field_class):
    def __init__(self, *args, **kwargs):
        # Skips DateRangeField.__init__ only to give both ends the 2000–2100 check.
        RangeField.__init__(self, (SupportedDateField(), SupportedDateField()), *args, **kwargs)


SUPPORTED_DATE = {"type": "string", "format": "date", "pattern": r"^(20\d{2}|2100)-\d{2}-\d{2}$"}


@extend_schema_field(SUPPORTED_DATE)
class DateFilter(filters.DateFilter):
    """A date between 2000 and 2100; anything else answers 400."""

    field_class = SupportedDateField


@extend_schema_field(SUPPORTED_DATE)
class DateFromToRangeFilter(filters.DateFromToRangeFilter):
    """``?name_after=`` / ``?name_before=``, both between 2000 and 2100; anything else answers 400."""

    field_class = SupportedDateRangeField


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
