"""A region's page: every list touching the region with its headline."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from core.dates import parse_as_of
from projects import permissions
from projects.models import Region
from supervision.reading import regions


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    if not permissions.can_view_internal(request.user):
        raise PermissionDenied
    region = get_object_or_404(Region.objects.select_related("parent__parent__parent"), code=code)
    own = None if request.user.is_superuser else permissions.user_region(request.user)
    if own is not None and not own.contains(region):
        raise PermissionDenied(f"只能查看本地区（{own.name}）及下级区划的情况")
    as_of = parse_as_of(request)
    ancestors = []
    parent = region.parent
    while parent is not None:
        ancestors.insert(0, parent)
        parent = parent.parent
    return render(
        request,
        "supervision/regions/region_detail.html",
        {
            "region": region,
            "ancestors": ancestors,
            "children": region.children.order_by("code"),
            "lists": regions.lists_touching(request.user, region, as_of),
            "as_of": as_of,
        },
    )
