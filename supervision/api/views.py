"""Supervision API: progress reports (liaisons write and submit, the office accepts or returns),
pace flags, inspection visits and rectifications.

Reads start from ``projects.permissions``; writes go through ``supervision.services`` so the API
applies the same rules, notifications and history as the web forms.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from django.core.exceptions import BadRequest
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from core.dates import parse_as_of, today
from projects import permissions, scope
from projects.api.filters import SUPPORTED_DATE
from projects.api.views import ApiViewSet
from projects.api_permissions import CanViewRectifications, CanViewRegistry, CanViewVisits, ReportPermission
from supervision.api import filters
from supervision.api.serializers import (
    FlagSerializer,
    RectificationSerializer,
    ReportReturnSerializer,
    ReportSerializer,
    ReportVersionSerializer,
    ReportWriteSerializer,
    VisitSerializer,
    checked_report_data,
    report_figures,
)
from supervision.followup import rectification_state
from supervision.followup.models import Flag, InspectionVisit, RectificationEvent
from supervision.followup.services.rectifications import visible_rectifications
from supervision.ledger import periods
from supervision.ledger import services as reports
from supervision.ledger.forms import ReturnReportForm
from supervision.ledger.models import ProgressReport


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "该填报已被他人修改，请重新读取后再操作。"
    default_code = "conflict"


CONFLICT_RESPONSE = OpenApiResponse(
    response=OpenApiTypes.OBJECT, description="填报已被他人修改或已审核（乐观锁冲突），未保存"
)


@contextmanager
def conflicts_as_409():
    """A report changed meanwhile answers 409; figures that no longer pass the rules (another
    report was accepted between the check and the save) answer 400 like any invalid report."""
    try:
        yield
    except reports.ReportNotSaved as exc:
        raise Conflict(exc.message) from exc
    except reports.InvalidReport as exc:
        raise ValidationError(exc.check.errors) from exc


def _open_period_start(sub_item) -> date:
    return periods.plan_open_period(sub_item.item.plan, today()).start


@extend_schema(tags=["reports"])
@extend_schema_view(
    create=extend_schema(
        summary="新建填报（草稿，或 submit=true 直接提交审核）",
        request=ReportWriteSerializer,
        responses={201: ReportSerializer, 409: CONFLICT_RESPONSE},
    ),
    update=extend_schema(
        summary="修改草稿或被退回的填报",
        request=ReportWriteSerializer,
        responses={200: ReportSerializer, 409: CONFLICT_RESPONSE},
    ),
    partial_update=extend_schema(
        summary="修改草稿或被退回的填报（部分字段）",
        request=ReportWriteSerializer,
        responses={200: ReportSerializer, 409: CONFLICT_RESPONSE},
    ),
)
class ReportViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ApiViewSet):
    """进度填报。联络员新建、修改、提交本单位的填报；督查室审核通过或退回。
    联络员只能看到本单位的填报；领导和人大代表只能看到已通过的填报。"""

    serializer_class = ReportSerializer
    permission_classes = [ReportPermission]
    filterset_class = filters.ReportFilter
    ordering_fields = ["created_at", "submitted_at", "accepted_on", "period_start"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return (
            ProgressReport.objects.readable_by(self.request.user)
            .select_related("sub_item__item__plan", "created_by", "reviewed_by")
            .prefetch_related("photos", "funding")
        )

    def get_serializer_class(self):
        if self.action in {"create", "update", "partial_update"}:
            return ReportWriteSerializer
        return ReportSerializer

    def _read(self, report: ProgressReport, code: int = status.HTTP_200_OK) -> Response:
        report = self.get_queryset().get(pk=report.pk)
        return Response(ReportSerializer(report, context=self.get_serializer_context()).data, status=code)

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sub_item = serializer.validated_data["sub_item"]
        share = serializer.validated_data.get("share")
        refusal = permissions.share_refusal(request.user, sub_item, share)
        if refusal is not None:
            raise PermissionDenied(refusal)
        if not permissions.can_write_report(request.user, sub_item, share):
            raise PermissionDenied("只能填报本单位负责、且清单处于公布状态的子项")
        with conflicts_as_409():
            report = reports.create_report(
                sub_item,
                request.user,
                serializer.validated_data["report_data"],
                period_start=_open_period_start(sub_item),
                submit=serializer.validated_data.get("submit", False),
                share=share,
            )
        return self._read(report, status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        report = self.get_object()
        serializer = self.get_serializer(report, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        with conflicts_as_409():
            report = reports.save_report(
                report,
                serializer.validated_data["report_data"],
                version=serializer.validated_data["version"],
                period_start=_open_period_start(report.sub_item),
                submit=serializer.validated_data.get("submit", False),
            )
        return self._read(report)

    @extend_schema(
        summary="提交审核",
        request=ReportVersionSerializer,
        responses={200: ReportSerializer, 409: CONFLICT_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk=None) -> Response:
        report = self.get_object()
        version = self._version(request)
        data = checked_report_data(report.sub_item, report_figures(report), report.share)
        with conflicts_as_409():
            report = reports.save_report(
                report,
                data,
                version=version,
                period_start=_open_period_start(report.sub_item),
                submit=True,
            )
        return self._read(report)

    @extend_schema(
        summary="审核通过（督查室）",
        request=ReportVersionSerializer,
        responses={200: ReportSerializer, 409: CONFLICT_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk=None) -> Response:
        report = self.get_object()
        report.version = self._version(request)
        with conflicts_as_409():
            report = reports.accept_and_notify(report, request.user)
        return self._read(report)

    @extend_schema(
        summary="退回（督查室，须填写理由）",
        request=ReportReturnSerializer,
        responses={200: ReportSerializer, 409: CONFLICT_RESPONSE},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_report(self, request: Request, pk=None) -> Response:
        report = self.get_object()
        form = ReturnReportForm(data=request.data)
        if not form.is_valid():
            raise ValidationError({field: list(messages) for field, messages in form.errors.items()})
        report.version = form.cleaned_data["version"]
        with conflicts_as_409():
            report = reports.return_report(report, request.user, form.cleaned_data["reason"])
        return self._read(report)

    def _version(self, request: Request) -> int:
        serializer = ReportVersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data["version"]


@extend_schema(tags=["supervision"])
class FlagViewSet(ApiViewSet):
    """序时进度预警记录（黄灯、红灯、超期未报、预计逾期），含已消除的历史。"""

    serializer_class = FlagSerializer
    permission_classes = [CanViewRegistry]
    filterset_class = filters.FlagFilter
    ordering_fields = ["raised_on", "cleared_on", "lag_points"]
    ordering = ["-raised_on", "-id"]

    def get_queryset(self):
        visible = permissions.readable_sub_items(self.request.user)
        flags = scope.readable(self.request.user, Flag.objects.filter(sub_item__in=visible))
        return flags.select_related("sub_item__item", "sub_item__responsible_unit")


@extend_schema(tags=["supervision"])
class VisitViewSet(ApiViewSet):
    """视察、督查、暗访记录，含视察项目、满意度和照片。"""

    serializer_class = VisitSerializer
    permission_classes = [CanViewVisits]
    filterset_class = filters.VisitFilter
    ordering_fields = ["date", "created_at"]
    ordering = ["-date", "-id"]

    def get_queryset(self):
        return scope.readable(
            self.request.user,
            InspectionVisit.objects.select_related("recorded_by").prefetch_related(
                "visited_items", "photos", "participants"
            ),
        )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "as_of",
                SUPPORTED_DATE,
                description="截至日期 YYYY-MM-DD：按当日及之前的办理记录，缺省为今天",
            )
        ]
    ),
)
@extend_schema(tags=["supervision"])
class RectificationViewSet(ApiViewSet):
    """整改督办事项及其全过程记录，状态与是否逾期为截至 as_of 的情况。联络员只能看到交办给本单位的事项。"""

    serializer_class = RectificationSerializer
    permission_classes = [CanViewRectifications]
    filterset_class = filters.RectificationFilter
    ordering_fields = ["deadline", "created_at", "closed_at"]
    ordering = ["-is_overdue", "deadline", "id"]

    def get_queryset(self):
        events = RectificationEvent.objects.select_related("actor").order_by("at", "id")
        return visible_rectifications(self.request.user).prefetch_related(Prefetch("events", queryset=events))

    def list(self, request: Request, *args, **kwargs) -> Response:
        """Each matter as it stood at the end of the day (``rectification_state``): assigned by
        then, in the state its history had reached, overdue when its deadline had passed."""
        try:
            day = parse_as_of(request) or today()
        except BadRequest as exc:
            raise ValidationError({"as_of": [str(exc)]}) from exc
        queryset = self.filter_queryset(self.get_queryset()).filter(
            created_at__lt=rectification_state.end_of(day)
        )
        filterset = self.filterset_class(request.query_params, queryset=queryset, request=request)
        chosen = filterset.form.cleaned_data if filterset.is_valid() else {}
        rows = rectification_state.as_of(queryset, day)
        if chosen.get("state"):
            rows = [r for r in rows if r.state == chosen["state"]]
        if chosen.get("is_overdue") is not None:
            rows = [r for r in rows if r.is_overdue == chosen["is_overdue"]]
        rows.sort(key=lambda r: (not r.is_overdue, r.deadline, r.rectification.pk))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
