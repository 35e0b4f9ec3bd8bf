"""``/api/plans/<id>/evaluation/``: the satisfaction evaluation's results per item as of a day,
read by ``supervision.yearend.evaluation`` as the page and the briefing read them."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.dates import today
from projects import permissions
from projects.api.filters import SUPPORTED_DATE
from projects.api.schema import ApiSchema
from supervision.api.registry import _as_of
from supervision.yearend import evaluation as rules

AS_OF = OpenApiParameter(
    "as_of",
    SUPPORTED_DATE,
    description="截至日期 YYYY-MM-DD：按当日及之前的投票和纸质票统计计算。缺省为今天",
)


class CanReadEvaluation(BasePermission):
    message = "您没有查看满意度测评的权限"

    def has_permission(self, request, view) -> bool:
        return permissions.can_read_evaluation(request.user)


ROW = inline_serializer(
    "EvaluationItem",
    {
        "number": serializers.IntegerField(help_text="实事序号"),
        "title": serializers.CharField(help_text="项目名称"),
        "satisfied": serializers.IntegerField(help_text="满意票数"),
        "basically_satisfied": serializers.IntegerField(help_text="基本满意票数"),
        "unsatisfied": serializers.IntegerField(help_text="不满意票数"),
        "valid": serializers.IntegerField(help_text="有效票数（手机投票与纸质有效票之和）"),
        "rate": serializers.FloatField(
            allow_null=True, help_text="满意率，小数：0.6 即 60%；无有效票时为 null"
        ),
        "passed": serializers.BooleanField(
            allow_null=True, help_text="满意率是否达到达标线；无有效票时为 null"
        ),
    },
    many=True,
)


class PlanEvaluationView(APIView):
    permission_classes = [CanReadEvaluation]
    schema = ApiSchema()

    @extend_schema(
        tags=["supervision"],
        summary="满意度测评结果（逐件：满意、基本满意、不满意、有效票、满意率、是否达标）",
        description="满意率 =（满意 + 基本满意）÷ 有效票数。清单尚未组织测评时 items 为空列表。",
        parameters=[AS_OF],
        responses=inline_serializer(
            "PlanEvaluation",
            {
                "as_of": serializers.DateField(),
                "threshold": serializers.FloatField(allow_null=True, help_text="达标线（%）"),
                "closed_on": serializers.DateField(allow_null=True),
                "published_on": serializers.DateField(allow_null=True),
                "items": ROW,
            },
        ),
    )
    def get(self, request: Request, plan_id: int) -> Response:
        plan = get_object_or_404(permissions.visible_plans(request.user), pk=plan_id)
        as_of = _as_of(request) or today()
        reading = rules.read_evaluation(plan, as_of)
        if reading is None:
            return Response(
                {"as_of": as_of, "threshold": None, "closed_on": None, "published_on": None, "items": []}
            )
        evaluation = reading.evaluation
        return Response(
            {
                "as_of": reading.as_of,
                "threshold": float(reading.threshold),
                "closed_on": evaluation.closed_on if reading.is_closed else None,
                "published_on": evaluation.published_on if reading.is_published else None,
                "items": [row.as_dict() for row in reading.rows],
            }
        )
