"""Registry serializers: read-only views of plans, units, and a sub-item's milestones and funding
lines. The registry is edited in the admin; figures change only through accepted reports, and the
item and sub-item serializers that show them are supervision's (``supervision.api.serializers``)."""

from __future__ import annotations

from rest_framework import serializers

from projects.models import FundingLine, Milestone, Plan, Region, Unit


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "short_name", "code", "kind", "contact_person", "contact_phone", "is_active"]


class PlanSerializer(serializers.ModelSerializer):
    # "region" stays the plan's region as written (the API's field since the start); the
    # administrative division it belongs to is "region_code".
    region = serializers.CharField(source="region_name", max_length=100)
    region_code = serializers.SlugRelatedField(
        source="region", slug_field="code", queryset=Region.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Plan
        fields = [
            "id",
            "year",
            "title",
            "region",
            "region_code",
            "level",
            "status",
            "summary",
            "published_on",
            "yellow_margin",
            "red_margin",
            "report_cadence",
            "report_due_day",
        ]


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["date", "planned_percent", "description"]


class FundingLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = FundingLine
        fields = ["source", "planned"]
