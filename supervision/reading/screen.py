"""The figures of the meeting-room display (大屏), as JSON-ready values.

Nothing is counted here: the headline, lights, categories, trend and unit ranking are the
dashboard's own (``dashboard.read_dashboard``), so the screen and the dashboard cannot
disagree; this module only shapes them for the display and adds the latest photos.
"""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from projects.completion import format_percent
from projects.models import Plan, Region
from supervision.ledger.models import ProgressReport, ReportPhoto
from supervision.reading import dashboard
from supervision.reading.progress import reading_date

# What fits on 1080 lines: the best and the worst units, and a row of photos.
UNIT_ROWS = 12
PHOTOS = 8


def latest_photos(
    plan: Plan, day: date, limit: int = PHOTOS, region: Region | None = None
) -> list[ReportPhoto]:
    """The photos of the plan's reports accepted by ``day``, the latest accepted first; read
    through a lower ``region``, only those of its shares."""
    photos = ReportPhoto.objects.filter(
        report__sub_item__item__plan=plan,
        report__state=ProgressReport.State.ACCEPTED,
        report__accepted_on__lte=day,
    )
    if region is not None:
        photos = photos.filter(report__share__region__code__startswith=region.prefix)
    return list(
        photos.select_related("report__sub_item__item").order_by("-report__accepted_on", "-report_id", "id")[
            :limit
        ]
    )


def _ranked_units(units: list[dashboard.UnitRow]) -> list[dict]:
    ranked = list(enumerate(units, start=1))
    if len(ranked) > UNIT_ROWS:
        half = UNIT_ROWS // 2
        ranked = [*ranked[:half], *ranked[-half:]]
    return [
        {
            "rank": rank,
            "name": row.unit.short_name or row.unit.name,
            "subitems_total": row.subitems_total,
            "completed": row.completed,
            "on_time_rate": float(row.on_time_rate),
            "on_time_rate_text": format_percent(row.on_time_rate),
            "red": row.red,
            "yellow": row.yellow,
            "overdue_report": row.overdue_report,
            "average_lag": float(row.average_lag),
        }
        for rank, row in ranked
    ]


def read_screen(plan: Plan, as_of: date | None, region: Region | None = None) -> dict:
    """Everything the screen shows as of a day (``reading_date`` when None); read through a
    lower ``region`` (``permissions.reading_region``), only its shares, as its dashboard."""
    reading = dashboard.read_dashboard(plan, as_of, None, "", attention_rows=0, overdue_rows=0, region=region)
    figures = reading.headline.figures
    day = reading_date(plan, as_of)
    return {
        "plan": {"id": plan.pk, "title": plan.title, "region": plan.region_name},
        "as_of": figures["as_of"],
        "figures": figures,
        # Rates as the other pages write them (377.5%, 60%), so the screen never rounds its own way.
        "rates": {
            "item_completion": format_percent(figures["item_completion_rate"]),
            "subitem_completion": format_percent(figures["subitem_completion_rate"]),
        },
        "categories": [
            {
                "name": row.name,
                "items_total": row.items_total,
                "items_completed": row.items_completed,
                "subitems_total": row.subitems_total,
                "subitems_completed": row.subitems_completed,
                "remaining": row.subitems_remaining,
            }
            for row in reading.categories
        ],
        "trend": dashboard.trend_rows(reading.trend.points),
        "units": _ranked_units(reading.units),
        "units_total": len(reading.units),
        "photos": [
            {
                "url": reverse("report_photo", args=[photo.pk]),
                "caption": f"{photo.report.sub_item.code} {photo.caption or photo.report.sub_item.item.title}",
                "date": photo.report.accepted_on.isoformat(),
            }
            for photo in latest_photos(plan, day, region=region)
        ],
    }
