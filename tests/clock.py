"""The one day the test suite lives on, whatever the machine's clock says.

Every test process (each xdist worker too) travels here before collecting a test, and the
clock ticks on from 10:00 on that day, so ``core.dates.today()`` is this day in every test and
the demo fixture is seeded on it. A Tuesday in late November: this year's demo list has
sub-items on pace, lagging, overdue to report and returned; next year's list is being chosen.
Tests that need another day travel there themselves (``time_machine.travel``).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 11, 24)
NOW = dt.datetime.combine(TODAY, dt.time(10, 0), tzinfo=SHANGHAI)
YEAR = TODAY.year
# In the demo county's calendar (projects.demo) the congress votes next year's list on 8 January
# and the office drafts it on the 10th: a day after both.
AFTER_VOTE = dt.date(YEAR + 1, 1, 15)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """A moment on ``day`` in the site's time zone, for ``time_machine.travel``."""
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=SHANGHAI)
