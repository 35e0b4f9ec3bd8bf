"""The registry's pages as they show progress: the plan list with completion counts, the plan's
published table with lights, and the item and sub-item pages with pace, history and photos.

They live with progress because they show it; the registry (projects) only supplies the plans,
permissions and completion rules they start from.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from core.dates import parse_as_of
from projects import permissions
from projects.models import Item, Plan
from supervision.figures import counted as current
from supervision.reading import dashboard as item_dashboard
from supervision.reading.filters import PlanTableFilter
from supervision.reading.progress import plan_progress

ITEMS_PER_PAGE = 50
GROUPS_PER_PAGE = 100
# The plan table's other views: a row per policy field or per responsible unit, each counting
# its items and sub-items and linking to the table narrowed to it.
GROUPS = {"category": _("按领域"), "unit": _("按责任单位")}


def _group_rows(plan, head: current.Headline, sub_filter, light: str, group: str) -> list:
    """The plan's sub-items counted per policy field or per unit: from the caches when they
    hold the day, else from the ledger (the dashboard's own counts, ``services.dashboard``)."""
    if head.from_caches:
        subs = current.sub_items(plan, sub_filter, light)
        if group == "category":
            return item_dashboard.counted_by_category(subs)
        rows = item_dashboard.counted_unit_ranking(subs)
    else:
        progress = head.progress or plan_progress(plan, head.as_of, sub_item_filter=sub_filter).with_light(
            light
        )
        if group == "category":
            return item_dashboard.by_category(progress)
        rows = item_dashboard.unit_ranking(progress)
    return sorted(rows, key=lambda row: row.unit.name)


def _require_registry_reader(user) -> None:
    if not permissions.can_view_registry(user):
        raise PermissionDenied


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    _require_registry_reader(request.user)
    plans = permissions.visible_plans(request.user).order_by("-year", "title")
    as_of = parse_as_of(request)
    scope = permissions.sub_item_scope(request.user)
    summaries = current.summaries(plans, as_of, sub_item_filter=scope)
    return render(request, "projects/plan_list.html", {"summaries": summaries, "as_of": as_of})


def _plan_for(user, plan_id: int) -> Plan:
    return get_object_or_404(permissions.visible_plans(user), pk=plan_id)


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    _require_registry_reader(request.user)
    plan = _plan_for(request.user, plan_id)
    as_of = parse_as_of(request)
    table_filter = PlanTableFilter(request.GET, plan=plan)
    sub_filter = table_filter.sub_item_filter(permissions.sub_item_scope(request.user))
    light = table_filter.chosen_light
    region = permissions.reading_region(request.user, plan, request.GET.get("region"))
    # The headline counts the whole plan (as the filters narrow it); the table shows a page of
    # items, so a province's list stays a page a browser can open (the full table is the Excel
    # export). Only the page's items are read from the ledger, unless the headline had to be
    # (as it is through a region).
    head = current.headline(plan, as_of, sub_item_filter=sub_filter, light=light, region=region)
    group = request.GET.get("group", "")
    if group in GROUPS:
        groups = _group_rows(plan, head, sub_filter, light, group)
        page = Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
        items = []
    else:
        page, items = current.item_page(
            plan, head, sub_filter, light, request.GET.get("page"), per_page=ITEMS_PER_PAGE
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/plan_detail.html",
        {
            "plan": plan,
            "progress": head,
            "items": items,
            "group": group if group in GROUPS else "",
            "groups": GROUPS,
            "group_rows": page.object_list if group in GROUPS else [],
            "page": page,
            "query": query.urlencode(),
            "filter": table_filter,
            "as_of": as_of,
            "region": region,
            "handed_down": permissions.is_handed_down(plan, region),
            # The list's own writes (setup, notices, closing) are for an office of its region.
            "can_manage": permissions.can_manage_plan(request.user, plan),
        },
    )


@login_required
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    _require_registry_reader(request.user)
    item = get_object_or_404(
        Item.objects.select_related("plan", "category", "lead_unit").filter(
            plan__in=permissions.visible_plans(request.user)
        ),
        pk=item_id,
    )
    as_of = parse_as_of(request)
    scope = permissions.sub_item_scope(request.user)
    progress = plan_progress(item.plan, as_of, sub_item_filter=scope, items=Item.objects.filter(pk=item.pk))
    if not progress.items:
        raise Http404
    item_state = progress.items[0]
    return render(
        request,
        "projects/item_detail.html",
        {
            "item": item,
            "plan": item.plan,
            "state": item_state,
            "has_funding": any(s.funding_rows for s in item_state.sub_states),
            "as_of": as_of,
            "progress": progress,
            "item_chart": {
                "points": item_dashboard.item_history(item_state, item.plan, progress.as_of, scope)
            },
            "photos": item_dashboard.item_photos(item_state, progress.as_of),
        },
    )


@login_required
def subitem_detail(request: HttpRequest, sub_item_id: int) -> HttpResponse:
    _require_registry_reader(request.user)
    sub_item = get_object_or_404(
        permissions.visible_sub_items(request.user)
        .select_related("item__plan", "item__lead_unit", "responsible_unit")
        .filter(item__plan__in=permissions.visible_plans(request.user)),
        pk=sub_item_id,
    )
    plan = sub_item.item.plan
    as_of = parse_as_of(request)
    progress = plan_progress(
        plan,
        as_of,
        sub_item_filter=permissions.sub_item_scope(request.user),
        items=Item.objects.filter(pk=sub_item.item_id),
    )
    state = next(s for s in progress.sub_states if s.sub_item.pk == sub_item.pk)
    return render(
        request,
        "projects/subitem_detail.html",
        {
            "sub_item": state.sub_item,
            "item": sub_item.item,
            "plan": plan,
            "state": state,
            "progress": progress,
            "cooperating_units": sub_item.cooperating_units.all(),
            "can_report": permissions.can_report_on(request.user, sub_item),
            "can_manage": permissions.can_manage_plan(request.user, plan),
            "can_file_change": permissions.can_file_change(request.user, sub_item),
            "as_of": as_of,
        },
    )
