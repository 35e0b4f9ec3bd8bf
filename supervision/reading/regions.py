"""What a region's page shows: every list touching the region, each with its headline as of a
day — the region's own list and its lower regions' lists whole, and a higher list through the
region (its shares only, 上级下达). The figures are ``current``'s, as on each list's pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from projects import permissions
from projects.completion import PlanSummary
from projects.models import Plan, Region, SubItemShare
from supervision.figures import counted as current


@dataclass
class RegionList:
    plan: Plan
    relation: str  # "own", "lower" or "higher"
    summary: PlanSummary
    # The region the figures are read through (a higher list's), None for a whole list.
    through: Region | None


def lists_touching(user, region: Region, as_of: date | None = None) -> list[RegionList]:
    """The lists the user may read that touch a region, own first, then higher, then lower,
    newest year first within each."""
    handed_down = SubItemShare.objects.filter(region__code__startswith=region.prefix).values(
        "sub_item__item__plan_id"
    )
    plans = (
        permissions.visible_plans(user)
        .filter(Q(region__code__startswith=region.prefix) | Q(pk__in=handed_down))
        .select_related("region")
        .order_by("-year", "title")
    )
    whole, higher = [], []
    for plan in plans:
        (higher if permissions.is_handed_down(plan, region) else whole).append(plan)
    rows = [
        RegionList(plan, "own" if plan.region_id == region.pk else "lower", summary, None)
        for plan, summary in current.summaries(whole, as_of)
    ]
    rows += [
        RegionList(plan, "higher", current.headline(plan, as_of, region=region).summary, region)
        for plan in higher
    ]
    order = {"own": 0, "higher": 1, "lower": 2}
    return sorted(rows, key=lambda row: (order[row.relation], -row.plan.year, row.plan.region.code))
