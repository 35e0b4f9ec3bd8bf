"""The traffic light (红黄绿灯) a sub-item or item gets against its scheduled pace.

The pace rule (``supervision.reading.pace``) decides the colour; the registry's pages, filters and API
only show and filter by it, so the choices live here where both apps can import them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Light(models.TextChoices):
    """Traffic light of a sub-item or item against its scheduled pace (红黄绿灯, blue = done)."""

    BLUE = "blue", _("已完成")
    GREEN = "green", _("正常推进")
    YELLOW = "yellow", _("滞后")
    RED = "red", _("严重滞后")


# The order in which pages, exports and the briefing list the colours: done first, worst last.
LIGHT_ORDER = [Light.BLUE, Light.GREEN, Light.YELLOW, Light.RED]
# Behind the scheduled pace: what "lagging" (滞后) means in filters, counts and lists.
LAGGING_LIGHTS = (Light.YELLOW, Light.RED)


class Verdict(models.TextChoices):
    """A closed year's final word on a sub-item or item, shown instead of its light
    (the rule is ``supervision.ledger.rules.final_verdict``)."""

    ON_TIME = "on_time", _("按期完成")
    LATE = "late", _("逾期完成")
    UNFINISHED = "unfinished", _("未完成")
    # At the close: continued in next year's list, or stopped by an approved change.
    CARRIED = "carried", _("结转")
    TERMINATED = "terminated", _("终止")


# The light colour each verdict is drawn in.
VERDICT_COLOURS = {
    Verdict.ON_TIME: Light.BLUE,
    Verdict.LATE: Light.YELLOW,
    Verdict.UNFINISHED: Light.RED,
    Verdict.CARRIED: Light.YELLOW,
    Verdict.TERMINATED: Light.GREEN,
}
