"""A rectification (整改 / 督办事项) as it stood at the end of a day, from its history of events.

The stored ``state`` and ``is_overdue`` say how things stand now; a page read "as of" a past
date asks this module instead, so it neither shows a matter as overdue before its deadline had
passed nor leaves out one that was still open then.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from supervision.followup.models import Rectification, RectificationEvent

State = Rectification.State
Action = RectificationEvent.Action

# What each step of the history leaves the matter in; "overdue" changes no state.
STATE_AFTER = {
    Action.CREATED: State.OPEN,
    Action.RESPONDED: State.RESPONDED,
    Action.SENT_BACK: State.OPEN,
    Action.CLOSED: State.CLOSED,
}


@dataclass(frozen=True)
class RectificationOn:
    rectification: Rectification
    day: dt.date
    state: str

    @property
    def is_overdue(self) -> bool:
        """Overdue on a day: not closed by the end of it, and its deadline was before it."""
        return self.state != State.CLOSED and self.rectification.deadline < self.day

    @property
    def is_open(self) -> bool:
        return self.state != State.CLOSED

    def get_state_display(self) -> str:
        return str(State(self.state).label)

    def __getattr__(self, name: str):
        # Templates read the matter's own fields (title, unit, deadline …) through this.
        return getattr(self.rectification, name)


def end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def state_on(rectification: Rectification, events: Iterable[RectificationEvent], day: dt.date) -> str | None:
    """The state at the end of ``day`` (None when the matter had not been assigned yet): the
    state the last state-changing event by then left it in."""
    if rectification.created_at >= end_of(day):
        return None
    state = State.OPEN
    for event in sorted(events, key=lambda e: (e.at, e.pk)):
        if event.at >= end_of(day):
            break
        state = STATE_AFTER.get(event.action, state)
    return state


def as_of(rectifications: Iterable[Rectification], day: dt.date) -> list[RectificationOn]:
    """The given rectifications as they stood at the end of ``day`` (one query for the events);
    those not yet assigned by then are left out."""
    rows = list(rectifications)
    events: dict[int, list[RectificationEvent]] = defaultdict(list)
    for event in RectificationEvent.objects.filter(
        rectification__in=[r.pk for r in rows], at__lt=end_of(day)
    ):
        events[event.rectification_id].append(event)
    result = []
    for rectification in rows:
        state = state_on(rectification, events.get(rectification.pk, ()), day)
        if state is not None:
            result.append(RectificationOn(rectification, day, state))
    return result
