"""The registry's endpoints as they show progress: a plan's summary figures (its ``summary``
action), and items and sub-items with their figures, pace, light and overdue flag as of a date.

Items and sub-items are read from the read model (``plan_progress``) as of ``?as_of=``, the
same computation the pages and exports use; registry filters (plan, unit, dates …) narrow the
query, and the filters on progress (light, lagging, overdue_report, status …) narrow the read
model's result, so ``?light=red`` counts exactly what the summary calls red that day.
They extend the registry's own viewsets (``projects.api.views``) and are routed at the same
addresses, so /api/plans/, /api/items/ and /api/subitems/ read as one registry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.core.exceptions import BadRequest
from django.db.models import Q, QuerySet, prefetch_related_objects
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from core.dates import parse_as_of
from projects import permissions
from projects.api import views as registry
from projects.api.filters import SUPPORTED_DATE
from projects.models import Item, Plan
from supervision.api import filters
from supervision.api.serializers import ItemStateSerializer, PlanSummarySerializer, SubItemStateSerializer
from supervision.figures import counted as current
from supervision.reading.progress import ItemState, SubItemState, plan_progress

AS_OF = OpenApiParameter(
    "as_of",
    # Dates outside 2000–2100 are refused (core.dates): the schema says so.
    SUPPORTED_DATE,
    description="截至日期 YYYY-MM-DD：按当日及之前审核通过的填报计算。缺省为今天；已结束的清单缺省为其结束日期",
)


def ordering_parameter(fields: list[str]) -> OpenApiParameter:
    return OpenApiParameter(
        "ordering",
        OpenApiTypes.STR,
        enum=[prefix + field for field in fields for prefix in ("", "-")],
        description="排序字段（前加 - 为倒序；可用逗号连接多个）",
    )


@extend_schema(tags=["registry"])
class PlanViewSet(registry.PlanViewSet):
    """年度民生实事清单。"""

    @extend_schema(
        summary="清单总体情况（件/项完成数、完成率、灯色、资金）",
        description="与仪表盘标题数字一致；联络员只统计本单位负责的子项。比率为小数（0.6 即 60%）。",
        parameters=[AS_OF],
        responses=PlanSummarySerializer,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def summary(self, request: Request, pk=None) -> Response:
        plan = self.get_object()
        region = permissions.reading_region(request.user, plan, request.query_params.get("region"))
        head = current.headline(
            plan, _as_of(request), sub_item_filter=permissions.sub_item_scope(request.user), region=region
        )
        return Response(head.figures)


def _as_of(request: Request) -> date | None:
    try:
        as_of = parse_as_of(request)
    except BadRequest as exc:
        raise serializers.ValidationError({"as_of": [str(exc)]}) from exc
    return as_of


class ReadModelViewSet(registry.RegistryViewSet):
    """List and detail from the read model. Subclasses say how to read a plan's states for a
    registry queryset (``states_of``), which filters apply to the states, and how to order."""

    orderings: dict[str, Callable] = {}
    default_ordering: Callable

    def read(self, queryset: QuerySet) -> list:
        as_of = _as_of(self.request)
        plans = Plan.objects.filter(pk__in=queryset.values(self.plan_lookup)).order_by("pk")
        states = []
        for plan in plans:
            states += self.states_of(plan, as_of, queryset)
        return states

    def ordered(self, states: list) -> list:
        raw = (self.request.query_params.get("ordering") or "").strip()
        keys = [part.strip() for part in raw.split(",") if part.strip()]
        for key in keys:
            if key.lstrip("-") not in self.orderings:
                raise serializers.ValidationError(
                    {"ordering": [f"不支持按“{key}”排序；可用：{'、'.join(self.orderings)}"]}
                )
        states = sorted(states, key=self.default_ordering)
        for key in reversed(keys):
            states = sorted(states, key=self.orderings[key.lstrip("-")], reverse=key.startswith("-"))
        return states

    def list(self, request: Request, *args, **kwargs) -> Response:
        filterset = self.filterset_class(request.query_params, queryset=self.get_queryset(), request=request)
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        states = [s for s in self.read(filterset.qs) if filters.state_matches(s, filterset.form.cleaned_data)]
        page = self.paginate_queryset(self.ordered(states))
        self.prepare(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        obj = self.get_object()
        states = self.read(self.get_queryset().filter(pk=obj.pk))
        if not states:
            raise NotFound("不存在，或您无权查看")
        self.prepare(states)
        return Response(self.get_serializer(states[0]).data)

    def prepare(self, states: list) -> None:
        """Load what the serializer reads beyond the read model, for one page at a time."""


def _none_last(value):
    return (value is None, value)


@extend_schema_view(
    list=extend_schema(
        parameters=[AS_OF, ordering_parameter(["number", "title", "plan__year", "lag_points"])]
    ),
    retrieve=extend_schema(parameters=[AS_OF]),
)
@extend_schema(tags=["registry"])
class ItemViewSet(ReadModelViewSet):
    """民生实事（件）：进度、序时进度、灯色按其子项（本人可见的）加权汇总，截至 as_of。"""

    serializer_class = ItemStateSerializer
    filterset_class = filters.ItemFilter
    filter_backends = [DjangoFilterBackend]
    plan_lookup = "plan_id"
    orderings = {
        "number": lambda s: s.item.number,
        "title": lambda s: s.item.title,
        "plan__year": lambda s: s.item.plan.year,
        "lag_points": lambda s: s.lag_points,
        "pace__lag_points": lambda s: s.lag_points,
    }
    default_ordering = staticmethod(lambda s: (s.item.plan_id, s.item.number))

    def get_queryset(self):
        return permissions.visible_items(self.request.user).select_related("plan")

    def states_of(self, plan: Plan, as_of: date | None, queryset: QuerySet) -> list[ItemState]:
        progress = plan_progress(
            plan,
            as_of,
            sub_item_filter=permissions.sub_item_scope(self.request.user),
            items=Item.objects.filter(pk__in=queryset.filter(plan=plan).values("pk")),
        )
        for state in progress.items:
            state.item.plan = plan
        return progress.items


@extend_schema_view(
    list=extend_schema(
        parameters=[
            AS_OF,
            ordering_parameter(
                [
                    "number",
                    "item__number",
                    "planned_end",
                    "progress_percent",
                    "last_accepted_on",
                    "lag_points",
                ]
            ),
        ]
    ),
    retrieve=extend_schema(parameters=[AS_OF]),
)
@extend_schema(tags=["registry"])
class SubItemViewSet(ReadModelViewSet):
    """子项（项）：目标、责任单位，以及截至 as_of 的完成值、进度、资金到位与支付（均取自当日及之前审核通过的填报）、
    序时进度、灯色、超期未报；已结束的清单另有最终结论。"""

    serializer_class = SubItemStateSerializer
    filterset_class = filters.SubItemFilter
    filter_backends = [DjangoFilterBackend]
    plan_lookup = "item__plan_id"
    orderings = {
        "number": lambda s: s.sub_item.number,
        "item__number": lambda s: s.sub_item.item.number,
        "planned_end": lambda s: _none_last(s.sub_item.planned_end),
        "progress_percent": lambda s: s.progress_percent,
        "last_accepted_on": lambda s: _none_last(s.last_report.accepted_on if s.last_report else None),
        "lag_points": lambda s: s.lag_points,
        "pace__lag_points": lambda s: s.lag_points,
    }
    default_ordering = staticmethod(
        lambda s: (s.sub_item.item.plan_id, s.sub_item.item.number, s.sub_item.number)
    )

    def get_queryset(self):
        return permissions.readable_sub_items(self.request.user)

    def states_of(self, plan: Plan, as_of: date | None, queryset: QuerySet) -> list[SubItemState]:
        progress = plan_progress(plan, as_of, sub_item_filter=Q(pk__in=queryset.values("pk")))
        return progress.sub_states

    def prepare(self, states: list[SubItemState]) -> None:
        prefetch_related_objects([s.sub_item for s in states], "cooperating_units")
