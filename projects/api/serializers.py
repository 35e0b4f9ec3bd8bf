"""Registry serializers: read-only views of plans, units, and a sub-item's milestones and funding
lines. The registry is edited in the admin; figures change only through accepted reports, and the
item and sub-item serializers that show them are supervision's (``supervision.api.serializers``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.settings import api_settings

from projects.models import FundingLine, Milestone, Plan, Region, Unit


class UnitSerializer(serializers.ModelSerializer):
    # A unit's name is unique only within its region: the region tells two 住建局 apart.
    region_code = serializers.SlugRelatedField(
        source="region",
        slug_field="code",
        queryset=Region.objects.all(),
        allow_null=True,
        required=False,
    )

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "short_name",
            "code",
            "region_code",
            "kind",
            "contact_person",
            "contact_phone",
            "is_active",
        ]
        # The name's uniqueness within a region is the model's constraints, checked in validate().
        validators = []

    def validate(self, attrs):
        """The model's constraints (本区划已有同名单位), as a 400 rather than an IntegrityError,
        should units ever be written through the API."""
        attrs = super().validate(attrs)
        unit = Unit()
        if self.instance is not None:
            for model_field in Unit._meta.concrete_fields:
                setattr(unit, model_field.attname, getattr(self.instance, model_field.attname))
            unit._state.adding = False
        for name, value in attrs.items():
            setattr(unit, name, value)
        try:
            unit.validate_constraints()
        except DjangoValidationError as exc:
            raise serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.messages}) from exc
        return attrs


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
