"""The public page's notice of the suggestion drive and the latest vote's result."""

from __future__ import annotations

from django import template

from core.dates import parse_as_of, today
from selection import regions, results
from selection.models import VotingSession

register = template.Library()


@register.inclusion_tag("selection/public/_notice.html", takes_context=True)
def selection_notice(context) -> dict:
    """The latest year whose vote was counted by the page's ?as_of (its adopted projects), and
    the link to send a suggestion for next year: the site's county's (``regions.default_region``)."""
    as_of = parse_as_of(context["request"])
    region = regions.default_region()
    counted = VotingSession.objects.filter(regions.of(region), round=1, state=VotingSession.State.COUNTED)
    if as_of is not None:
        counted = counted.filter(counted_on__lte=as_of)
    latest = counted.order_by("-year").values_list("year", flat=True).first()
    result = results.year_result(latest, as_of, region=region) if latest else None
    return {"result": result, "suggestion_year": today().year + 1}
