"""The clock, and reading the "as of" date (?as_of=YYYY-MM-DD) that every progress page accepts."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.utils import timezone

EARLIEST = date(2000, 1, 1)


def today() -> date:
    """Today in the site's time zone (settings.TIME_ZONE), the day every "as of" is measured from."""
    return timezone.localdate()


def parse_as_of(request: HttpRequest) -> date | None:
    """The requested past date, or None for today (a date today or later means today).

    A malformed date answers 400 rather than silently showing today's figures as if they
    were the requested day's.
    """
    raw = (request.GET.get("as_of") or "").strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError as exc:
        raise BadRequest("截至日期格式应为 YYYY-MM-DD") from exc
    if value < EARLIEST:
        raise BadRequest("截至日期不能早于2000年1月1日")
    if value >= today():
        return None
    return value
