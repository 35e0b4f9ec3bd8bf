"""The registry's endpoints as they show progress: a plan's summary figures (its ``summary``
action), and items and sub-items with the light, scheduled pace and lag of the last pace check.

They extend the registry's own viewsets (``projects.api.views``) and are routed at the same
addresses, so /api/plans/, /api/items/ and /api/subitems/ read as one registry.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import BadRequest
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.dates import parse_as_of
from projects import permissions
from projects.api import views as registry
from projects.models import SubItem

from ..progress import plan_progress
from ..summary import plan_figures
from . import filters
from .serializers import ItemSerializer, PlanSummarySerializer, SubItemSerializer


@extend_schema(tags=["registry"])
class PlanViewSet(registry.PlanViewSet):
    """年度民生实事清单。"""

    @extend_schema(
        summary="清单总体情况（件/项完成数、完成率、灯色、资金）",
        description="与仪表盘标题数字一致；联络员只统计本单位负责的子项。比率为小数（0.6 即 60%）。",
        parameters=[
            OpenApiParameter(
                "as_of",
                OpenApiTypes.DATE,
                description="截至日期 YYYY-MM-DD，缺省为今天；今天及以后按今天计",
            )
        ],
        responses=PlanSummarySerializer,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def summary(self, request: Request, pk=None) -> Response:
        plan = self.get_object()
        progress = plan_progress(
            plan, _as_of(request), sub_item_filter=permissions.sub_item_scope(request.user)
        )
        return Response(plan_figures(progress))


def _as_of(request: Request) -> date | None:
    try:
        as_of = parse_as_of(request)
    except BadRequest as exc:
        raise serializers.ValidationError({"as_of": [str(exc)]}) from exc
    return as_of


@extend_schema(tags=["registry"])
class ItemViewSet(registry.RegistryViewSet):
    """民生实事（件）。灯色、序时进度取自最近一次序时进度检查。"""

    serializer_class = ItemSerializer
    filterset_class = filters.ItemFilter
    ordering_fields = ["number", "title", "plan__year", "pace__lag_points"]
    ordering = ["plan_id", "number"]

    def get_queryset(self):
        user = self.request.user
        visible_subs = permissions.visible_sub_items(user, SubItem.objects.only("id", "item_id"))
        return (
            permissions.visible_items(user)
            .select_related("category", "lead_unit", "pace")
            .prefetch_related(
                Prefetch("sub_items", queryset=visible_subs.order_by("number"), to_attr="visible_sub_items")
            )
        )


@extend_schema(tags=["registry"])
class SubItemViewSet(registry.RegistryViewSet):
    """子项（项）：目标、责任单位、当前进度（审核通过的最新填报）与序时进度检查结果。"""

    serializer_class = SubItemSerializer
    filterset_class = filters.SubItemFilter
    ordering_fields = [
        "number",
        "item__number",
        "planned_end",
        "progress_percent",
        "last_accepted_on",
        "pace__lag_points",
    ]
    ordering = ["item__plan_id", "item__number", "number"]

    def get_queryset(self):
        return (
            permissions.readable_sub_items(self.request.user)
            .select_related("item", "responsible_unit", "pace")
            .prefetch_related("cooperating_units", "milestones", "funding_lines")
        )
