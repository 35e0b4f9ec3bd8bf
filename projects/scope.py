"""The one reading scope: which plans, reports, visits, rectifications, orders, deliveries,
notices, circulars, selections and evaluations a user may read.

A user reads their region and the regions below it, plus the shares of higher lists that fall
to their region (上级下达), and nothing of a neighbour's. Every page, export, JSON endpoint, API
list and detail, the big screen and the admin filter what they read through ``readable`` (or
``readable_or_404``); the role checks (``permissions.can_view_visits`` …) decide whether a user
reads a kind of record at all, this module decides which records.

Each model read here declares how it is reached, as ``Reach`` in a class attribute ``reach``:

- ``plan``: the path to the list it belongs to (``""`` for Plan itself);
- ``region``: the path to a region of its own (the suggestions and the vote, which come before
  any list);
- ``units`` and ``shares``: the paths to the units it concerns and the shares (分解任务) it is
  about. Through them a user of a lower region reads a higher list's record that concerns their
  region (a report on their share, a rectification sent to one of their units), and a liaison
  reads the records of their own unit.

The rule, for a user of region R:

1. No region (the office without a unit, a superuser): everything.
2. A record with a region of its own: that region is R or below it (or it has none).
3. A record of a list: the list is readable (``permissions.published_plans_for``) and it is R's
   or below (or has no region), or the record concerns R through one of its units or shares
   (or, for the kinds a list hands down whole, ``Reach.handed_down``, the list is handed down
   to R).
4. A liaison: the records of their unit (units or shares), on lists they read.
"""

from __future__ import annotations

from django.db.models import Model, Q, QuerySet
from django.shortcuts import get_object_or_404

from core.scoping import Reach
from projects import permissions
from projects.models import Region


def _path(prefix: str, rest: str) -> str:
    return f"{prefix}__{rest}" if prefix else rest


def _reach_of(model: type[Model]) -> Reach:
    reach = getattr(model, "reach", None)
    if not isinstance(reach, Reach):
        raise TypeError(f"{model.__name__} declares no reading reach (projects.scope.Reach)")
    return reach


def _concerns_region(model: type[Model], reach: Reach, region: Region) -> Q:
    """Records that concern ``region`` or below through one of their units or shares."""
    found = Q(pk__in=[])
    for unit in reach.units:
        found |= Q(**{f"{unit}__region__code__startswith": region.prefix})
    for share in reach.shares:
        found |= Q(**{f"{share}__region__code__startswith": region.prefix})
    if reach.units or reach.shares:
        # Through a subquery: a many-valued path must not repeat a record.
        return Q(pk__in=model._default_manager.filter(found).values("pk"))
    return found


def _concerns_unit(model: type[Model], reach: Reach, unit_id: int) -> Q:
    found = Q(pk__in=[])
    for unit in reach.units:
        found |= Q(**{f"{unit}_id": unit_id})
    for share in reach.shares:
        found |= Q(**{f"{share}__responsible_unit_id": unit_id})
    if reach.units or reach.shares:
        return Q(pk__in=model._default_manager.filter(found).values("pk"))
    return found


def scope_filter(user, model: type[Model]) -> Q | None:
    """The filter on ``model`` a user reads (None: everything)."""
    reach = _reach_of(model)
    if not user.is_authenticated or not permissions.can_view_registry(user):
        return Q(pk__in=[])
    liaison = permissions.is_liaison(user) and not permissions.can_view_internal(user)
    region = None if user.is_superuser else permissions.user_region(user)
    if region is None and not liaison:
        return None
    if reach.plan == "":
        # The lists themselves: their rule is visible_plans'.
        return Q(pk__in=permissions.visible_plans(user).values("pk"))
    scope = Q()
    if reach.region is not None:
        if region is not None:
            scope &= Q(**{f"{reach.region}__isnull": True}) | Q(
                **{f"{reach.region}__code__startswith": region.prefix}
            )
        elif liaison:
            scope &= Q(pk__in=[])
    if reach.plan is not None:
        plan = reach.plan
        scope &= Q(**{f"{_path(plan, 'pk')}__in": permissions.published_plans_for(user).values("pk")})
        if liaison:
            scope &= _concerns_unit(model, reach, user.unit_id)
        else:
            own = Q(**{f"{plan}__region__isnull": True}) | Q(
                **{f"{plan}__region__code__startswith": region.prefix}
            )
            # A higher list is readable here only when handed down to this region.
            scope &= own | (Q() if reach.handed_down else _concerns_region(model, reach, region))
    elif reach.region is None:
        scope &= (
            _concerns_unit(model, reach, user.unit_id) if liaison else _concerns_region(model, reach, region)
        )
    return scope


def readable(user, queryset: QuerySet) -> QuerySet:
    """``queryset`` limited to what the user may read."""
    scope = scope_filter(user, queryset.model)
    return queryset if scope is None else queryset.filter(scope)


def readable_or_404(user, queryset: QuerySet, **lookup) -> Model:
    """One record the user may read, or 404 (a neighbour's record is not even said to exist)."""
    return get_object_or_404(readable(user, queryset), **lookup)
