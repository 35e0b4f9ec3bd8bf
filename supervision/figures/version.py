"""A plan's figures version: the number every cache of the plan's figures is stored at, bumped
(``caches.bump_figures_version``) in the transaction of every change the figures are computed
from. A stored figure whose version is the plan's is true; readers compare, writers bump."""

from __future__ import annotations

from projects.models import Plan
from supervision.figures.models import PlanFiguresVersion


def figures_version(plan: Plan | int) -> int:
    """The plan's figures version, in one query by primary key: it changes whenever anything
    the plan's figures are computed from changes (0 before the first change)."""
    plan_id = getattr(plan, "pk", plan)
    version = PlanFiguresVersion.objects.filter(plan_id=plan_id).values_list("version", flat=True).first()
    return version or 0
