"""Display helpers for registry figures: rates, quantities, lights and progress bars."""

from django import template

from core.dates import today
from core.lights import VERDICT_COLOURS, Light, Verdict
from projects.completion import format_number, format_percent
from projects.models import FundingLine

register = template.Library()


@register.filter
def rate(fraction):
    """A completion rate fraction as people write it: 3.775 -> 377.5%."""
    return format_percent(fraction)


@register.filter
def qty(value):
    """A quantity without trailing zeros: 120.00 -> 120."""
    return format_number(value)


@register.filter
def pct(value):
    """A percent value (0–100) as text: 62.50 -> 62.5%."""
    if value is None:
        return "—"
    return f"{format_number(value)}%"


@register.filter
def source_label(source: str) -> str:
    """A funding source's name (资金来源); money reported without a planned source is 未列来源."""
    return FundingLine.Source(source).label if source else "未列来源"


@register.inclusion_tag("partials/light.html")
def light_badge(light, verdict=None):
    """The light of a sub-item or item; for a closed year, its final verdict instead."""
    if verdict:
        return {"light": VERDICT_COLOURS[verdict], "label": Verdict(verdict).label}
    return {"light": light, "label": Light(light).label if light else ""}


@register.inclusion_tag("partials/progress_bar.html")
def progress_bar(progress, pace=None, light=None):
    return {"progress": progress, "pace": pace, "light": light}


@register.filter
def status_on(plan, day):
    """A list's state on a day (``Plan.status_on``): 年度已结束，待验收收尾 between its year's end
    and its closing."""
    return plan.status_on(day or today())


@register.filter
def year_over(plan, day) -> bool:
    """Whether a list's year has ended on that day while it is not yet closed (``Plan.year_over``)."""
    return plan.year_over(day or today())
