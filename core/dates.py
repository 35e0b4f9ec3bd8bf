"""The clock, and reading the "as of" date (?as_of=YYYY-MM-DD) that every progress page accepts."""

from __future__ import annotations

import calendar
import re
from datetime import date

from django.core.exceptions import BadRequest, ValidationError
from django.http import HttpRequest
from django.utils import timezone

# The dates this system can mean: a year outside them is a typo (20240 for 2024, 1024 for 2024).
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def validate_supported(value: date) -> None:
    """Refuse a date before 2000 or after 2100 (a form or query-string field validator)."""
    if not EARLIEST <= value <= LATEST:
        raise ValidationError("日期须在2000年1月1日至2100年12月31日之间")


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
    if value > LATEST:
        raise BadRequest("截至日期不能晚于2100年12月31日")
    if value >= today():
        return None
    return value


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


def month_from(raw: str) -> date | None:
    """'2026-04' -> 2026-04-01; None when it is not a supported month."""
    match = _MONTH.fullmatch(raw.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    first = date(int(match.group(1)), int(match.group(2)), 1)
    return first if EARLIEST <= first <= LATEST else None


def parse_month(request: HttpRequest) -> date | None:
    """?month=YYYY-MM as the "as of" date it means: the month's last day, or None (today) for
    a month not over yet, as ``parse_as_of`` reads a date. A malformed month answers 400."""
    raw = request.GET.get("month") or ""
    first = month_from(raw)
    if first is None:
        raise BadRequest("月份格式应为 YYYY-MM（2000年至2100年）")
    last = month_end(first.year, first.month)
    return None if last >= today() else last
