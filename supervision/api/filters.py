"""Query-string filters of the supervision API: reports, flags, visits, rectifications."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django_filters import rest_framework as filters

from projects.api.filters import IntegerFilter

from ..models import Flag, InspectionVisit, ProgressReport, Rectification, VisitedItem


class ReportFilter(filters.FilterSet):
    plan = IntegerFilter(field_name="sub_item__item__plan_id", label="清单ID")
    year = IntegerFilter(field_name="sub_item__item__plan__year", label="年度")
    item = IntegerFilter(field_name="sub_item__item_id", label="实事ID")
    sub_item = IntegerFilter(field_name="sub_item_id", label="子项ID")
    category = IntegerFilter(field_name="sub_item__item__category_id", label="领域ID")
    unit = IntegerFilter(field_name="sub_item__responsible_unit_id", label="责任单位ID")
    state = filters.ChoiceFilter(choices=ProgressReport.State.choices, label="状态")
    period_start = filters.DateFromToRangeFilter(label="填报周期")
    accepted_on = filters.DateFromToRangeFilter(label="通过日期")
    submitted = filters.DateFromToRangeFilter(field_name="submitted_at", label="提交日期")

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
    raised_on = filters.DateFromToRangeFilter(label="亮灯日期")
    cleared_on = filters.DateFromToRangeFilter(label="消除日期")

    class Meta:
        model = Flag
        fields = ["kind", "open", "plan", "year", "sub_item", "category", "unit", "raised_on", "cleared_on"]


class VisitFilter(filters.FilterSet):
    plan = IntegerFilter(field_name="plan_id", label="清单ID")
    year = IntegerFilter(field_name="plan__year", label="年度")
    kind = filters.ChoiceFilter(choices=InspectionVisit.Kind.choices, label="类型")
    date = filters.DateFromToRangeFilter(label="日期")
    item = IntegerFilter(method="filter_item", label="视察的实事ID")
    locked = filters.BooleanFilter(label="已锁定")

    class Meta:
        model = InspectionVisit
        fields = ["plan", "year", "kind", "date", "item", "locked"]

    def filter_item(self, queryset, name, value):
        return queryset.filter(Exists(VisitedItem.objects.filter(visit=OuterRef("pk"), item_id=value)))


class RectificationFilter(filters.FilterSet):
    plan = IntegerFilter(field_name="plan_id", label="清单ID")
    year = IntegerFilter(field_name="plan__year", label="年度")
    unit = IntegerFilter(field_name="unit_id", label="整改单位ID")
    item = IntegerFilter(field_name="item_id", label="实事ID")
    sub_item = IntegerFilter(field_name="sub_item_id", label="子项ID")
    visit = IntegerFilter(field_name="visit_id", label="视察ID")
    state = filters.ChoiceFilter(choices=Rectification.State.choices, label="状态")
    source = filters.ChoiceFilter(choices=Rectification.Source.choices, label="来源")
    is_overdue = filters.BooleanFilter(label="已逾期")
    deadline = filters.DateFromToRangeFilter(label="整改时限")

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
