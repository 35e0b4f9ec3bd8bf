"""One ledger per fact, one definition per derived fact: what an accepted report does, money
by funding source, the same verdict on a bad report through the form and the API, caches that
follow the ledger and the registry, ``verify_figures``, a closed year, and as-of everywhere."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core import dates
from core.lights import Light
from projects.models import ChangeRequest, Milestone, Plan, SubItem
from supervision.figures import caches, snapshots
from supervision.ledger import rules as ledger
from supervision.ledger.services import InvalidReport, accept_report, create_report
from supervision.models import PlanSnapshot, ProgressReport, Rectification, SubItemPace
from supervision.notices import services as notices_service
from supervision.reading.progress import plan_progress
from supervision.reading.summary import plan_figures
from tests.factories import (
    FundingLineFactory,
    ItemFactory,
    PlanFactory,
    SubItemFactory,
    UnitFactory,
    accepted_report,
    liaison_user,
    office_user,
)
from tests.test_selection_demo import selection_paths

pytestmark = pytest.mark.django_db
D = Decimal


# --- the rules, directly -------------------------------------------------------------------


class _Report:
    def __init__(self, progress="40", actual=None, complete=False, period=dt.date(2025, 5, 1), accepted=None):
        self.progress_percent = D(progress)
        self.actual_value = None if actual is None else D(actual)
        self.marks_complete = complete
        self.period_start = period
        self.accepted_on = accepted or dt.date(2025, 6, 4)
        self.funds_allocated = self.funds_paid = None


class TestReportEffect:
    def test_no_report_means_not_started_at_zero(self):
        assert ledger.report_effect(None, "monthly", 5) == ledger.NOT_REPORTED

    def test_a_complete_report_is_complete_at_one_hundred_whatever_it_typed(self):
        figures = ledger.report_effect(_Report("97", "130", complete=True), "monthly", 5)
        assert (figures.status, figures.progress_percent, figures.actual_value) == (
            "completed",
            D("100"),
            D("130"),
        )

    def test_completion_is_dated_by_the_end_of_the_reported_period_not_the_acceptance_day(self):
        figures = ledger.report_effect(_Report(complete=True, accepted=dt.date(2025, 6, 4)), "monthly", 5)
        assert figures.completed_on == dt.date(2025, 5, 31)

    def test_zero_progress_is_not_started_and_above_zero_in_progress(self):
        assert ledger.report_effect(_Report("0"), "monthly", 5).status == "not_started"
        assert ledger.report_effect(_Report("0.01"), "monthly", 5).status == "in_progress"

    def test_the_final_verdict_compares_the_completion_day_with_the_deadline(self):
        done_may = ledger.report_effect(_Report(complete=True), "monthly", 5)
        assert ledger.final_verdict(done_may, dt.date(2025, 5, 31)) == "on_time"
        assert ledger.final_verdict(done_may, dt.date(2025, 4, 30)) == "late"
        assert ledger.final_verdict(ledger.report_effect(_Report("90"), "monthly", 5), None) == "unfinished"
        assert ledger.item_verdict(["on_time", "late"]) == "late"
        assert ledger.item_verdict(["on_time", "unfinished"]) == "unfinished"


class TestMoneyBySource:
    def test_several_sources_are_read_per_source(self):
        report = _Report()
        report.funds_allocated, report.funds_paid = D("30"), D("10")

        class Row:
            def __init__(self, source, allocated, paid):
                self.source, self.allocated, self.paid = source, D(allocated), D(paid)

        by_source = ledger.money_by_source(
            report, [Row("county", "20", "10"), Row("social", "10", "0")], ["county", "social"]
        )
        assert by_source == {
            "county": ledger.Money(D("20"), D("10")),
            "social": ledger.Money(D("10"), D("0")),
        }
        assert ledger.total_money(by_source) == ledger.Money(D("30"), D("10"))

    def test_one_source_takes_the_totals_and_none_is_unspecified(self):
        report = _Report()
        report.funds_allocated, report.funds_paid = D("30"), None
        assert ledger.money_by_source(report, [], ["county"]) == {"county": ledger.Money(D("30"), D("0"))}
        assert ledger.money_by_source(report, [], []) == {"": ledger.Money(D("30"), D("0"))}

    def test_a_report_that_states_no_money_gives_none(self):
        assert ledger.money_by_source(_Report(), [], ["county"]) == {}


# --- a bad report: the same message through the form and the API ----------------------------

BAD_REPORTS = [
    ({"progress_percent": "150"}, "progress_percent", "累计进度须在0–100之间"),
    ({"progress_percent": "30"}, "regression_explanation", "累计进度低于上次审核通过的40%，请说明原因"),
    (
        {"progress_percent": "100", "actual_value": "100", "marks_complete": True},
        "marks_complete",
        "勾选“已全面完成”时，累计完成量须达到目标值120个",
    ),
    ({"funds_allocated": "-1"}, "funds_allocated", "到位资金不能为负数"),
]


@pytest.fixture
def reporting():
    plan = PlanFactory()
    unit = UnitFactory(code="roads")
    sub = SubItemFactory(item=ItemFactory(plan=plan, lead_unit=unit), target_value=D("120"), target_unit="个")
    accepted_report(sub, on=dates.today() - dt.timedelta(days=40), progress="40", actual="40")
    liaison = liaison_user(unit, username="liaison-roads")
    return sub, liaison


@pytest.mark.parametrize(("bad", "field", "message"), BAD_REPORTS)
def test_a_bad_report_gets_the_same_chinese_message_from_the_form_and_the_api(
    client, reporting, bad, field, message
):
    sub, liaison = reporting
    before = ProgressReport.objects.count()
    base = {"progress_percent": "45", "actual_value": "45", "work_done": "推进中", "action": "submit"}

    client.force_login(liaison)
    form_data = {**base, **{k: ("on" if v is True else v) for k, v in bad.items()}}
    page = client.post(f"/subitems/{sub.pk}/report/", form_data)
    api = APIClient()
    api.force_login(liaison)
    answer = api.post(
        "/api/reports/",
        {"sub_item": sub.pk, **{k: v for k, v in base.items() if k != "action"}, **bad},
        format="json",
    )

    assert page.status_code == 400 and message in page.content.decode()
    assert answer.status_code == 400 and answer.json()[field] == [message]
    assert ProgressReport.objects.count() == before


def _two_source_sub():
    plan = PlanFactory()
    unit = UnitFactory(code="water")
    sub = SubItemFactory(item=ItemFactory(plan=plan, lead_unit=unit))
    FundingLineFactory(sub_item=sub, source="county", planned=D("600"))
    FundingLineFactory(sub_item=sub, source="provincial", planned=D("400"))
    return sub, liaison_user(unit, username="liaison-water")


def test_a_sub_item_with_two_sources_is_reported_per_source_on_the_form(client):
    sub, liaison = _two_source_sub()
    client.force_login(liaison)
    page = client.get(f"/subitems/{sub.pk}/report/").content.decode()
    assert "funds_allocated__county" in page and "funds_paid__provincial" in page
    assert 'name="funds_allocated"' not in page

    client.post(
        f"/subitems/{sub.pk}/report/",
        {
            "progress_percent": "30",
            "work_done": "施工中",
            "funds_allocated__county": "200",
            "funds_paid__county": "150",
            "funds_allocated__provincial": "100",
            "action": "submit",
        },
    )

    report = ProgressReport.objects.get(sub_item=sub)
    assert (report.funds_allocated, report.funds_paid) == (D("300"), D("150"))
    assert {(r.source, r.allocated, r.paid) for r in report.funding.all()} == {
        ("county", D("200"), D("150")),
        ("provincial", D("100"), D("0")),
    }


def test_the_api_asks_for_each_sources_money_when_there_are_several():
    sub, liaison = _two_source_sub()
    api = APIClient()
    api.force_login(liaison)

    totals_only = api.post(
        "/api/reports/",
        {"sub_item": sub.pk, "progress_percent": "30", "funds_allocated": "300"},
        format="json",
    )
    per_source = api.post(
        "/api/reports/",
        {
            "sub_item": sub.pk,
            "progress_percent": "30",
            "submit": True,
            "funding": [
                {"source": "county", "allocated": "200", "paid": "150"},
                {"source": "provincial", "allocated": "100", "paid": "0"},
            ],
        },
        format="json",
    )

    assert totals_only.status_code == 400 and "funding" in totals_only.json()
    assert per_source.status_code == 201, per_source.content
    assert (per_source.json()["funds_allocated"], per_source.json()["funds_paid"]) == ("300.00", "150.00")
    accept_report(ProgressReport.objects.get(pk=per_source.json()["id"]), office_user())
    state = plan_progress(sub.item.plan).sub_states[0]
    assert state.money_by_source == {
        "county": ledger.Money(D("200"), D("150")),
        "provincial": ledger.Money(D("100"), D("0")),
    }


def test_a_correction_downwards_needs_an_explanation_in_the_service_too(reporting):
    sub, liaison = reporting
    with pytest.raises(InvalidReport):
        create_report(
            sub,
            liaison,
            {"progress_percent": D("10"), "work_done": ""},
            period_start=dates.today(),
            submit=True,
        )
    corrected = create_report(
        sub,
        liaison,
        {"progress_percent": D("10"), "regression_explanation": "上月多报，更正"},
        period_start=dates.today(),
        submit=True,
    )
    accept_report(corrected, office_user())
    sub.refresh_from_db()
    assert sub.progress_percent == D("10")


# --- caches follow the ledger and the registry, and verify_figures checks them ---------------


def test_accepting_a_report_refreshes_the_pace_row_in_the_same_transaction():
    plan = PlanFactory()
    sub = SubItemFactory(item__plan=plan)
    accepted_report(sub, on=dates.today(), progress="100", complete=True, actual="120")
    assert SubItemPace.objects.get(sub_item=sub).light == Light.BLUE


@time_machine.travel(dt.datetime(2025, 7, 15, 10, 0, tzinfo=dt.UTC))
def test_a_registry_edit_refreshes_pace_rows_and_drops_stale_snapshots(django_capture_on_commit_callbacks):
    today = dt.date(2025, 7, 15)
    plan = PlanFactory(year=today.year)
    sub = SubItemFactory(
        item__plan=plan, planned_start=dt.date(today.year, 1, 1), planned_end=dt.date(today.year, 12, 31)
    )
    snapshots.take_snapshot(plan, dt.date(today.year, 1, 31))
    before = SubItemPace.objects.get(sub_item=sub).scheduled_percent

    with django_capture_on_commit_callbacks() as queued:
        Milestone.objects.create(sub_item=sub, date=dt.date(today.year, 1, 15), planned_percent=D("90"))

    assert SubItemPace.objects.get(sub_item=sub).scheduled_percent != before
    assert not PlanSnapshot.objects.filter(plan=plan).exists()
    # Once the edit commits, the snapshot task stores the month-ends again, as they now read.
    for callback in queued:
        callback()
    stored = PlanSnapshot.objects.get(plan=plan, as_of=dt.date(today.year, 1, 31))
    assert stored.data == plan_figures(plan_progress(plan, dt.date(today.year, 1, 31)))


def test_verify_figures_names_every_drifted_cache_and_rebuild_repairs_it(capsys):
    plan = PlanFactory()
    sub = SubItemFactory(item__plan=plan)
    accepted_report(sub, on=dates.today(), progress="40")
    call_command("verify_figures")
    assert "一致" in capsys.readouterr().out

    SubItem.objects.filter(pk=sub.pk).update(progress_percent=D("75"))  # behind the ledger's back
    SubItemPace.objects.filter(sub_item=sub).update(light=Light.GREEN, progress_percent=D("75"))

    with pytest.raises(CommandError):
        call_command("verify_figures")
    out = capsys.readouterr().out
    assert f"子项 {sub.code}（{plan}）：progress_percent 缓存为 75.00，账本为 40.00" in out
    assert "子项序时进度" in out

    call_command("verify_figures", "--rebuild")
    capsys.readouterr()
    call_command("verify_figures")
    assert "一致" in capsys.readouterr().out
    sub.refresh_from_db()
    assert sub.progress_percent == D("40")


def test_the_admin_cannot_roll_back_figures_an_accepted_report_set():
    sub = SubItemFactory()
    stale = SubItem.objects.get(pk=sub.pk)
    accepted_report(sub, on=dates.today(), progress="40")

    stale.location = "东街"  # an office edit begun before the report was accepted
    stale.save()

    sub.refresh_from_db()
    assert (sub.location, sub.progress_percent) == ("东街", D("40"))
    assert caches.sub_item_drift(sub.item.plan) == []


# --- a closed year --------------------------------------------------------------------------


def test_a_closed_list_reads_as_of_its_closing_date_with_verdicts(client, demo):
    client.force_login(office_user())
    plan = demo["plan_2023"]

    page = client.get(f"/plans/{plan.pk}/").content.decode()
    progress = plan_progress(plan)

    assert progress.as_of == plan.closed_on and progress.is_final
    assert "2024年1月20日 结束" in page and "按期完成" in page
    assert progress.overdue_report_count == 0
    # Issue 15: the five unfinished sub-items were carried into the 2024 continuation (结转).
    assert {s.verdict for s in progress.sub_states} == {"on_time", "carried"}


def test_a_closed_list_still_reads_as_of_an_explicit_date(client, demo):
    client.force_login(office_user())
    plan = demo["plan_2023"]

    progress = plan_progress(plan, dt.date(2023, 6, 30))
    page = client.get(f"/plans/{plan.pk}/", {"as_of": "2023-06-30"}).content.decode()

    assert not progress.is_final and all(s.verdict is None for s in progress.sub_states)
    assert "截至 2023年6月30日" in page and "按期完成" not in page


def test_closing_needs_a_closing_date():
    from django.db import IntegrityError, transaction

    plan = PlanFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.CLOSED, closed_on=None)


# --- as of a date, everywhere; reading never writes -----------------------------------------


def test_the_dashboard_shows_rectifications_as_they_stood_on_the_date(client, demo):
    client.force_login(office_user())
    plan = demo["plan_2023"]

    page = client.get(f"/plans/{plan.pk}/dashboard/", {"as_of": "2023-10-31"})
    shown = {r.title: r for r in page.context["rectifications"]}

    due_dec = Rectification.objects.get(plan=plan, deadline=dt.date(2023, 12, 15))
    closed_nov = Rectification.objects.get(plan=plan, deadline=dt.date(2023, 11, 30))
    assert due_dec.title in shown and not shown[due_dec.title].is_overdue
    assert closed_nov.title in shown and shown[closed_nov.title].state == "open"
    later = client.get(f"/plans/{plan.pk}/dashboard/", {"as_of": "2023-12-20"}).context["rectifications"]
    assert closed_nov.title not in {r.title for r in later}
    assert {r.title: r.is_overdue for r in later}[due_dec.title] is True


def test_the_sub_item_timeline_shows_only_reports_accepted_by_the_date(client):
    plan = PlanFactory(year=2025)
    sub = SubItemFactory(item__plan=plan)
    accepted_report(sub, on=dt.date(2025, 3, 4), progress="20", period_start=dt.date(2025, 2, 1))
    accepted_report(sub, on=dt.date(2025, 6, 4), progress="60", period_start=dt.date(2025, 5, 1))
    client.force_login(office_user())

    april = client.get(f"/subitems/{sub.pk}/", {"as_of": "2025-04-30"}).content.decode()
    today = client.get(f"/subitems/{sub.pk}/").content.decode()

    assert "2025年2月填报" in april and "2025年5月填报" not in april
    assert "2025年5月填报" in today


def test_reading_pages_exports_and_the_api_never_writes(client, demo_voted):
    demo = demo_voted
    client.force_login(office_user())
    api = APIClient()
    api.force_login(office_user())
    paths = []
    notices = {
        plan.pk: notices_service.issue_notice(
            plan, office_user(), as_of=dt.date(2023, 6, 30), issued_on=dt.date(2023, 6, 30)
        )
        for plan in (demo["plan_2023"], demo["plan_now"])
    }
    for plan in (demo["plan_2023"], demo["plan_now"]):
        sub = SubItem.objects.filter(item__plan=plan).first()
        paths += [
            f"/public/plans/{plan.pk}/qr.svg",
            f"/public/plans/{plan.pk}/notices/{notices[plan.pk].pk}/qr.svg",
        ]
        for query in ("", "?as_of=2023-06-30"):
            paths += [
                f"/plans/{plan.pk}/{query}",
                f"/plans/{plan.pk}/dashboard/{query}",
                f"/plans/{plan.pk}/screen/{query}",
                f"/plans/{plan.pk}/screen.json{query}",
                f"/plans/{plan.pk}/lagging/{query}",
                f"/plans/{plan.pk}/briefing.xlsx{query}",
                f"/plans/{plan.pk}/circular.docx{query}",
                f"/plans/{plan.pk}/circulars/{query}",
                f"/plans/{plan.pk}/ranking/{query}",
                f"/plans/{plan.pk}/ranking.docx{query}",
                f"/plans/{plan.pk}/evaluation/{query}",
                f"/api/plans/{plan.pk}/evaluation/{query}",
                f"/items/{sub.item_id}/{query}",
                f"/subitems/{sub.pk}/{query}",
                f"/subitems/{sub.pk}/photos/{query}",
                f"/public/plans/{plan.pk}/{query}",
                f"/public/plans/{plan.pk}/notices/{query}",
                f"/public/plans/{plan.pk}/notices/{notices[plan.pk].pk}/{query}",
                f"/plans/{plan.pk}/notices/{query}",
                f"/plans/{plan.pk}/notices/{notices[plan.pk].pk}/{query}",
                f"/api/plans/{plan.pk}/summary/{query}",
                f"/api/subitems/{query}",
                f"/api/items/{query}",
                f"/plans/{plan.pk}/handover/{query}",
                f"/plans/{plan.pk}/close/{query}",
                f"/subitems/{sub.pk}/acceptance/{query}",
            ]
    paths += [f"/plans/{demo['plan_2023'].pk}/year-report.docx", f"/plans/{demo['plan_2024'].pk}/close/"]
    paths += ["/changes/", f"/changes/{ChangeRequest.objects.first().pk}/"]
    paths += ["/plans/", "/public/", "/visits/", "/rectifications/", "/notifications/", "/reports/review/"]
    # A public form's captcha is picked from the pool seed_demo drew (core.public_forms).
    paths += ["/public/suggestions/new/"]
    paths += selection_paths()
    city = demo["plan_city"]
    for query in ("", "&as_of=2023-06-30"):
        paths += [
            f"/regions/990100/?{query}",
            f"/regions/990102/?{query}",
            f"/plans/{city.pk}/?region=990102{query}",
            f"/plans/{city.pk}/dashboard/?region=990102{query}",
            f"/plans/{city.pk}/lagging/?region=990102{query}",
            f"/plans/{city.pk}/briefing.xlsx?region=990102{query}",
            f"/api/plans/{city.pk}/summary/?region=990102{query}",
        ]
    for path in paths:
        with CaptureQueriesContext(connection) as queries:
            response = (api if path.startswith("/api/") else client).get(path)
        assert response.status_code == 200, path
        writes = [
            q["sql"]
            for q in queries
            if q["sql"].lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
        ]
        writes = [sql for sql in writes if "django_session" not in sql]
        assert writes == [], f"GET {path} wrote: {writes[:2]}"


def test_the_rectifications_board_and_its_export_read_as_of_a_date(client, demo):
    client.force_login(office_user())
    plan = demo["plan_2023"]
    due_dec = Rectification.objects.get(plan=plan, deadline=dt.date(2023, 12, 15))
    closed_nov = Rectification.objects.get(plan=plan, deadline=dt.date(2023, 11, 30))

    board = client.get("/rectifications/", {"as_of": "2023-10-31", "plan": plan.pk})
    rows = {r.title: r for r in board.context["page"].object_list}
    export = client.get("/rectifications/export.xlsx", {"as_of": "2023-10-31", "plan": plan.pk})

    assert (rows[due_dec.title].is_overdue, rows[closed_nov.title].state) == (False, "open")
    assert "截至 2023年10月31日" in board.content.decode()
    from io import BytesIO

    from openpyxl import load_workbook

    cells = [
        c for row in load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True) for c in row
    ]
    assert "截至2023年10月31日，共2项" in cells


def test_the_visits_list_reads_as_of_a_date(client, demo):
    client.force_login(office_user())
    plan = demo["plan_2023"]

    before = client.get("/visits/", {"plan": plan.pk, "as_of": "2023-10-26"}).context["page"].object_list
    after = client.get("/visits/", {"plan": plan.pk, "as_of": "2023-10-29"}).context["page"].object_list

    assert [v.date for v in before if v.date == dt.date(2023, 10, 27)] == []
    inspection = next(v for v in after if v.date == dt.date(2023, 10, 27))
    assert inspection.rectification_count == 0  # its rectifications were assigned on 30 October


def test_the_api_gives_rectifications_and_visits_as_of_a_date(demo):
    api = APIClient()
    api.force_login(office_user())
    plan = demo["plan_2023"]

    rows = api.get("/api/rectifications/", {"plan": plan.pk, "as_of": "2023-10-31"}).json()["results"]
    overdue_then = api.get(
        "/api/rectifications/", {"plan": plan.pk, "as_of": "2023-12-20", "is_overdue": "true"}
    )
    visits = api.get("/api/visits/", {"plan": plan.pk, "as_of": "2023-10-26"}).json()["results"]

    by_deadline = {row["deadline"]: row for row in rows}
    assert by_deadline["2023-11-30"]["state"] == "open" and by_deadline["2023-12-15"]["is_overdue"] is False
    assert [e["action"] for e in by_deadline["2023-11-30"]["events"]] == ["created"]
    assert [row["deadline"] for row in overdue_then.json()["results"]] == ["2023-12-15"]
    assert all(v["date"] <= "2023-10-26" for v in visits)


def test_money_reported_before_a_second_source_was_planned_still_counts():
    plan = PlanFactory(year=2025)
    sub = SubItemFactory(item__plan=plan)
    FundingLineFactory(sub_item=sub, source="county")
    accepted_report(sub, on=dt.date(2025, 3, 5), progress="40", allocated="50", paid="20")

    FundingLineFactory(sub_item=sub, source="central")

    state = plan_progress(plan, dt.date(2025, 6, 30)).sub_states[0]
    assert state.money == ledger.Money(D("50"), D("20"))
    assert state.money_by_source == {"": ledger.Money(D("50"), D("20"))}


def test_only_a_submitted_report_can_be_accepted(reporting):
    from supervision.ledger.services import ReportNotSaved

    sub, liaison = reporting
    draft = create_report(
        sub, liaison, {"progress_percent": D("45")}, period_start=dates.today(), submit=False
    )
    with pytest.raises(ReportNotSaved, match="尚未提交审核"):
        accept_report(draft, office_user())
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_completing_stands_at_one_hundred_so_it_is_no_step_back(reporting):
    sub, liaison = reporting  # last accepted 40%, 40 of 120
    report = create_report(
        sub,
        liaison,
        {"progress_percent": D("30"), "actual_value": D("120"), "marks_complete": True},
        period_start=dates.today(),
        submit=True,
    )
    assert report.progress_percent == D("100")


def test_the_sub_items_money_cache_follows_the_latest_report_that_stated_money(capsys):
    """到位/支付 cached on the sub-item are the latest money-stating report's; a later report that
    leaves money blank keeps them; verify_figures names a drifted one and --rebuild repairs it."""
    sub = SubItemFactory()
    accepted_report(sub, on=dates.today(), progress="20", allocated="80", paid="30")
    accepted_report(sub, on=dates.today(), progress="40")
    sub.refresh_from_db()
    assert (sub.funds_allocated, sub.funds_paid) == (D("80"), D("30"))

    SubItem.objects.filter(pk=sub.pk).update(funds_paid=D("0"))
    with pytest.raises(CommandError):
        call_command("verify_figures")
    assert "funds_paid 缓存为 0.00，账本为 30" in capsys.readouterr().out
    call_command("verify_figures", "--rebuild")
    sub.refresh_from_db()
    assert sub.funds_paid == D("30")
