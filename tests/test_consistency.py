"""One truth, stated as a specification: for both demo lists, at every month-end of their year
and today, every surface that shows a plan's figures says the same thing.

The surfaces: the dashboard, the meeting-room screen and its JSON, the plan table, the lagging list,
the public page, the progress notice (公示) issued that day, the API's
/summary/ and /api/subitems/ under each light and overdue filter, the stored snapshot, every
total on every sheet of the briefing, and the reminders due that day. A difference anywhere
is a number a leader might read aloud that another page contradicts.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from io import BytesIO

import pytest
from django.core.cache import cache
from django.test import Client
from docx import Document
from openpyxl import load_workbook
from rest_framework.test import APIClient

from core import dates
from core.lights import LIGHT_ORDER, Light, Verdict
from projects.models import Plan, Region, SubItemShare, User
from projects.shares import lower_regions
from supervision.figures import caches, snapshots
from supervision.figures import counted as current
from supervision.followup.services import pace_check, reminders
from supervision.ledger import periods
from supervision.models import Notification, PlanSnapshot
from supervision.notices import services as notices_service
from supervision.notices.rules import class_sentences, notice_figures
from supervision.reading.dashboard import region_comparison
from supervision.reading.progress import plan_progress
from supervision.reading.summary import plan_figures
from tests import clock

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CENT = Decimal("0.01")


def reading_days(plan: Plan) -> list[dt.date | None]:
    """Every month-end of the plan's year that has passed, and the default reading (None)."""
    return _days_of(plan.year, dates.today())


def _days_of(year: int, today: dt.date) -> list[dt.date | None]:
    return [day for day in snapshots.month_ends(year, today) if day < today] + [None]


# The demo lists' years on the suite's fixed day (tests/clock.py): the tests that read every
# month-end run one test per list and day, so that the days spread over the test workers. Each
# checks that its list's reading days are the ones collected.
_LIST_YEARS = {"2023": 2023, "current": clock.YEAR, "city": clock.YEAR}


def each_reading_day(*lists: str) -> list:
    return [
        pytest.param(name, day, id=f"{name}-{day or 'today'}")
        for name in lists
        for day in _days_of(_LIST_YEARS[name], clock.TODAY)
    ]


def _collected_days_are_the_lists(plan: Plan, name: str, day: dt.date | None) -> None:
    assert reading_days(plan) == _days_of(_LIST_YEARS[name], clock.TODAY), f"reading days of {name}"
    assert day in reading_days(plan)


class _TextById(HTMLParser):
    """The text inside the element with a given id (nested tags included)."""

    def __init__(self, wanted: str):
        super().__init__()
        self.wanted, self.depth, self.parts = wanted, 0, []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.wanted:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def text_by_id(html: str, element_id: str) -> str:
    parser = _TextById(element_id)
    parser.feed(html)
    assert parser.parts, f"no element #{element_id} on the page"
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()


def counts_after(text: str, labels: dict[str, str]) -> dict[str, int]:
    """{key: the number written after its label} from a line such as '已完成 8 正常推进 0 …'."""
    found = {}
    for key, label in labels.items():
        # Not preceded by another character: "滞后" must not match inside "严重滞后".
        match = re.search(r"(?<![\u4e00-\u9fff])" + re.escape(label) + r"\s*(\d+)", text)
        assert match, f"“{label}” not found in “{text}”"
        found[key] = int(match.group(1))
    return found


LIGHT_LABELS = {str(light.value): str(light.label) for light in Light}


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def _clients():
    office = User.objects.get(username="office")
    web = Client()
    web.force_login(office)
    api = APIClient()
    api.force_login(office)
    return web, api


def _query(day: dt.date | None) -> dict:
    return {"as_of": day.isoformat()} if day else {}


def _surfaces(plan: Plan, day: dt.date | None) -> None:
    web, api = _clients()
    progress = plan_progress(plan, day)
    figures = plan_figures(progress)
    as_of = progress.as_of
    params = _query(day)

    # The pages count today's figures from the caches and read a past day's from its stored
    # snapshot: each way is held to the ledger's figures below.
    expected_source = "caches" if day is None and plan.status == Plan.Status.PUBLISHED else "snapshot"
    assert current.headline(plan, day).source == expected_source

    # The API's summary is the headline every other surface is held to.
    summary = api.get(f"/api/plans/{plan.pk}/summary/", params).json()
    assert summary == json.loads(json.dumps(figures)), "API summary differs from the read model"
    assert summary["as_of"] == as_of.isoformat()
    lights = summary["lights"]
    assert sum(lights.values()) == summary["subitems_total"]

    # /api/subitems/ under each light and overdue filter counts what the summary counts.
    listed = api.get("/api/subitems/", {**params, "plan": plan.pk, "page_size": 200}).json()
    assert listed["count"] == summary["subitems_total"]
    for light in Light:
        answer = api.get("/api/subitems/", {**params, "plan": plan.pk, "light": light.value}).json()
        assert answer["count"] == lights[light.value], f"?light={light.value} on {as_of}"
    overdue = api.get("/api/subitems/", {**params, "plan": plan.pk, "overdue_report": "true"}).json()
    assert overdue["count"] == summary["overdue_report"], f"?overdue_report=true on {as_of}"
    rows = listed["results"]
    assert sum(money(r["funds_allocated"]) for r in rows) == money(summary["funding"]["allocated"])
    assert sum(money(r["funds_paid"]) for r in rows) == money(summary["funding"]["paid"])
    assert sum(money(r["funds_planned"]) for r in rows) == money(summary["funding"]["planned"])
    assert sum(r["status"] == "completed" for r in rows) == summary["subitems_completed"]
    if summary["is_final"]:
        verdicts = {v.value: sum(r["verdict"] == v.value for r in rows) for v in Verdict}
        assert verdicts == summary["verdicts"]

    # The plan lists, internal and public, give each plan the same headline.
    assert summary["headline"] in web.get("/plans/", params).text
    assert summary["headline"] in Client().get("/public/", params).text

    # The plan table.
    page = web.get(f"/plans/{plan.pk}/", params).text
    assert text_by_id(page, "headline") == summary["headline"]
    _assert_counts_shown(page, summary)

    # The plan table grouped by policy field and by unit adds up to the headline.
    by_field = _group_cells(web.get(f"/plans/{plan.pk}/", {**params, "group": "category"}).text)
    assert sum(row[0] for row in by_field) == summary["items_total"]
    assert sum(row[1] for row in by_field) == summary["items_completed"]
    assert sum(row[2] for row in by_field) == summary["subitems_total"]
    assert sum(row[3] for row in by_field) == summary["subitems_completed"]
    by_unit = _group_cells(web.get(f"/plans/{plan.pk}/", {**params, "group": "unit"}).text)
    assert [sum(row[i] for row in by_unit) for i in range(5)] == [
        summary["subitems_total"],
        summary["subitems_completed"],
        lights["red"],
        lights["yellow"],
        summary["overdue_report"],
    ]

    # The dashboard (its own cache must not serve another day's figures).
    cache.clear()
    page = dashboard = web.get(f"/plans/{plan.pk}/dashboard/", params).text
    headline = text_by_id(page, "headline")
    assert f"{summary['items_total']}件{summary['subitems_total']}项" in headline
    assert f"已完成{summary['items_completed']}件{summary['subitems_completed']}项" in headline
    kpis = dict(re.findall(r'data-light="(\w+)"><span class="kpi-value">(\d+)<', page))
    assert {k: int(v) for k, v in kpis.items()} == lights
    assert int(text_by_id(page, "overdue-count")) == summary["overdue_report"]
    if summary["is_final"]:
        shown = counts_after(
            text_by_id(page, "verdict-counts"), {str(v.value): str(v.label) for v in Verdict}
        )
        assert shown == summary["verdicts"]
    funding_table = text_by_id(page, "table-funding")
    for label, key in (("计划投资", "planned"), ("到位资金", "allocated"), ("已支付", "paid")):
        shown = re.search(re.escape(label) + r"\s*([\d.]+)", funding_table).group(1)
        assert money(shown) == money(summary["funding"][key]), f"dashboard {label} on {as_of}"

    # The meeting-room screen, as drawn and as refreshed (its own cache must not serve another day's).
    cache.clear()
    page = web.get(f"/plans/{plan.pk}/screen/", params).text
    assert text_by_id(page, "headline") == summary["headline"]
    shown = dict(re.findall(r'data-light="(\w+)">(\d+)<', page))
    assert {k: int(v) for k, v in shown.items()} == lights
    assert int(text_by_id(page, "overdue-count")) == summary["overdue_report"]
    screen = web.get(f"/plans/{plan.pk}/screen.json", params).json()
    assert screen["figures"] == summary, f"screen figures on {as_of}"
    assert sum(row["subitems_total"] for row in screen["categories"]) == summary["subitems_total"]
    assert sum(row["subitems_completed"] for row in screen["categories"]) == summary["subitems_completed"]
    # The demo's units all fit on the screen's ranking, so its rows add up to the headline.
    assert len(screen["units"]) == screen["units_total"]
    assert sum(row["subitems_total"] for row in screen["units"]) == summary["subitems_total"]
    assert sum(row["completed"] for row in screen["units"]) == summary["subitems_completed"]
    assert sum(row["red"] for row in screen["units"]) == lights["red"]
    assert sum(row["yellow"] for row in screen["units"]) == lights["yellow"]
    assert sum(row["overdue_report"] for row in screen["units"]) == summary["overdue_report"]
    trend_end = screen["trend"][-1]
    assert (trend_end["as_of"], trend_end["completed"]) == (summary["as_of"], summary["subitems_completed"])

    # The lagging list.
    page = web.get(f"/plans/{plan.pk}/lagging/", params).text
    lagging = counts_after(text_by_id(page, "lagging-counts"), {"red": "严重滞后", "yellow": "滞后"})
    assert lagging == {"red": lights["red"], "yellow": lights["yellow"]}

    # The public page.
    page = Client().get(f"/public/plans/{plan.pk}/", params).text
    assert text_by_id(page, "headline") == summary["headline"]
    _assert_counts_shown(page, summary)

    # Acceptance (验收销号): the dashboard and the handover page split the completed sub-items
    # alike; approved changes (已调整) are marked on the plan table and the public page alike.
    closing_labels = {"closed_out": "已验收销号", "awaiting": "已完成待验收"}
    handover = web.get(f"/plans/{plan.pk}/handover/", params).text
    split = counts_after(text_by_id(handover, "closing-counts"), closing_labels)
    assert split == counts_after(text_by_id(dashboard, "closing-counts"), closing_labels)
    assert sum(split.values()) == summary["subitems_completed"]
    changed = sum(1 for s in progress.sub_states if s.changed)
    assert page.count(">已调整<") == changed
    assert web.get(f"/plans/{plan.pk}/", params).text.count(">已调整<") == changed
    if plan.status == Plan.Status.CLOSED and day is None:
        report = Document(BytesIO(web.get(f"/plans/{plan.pk}/year-report.docx").content))
        assert any(f"共{summary['headline']}。" in p.text for p in report.paragraphs)

    # The stored snapshot of that day.
    stored = snapshots.take_snapshot(plan, as_of)
    assert PlanSnapshot.objects.get(pk=stored.pk).data == summary

    # Every total on every sheet of the briefing.
    response = web.get(f"/plans/{plan.pk}/briefing.xlsx", params)
    assert response.status_code == 200
    _briefing_totals(load_workbook(BytesIO(response.content)), summary)

    # The circular's headline sentence.
    circular = Document(BytesIO(web.get(f"/plans/{plan.pk}/circular.docx", params).content))
    assert any(f"共{summary['headline']}。" in p.text for p in circular.paragraphs), f"circular on {as_of}"

    # The progress notice (公示) issued as of that day publishes the live figures of that day,
    # its slow class is the lagging count, and its three classes cover every sub-item once.
    notice = notices_service.issue_notice(plan, User.objects.get(username="office"), as_of=as_of)
    assert notice.figures == notice_figures(plan, as_of), f"notice on {as_of}"
    classes = {key: row["count"] for key, row in notice.figures["classes"].items()}
    assert classes["slow"] == lights["red"] + lights["yellow"] == len(notice.figures["slow"])
    assert sum(classes.values()) == summary["subitems_total"] == notice.figures["subitems_total"]
    assert classes["ahead"] >= lights["blue"]
    page = Client().get(f"/public/plans/{plan.pk}/notices/{notice.pk}/").text
    assert text_by_id(page, "notice-classes") == "".join(class_sentences(notice.figures))

    # The 红黄榜 counts every sub-item once, under its unit.
    units = _ranking_cells(web.get(f"/plans/{plan.pk}/ranking/", params).text)
    assert sum(int(row[0]) for row in units) == summary["subitems_total"]
    assert sum(int(row[1]) for row in units) == summary["subitems_completed"]
    assert sum(int(row[5]) for row in units) == lights["red"]
    assert sum(int(row[6]) for row in units) == lights["yellow"]
    assert sum(int(row[7]) for row in units) == summary["overdue_report"]


def _ranking_cells(page: str) -> list[list[str]]:
    """The number cells of each unit's row of the 红黄榜's ranking table."""
    table = page[page.index('id="ranking-table"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr data-unit-id[^>]*>(.*?)</tr>", table, flags=re.S)
    assert rows, "the ranking has rows"
    return [re.findall(r'<td class="num">\s*([^<]*?)\s*</td>', row) for row in rows]


def _group_cells(page: str) -> list[list[int]]:
    """The whole-number cells of each row of the grouped plan table (rates left out)."""
    table = page[page.index('id="plan-groups"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr data-group[^>]*>(.*?)</tr>", table, flags=re.S)
    assert rows, "the grouped table has rows"
    return [[int(cell) for cell in re.findall(r'<td class="num">\s*(\d+)\s*</td>', row)] for row in rows]


def _assert_counts_shown(page: str, summary: dict) -> None:
    """A live list shows its light counts; a closed year at its close shows its verdicts."""
    if summary["is_final"]:
        shown = counts_after(
            text_by_id(page, "verdict-counts"), {str(v.value): str(v.label) for v in Verdict}
        )
        assert shown == summary["verdicts"]
    else:
        assert counts_after(text_by_id(page, "light-counts"), LIGHT_LABELS) == summary["lights"]


def _rows(ws) -> list[tuple]:
    return [tuple(row) for row in ws.iter_rows(values_only=True)]


def _row_starting(rows: list[tuple], label: str, after: str | None = None) -> tuple:
    if after is not None:
        rows = rows[rows.index(_row_starting(rows, after)) :]
    matches = [row for row in rows if row and row[0] == label]
    assert matches, f"no row “{label}”"
    return matches[0]


def _briefing_totals(wb, summary: dict) -> None:
    overview = _rows(wb["总体情况"])
    assert any(summary["headline"] in str(row[0] or "") for row in overview)
    assert _row_starting(overview, "清单总数")[1:3] == (summary["items_total"], summary["subitems_total"])
    assert _row_starting(overview, "已完成")[1:3] == (
        summary["items_completed"],
        summary["subitems_completed"],
    )
    for light in LIGHT_ORDER:
        shown = _row_starting(overview, str(light.label), after="二、序时进度（红黄绿灯）")[1]
        assert shown == summary["lights"][light.value]
    assert _row_starting(overview, "超期未报")[1] == summary["overdue_report"]
    header = overview.index(_row_starting(overview, "计划投资"))
    planned, allocated, paid = overview[header + 1][:3]
    assert (money(planned), money(allocated), money(paid)) == tuple(
        money(summary["funding"][k]) for k in ("planned", "allocated", "paid")
    )

    detail = _rows(wb["进展明细"])
    header = detail.index(_row_starting(detail, "序号"))
    # A sub-item's row has its status; the rows of its report's texts under it do not.
    subs = [row for row in detail[header + 1 :] if row[12]]
    assert len(subs) == summary["subitems_total"]
    statuses = [str(row[12]) for row in subs]
    if summary["is_final"]:
        for verdict in Verdict:
            assert (
                sum(s.startswith(str(verdict.label)) for s in statuses) == summary["verdicts"][verdict.value]
            )
    else:
        for light in Light:
            assert sum(s.startswith(str(light.label)) for s in statuses) == summary["lights"][light.value]
        assert sum("超期未报" in s for s in statuses) == summary["overdue_report"]

    lagging = _rows(wb["滞后项目"])
    header = lagging.index(_row_starting(lagging, "责任单位"))
    lagging_rows = [row for row in lagging[header + 1 :] if row[1] is not None]
    assert len(lagging_rows) == summary["lights"]["red"] + summary["lights"]["yellow"]

    funding = _rows(wb["资金情况"])
    total = _row_starting(funding, "合计")
    assert (money(total[3]), money(total[4]), money(total[5])) == tuple(
        money(summary["funding"][k]) for k in ("planned", "allocated", "paid")
    )


def _plan(demo, year: str) -> Plan:
    return {"2023": demo["plan_2023"], "current": demo["plan_now"], "city": demo["plan_city"]}[year]


@pytest.mark.parametrize(("year", "day"), each_reading_day("2023", "current", "city"))
def test_every_surface_states_the_same_figures_at_every_month_end_and_today(demo, year, day):
    plan = _plan(demo, year)
    _collected_days_are_the_lists(plan, year, day)
    _surfaces(plan, day)


def _region_surfaces(plan: Plan, region: Region, day: dt.date | None) -> dict:
    """Every surface that takes ?region= states the figures of that region's shares."""
    web, api = _clients()
    figures = plan_figures(plan_progress(plan, day, region=region))
    params = {**_query(day), "region": region.code}
    summary = api.get(f"/api/plans/{plan.pk}/summary/", params).json()
    assert summary == json.loads(json.dumps(figures)), f"API summary for {region} on {day}"
    page = web.get(f"/plans/{plan.pk}/", params).text
    assert text_by_id(page, "headline") == summary["headline"]
    _assert_counts_shown(page, summary)
    cache.clear()
    page = web.get(f"/plans/{plan.pk}/dashboard/", params).text
    kpis = dict(re.findall(r'data-light="(\w+)"><span class="kpi-value">(\d+)<', page))
    assert {k: int(v) for k, v in kpis.items()} == summary["lights"]
    assert int(text_by_id(page, "overdue-count")) == summary["overdue_report"]
    page = web.get(f"/plans/{plan.pk}/lagging/", params).text
    lagging = counts_after(text_by_id(page, "lagging-counts"), {"red": "严重滞后", "yellow": "滞后"})
    assert lagging == {"red": summary["lights"]["red"], "yellow": summary["lights"]["yellow"]}
    response = web.get(f"/plans/{plan.pk}/briefing.xlsx", params)
    _briefing_totals(load_workbook(BytesIO(response.content)), summary)
    return summary


@pytest.mark.parametrize(("year", "day"), each_reading_day("current", "city"))
def test_every_region_surface_states_its_shares_figures_and_they_add_up(demo, year, day):
    """The city's list read through each district, and 青山区's list through each township:
    every surface agrees, and the districts' split sub-items add up to the whole."""
    plan = _plan(demo, year)
    _collected_days_are_the_lists(plan, year, day)
    split = SubItemShare.objects.filter(sub_item__item__plan=plan)
    regions = Region.objects.filter(pk__in=split.values("region_id")).order_by("code")
    assert regions.count() >= 3
    whole = {s.sub_item.pk: s for s in plan_progress(plan, day).sub_states if s.is_split}
    actual: dict[int, Decimal] = {}
    # The whole list's dashboard compares its lower regions with the figures of their own
    # ?region= pages (today from the stored region figures, which must say the same).
    compared = {row.region.code: row.figures for row in region_comparison(plan, day)}
    for region in regions:
        summary = _region_surfaces(plan, region, day)
        if region.code in compared:
            assert json.loads(json.dumps(compared[region.code])) == summary, f"comparison {region} {day}"
        for state in plan_progress(plan, day, region=region).sub_states:
            if state.is_split and state.actual_value is not None:
                actual[state.sub_item.pk] = actual.get(state.sub_item.pk, Decimal("0")) + state.actual_value
    assert actual == {pk: s.actual_value for pk, s in whole.items() if s.actual_value is not None}
    # Today's stored figures of the lower regions (checked once per list, with today's reading).
    if day is None and lower_regions(plan):
        caches.store_region_figures(plan)
        stored = current.region_headlines(plan)
        assert {head.source for _, head in stored} == {"caches"}
        assert {r.code: h.figures for r, h in stored} == {
            r.code: h.figures
            for r, h in ((r, current.headline(plan, None, region=r)) for r in lower_regions(plan))
        }


@pytest.mark.parametrize("year", ["current", "city"])
def test_the_dashboards_overdue_units_from_the_pace_rows_are_the_ledgers(demo, year):
    """Today's 催报 block counts from the pace rows (their stored owing units) exactly the units
    the ledger says owe the overdue report: a split sub-item's shares' units."""
    plan = _plan(demo, year)
    caches.refresh_pace(plan)
    assert current.caches_hold(plan, dates.today())
    from_caches = {(e.unit.pk, tuple(s.pk for s in e.sub_items)) for e in reminders.overdue_units(plan)}
    progress = plan_progress(plan, None)
    period = periods.last_due_period(progress.as_of, plan.report_cadence, plan.report_due_day)
    by_unit: dict[int, list[int]] = {}
    for state in progress.sub_states:
        for unit_id in state.units_overdue(period):
            by_unit.setdefault(unit_id, []).append(state.sub_item.pk)
    assert by_unit, "the demo has reports overdue today"
    assert from_caches == {(unit, tuple(subs)) for unit, subs in by_unit.items()}


@pytest.mark.parametrize("year", ["2023", "current", "city"])
def test_reminders_due_on_a_day_go_to_exactly_the_units_flagged_overdue(demo, year):
    plan = _plan(demo, year)
    for day in reading_days(plan):
        if day is None:
            continue
        expected = pace_check.reminders_due(plan, day)
        progress = plan_progress(plan, day)
        after_due = [r for r in expected if r.kind == "after"]
        for reminder in after_due:
            # A split sub-item's reminder goes to the units of its shares that owe a report.
            owing = {
                u
                for s in progress.sub_states
                if s.overdue_report
                for u in s.units_owing_report(reminder.period)
            }
            assert reminder.unit_ids == owing, f"reminders after the due day on {day}"
            split = [s for s in progress.sub_states if s.is_split and s.overdue_report]
            assert all(
                s.sub_item.responsible_unit_id not in s.units_owing_report(reminder.period) for s in split
            )
        before = Notification.objects.filter(kind=Notification.Kind.REPORT_REMINDER).count()
        sent = pace_check.send_report_reminders(day)
        assert Notification.objects.filter(kind=Notification.Kind.REPORT_REMINDER).count() - before == sent


# --- the satisfaction evaluation: page, API and briefing sheet -------------------------------


def _evaluation_page_rows(page: str) -> dict[int, tuple]:
    table = page[page.index('id="evaluation-table"') :]
    table = table[: table.index("</table>")]
    rows = {}
    for number, row in re.findall(r'<tr data-number="(\d+)">(.*?)</tr>', table, re.S):
        cells = [re.sub(r"<[^>]+>|\s+", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows[int(number)] = (cells[1], *map(int, cells[3:7]), cells[7], cells[8])
    return rows


def _evaluation_surfaces(plan: Plan, day: dt.date | None) -> None:
    from projects.completion import format_percent
    from supervision.yearend.evaluation import evaluation_rows

    web, api = _clients()
    params = _query(day)
    expected = evaluation_rows(plan, day)
    page = web.get(f"/plans/{plan.pk}/evaluation/", params).content.decode()
    answer = api.get(f"/api/plans/{plan.pk}/evaluation/", params).json()["items"]
    book = load_workbook(BytesIO(web.get(f"/plans/{plan.pk}/briefing.xlsx", params).content))
    if expected is None:
        assert 'id="evaluation-none"' in page and answer == []
        assert "满意度测评" not in book.sheetnames
        return
    figures = {
        row.number: (row.title, row.satisfied, row.basically_satisfied, row.unsatisfied, row.valid)
        for row in expected
    }
    assert {
        row.number: (*figures[row.number], format_percent(row.rate), row.verdict) for row in expected
    } == _evaluation_page_rows(page), f"evaluation page on {day}"
    assert {
        row["number"]: (
            row["title"],
            row["satisfied"],
            row["basically_satisfied"],
            row["unsatisfied"],
            row["valid"],
        )
        for row in answer
    } == figures, f"evaluation API on {day}"
    assert [(row["rate"], row["passed"]) for row in answer] == [
        (None if r.rate is None else float(r.rate), r.passed) for r in expected
    ]
    sheet = _rows(book["满意度测评"])
    header = sheet.index(_row_starting(sheet, "序号"))
    shown = {row[0]: (row[1], *row[3:7]) for row in sheet[header + 1 :]}
    assert shown == figures, f"briefing sheet 满意度测评 on {day}"
    rates = [(row[7], row[8]) for row in sheet[header + 1 :]]
    assert rates == [(None if r.rate is None else float(r.rate), r.verdict) for r in expected]


@pytest.mark.parametrize("year", ["2023", "current"])
def test_the_evaluation_page_api_and_briefing_sheet_agree(demo, year):
    from supervision.demo import evaluation as demo_evaluation

    plan = demo["plan_2023"] if year == "2023" else demo["plan_now"]
    days = reading_days(plan)
    if year == "2023":
        days += [
            demo_evaluation.OPENED_ON,
            demo_evaluation.COUNTED_ON,
            demo_evaluation.PUBLISHED_ON,
            plan.closed_on,
        ]
    for day in days:
        _evaluation_surfaces(plan, day)
