"""The rectification board (整改督办台账): which matters a user reads, filtered by plan, unit,
state and overdue, as they stood at the end of a day. The board page and its Excel export show
exactly these rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from projects import permissions
from projects.models import Unit
from supervision.followup import rectification_state
from supervision.followup.forms.rectifications import BoardFilterForm
from supervision.followup.models import Rectification
from supervision.followup.services import rectifications as service

State = Rectification.State


@dataclass
class BoardRow:
    """A row of the board and when its unit was last urged (催办) for the plan."""

    row: rectification_state.RectificationOn
    urged_at: datetime | None

    def __getattr__(self, name: str):
        return getattr(self.row, name)


STATE_RANK = {State.OPEN: 0, State.RESPONDED: 1, State.CLOSED: 2}


def board_selection(user, data, day):
    """The filter form for ``data`` (the query string's values), the matters created by the end
    of ``day`` that its plan and unit select, and the form's chosen values."""
    plans = permissions.published_plans_for(user)
    visible = service.visible_rectifications(user).filter(plan__in=plans)
    units = Unit.objects.filter(pk__in=visible.values("unit_id"))
    form = BoardFilterForm(data, plans=plans, units=units)
    chosen = form.cleaned_data if form.is_valid() else {}
    selected = visible.filter(created_at__lt=rectification_state.end_of(day))
    if chosen.get("plan"):
        selected = selected.filter(plan=chosen["plan"])
    if chosen.get("unit"):
        selected = selected.filter(unit=chosen["unit"])
    return form, selected, chosen


def board_rows(selected, chosen: dict, day) -> list:
    """The selected matters as they stood on ``day``, with the chosen state and overdue filters,
    overdue first, then by state and deadline."""
    rows = rectification_state.as_of(selected, day)
    if chosen.get("state"):
        rows = [r for r in rows if r.state == chosen["state"]]
    if chosen.get("overdue"):
        rows = [r for r in rows if r.is_overdue]
    rows.sort(key=lambda r: (not r.is_overdue, STATE_RANK[r.state], r.deadline, r.rectification.pk))
    return rows
