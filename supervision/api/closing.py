"""The year's end in the API: change requests (调整申请), read only. Filing and deciding go
through the pages, whose services (``projects.changes``) hold every rule."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from projects import permissions, scope
from projects.api.filters import IntegerFilter
from projects.api.views import ApiViewSet
from projects.api_permissions import CanViewRegistry
from projects.models import ChangeRequest


class ChangeRequestFilter(filters.FilterSet):
    plan = IntegerFilter(field_name="sub_item__item__plan_id", label="清单ID")
    sub_item = IntegerFilter(field_name="sub_item_id", label="子项ID")
    state = filters.ChoiceFilter(choices=ChangeRequest.State.choices, label="状态")
    kind = filters.ChoiceFilter(choices=ChangeRequest.Kind.choices, label="调整类型")

    class Meta:
        model = ChangeRequest
        fields = ["plan", "sub_item", "state", "kind"]


class ChangeRequestSerializer(serializers.ModelSerializer):
    sub_item_code = serializers.CharField(source="sub_item.code", read_only=True)
    plan = serializers.IntegerField(source="sub_item.item.plan_id", read_only=True)
    unit_name = serializers.CharField(source="sub_item.responsible_unit.name", read_only=True)

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "sub_item",
            "sub_item_code",
            "plan",
            "unit_name",
            "kind",
            "state",
            "reason",
            "new_planned_end",
            "new_target_value",
            "filed_at",
            "decided_on",
            "decision_note",
            "committee_approved_on",
            "committee_document",
        ]


@extend_schema(tags=["registry"])
class ChangeRequestViewSet(ApiViewSet):
    """调整申请（延期、调整目标、终止）及其审批；批准的调整自批准日期起生效。"""

    serializer_class = ChangeRequestSerializer
    permission_classes = [CanViewRegistry]
    filterset_class = ChangeRequestFilter
    ordering_fields = ["filed_at", "decided_on"]
    ordering = ["-filed_at", "-id"]

    def get_queryset(self):
        visible = permissions.readable_sub_items(self.request.user)
        changes = scope.readable(self.request.user, ChangeRequest.objects.filter(sub_item__in=visible))
        return changes.select_related("sub_item__item", "sub_item__responsible_unit")
