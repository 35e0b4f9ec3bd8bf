"""Registry API: plans and units, read-only, and the base every API viewset shares.

Every queryset starts from ``projects.permissions`` so a user sees through the API exactly what
the web pages show them, and every list loads in a fixed number of queries. The endpoints that
show progress (a plan's summary, items and sub-items with their pace) are supervision's
(``supervision.api.registry``), routed beside these.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.request import Request

from projects import permissions
from projects.api import filters
from projects.api.pagination import StandardPagination
from projects.api.schema import ApiSchema
from projects.api.serializers import PlanSerializer, UnitSerializer
from projects.api_permissions import CanViewRegistry
from projects.models import Unit


def require_object_body(request: Request) -> None:
    """Every write takes named fields: a list, a number or a string as the body is a 400."""
    if request.method in {"POST", "PUT", "PATCH"} and not isinstance(request.data, Mapping):
        raise ParseError('请求内容须为JSON对象（如 {"version": 1}），不能是列表、数字或字符串')


class ApiViewSet(viewsets.ReadOnlyModelViewSet):
    """What every API viewset shares: pagination with ?page_size=, documented error answers,
    a Chinese 404 that does not tell "missing" from "not yours", and writes that take an
    object."""

    pagination_class = StandardPagination
    schema = ApiSchema()

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        require_object_body(request)

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


@extend_schema(tags=["registry"])
class UnitViewSet(RegistryViewSet):
    """责任单位、牵头单位。"""

    serializer_class = UnitSerializer
    filterset_class = filters.UnitFilter
    ordering_fields = ["name", "code"]
    ordering = ["name"]
    queryset = Unit.objects.select_related("region")
