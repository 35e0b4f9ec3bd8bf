"""Registry API: plans (with their headline summary), items, sub-items and units, read-only.

Every queryset starts from ``projects.permissions`` so a user sees through the API exactly what
the web pages show them, and every list loads in a fixed number of queries.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import BadRequest
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from core.dates import parse_as_of
from projects import permissions
from projects.api_permissions import CanViewRegistry
from projects.models import SubItem, Unit
from supervision.progress import plan_progress
from supervision.summary import plan_figures

from . import filters
from .pagination import StandardPagination
from .schema import ApiSchema
from .serializers import (
    ItemSerializer,
    PlanSerializer,
    PlanSummarySerializer,
    SubItemSerializer,
    UnitSerializer,
)


class ApiViewSet(viewsets.ReadOnlyModelViewSet):
    """What every API viewset shares: pagination with ?page_size=, documented error answers,
    and a Chinese 404 that does not tell "missing" from "not yours"."""

    pagination_class = StandardPagination
    schema = ApiSchema()

    def get_object(self):
        try:
            return super().get_object()
        except Http404 as exc:
            raise NotFound("不存在，或您无权查看") from exc


class RegistryViewSet(ApiViewSet):
    permission_classes = [CanViewRegistry]


@extend_schema(tags=["registry"])
class PlanViewSet(RegistryViewSet):
    """年度民生实事清单。"""

    serializer_class = PlanSerializer
    filterset_class = filters.PlanFilter
    ordering_fields = ["year", "title", "published_on"]
    ordering = ["-year", "title"]

    def get_queryset(self):
        return permissions.visible_plans(self.request.user)

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
class ItemViewSet(RegistryViewSet):
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
class SubItemViewSet(RegistryViewSet):
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


@extend_schema(tags=["registry"])
class UnitViewSet(RegistryViewSet):
    """责任单位、牵头单位。"""

    serializer_class = UnitSerializer
    filterset_class = filters.UnitFilter
    ordering_fields = ["name", "code"]
    ordering = ["name"]
    queryset = Unit.objects.all()
