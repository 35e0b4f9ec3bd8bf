"""Whose selection: every suggestion, candidate and vote belongs to a region (the county whose
congress votes its list), read through ``projects.scope`` and managed only by an office that may
manage that region (``permissions.region_refusal``).

A URL with a year (``/selections/<year>/…``) means that year's selection of one region:

- ``?region=<code>`` names it (one of the user's own region or below);
- else the user's region (their unit's);
- else, for a user without a region (the office without a unit, a superuser, a deputy or
  leader without a unit), the region of the year's selection: the site's county
  (``default_region``) when it has one that year, else the most local region that has one
  (a county's before its city's), else the rows without a region; a year nobody started yet is
  the site's county's.

The public pages (the suggestion form, the result) read the site's county: the region coded in
the setting ``SELECTION_PUBLIC_REGION``, else the region of the most local, newest published
list (as a reader lands on a county's list before its city's), else none.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Q, Value, When
from django.http import Http404

from projects import permissions
from projects.models import Plan, Region
from selection.models import Candidate, Suggestion, VotingSession

# Deepest first: a township's selection before its county's, a county's before its city's.
_DEPTH = {level: rank for rank, level in enumerate(reversed(Region.Level.values))}


def acting_region(user) -> Region | None:
    """The region a user's selection work is limited to (None: everywhere)."""
    if user is None or not user.is_authenticated or user.is_superuser:
        return None
    return permissions.user_region(user)


def default_region() -> Region | None:
    """The site's county: the public form collects for it, the public result reads it."""
    code = getattr(settings, "SELECTION_PUBLIC_REGION", "")
    if code:
        return Region.objects.filter(code=code).first()
    depth = Case(
        *[When(region__level=level, then=Value(rank)) for rank, level in enumerate(Region.Level.values)],
        default=Value(-1),
    )
    plan = (
        Plan.objects.filter(status__in=[Plan.Status.PUBLISHED, Plan.Status.CLOSED], region__isnull=False)
        .annotate(depth=depth)
        .order_by("-year", "-depth", "-published_on", "-pk")
        .select_related("region")
        .first()
    )
    return plan.region if plan else None


def of(region: Region | None) -> Q:
    """The rows of one region's selection (of the rows without a region for None)."""
    return Q(region__isnull=True) if region is None else Q(region=region)


def asked_region(user, code: str) -> Region:
    """The region a page's ``?region=`` names: 404 for an unknown code, 403 for one outside
    the user's own region."""
    asked = Region.objects.filter(code=code).first()
    if asked is None:
        raise Http404(f"没有代码为“{code}”的行政区划")
    own = acting_region(user)
    if own is not None and not own.contains(asked):
        raise PermissionDenied(f"只能查看本地区（{own.name}）及下级区划的征集票决")
    return asked


def year_regions(year: int) -> set[int | None]:
    """The regions (their pks; None for rows without one) with a selection in ``year``."""
    # One query; the models' default orderings cleared (a compound statement takes none).
    rows = (
        Suggestion.objects.filter(year=year)
        .order_by()
        .values_list("region_id", flat=True)
        .union(
            Candidate.objects.filter(year=year).order_by().values_list("region_id", flat=True),
            VotingSession.objects.filter(year=year).order_by().values_list("region_id", flat=True),
        )
    )
    return set(rows)


def selection_region(user, year: int, code: str | None = None) -> Region | None:
    """The region whose selection of ``year`` a page means (see the module)."""
    if code:
        return asked_region(user, code)
    own = acting_region(user)
    if own is not None:
        return own
    found = year_regions(year)
    default = default_region()
    if not found or (default is not None and default.pk in found):
        return default
    regions = sorted(
        Region.objects.filter(pk__in=[pk for pk in found if pk is not None]),
        key=lambda region: (_DEPTH.get(region.level, 99), region.code),
    )
    return regions[0] if regions else None


def require_manage(user, region: Region | None) -> None:
    """PermissionDenied, saying why in Chinese, unless the user is an office that may manage
    the selection of ``region``."""
    if not permissions.can_manage_selection(user):
        raise PermissionDenied("只有督查室可以管理征集票决")
    refusal = permissions.region_refusal(user, region)
    if refusal is not None:
        raise PermissionDenied(refusal)


def can_manage(user, region: Region | None) -> bool:
    return permissions.can_manage_selection(user) and permissions.region_refusal(user, region) is None
