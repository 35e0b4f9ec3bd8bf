"""/api/selections/<year>/result/: the vote's result with the names the issue fixes, of the
user's region's vote of that year (``?region=`` names another one of theirs; see
``selection.regions``)."""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from core.dates import parse_as_of
from projects import permissions
from projects.api.filters import SUPPORTED_DATE
from selection import regions, results


class CandidateResultSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    title = serializers.CharField(source="candidate.title")
    votes_for = serializers.IntegerField()
    votes_against = serializers.IntegerField()
    abstentions = serializers.IntegerField()
    adopted = serializers.BooleanField()
    runoff_votes_for = serializers.IntegerField(allow_null=True)


class SelectionResultSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    deputies_total = serializers.IntegerField(source="session.deputies_total")
    seats = serializers.IntegerField(source="session.seats")
    ballots_issued = serializers.IntegerField(source="first.ballots_issued")
    ballots_returned = serializers.IntegerField(source="first.ballots_returned")
    ballots_valid = serializers.IntegerField(source="first.ballots_valid")
    counted_on = serializers.DateField(source="session.counted_on")
    second_round_needed = serializers.BooleanField(source="decision.needs_another_round")
    candidates = CandidateResultSerializer(source="rows", many=True)


@extend_schema(
    summary="票决结果（全体代表数、应选数、选票数，各候选项目得票与是否通过）",
    responses={
        200: SelectionResultSerializer,
        400: OpenApiResponse(description="截至日期格式不对"),
        403: OpenApiResponse(description="无权查看，或所指区划不在本地区范围内"),
        404: OpenApiResponse(description="该年度本地区票决截至该日尚未计票，或没有该区划"),
    },
    parameters=[
        OpenApiParameter(
            "as_of", SUPPORTED_DATE, description="截至日期 YYYY-MM-DD：按当日已计票的轮次计算，缺省为今天"
        ),
        OpenApiParameter(
            "region",
            str,
            description="行政区划代码：本地区或下级区划的票决，缺省为本地区（未设区划的账号为该年度的票决所属地区）",
        ),
    ],
)
@api_view(["GET"])
def selection_result(request: Request, year: int) -> Response:
    """The result as declared by ?as_of= (default today); 404 before round 1 was counted."""
    if not permissions.can_view_selection(request.user):
        raise PermissionDenied("无权查看票决结果")
    try:
        as_of = parse_as_of(request)
    except BadRequest as exc:
        raise serializers.ValidationError({"as_of": [str(exc)]}) from exc
    region = regions.selection_region(
        request.user, year, request.query_params.get("region", "").strip() or None
    )
    result = results.year_result(year, as_of, region=region)
    if result is None:
        raise Http404
    return Response(SelectionResultSerializer(result).data)
