"""The completion dashboard for deputies and leaders, and the public disclosure page (信息公开)."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse

from core import dates, qr
from core.dates import parse_as_of
from core.lights import LIGHT_ORDER, Light
from projects import permissions
from projects import scope as reading_scope
from projects.models import Plan
from selection import results as selection_results
from supervision.documents import ranking
from supervision.figures import caches
from supervision.figures import counted as current
from supervision.followup.models import InspectionVisit, Rectification
from supervision.followup.services import reminders
from supervision.reading import dashboard
from supervision.reading.filters import PlanTableFilter
from supervision.reading.progress import plan_progress, reading_date
from supervision.yearend import evaluation
from supervision.yearend.services import closing

PUBLIC_STATUSES = (Plan.Status.PUBLISHED, Plan.Status.CLOSED)
PUBLIC_ITEMS_PER_PAGE = 50


class _Links:
    """Drill-down URLs: the plan table narrowed to what a number counts, keeping the
    dashboard's category, unit and as-of choices."""

    def __init__(self, plan: Plan, base: dict[str, str]):
        self.plan = plan
        self.base = base
        self.table = reverse("plan_detail", args=[plan.pk])

    def to_table(self, **params) -> str:
        query = {**self.base, **{k: v for k, v in params.items() if v not in (None, "")}}
        return f"{self.table}?{urlencode(query)}" if query else self.table

    def to_dashboard(self, **params) -> str:
        url = reverse("plan_dashboard", args=[self.plan.pk])
        query = {**self.base, **params}
        return f"{url}?{urlencode(query)}" if query else url


# A cached dashboard is keyed on the plan's own settings and its figures version (bumped in the
# same transaction as every accepted report and registry edit of the plan), so it is never stale
# for a change of its figures; the timeout only bounds renames of categories and units.
CACHE_SECONDS = 10 * 60
ATTENTION_ROWS = 50
OVERDUE_ROWS = 50
# A province has hundreds of units: the dashboard ranks the best and the worst, and links to
# the plan table's row per unit for all of them.
UNIT_ROWS = 40


@login_required
def plan_dashboard(request: HttpRequest, plan_id: int) -> HttpResponse:
    # The dashboard names every unit's problems (存在问题): internal readers only.
    if not permissions.can_view_internal(request.user):
        raise PermissionDenied
    plan = get_object_or_404(permissions.visible_plans(request.user), pk=plan_id)
    as_of = parse_as_of(request)
    table_filter = PlanTableFilter(request.GET, plan=plan)
    chosen = table_filter.cleaned_data if table_filter.is_bound and table_filter.is_valid() else {}
    category, unit, light = chosen.get("category"), chosen.get("unit"), chosen.get("light") or ""
    scope = permissions.sub_item_scope(request.user)
    region = permissions.reading_region(request.user, plan, request.GET.get("region"))

    base = {}
    if request.GET.get("region"):
        base["region"] = region.code
    if category:
        base["category"] = category.pk
    if unit:
        base["unit"] = unit.pk
    if as_of:
        base["as_of"] = as_of.isoformat()
    links = _Links(plan, base)

    key = None
    if scope is None:
        fingerprint = (
            plan.pk,
            plan.year,
            plan.yellow_margin,
            plan.red_margin,
            plan.report_cadence,
            plan.report_due_day,
            dates.today(),
            as_of,
            base,
            light,
            region.code if region else "",
            caches.figures_version(plan),
        )
        key = "plan-dashboard:" + hashlib.sha256(repr(fingerprint).encode()).hexdigest()
    body = cache.get(key) if key else None
    read = None  # the ledger's reading, when the body had to be counted from it
    if body is None:
        reading = dashboard.read_dashboard(
            plan,
            as_of,
            table_filter.sub_item_filter(scope),
            light,
            attention_rows=ATTENTION_ROWS,
            overdue_rows=OVERDUE_ROWS,
            region=region,
        )
        body = render_to_string(
            "supervision/dashboard/_body.html",
            {
                **_body_context(
                    plan, reading, light, links, filtered=bool(category or unit or light or region)
                ),
                "closing": closing.closing_counts(
                    plan, reading.headline, table_filter.sub_item_filter(scope)
                ),
            },
        )
        if key:
            cache.set(key, body, CACHE_SECONDS)
        if not light:
            read = reading.headline.progress

    rectification_filter = Q()
    if category:
        rectification_filter &= Q(item__category=category)
    if unit:
        rectification_filter &= Q(unit=unit)
    day = reading_date(plan, as_of)
    # The office reminds today's overdue units from here (outside the cached body, which
    # every internal reader shares).
    overdue_units = None
    # Through a region (never wider than the reader's own), the units named are that region's
    # shares' units, which an office of the region may remind on a higher list too.
    if (
        permissions.can_send_reminders(request.user)
        and (permissions.can_manage_plan(request.user, plan) or region is not None)
        and as_of is None
    ):
        overdue_units = reminders.overdue_units(plan, table_filter.sub_item_filter(scope), region, read)
    rectification_filter &= reading_scope.scope_filter(request.user, Rectification) or Q()
    rectifications, open_count = dashboard.open_rectifications(plan, day, rectification_filter)
    answered = permissions.answered_items(request.user, plan)
    answered_states = plan_progress(plan, day, items=answered).items if answered.exists() else []
    comparison = dashboard.region_comparison(plan, as_of) if region is None else []
    return render(
        request,
        "supervision/dashboard/plan_dashboard.html",
        {
            "plan": plan,
            "as_of": as_of,
            "day": day,
            "filter": table_filter,
            "filtered": bool(category or unit or light),
            "table_url": links.to_table(light=light),
            "body": body,
            "visits": dashboard.latest_visits_on(
                plan, day, condition=reading_scope.scope_filter(request.user, InspectionVisit)
            ),
            "rectifications": rectifications,
            "open_rectifications": open_count,
            "rectifications_url": f"/rectifications/?{urlencode({'plan': plan.pk})}",
            "overdue_units": overdue_units,
            # Supervision orders (督办单) are the plan's own office's to issue.
            "can_order": permissions.can_issue_order(request.user, plan),
            "answered": answered_states,
            "visits_first": permissions.is_deputy(request.user),
            "region": region,
            "handed_down": permissions.is_handed_down(plan, region),
            "comparison": [(row, links.to_dashboard(region=row.region.code)) for row in comparison],
            # Read today (the choosing of a list has no as-of history): "the new list is being
            # chosen", above the list whose year it follows.
            "under_way": _choosing_after(plan) if as_of is None else None,
            "comparison_chart": [
                {
                    "name": row.region.name,
                    "completion": float(round(row.summary.subitem_completion_rate * 100, 1)),
                    "progress": row.figures["average_progress"],
                    "scheduled": row.figures["average_scheduled"],
                    "url": links.to_dashboard(region=row.region.code),
                }
                for row in comparison
            ],
        },
    )


def _choosing_after(plan: Plan):
    """The next list being chosen (``selection.results.under_way``), if it comes after this
    list and this list is still being carried out."""
    if plan.status != Plan.Status.PUBLISHED:
        return None
    choosing = selection_results.under_way(dates.today(), region=plan.region)
    return choosing if choosing is not None and choosing.year > plan.year else None


def _body_context(
    plan: Plan, reading: dashboard.Reading, light: str, links: _Links, *, filtered: bool
) -> dict:
    """The dashboard body's template context, from one reading of the plan."""
    head = reading.headline
    figures = head.figures
    month_ends = reading.trend
    trend = [
        {**row, "url": links.to_dashboard(as_of=row["as_of"])}
        for row in dashboard.trend_rows(month_ends.points)
    ]
    light_rows = [
        {
            "key": value,
            "name": Light(value).label,
            "value": figures["lights"][value],
            "url": links.to_table(light=value),
        }
        for value in LIGHT_ORDER
    ]
    category_rows = [
        (row, links.to_table(category=row.category.pk if row.category else None, light=light))
        for row in reading.categories
    ]
    return {
        "plan": plan,
        "progress": head,
        "figures": figures,
        "summary": head.summary,
        "as_of": None if not head.is_historical else head.as_of,
        "filtered": filtered,
        "links": {"all": links.to_table(light=light), "completed": links.to_table(light=Light.BLUE)},
        "light_rows": light_rows,
        "categories": category_rows,
        "units": [
            None
            if entry is None
            else (
                entry[0],
                entry[1],
                links.to_table(unit=entry[1].unit.pk, light=light),
                links.to_table(unit=entry[1].unit.pk, light=Light.RED),
            )
            for entry in _best_and_worst(reading.units)
        ],
        "units_total": len(reading.units),
        "units_url": links.to_table(group="unit", light=light),
        "trend": trend,
        "trend_missing": len(month_ends.missing),
        "attention": reading.attention,
        "attention_total": reading.attention_total,
        "attention_links": {
            "red": links.to_table(light=Light.RED),
            "yellow": links.to_table(light=Light.YELLOW),
        },
        "overdue": reading.overdue,
        "overdue_total": reading.overdue_total,
        "chart_data": {
            "lights": light_rows,
            "categories": [
                {
                    "name": row.name,
                    "completed": row.subitems_completed,
                    "remaining": row.subitems_remaining,
                    "url": url,
                }
                for row, url in category_rows
            ],
            "trend": trend,
            "funding": figures["funding"],
        },
    }


def _best_and_worst(units: list) -> list[tuple[int, object] | None]:
    """(rank, row) of every unit, or of the first and last UNIT_ROWS / 2 with None between."""
    ranked = list(enumerate(units, start=1))
    if len(ranked) <= UNIT_ROWS:
        return ranked
    half = UNIT_ROWS // 2
    return [*ranked[:half], None, *ranked[-half:]]


def public_plan_list(request: HttpRequest) -> HttpResponse:
    """Published and closed lists with their headline, each read as the plan page reads it (a
    closed list as of its closing date)."""
    plans = Plan.objects.filter(status__in=PUBLIC_STATUSES).order_by("-year", "title")
    as_of = parse_as_of(request)
    return render(
        request,
        "supervision/public/plan_list.html",
        {"summaries": current.summaries(plans, as_of)},
    )


def public_plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    """What the public may see of a published list: today's progress, lights and completion,
    never problems text, internal notes, people's names or phone numbers."""
    plan = get_object_or_404(Plan.objects.filter(status__in=PUBLIC_STATUSES), pk=plan_id)
    head = current.headline(plan, parse_as_of(request))
    page, items = current.item_page(
        plan, head, None, "", request.GET.get("page"), per_page=PUBLIC_ITEMS_PER_PAGE
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/public/plan_detail.html",
        {
            "plan": plan,
            "progress": head,
            "summary": head.summary,
            "items": items,
            "page": page,
            "query": query.urlencode(),
            "ranking": ranking.latest_publication(plan),
            "ranking_rules": ranking.RED_RULE + ranking.YELLOW_RULE,
            "evaluation": evaluation.public_evaluation(plan, head.as_of),
            "share": qr.share(
                request, reverse("public_plan", args=[plan.pk]), reverse("public_plan_qr", args=[plan.pk])
            ),
        },
    )
