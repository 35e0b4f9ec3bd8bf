"""Registry serializers: read-only views of plans, items, sub-items and units. The registry is
edited in the admin; figures change only through accepted reports."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.lights import Light
from projects.models import FundingLine, Item, Milestone, Plan, SubItem, Unit


def current_pace(obj):
    """The last pace check's row for an item or sub-item, or None before any check ran."""
    try:
        return obj.pace
    except ObjectDoesNotExist:
        return None


class PaceFieldsMixin(serializers.Serializer):
    """Light, scheduled pace and lag from the last daily pace check (null before the first)."""

    light = serializers.SerializerMethodField()
    scheduled_percent = serializers.SerializerMethodField()
    lag_points = serializers.SerializerMethodField()
    checked_on = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=Light.choices, allow_null=True))
    def get_light(self, obj) -> str | None:
        pace = current_pace(obj)
        return pace.light if pace else None

    @extend_schema_field(serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True))
    def get_scheduled_percent(self, obj) -> str | None:
        pace = current_pace(obj)
        return None if pace is None else f"{pace.scheduled_percent:.2f}"

    @extend_schema_field(serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True))
    def get_lag_points(self, obj) -> str | None:
        pace = current_pace(obj)
        return None if pace is None else f"{pace.lag_points:.2f}"

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_checked_on(self, obj) -> str | None:
        pace = current_pace(obj)
        return None if pace is None else pace.checked_on.isoformat()


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "short_name", "code", "kind", "contact_person", "contact_phone", "is_active"]


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = [
            "id",
            "year",
            "title",
            "region",
            "level",
            "status",
            "summary",
            "published_on",
            "yellow_margin",
            "red_margin",
            "report_cadence",
            "report_due_day",
        ]


class ItemSerializer(PaceFieldsMixin, serializers.ModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True, allow_null=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True)
    sub_items = serializers.SerializerMethodField(help_text="本人可见的子项ID")

    class Meta:
        model = Item
        fields = [
            "id",
            "plan",
            "number",
            "title",
            "category",
            "category_name",
            "lead_unit",
            "lead_unit_name",
            "responsible_leader",
            "summary",
            "sub_items",
            "light",
            "scheduled_percent",
            "lag_points",
            "checked_on",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_sub_items(self, obj: Item) -> list[int]:
        return [sub.pk for sub in obj.visible_sub_items]


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["date", "planned_percent", "description"]


class FundingLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = FundingLine
        fields = ["source", "planned", "allocated", "paid"]


class SubItemSerializer(PaceFieldsMixin, serializers.ModelSerializer):
    code = serializers.CharField(read_only=True, help_text="如 3.2：第3件第2项")
    plan = serializers.IntegerField(source="item.plan_id", read_only=True)
    responsible_unit_name = serializers.CharField(source="responsible_unit.name", read_only=True)
    target_display = serializers.CharField(read_only=True)
    completion_rate = serializers.DecimalField(
        max_digits=24,
        decimal_places=4,
        read_only=True,
        allow_null=True,
        help_text="完成值/目标值，小数（3.775 即 377.5%）",
    )
    overdue_report = serializers.SerializerMethodField()
    milestones = MilestoneSerializer(many=True, read_only=True)
    funding_lines = FundingLineSerializer(many=True, read_only=True)

    class Meta:
        model = SubItem
        fields = [
            "id",
            "code",
            "plan",
            "item",
            "number",
            "content",
            "target_value",
            "target_unit",
            "target_at_least",
            "target_display",
            "responsible_unit",
            "responsible_unit_name",
            "cooperating_units",
            "first_responsible_person",
            "planned_start",
            "planned_end",
            "weight",
            "location",
            "status",
            "progress_percent",
            "actual_value",
            "completion_rate",
            "completed_on",
            "last_accepted_on",
            "light",
            "scheduled_percent",
            "lag_points",
            "overdue_report",
            "checked_on",
            "milestones",
            "funding_lines",
        ]

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_overdue_report(self, obj: SubItem) -> bool | None:
        pace = current_pace(obj)
        return None if pace is None else pace.overdue_report


class LightCountsSerializer(serializers.Serializer):
    blue = serializers.IntegerField()
    green = serializers.IntegerField()
    yellow = serializers.IntegerField()
    red = serializers.IntegerField()


class FundingFiguresSerializer(serializers.Serializer):
    planned = serializers.FloatField(help_text="计划投资（万元）")
    allocated = serializers.FloatField(help_text="到位资金（万元）")
    paid = serializers.FloatField(help_text="已支付（万元）")
    allocation_rate = serializers.FloatField(allow_null=True, help_text="资金到位率，小数")
    payment_rate = serializers.FloatField(allow_null=True, help_text="支付率，小数")


class PlanSummarySerializer(serializers.Serializer):
    """Documents ``supervision.summary.plan_figures``; the view returns that dict as is."""

    as_of = serializers.DateField()
    headline = serializers.CharField()
    items_total = serializers.IntegerField()
    subitems_total = serializers.IntegerField()
    items_completed = serializers.IntegerField()
    subitems_completed = serializers.IntegerField()
    item_completion_rate = serializers.FloatField(help_text="小数：0.6 即 60%")
    subitem_completion_rate = serializers.FloatField(help_text="小数")
    lights = LightCountsSerializer()
    overdue_report = serializers.IntegerField(help_text="超期未报子项数")
    average_progress = serializers.FloatField()
    average_scheduled = serializers.FloatField()
    funding = FundingFiguresSerializer()
