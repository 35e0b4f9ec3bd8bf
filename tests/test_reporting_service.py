"""The report workflow's rules, held by the services and the database: drafts, submission,
review, optimistic locking, append-only accepted reports, notifications."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import DatabaseError, transaction

from core import dates
from projects.models import SubItem
from supervision.ledger.services import (
    InvalidReport,
    ReportNotSaved,
    accept_and_notify,
    accept_report,
    create_report,
    return_report,
    save_report,
)
from supervision.models import Notification, ProgressReport
from supervision.reading.progress import plan_progress

from .factories import FundingLineFactory, ProgressReportFactory, SubItemFactory, liaison_user, office_user

pytestmark = pytest.mark.django_db

PERIOD = dates.today().replace(day=1)


def figures(**overrides) -> dict:
    data = {
        "progress_percent": Decimal("40"),
        "actual_value": Decimal("40"),
        "funds_allocated": Decimal("50"),
        "funds_paid": Decimal("20"),
        "work_done": "完成主体工程",
        "problems": "",
        "next_steps": "继续推进",
        "regression_explanation": "",
        "marks_complete": False,
    }
    data.update(overrides)
    return data


@pytest.fixture
def sub_item():
    return SubItemFactory()


@pytest.fixture
def liaison(sub_item):
    return liaison_user(sub_item.responsible_unit, email="liaison@example.invalid")


def submitted(sub_item, liaison, **overrides) -> ProgressReport:
    return create_report(sub_item, liaison, figures(**overrides), period_start=PERIOD, submit=True)


def test_the_database_refuses_to_change_an_accepted_report(sub_item, liaison):
    report = accept_report(submitted(sub_item, liaison), office_user())
    with pytest.raises(DatabaseError), transaction.atomic():
        ProgressReport.objects.filter(pk=report.pk).update(progress_percent=Decimal("99"))
    report.refresh_from_db()
    assert report.progress_percent == Decimal("40")


def test_the_database_refuses_to_delete_an_accepted_report(sub_item, liaison):
    report = accept_report(submitted(sub_item, liaison), office_user())
    with pytest.raises(DatabaseError), transaction.atomic():
        ProgressReport.objects.filter(pk=report.pk).delete()
    assert ProgressReport.objects.filter(pk=report.pk).exists()


def test_accepting_makes_the_report_the_sub_items_current_figures(sub_item, liaison):
    FundingLineFactory(sub_item=sub_item)
    accept_report(submitted(sub_item, liaison), office_user())
    sub_item.refresh_from_db()
    assert (sub_item.progress_percent, sub_item.actual_value) == (Decimal("40"), Decimal("40"))
    assert sub_item.status == SubItem.Status.IN_PROGRESS
    state = plan_progress(sub_item.item.plan).sub_states[0]
    assert (state.money.allocated, state.money.paid) == (Decimal("50"), Decimal("20"))


def test_a_correction_is_a_new_report_that_becomes_the_current_figures(sub_item, liaison):
    office = office_user()
    first = accept_report(submitted(sub_item, liaison), office)
    correction = accept_report(
        submitted(sub_item, liaison, progress_percent=Decimal("35"), regression_explanation="上月多报，更正"),
        office,
    )
    sub_item.refresh_from_db()
    assert first.pk != correction.pk
    assert sub_item.progress_percent == Decimal("35")
    assert ProgressReport.objects.filter(sub_item=sub_item, state="accepted").count() == 2


def test_a_correction_downwards_without_an_explanation_is_refused_and_nothing_saved(sub_item, liaison):
    accept_report(submitted(sub_item, liaison), office_user())
    with pytest.raises(InvalidReport) as refused:
        submitted(sub_item, liaison, progress_percent=Decimal("35"))
    assert refused.value.check.errors == {
        "regression_explanation": ["累计进度低于上次审核通过的40%，请说明原因"]
    }
    assert ProgressReport.objects.filter(sub_item=sub_item).count() == 1


def test_saving_from_a_stale_version_is_refused_and_keeps_the_first_save(sub_item, liaison):
    colleague = liaison_user(sub_item.responsible_unit)
    draft = create_report(sub_item, liaison, figures(), period_start=PERIOD, submit=False)
    first_view, second_view = ProgressReport.objects.get(pk=draft.pk), ProgressReport.objects.get(pk=draft.pk)
    save_report(
        first_view,
        figures(work_done="甲的修改"),
        version=first_view.version,
        period_start=PERIOD,
        submit=False,
    )
    with pytest.raises(ReportNotSaved) as refused:
        save_report(
            second_view,
            figures(work_done="乙的修改"),
            version=second_view.version,
            period_start=PERIOD,
            submit=False,
        )
    assert "已被他人修改" in refused.value.message
    draft.refresh_from_db()
    assert draft.work_done == "甲的修改" and draft.version == 2
    assert colleague.unit == liaison.unit


def test_editing_a_report_that_was_accepted_meanwhile_is_refused(sub_item, liaison):
    report = create_report(sub_item, liaison, figures(), period_start=PERIOD, submit=False)
    stale = ProgressReport.objects.get(pk=report.pk)
    save_report(report, figures(), version=report.version, period_start=PERIOD, submit=True)
    accept_report(ProgressReport.objects.get(pk=report.pk), office_user())
    with pytest.raises(ReportNotSaved) as refused:
        save_report(
            stale, figures(work_done="晚到的修改"), version=stale.version, period_start=PERIOD, submit=False
        )
    assert "已审核通过" in refused.value.message
    assert ProgressReport.objects.get(pk=report.pk).work_done == "完成主体工程"


def test_a_second_report_cannot_be_started_while_one_is_open(sub_item, liaison):
    colleague = liaison_user(sub_item.responsible_unit)
    create_report(sub_item, liaison, figures(), period_start=PERIOD, submit=False)
    with pytest.raises(ReportNotSaved):
        create_report(sub_item, colleague, figures(), period_start=PERIOD, submit=False)
    assert ProgressReport.objects.filter(sub_item=sub_item).count() == 1


def test_a_returned_report_is_corrected_and_resubmitted_as_the_same_report(
    sub_item, liaison, django_capture_on_commit_callbacks
):
    office = office_user()
    report = submitted(sub_item, liaison)
    with django_capture_on_commit_callbacks(execute=True):
        return_report(report, office, "请补充现场照片")
    report.refresh_from_db()
    assert report.state == ProgressReport.State.RETURNED and report.return_reason == "请补充现场照片"
    notice = Notification.objects.get(recipient=liaison)
    assert notice.kind == Notification.Kind.REPORT_RETURNED and "请补充现场照片" in notice.body
    assert mail.outbox[-1].to == ["liaison@example.invalid"] and "填报被退回" in mail.outbox[-1].subject

    resubmitted = save_report(report, figures(), version=report.version, period_start=PERIOD, submit=True)
    assert resubmitted.pk == report.pk and resubmitted.state == ProgressReport.State.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        accept_and_notify(resubmitted, office)
    assert ProgressReport.objects.get(pk=report.pk).state == ProgressReport.State.ACCEPTED
    assert Notification.objects.filter(recipient=liaison, kind=Notification.Kind.REPORT_ACCEPTED).count() == 1
    assert "填报已通过" in mail.outbox[-1].subject


def test_accepting_a_report_returned_meanwhile_by_another_reviewer_is_refused(sub_item, liaison):
    report = submitted(sub_item, liaison)
    seen_by_second_reviewer = ProgressReport.objects.get(pk=report.pk)
    return_report(report, office_user(), "数据有误")
    with pytest.raises(ReportNotSaved):
        accept_and_notify(seen_by_second_reviewer, office_user())
    sub_item.refresh_from_db()
    assert ProgressReport.objects.get(pk=report.pk).state == ProgressReport.State.RETURNED
    assert sub_item.last_accepted_on is None


def test_a_draft_moves_to_the_period_open_when_it_is_saved(sub_item, liaison):
    old_period = dt.date(PERIOD.year - 1, 12, 1)
    draft = create_report(sub_item, liaison, figures(), period_start=old_period, submit=False)
    saved = save_report(draft, figures(), version=draft.version, period_start=PERIOD, submit=False)
    assert saved.period_start == PERIOD


def test_a_draft_never_changes_the_sub_items_figures(sub_item, liaison):
    ProgressReportFactory(sub_item=sub_item, progress_percent=Decimal("90"), created_by=liaison)
    sub_item.refresh_from_db()
    assert sub_item.progress_percent == Decimal("0") and sub_item.last_accepted_on is None
