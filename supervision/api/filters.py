"""Query-string filters of the supervision API: items and sub-items by light and lag
(``?light=red&lagging=true``), reports, flags, visits, rectifications."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.lights import LAGGING_LIGHTS, Light
from projects.api.filters import DateFilter, DateFromToRangeFilter, IntegerFilter
from projects.models import Item, SubItem
from supervision.followup.models import Flag, InspectionVisit, Rectification, VisitedItem
from supervision.ledger.models import ProgressReport


@extend_schema_field(OpenApiTypes.BOOL)
class LaggingFilter(filters.BooleanFilter):
    """true: yellow or red as of the date; false: neither."""


def on_read_model(queryset, name: str, value):
    """Filters on progress narrow the read model's result (``state_matches``), not the query:
    a light is a fact of a date, not a column."""
    return queryset


def _day(bound):
    """A range filter's bound as a date (django-filter gives datetimes: the end of the day)."""
    return bound.date() if isinstance(bound, datetime) else bound


def state_matches(state, chosen: dict) -> bool:
    """Whether an item's or sub-item's state as of the date passes the progress filters."""
    light = chosen.get("light")
    if light and state.light != light:
        return False
    lagging = chosen.get("lagging")
    if lagging is not None and (state.light in LAGGING_LIGHTS) != lagging:
        return False
    overdue = chosen.get("overdue_report")
    if overdue is not None and state.overdue_report != overdue:
        return False
    status = chosen.get("status")
    if status and state.status != status:
        return False
    for name, value in (
        ("completed_on", getattr(state, "completed_on", None)),
        ("last_accepted_on", state.last_report.accepted_on if getattr(state, "last_report", None) else None),
    ):
        bounds = chosen.get(name)
        if bounds and (bounds.start is not None or bounds.stop is not None):
            start, stop = _day(bounds.start), _day(bounds.stop)
            if value is None or (start and value < start) or (stop and value > stop):
                return False
    return True


class ItemFilter(filters.FilterSet):
    plan = IntegerFilter(field_name="plan_id", label="清单ID")
    year = IntegerFilter(field_name="plan__year", label="年度")
    category = IntegerFilter(field_name="category_id", label="领域ID")
    lead_unit = IntegerFilter(field_name="lead_unit_id", label="牵头单位ID")
    unit = IntegerFilter(method="filter_unit", label="责任单位ID（任一子项）")
    light = filters.ChoiceFilter(choices=Light.choices, method=on_read_model, label="灯色（截至 as_of）")
    lagging = LaggingFilter(method=on_read_model, label="滞后（黄灯或红灯，截至 as_of）")

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
    planned_end = DateFromToRangeFilter(label="完成时限")
    status = filters.ChoiceFilter(
        choices=SubItem.Status.choices, method=on_read_model, label="状态（截至 as_of）"
    )
    light = filters.ChoiceFilter(choices=Light.choices, method=on_read_model, label="灯色（截至 as_of）")
    lagging = LaggingFilter(method=on_read_model, label="滞后（黄灯或红灯，截至 as_of）")
    overdue_report = filters.BooleanFilter(method=on_read_model, label="超期未报（截至 as_of）")
    completed_on = DateFromToRangeFilter(method=on_read_model, label="完成日期")
    last_accepted_on = DateFromToRangeFilter(method=on_read_model, label="最近填报日期")

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


class ReportFilter(filters.FilterSet):
    plan = IntegerFilter(field_name="sub_item__item__plan_id", label="清单ID")
    year = IntegerFilter(field_name="sub_item__item__plan__year", label="年度")
    item = IntegerFilter(field_name="sub_item__item_id", label="实事ID")
    sub_item = IntegerFilter(field_name="sub_item_id", label="子项ID")
    category = IntegerFilter(field_name="sub_item__item__category_id", label="领域ID")
    unit = IntegerFilter(field_name="sub_item__responsible_unit_id", label="责任单位ID")
    state = filters.ChoiceFilter(choices=ProgressReport.State.choices, label="状态")
    period_start = DateFromToRangeFilter(label="填报周期")
    accepted_on = DateFromToRangeFilter(label="通过日期")
    submitted = DateFromToRangeFilter(field_name="submitted_at", label="提交日期")

    class Meta:
        model = ProgressReport
        fields = [
            "plan",
            "year",
            "item",
            "sub_item",
            "category",
            "unit",
            "state",
            "period_start",
            "accepted_on",
            "submitted",
        ]


class FlagFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Flag.Kind.choices, label="类型")
    open = filters.BooleanFilter(field_name="cleared_on", lookup_expr="isnull", label="未消除")
    plan = IntegerFilter(field_name="sub_item__item__plan_id", label="清单ID")
    year = IntegerFilter(field_name="sub_item__item__plan__year", label="年度")
    sub_item = IntegerFilter(field_name="sub_item_id", label="子项ID")
    category = IntegerFilter(field_name="sub_item__item__category_id", label="领域ID")
    unit = IntegerFilter(field_name="sub_item__responsible_unit_id", label="责任单位ID")
    raised_on = DateFromToRangeFilter(label="亮灯日期")
    cleared_on = DateFromToRangeFilter(label="消除日期")

    class Meta:
        model = Flag
        fields = ["kind", "open", "plan", "year", "sub_item", "category", "unit", "raised_on", "cleared_on"]


class VisitFilter(filters.FilterSet):
    plan = IntegerFilter(field_name="plan_id", label="清单ID")
    year = IntegerFilter(field_name="plan__year", label="年度")
    kind = filters.ChoiceFilter(choices=InspectionVisit.Kind.choices, label="类型")
    date = DateFromToRangeFilter(label="日期")
    item = IntegerFilter(method="filter_item", label="视察的实事ID")
    locked = filters.BooleanFilter(label="已锁定")
    as_of = DateFilter(field_name="date", lookup_expr="lte", label="截至日期：该日及之前的视察")

    class Meta:
        model = InspectionVisit
        fields = ["plan", "year", "kind", "date", "item", "locked", "as_of"]

    def filter_item(self, queryset, name, value):
        return queryset.filter(Exists(VisitedItem.objects.filter(visit=OuterRef("pk"), item_id=value)))


class RectificationFilter(filters.FilterSet):
    plan = IntegerFilter(field_name="plan_id", label="清单ID")
    year = IntegerFilter(field_name="plan__year", label="年度")
    unit = IntegerFilter(field_name="unit_id", label="整改单位ID")
    item = IntegerFilter(field_name="item_id", label="实事ID")
    sub_item = IntegerFilter(field_name="sub_item_id", label="子项ID")
    visit = IntegerFilter(field_name="visit_id", label="视察ID")
    state = filters.ChoiceFilter(
        choices=Rectification.State.choices, method=on_read_model, label="状态（截至 as_of）"
    )
    source = filters.ChoiceFilter(choices=Rectification.Source.choices, label="来源")
    is_overdue = filters.BooleanFilter(method=on_read_model, label="已逾期（截至 as_of）")
    deadline = DateFromToRangeFilter(label="整改时限")

    class Meta:
        model = Rectification
        fields = [
            "plan",
            "year",
            "unit",
            "item",
            "sub_item",
            "visit",
            "state",
            "source",
            "is_overdue",
            "deadline",
        ]
