"""The progress notice (进展公示): the three classes governments publish, their counts and
shares, the slow sub-items and their units, and the window in which residents may object.

The classes are a reading of the pace rule (``supervision.reading.pace``), never a second rule:

- 推进缓慢 (slow): the sub-item's light is yellow or red (``core.lights.LAGGING_LIGHTS``) —
  at least the plan's yellow margin behind its scheduled pace, not started when it should
  have, or past its deadline unfinished. So "推进缓慢的有3项" always equals the lagging count
  every other page shows.
- 提前或超额完成 (ahead or beyond target): the sub-item is complete (accepted as complete:
  blue), or, not lagging, it is ahead of its scheduled pace (progress above 序时进度, lag
  below zero) or its completion rate is above 100% (actual beyond target before the unit
  declared it complete).
- 正常推进 (on pace): every other sub-item — on its scheduled pace or less than the yellow
  margin behind it.

Counts are of sub-items (项), shares are of all the plan's sub-items, in percent rounded to
one decimal as speeches write them ("推进缓慢的有3项，占30%").
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.lights import LAGGING_LIGHTS
from projects.completion import format_percent
from projects.models import Plan
from supervision.reading.progress import plan_progress

ONE = Decimal("1")
ZERO = Decimal("0")
DEFAULT_OBJECTION_DAYS = 7


class NoticeClass(models.TextChoices):
    AHEAD = "ahead", _("提前或超额完成")
    ON_PACE = "on_pace", _("正常推进")
    SLOW = "slow", _("推进缓慢")


NOTICE_ORDER = [NoticeClass.AHEAD, NoticeClass.ON_PACE, NoticeClass.SLOW]


def notice_class(
    *, is_complete: bool, light: str, lag_points: Decimal, completion_rate: Decimal | None
) -> NoticeClass:
    """The class a sub-item is published under on a day, from its pace figures that day
    (``lag_points`` in percentage points, positive when behind; ``completion_rate`` a
    fraction, 1 = 100%). See the module's docstring for the rule."""
    if is_complete:
        return NoticeClass.AHEAD
    if light in LAGGING_LIGHTS:
        return NoticeClass.SLOW
    if lag_points < ZERO or (completion_rate is not None and completion_rate > ONE):
        return NoticeClass.AHEAD
    return NoticeClass.ON_PACE


def share(count: int, total: int) -> str:
    """A class's share of all sub-items as speeches write it: 3 of 10 -> '30%', 1 of 3 -> '33.3%'."""
    if not total:
        return format_percent(ZERO)
    return format_percent(Decimal(count) / Decimal(total))


def notice_figures(plan: Plan, as_of: date | None = None) -> dict:
    """What a notice on the plan publishes as of a day (JSON-ready): the number of sub-items,
    each class's count and share, and the slow sub-items with their responsible units by
    name, in list order."""
    progress = plan_progress(plan, as_of)
    counts = dict.fromkeys(NoticeClass.values, 0)
    slow = []
    for state in progress.sub_states:
        found = notice_class(
            is_complete=state.is_complete,
            light=state.light,
            lag_points=state.lag_points,
            completion_rate=state.completion_rate,
        )
        counts[found] += 1
        if found == NoticeClass.SLOW:
            sub_item = state.sub_item
            slow.append(
                {
                    "code": sub_item.code,
                    "item": sub_item.item.title,
                    "content": sub_item.short_content,
                    "unit": sub_item.responsible_unit.name,
                    "light": state.light,
                    "progress": f"{state.progress_percent:f}",
                    "scheduled": f"{state.scheduled_percent:f}",
                }
            )
    total = len(progress.sub_states)
    return {
        "as_of": progress.as_of.isoformat(),
        "subitems_total": total,
        "classes": {
            key: {"count": counts[key], "share": share(counts[key], total)} for key in NoticeClass.values
        },
        "slow": slow,
    }


def class_sentences(figures: dict) -> list[str]:
    """One sentence per class, as notices print them: '推进缓慢的有3项，占30%'."""
    return [
        f"{cls.label}的有{figures['classes'][cls.value]['count']}项，占{figures['classes'][cls.value]['share']}"
        for cls in NOTICE_ORDER
    ]


def slow_units(figures: dict) -> list[str]:
    """The responsible units of the slow sub-items, each named once, in list order."""
    return list(dict.fromkeys(row["unit"] for row in figures["slow"]))


def objection_closes(issued_on: date, days: int) -> date:
    """The last day of a notice's objection window: ``days`` days counted from the day of
    issue ("公示期7天，6月1日至6月7日")."""
    return issued_on + timedelta(days=max(days, 1) - 1)


def objection_window_open(issued_on: date, days: int, on: date) -> bool:
    return issued_on <= on <= objection_closes(issued_on, days)
