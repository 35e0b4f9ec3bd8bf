"""Property: whatever history of reports a small published plan goes through (submit, return and
resubmit, accept on days moving through the year, correct downwards), every surface agrees.

- The services accept exactly the reports the rules allow (an independent oracle of the rules in
  DOMAIN.md, "Reporting"), and a refused report saves nothing.
- ``verify_figures`` finds no drift and every per-source report carries its sources' totals.
- The read model (``plan_progress``) as of each acceptance day, a month-end and today shows for
  each sub-item what ``ledger.report_effect`` says of its latest report accepted by then (found
  here independently), and the money the test itself stated in the latest report that stated
  money; the stored current figures equal the read model as of today; the headline counts add up.
- The API's summary and its sub-item list (filtered by light, by overdue, unfiltered) agree with
  each other and with the read model.

Each example runs inside a savepoint that is rolled back, so examples never see each other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from core.lights import Light
from projects.models import FundingLine, Plan, SubItem
from supervision.figures import caches
from supervision.ledger import periods
from supervision.ledger import rules as ledger
from supervision.ledger.services import (
    InvalidReport,
    ReportNotSaved,
    accept_report,
    create_report,
    return_report,
    save_report,
)
from supervision.models import ProgressReport, ReportFunding
from supervision.reading.progress import plan_progress
from supervision.reading.summary import plan_figures

from .factories import (
    FundingLineFactory,
    ItemFactory,
    PlanFactory,
    SubItemFactory,
    UnitFactory,
    liaison_user,
    office_user,
)

pytestmark = pytest.mark.django_db

YEAR = 2025
YEAR_START = dt.date(YEAR, 1, 1)
YEAR_END = dt.date(YEAR, 12, 31)
FIRST_DAY = dt.date(YEAR, 1, 10)  # the day cursor starts here; acceptances move it forward
MONTH_ENDS = (dt.date(YEAR, 6, 30), YEAR_END)
ZERO = Decimal("0")
CENT = 0.01
Status = SubItem.Status
ACCEPTED = ProgressReport.State.ACCEPTED

TWO_SOURCES = sorted([FundingLine.Source.CENTRAL.value, FundingLine.Source.COUNTY.value])


# --- The plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One shape of sub-item: its target and its planned funding sources."""

    name: str
    target: Decimal | None
    sources: tuple[str, ...]


KINDS = {
    "two": Kind("two", Decimal("100"), tuple(TWO_SOURCES)),
    "one": Kind("one", None, (FundingLine.Source.COUNTY.value,)),
    "none": Kind("none", Decimal("50"), ()),
}
LAYOUTS = [("two", "one"), ("two", "none"), ("two", "one", "none")]


# --- The test's own record of what happened -------------------------------------------------


@dataclass
class Stated:
    """What the test asked a report to say, and what it expects stored from it."""

    progress: Decimal  # as stored: 100 when it marks complete
    actual: Decimal | None
    marks_complete: bool
    money: ledger.Money | None  # None: the report states no money


@dataclass
class Track:
    """One sub-item as the test saw it."""

    sub_item: SubItem
    kind: Kind
    open_id: int | None = None
    open_state: str | None = None
    accepted: list[tuple[int, dt.date]] = field(default_factory=list)  # (report id, day), in order

    def last_accepted(self, on: dt.date | None = None) -> int | None:
        ids = [rid for rid, day in self.accepted if on is None or day <= on]
        return ids[-1] if ids else None


@dataclass
class History:
    tracks: list[Track]
    stated: dict[int, Stated] = field(default_factory=dict)
    acceptance_days: list[dt.date] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    events: set[str] = field(default_factory=set)

    def note(self, what: str, detail: str) -> None:
        """Record a step for the failure message, and what kind of step for the statistics."""
        self.log.append(f"{what}: {detail}")
        self.events.add(what)

    def last_money(self, track: Track, on: dt.date | None) -> ledger.Money:
        money = ledger.NO_MONEY
        for rid, day in track.accepted:
            if (on is None or day <= on) and self.stated[rid].money is not None:
                money = self.stated[rid].money
        return money


# --- Strategies -----------------------------------------------------------------------------

percents = st.one_of(
    st.sampled_from([ZERO, Decimal("100")]),
    st.decimals(min_value=0, max_value=100, places=2),
)
amounts = st.decimals(min_value=0, max_value=5000, places=2)


@st.composite
def actual_for(draw, kind: Kind):
    near = [kind.target, kind.target + 1, kind.target - 1] if kind.target else [Decimal("10")]
    return draw(
        st.one_of(st.none(), st.sampled_from(near), st.decimals(min_value=0, max_value=150, places=2))
    )


@st.composite
def money_for(draw, kind: Kind) -> dict:
    """The money part of a report's data, shaped as the sub-item's sources require."""
    if len(kind.sources) > 1:
        if draw(st.booleans()):
            return {"funding": {}, "funds_allocated": None, "funds_paid": None}
        chosen = draw(st.lists(st.sampled_from(kind.sources), min_size=1, max_size=2, unique=True))
        optional = st.one_of(st.none(), amounts)
        return {"funding": {source: (draw(optional), draw(optional)) for source in chosen}}
    return {
        "funds_allocated": draw(st.one_of(st.none(), amounts)),
        "funds_paid": draw(st.one_of(st.none(), amounts)),
    }


def expected_money(kind: Kind, data: dict) -> ledger.Money | None:
    """The money a valid report states, as the test itself adds it up (None: states none)."""
    if len(kind.sources) > 1:
        funding = data.get("funding") or {}
        if not funding:
            return None
        return ledger.Money(
            sum((a or ZERO for a, _ in funding.values()), ZERO),
            sum((p or ZERO for _, p in funding.values()), ZERO),
        )
    allocated, paid = data.get("funds_allocated"), data.get("funds_paid")
    if allocated is None and paid is None:
        return None
    return ledger.Money(allocated or ZERO, paid or ZERO)


@st.composite
def report_data(draw, kind: Kind) -> dict:
    data = {
        "progress_percent": draw(percents),
        "actual_value": draw(actual_for(kind)),
        "marks_complete": draw(st.sampled_from([False, False, True])),
        "regression_explanation": draw(st.sampled_from(["", "", "  ", "上月多报，更正"])),
        "work_done": "推进施工",
        "problems": "",
        "next_steps": "",
    }
    data.update(draw(money_for(kind)))
    return data


def rule_errors(kind: Kind, data: dict, last: Stated | None) -> list[str]:
    """The rules of DOMAIN.md ("Reporting") for the figures this test generates (never
    negative, progress always within 0–100), written out independently of the ledger."""
    errors = []
    progress, actual = data["progress_percent"], data["actual_value"]
    if data["marks_complete"]:
        if kind.target is not None:
            if actual is None or actual < kind.target:
                errors.append("complete without reaching the target")
        elif progress < 100:
            errors.append("complete below 100% without a target")
    if last is not None and not data["regression_explanation"].strip():
        # Compared as stored: a report that completes the sub-item stands at 100%.
        stored = Decimal("100") if data["marks_complete"] and not errors else progress
        if stored < last.progress:
            errors.append("progress below the last accepted without explanation")
        elif actual is not None and last.actual is not None and actual < last.actual:
            errors.append("quantity below the last accepted without explanation")
    return errors


def stated_from(kind: Kind, data: dict) -> Stated:
    complete = bool(data["marks_complete"])
    return Stated(
        progress=Decimal("100") if complete else data["progress_percent"],
        actual=data["actual_value"],
        marks_complete=complete,
        money=expected_money(kind, data),
    )


# --- Driving the services -------------------------------------------------------------------


class Rollback(Exception):
    """Ends an example's savepoint so the next example starts from an empty plan."""


def build_plan(layout: tuple[str, ...], split: bool):
    unit = UnitFactory()
    plan = PlanFactory(year=YEAR, status=Plan.Status.PUBLISHED)
    first = ItemFactory(plan=plan, number=1, lead_unit=unit)
    second = ItemFactory(plan=plan, number=2, lead_unit=unit) if split and len(layout) > 1 else first
    tracks = []
    for number, name in enumerate(layout, start=1):
        kind = KINDS[name]
        sub = SubItemFactory(
            item=second if (split and number == len(layout)) else first,
            number=number,
            target_value=kind.target,
            responsible_unit=unit,
            planned_start=YEAR_START,
            planned_end=YEAR_END,
        )
        for source in kind.sources:
            FundingLineFactory(sub_item=sub, source=source, planned=Decimal("300"))
        tracks.append(Track(sub, kind))
    return plan, unit, tracks


def reports_of(track: Track) -> int:
    return ProgressReport.objects.filter(sub_item=track.sub_item).count()


def stored_figures(report_id: int) -> tuple:
    r = ProgressReport.objects.get(pk=report_id)
    return (r.state, r.version, r.progress_percent, r.actual_value, r.funds_allocated, r.funds_paid)


def submit(history: History, track: Track, data: dict, liaison, period_start: dt.date) -> None:
    kind = track.kind
    last = history.stated[track.last_accepted()] if track.accepted else None
    errors = rule_errors(kind, data, last)
    before = reports_of(track)
    if track.open_state == ProgressReport.State.SUBMITTED:
        with pytest.raises(ReportNotSaved):
            create_report(track.sub_item, liaison, data, period_start=period_start, submit=True)
        assert reports_of(track) == before, "a refused second open report was saved"
        history.note("second open report refused", kind.name)
        return
    if track.open_state == ProgressReport.State.RETURNED:
        report = ProgressReport.objects.get(pk=track.open_id)
        was = stored_figures(report.pk)
        try:
            save_report(report, data, version=report.version, period_start=period_start, submit=True)
        except InvalidReport as refused:
            assert errors, f"{kind.name}: resubmission refused though the rules allow it: {refused} {data}"
            assert stored_figures(report.pk) == was, "a refused resubmission changed the report"
            assert reports_of(track) == before
            history.note("resubmission refused", f"{kind.name} ({refused})")
            return
        assert not errors, f"{kind.name}: resubmission accepted for review though {errors}: {data}"
        history.stated[report.pk] = stated_from(kind, data)
        track.open_state = ProgressReport.State.SUBMITTED
        history.note("resubmitted", f"{kind.name} #{report.pk} {data}")
        return
    try:
        report = create_report(track.sub_item, liaison, data, period_start=period_start, submit=True)
    except InvalidReport as refused:
        assert errors, f"{kind.name}: report refused though the rules allow it: {refused} {data}"
        assert reports_of(track) == before, "a refused report was saved"
        history.note("report refused", f"{kind.name} ({refused}) {data}")
        return
    assert not errors, f"{kind.name}: report taken though {errors}: {data}"
    assert reports_of(track) == before + 1
    history.stated[report.pk] = stated_from(kind, data)
    track.open_id, track.open_state = report.pk, ProgressReport.State.SUBMITTED
    history.note("submitted", f"{kind.name} #{report.pk} {data}")


def accept(history: History, track: Track, office, day: dt.date) -> None:
    report = ProgressReport.objects.get(pk=track.open_id)
    accept_report(report, office, on=day)
    track.accepted.append((report.pk, day))
    track.open_id = track.open_state = None
    history.acceptance_days.append(day)
    history.note("accepted", f"{track.kind.name} #{report.pk} on {day}")


ACTIONS = ["submit", "accept", "return", "accept", "correct", "submit"]


@st.composite
def steps(draw, count: int):
    """1–12 steps, each (action, sub-item index, days the cursor moves on an acceptance)."""
    length = draw(st.integers(min_value=1, max_value=12))
    step = st.tuples(
        st.sampled_from(ACTIONS),
        st.integers(min_value=0, max_value=count - 1),
        st.integers(min_value=0, max_value=45),
    )
    return draw(st.lists(step, min_size=length, max_size=length))


def pick(tracks: list[Track], index: int, fits) -> Track | None:
    """The step's sub-item if the step applies to it, else the next one it applies to (so that
    returns, acceptances and corrections are not mostly wasted on sub-items with nothing to do)."""
    for offset in range(len(tracks)):
        track = tracks[(index + offset) % len(tracks)]
        if fits(track):
            return track
    return None


def is_under_review(track: Track) -> bool:
    return track.open_state == ProgressReport.State.SUBMITTED


def can_be_corrected(track: Track) -> bool:
    return track.open_id is None and bool(track.accepted)


def run_history(history: History, data, unit) -> None:
    tracks = history.tracks
    office = office_user()
    liaison = liaison_user(unit)
    day = FIRST_DAY
    for action, index, advance in data.draw(steps(len(tracks)), label="steps"):
        period_start = day.replace(day=1)
        if action == "return" and (track := pick(tracks, index, is_under_review)):
            return_report(ProgressReport.objects.get(pk=track.open_id), office, "数字与现场不符，请核实")
            track.open_state = ProgressReport.State.RETURNED
            history.note("returned", f"{track.kind.name} #{track.open_id}")
        elif action == "accept" and (track := pick(tracks, index, is_under_review)):
            day = min(day + dt.timedelta(days=advance), YEAR_END)
            accept(history, track, office, day)
        elif action == "correct" and (track := pick(tracks, index, can_be_corrected)):
            last = history.stated[track.last_accepted()]
            if last.progress <= 0:
                continue
            lower = data.draw(
                st.decimals(min_value=0, max_value=last.progress - Decimal("0.01"), places=2), label="lower"
            )
            correction = data.draw(report_data(track.kind), label="correction")
            correction.update(
                progress_percent=lower, marks_complete=False, regression_explanation="上月多报，现更正"
            )
            history.note("correction", f"{track.kind.name} down to {lower}%")
            submit(history, track, correction, liaison, period_start)
            assert is_under_review(track), (
                f"{track.kind.name}: an explained correction downwards was not taken: {correction}"
            )
            day = min(day + dt.timedelta(days=advance), YEAR_END)
            accept(history, track, office, day)
        else:
            # A submission, or a review or correction with nothing to act on: the unit reports.
            track = tracks[index]
            submit(history, track, data.draw(report_data(track.kind), label="figures"), liaison, period_start)


# --- Checking every surface -----------------------------------------------------------------


def latest_accepted_by(sub_item: SubItem, on: dt.date) -> ProgressReport | None:
    """Found independently of the read model and the queryset helpers."""
    return (
        ProgressReport.objects.filter(sub_item=sub_item, state=ACCEPTED, accepted_on__lte=on)
        .order_by("accepted_on", "reviewed_at", "id")
        .last()
    )


def check_ledger(history: History) -> None:
    """The reports on the ledger are the ones the test accepted, holding what it stated."""
    for track in history.tracks:
        on_ledger = list(
            ProgressReport.objects.filter(sub_item=track.sub_item, state=ACCEPTED)
            .order_by("accepted_on", "reviewed_at", "id")
            .values_list("pk", "accepted_on")
        )
        assert on_ledger == track.accepted, (
            f"{track.kind.name}: ledger {on_ledger} != accepted {track.accepted}"
        )
        for rid, _day in track.accepted:
            report, stated = ProgressReport.objects.get(pk=rid), history.stated[rid]
            got = (report.progress_percent, report.actual_value, report.marks_complete)
            assert got == (stated.progress, stated.actual, stated.marks_complete), (
                f"report #{rid} stores {got}, the liaison stated {stated}"
            )
            money = ledger.money_by_source(
                report, ReportFunding.objects.filter(report=report), sorted(track.kind.sources)
            )
            total = ledger.total_money(money) if money else None
            assert total == stated.money, (
                f"report #{rid} states money {total}, the liaison stated {stated.money}"
            )


def check_no_drift() -> None:
    out = StringIO()
    try:
        call_command("verify_figures", stdout=out)
    except CommandError as exc:
        raise AssertionError(f"verify_figures found drift: {exc}\n{out.getvalue()}") from exc
    assert caches.report_total_drift() == [], "report totals differ from their per-source rows"


def check_read_model(history: History, plan: Plan, on: dt.date | None):
    """The read model as of ``on`` (None: today) against the ledger rules and the test's record."""
    progress = plan_progress(plan, on)
    day = progress.as_of
    label = f"as of {day}"
    states = {s.sub_item.pk: s for s in progress.sub_states}
    assert len(states) == len(history.tracks), f"{label}: read model shows {len(states)} sub-items"
    due_period = periods.last_due_period(day, plan.report_cadence, plan.report_due_day)
    allocated = paid = ZERO
    completed = overdue = 0
    for track in history.tracks:
        state = states[track.sub_item.pk]
        report = latest_accepted_by(track.sub_item, day)
        expected_id = track.last_accepted(day)
        assert (report.pk if report else None) == expected_id, (
            f"{label}, {track.kind.name}: latest accepted report #{report and report.pk}, "
            f"the test accepted #{expected_id} last"
        )
        effect = ledger.report_effect(report, plan.report_cadence, plan.report_due_day)
        shown = (state.status, state.progress_percent, state.actual_value, state.completed_on)
        wanted = (effect.status, effect.progress_percent, effect.actual_value, effect.completed_on)
        assert shown == wanted, (
            f"{label}, {track.kind.name}: read model shows (status, progress, actual, completed_on)="
            f"{shown}, report #{expected_id} means {wanted}"
        )
        assert (state.last_report.pk if state.last_report else None) == expected_id, (
            f"{label}, {track.kind.name}: read model's last report is not #{expected_id}"
        )
        money = history.last_money(track, day)
        assert state.money == money, f"{label}, {track.kind.name}: money {state.money}, stated {money}"
        allocated += money.allocated
        paid += money.paid
        completed += effect.status == Status.COMPLETED
        overdue += ledger.owes_report(
            is_complete=effect.is_complete,
            planned_start=track.sub_item.planned_start,
            last_report=report,
            period=due_period,
        )
    figures = plan_figures(progress)
    assert figures["funding"]["allocated"] == pytest.approx(float(allocated), abs=CENT), (
        f"{label}: headline allocated {figures['funding']['allocated']}, the reports stated {allocated}"
    )
    assert figures["funding"]["paid"] == pytest.approx(float(paid), abs=CENT), (
        f"{label}: headline paid {figures['funding']['paid']}, the reports stated {paid}"
    )
    assert sum(figures["lights"].values()) == len(history.tracks), f"{label}: lights {figures['lights']}"
    assert figures["subitems_completed"] == completed, (
        f"{label}: headline says {figures['subitems_completed']} sub-items completed, the ledger {completed}"
    )
    assert figures["subitems_total"] == len(history.tracks)
    assert figures["overdue_report"] == overdue, (
        f"{label}: headline says {figures['overdue_report']} overdue to report, the ledger {overdue}"
    )
    return progress, figures


def check_stored_figures(history: History, plan: Plan) -> None:
    today = {s.sub_item.pk: s for s in plan_progress(plan).sub_states}
    for track in history.tracks:
        sub = SubItem.objects.get(pk=track.sub_item.pk)
        state = today[sub.pk]
        stored = (sub.status, sub.progress_percent, sub.actual_value)
        shown = (state.status, state.progress_percent, state.actual_value)
        assert stored == shown, (
            f"{track.kind.name}: stored current figures {stored}, read model today {shown}"
        )


def check_api(client: APIClient, plan: Plan, on: dt.date | None, figures: dict) -> None:
    label = f"API as of {on or 'today'}"
    query = {"as_of": on.isoformat()} if on else {}
    response = client.get(f"/api/plans/{plan.pk}/summary/", query)
    assert response.status_code == 200, response.content
    summary = response.json()
    assert summary == figures, f"{label}: summary {summary} != plan_figures {figures}"

    def sub_items(**extra) -> list[dict]:
        answer = client.get("/api/subitems/", {"plan": plan.pk, **query, **extra})
        assert answer.status_code == 200, answer.content
        body = answer.json()
        assert body["count"] == len(body["results"]), f"{label}: paginated unexpectedly"
        return body["results"]

    for light in Light.values:
        count = len(sub_items(light=light))
        assert count == summary["lights"][light], (
            f"{label}: {count} sub-items listed as {light}, the summary counts {summary['lights'][light]}"
        )
    overdue = len(sub_items(overdue_report="true"))
    assert overdue == summary["overdue_report"], (
        f"{label}: {overdue} sub-items listed overdue, the summary counts {summary['overdue_report']}"
    )
    rows = sub_items()
    listed = sum(Decimal(row["funds_allocated"]) for row in rows)
    assert float(listed) == pytest.approx(summary["funding"]["allocated"], abs=CENT), (
        f"{label}: the sub-item list adds up to {listed} allocated, the summary says "
        f"{summary['funding']['allocated']}"
    )
    completed = sum(row["status"] == Status.COMPLETED for row in rows)
    assert completed == summary["subitems_completed"], f"{label}: {completed} rows completed vs summary"


def check_everything(history: History, plan: Plan, client: APIClient) -> None:
    check_ledger(history)
    check_no_drift()
    days = sorted(set(history.acceptance_days) | {FIRST_DAY, *MONTH_ENDS})
    for day in days:
        check_read_model(history, plan, day)
    check_stored_figures(history, plan)
    # The API for a few of those days (each request recomputes the plan): the last acceptance,
    # a month-end, and today.
    api_days = {MONTH_ENDS[0]}
    if history.acceptance_days:
        api_days.add(history.acceptance_days[-1])
    for day in sorted(api_days):
        check_api(client, plan, day, check_read_model(history, plan, day)[1])
    check_api(client, plan, None, check_read_model(history, plan, None)[1])


# --- The property ---------------------------------------------------------------------------


# Sixty examples in all, as when the layout and the split were drawn by hypothesis: ten for
# each of the six plans, one test each, so that they spread over the test workers.
@pytest.mark.parametrize("split", [False, True], ids=["one_item", "split_items"])
@pytest.mark.parametrize("layout", LAYOUTS, ids="+".join)
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_surface_agrees_after_any_report_history(db, layout, split, data):
    try:
        with transaction.atomic():
            plan, unit, tracks = build_plan(layout, split)
            history = History(tracks)
            try:
                run_history(history, data, unit)
                client = APIClient()
                client.force_login(office_user())
                check_everything(history, plan, client)
                for what in sorted(history.events):
                    event(what)
                event(f"acceptances: {len(history.acceptance_days)}")
            except AssertionError as failure:
                steps_taken = "\n  ".join(history.log) or "(none)"
                raise AssertionError(f"{failure}\nsteps:\n  {steps_taken}") from failure
            raise Rollback
    except Rollback:
        pass
