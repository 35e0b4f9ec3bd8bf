"""The year's end (issue 15): approved changes of a promise, acceptance and handover, the close
of a list with its carry-over, and the year-end report."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from core.lights import Light, Verdict
from projects import changes
from projects.documents import document_extension
from projects.models import Acceptance, CarryOver, ChangeRequest, Plan, Stewardship, SubItem
from supervision.documents import year_report
from supervision.models import ProgressReport
from supervision.reading.progress import plan_progress

from .factories import (
    ItemFactory,
    PlanFactory,
    SubItemFactory,
    UnitFactory,
    accepted_report,
    deputy_user,
    liaison_user,
    office_user,
)

D = Decimal
YEAR = 2025
TODAY = dt.date(YEAR, 9, 15)


def pdf(name="批复.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF", content_type="application/pdf"
    )


def docx_upload(name="说明.docx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def clock():
    with time_machine.travel(
        dt.datetime(YEAR, 9, 15, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False
    ):
        yield


@pytest.fixture
def sub(db, clock):
    plan = PlanFactory(year=YEAR, published_on=dt.date(YEAR, 1, 20))
    unit = UnitFactory(name="测试建设局")
    item = ItemFactory(plan=plan, lead_unit=unit)
    return SubItemFactory(
        item=item, planned_start=dt.date(YEAR, 1, 1), planned_end=dt.date(YEAR, 6, 30), target_value=D("100")
    )


def approve(sub_item, kind, *, on, filed=None, **values) -> ChangeRequest:
    """A change filed and approved through the services, the clock at each day."""
    office = office_user()
    with time_machine.travel(dt.datetime.combine(filed or on, dt.time(10)), tick=False):
        change = changes.file_change(office, sub_item, kind=kind, reason="测试理由", **values)
    with time_machine.travel(dt.datetime.combine(on, dt.time(11)), tick=False):
        return changes.decide_change(office, change, approve=True, decided_on=on)


# --- The promise of a day ----------------------------------------------------------------------


def test_an_extended_deadline_holds_from_its_approval_date_and_not_before(sub):
    accepted_report(sub, on=dt.date(YEAR, 6, 5), progress="50")
    approve(sub, changes.Kind.EXTEND, on=dt.date(YEAR, 7, 10), new_planned_end=dt.date(YEAR, 12, 31))

    before = plan_progress(sub.item.plan, dt.date(YEAR, 7, 9)).sub_states[0]
    after = plan_progress(sub.item.plan, dt.date(YEAR, 7, 10)).sub_states[0]

    assert before.sub_item.planned_end == dt.date(YEAR, 6, 30) and before.light == Light.RED
    assert after.sub_item.planned_end == dt.date(YEAR, 12, 31) and after.light != Light.RED
    assert not before.changed and after.changed
    assert SubItem.objects.get(pk=sub.pk).planned_end == dt.date(YEAR, 6, 30)  # nothing overwritten


def test_a_lowered_target_changes_the_completion_rate_from_its_approval_date(sub):
    accepted_report(sub, on=dt.date(YEAR, 3, 5), progress="60", actual="60")
    approve(sub, changes.Kind.RETARGET, on=dt.date(YEAR, 4, 1), new_target_value=D("80"))

    assert plan_progress(sub.item.plan, dt.date(YEAR, 3, 31)).sub_states[0].completion_rate == D("0.6")
    assert plan_progress(sub.item.plan, dt.date(YEAR, 4, 1)).sub_states[0].completion_rate == D("0.75")
    assert changes.promise_on(sub, dt.date(YEAR, 3, 31)).target_value == D("100")
    assert changes.promise_on(sub, dt.date(YEAR, 4, 1)).target_value == D("80")


def test_changes_apply_in_approval_order_whatever_order_they_were_read_in():
    first = ChangeRequest(pk=2, kind="retarget", new_target_value=D("80"), decided_on=dt.date(2025, 3, 1))
    second = ChangeRequest(pk=1, kind="retarget", new_target_value=D("70"), decided_on=dt.date(2025, 5, 1))
    promise = changes.apply_changes(D("100"), dt.date(2025, 6, 30), [second, first])

    assert promise.target_value == D("70")
    assert [(a.target_before, a.target_after) for a in promise.applied] == [
        (D("100"), D("80")),
        (D("80"), D("70")),
    ]


def test_a_terminated_sub_item_has_no_light_and_is_not_counted_from_its_approval(sub):
    other = SubItemFactory(item=sub.item, planned_end=dt.date(YEAR, 12, 31))
    accepted_report(other, on=dt.date(YEAR, 5, 5), progress="100", complete=True)
    approve(sub, changes.Kind.TERMINATE, on=dt.date(YEAR, 8, 1))
    plan = sub.item.plan

    before = plan_progress(plan, dt.date(YEAR, 7, 31))
    after = plan_progress(plan, dt.date(YEAR, 8, 1))
    stopped = next(s for s in after.sub_states if s.sub_item.pk == sub.pk)

    assert before.summary.headline == "1件2项，已完成0件1项，完成率0%"
    assert after.summary.headline == "1件1项，已完成1件1项，完成率100%"
    assert stopped.light == "" and not stopped.overdue_report and stopped.terminated
    assert sum(after.light_counts.values()) == 1


def test_the_plan_list_headline_leaves_a_terminated_sub_item_out_too(sub, client):
    SubItemFactory(item=sub.item)
    approve(sub, changes.Kind.TERMINATE, on=TODAY)
    client.force_login(office_user())

    page = client.get("/plans/").content.decode()

    assert "1件1项" in page


# --- Filing and deciding -------------------------------------------------------------------------


def test_a_change_that_would_end_before_it_starts_is_refused_in_chinese(sub, client):
    client.force_login(liaison_user(sub.responsible_unit))
    response = client.post(
        f"/subitems/{sub.pk}/changes/new/",
        {"kind": "extend", "new_planned_end": f"{YEAR - 1}-12-01", "reason": "雨季"},
    )

    assert response.status_code == 200
    assert "调整后完成时限（2024-12-01）不能早于计划开工日期（2025-01-01）" in response.content.decode()
    assert not ChangeRequest.objects.exists()


def test_a_second_open_request_for_the_same_sub_item_is_refused(sub, client):
    client.force_login(liaison_user(sub.responsible_unit))
    first = client.post(
        f"/subitems/{sub.pk}/changes/new/",
        {"kind": "extend", "new_planned_end": f"{YEAR}-10-31", "reason": "雨季", "attachments": [pdf()]},
    )
    second = client.post(f"/subitems/{sub.pk}/changes/new/", {"kind": "terminate", "reason": "不再实施"})

    assert first.status_code == 302
    assert "该子项已有一份待审批的调整申请，请等待审批后再提交" in second.content.decode()
    change = ChangeRequest.objects.get()
    assert change.state == "pending" and change.attachments.get().name == "批复.pdf"


def test_another_units_liaison_cannot_file_a_change(sub, client):
    client.force_login(liaison_user(UnitFactory()))
    assert client.get(f"/subitems/{sub.pk}/changes/new/").status_code == 404


def test_a_voted_list_needs_the_standing_committees_approval(sub, client):
    Plan.objects.filter(pk=sub.item.plan_id).update(adopted_by_vote=True)
    sub.refresh_from_db()
    change = changes.file_change(
        office_user(),
        sub,
        kind="retarget",
        new_target_value=D("80"),
        reason="需求减少",
        attachments=[docx_upload()],
    )
    client.force_login(office_user())

    refused = client.post(f"/changes/{change.pk}/", {"decision": "approve"})
    approved = client.post(
        f"/changes/{change.pk}/",
        {
            "decision": "approve",
            "committee_approved_on": f"{YEAR}-09-10",
            "committee_document": "测人常〔2025〕3号",
        },
    )

    assert "本清单经人大代表票决产生，调整须填写人大常委会批准日期" in refused.content.decode()
    assert approved.status_code == 302
    change.refresh_from_db()
    assert (change.state, change.decided_on, change.committee_document) == (
        "approved",
        TODAY,
        "测人常〔2025〕3号",
    )
    listing = client.get("/changes/").content.decode()
    assert "已批准" in listing and "目标值调整为 80个" in listing


def test_a_rejection_needs_a_reason_and_changes_nothing(sub):
    change = changes.file_change(office_user(), sub, kind="terminate", reason="不再实施")
    with pytest.raises(ValidationError) as refused:
        changes.decide_change(office_user(), change, approve=False)
    assert refused.value.message_dict == {"decision_note": ["不批准时须填写理由"]}
    changes.decide_change(office_user(), change, approve=False, note="理由不充分")
    assert not changes.promise_on(sub, TODAY).terminated


def test_only_documents_and_pictures_are_kept_as_attachments():
    assert document_extension(pdf()) == "pdf"
    assert document_extension(docx_upload()) == "docx"
    with pytest.raises(ValidationError) as refused:
        document_extension(SimpleUploadedFile("批复.pdf", b"<html><script>alert(1)</script></html>"))
    assert "“批复.pdf”不是可接受的附件格式" in refused.value.messages[0]


# --- Acceptance and handover -----------------------------------------------------------------------


def test_a_completed_sub_item_waits_for_acceptance_before_it_is_struck_off(sub, client):
    accepted_report(sub, on=dt.date(YEAR, 6, 5), progress="100", complete=True, actual="100")
    client.force_login(office_user())
    handover = f"/plans/{sub.item.plan_id}/handover/"

    assert "已验收销号 0 项，已完成待验收 1 项" in client.get(handover).content.decode()
    early = client.post(
        f"/subitems/{sub.pk}/acceptance/",
        {"action": "accept", "accepted_on": f"{YEAR}-05-01", "accepted_by": "联合验收组"},
    )
    assert "验收日期（2025-05-01）时该子项尚未完成，不能验收" in early.content.decode()
    done = client.post(
        f"/subitems/{sub.pk}/acceptance/",
        {
            "action": "accept",
            "accepted_on": f"{YEAR}-07-01",
            "accepted_by": "联合验收组",
            "attachments": [pdf("验收报告.pdf")],
        },
    )
    assert done.status_code == 302
    page = client.get(handover).content.decode()
    assert "已验收销号 1 项，已完成待验收 0 项" in page
    assert "1 项已完成的工程尚未明确管护单位" in page
    june = client.get(handover, {"as_of": f"{YEAR}-06-30"}).content.decode()
    assert "已验收销号 0 项，已完成待验收 1 项" in june
    table = client.get(f"/plans/{sub.item.plan_id}/").content.decode()
    assert "已验收销号" in table
    attachment = Acceptance.objects.get().attachments.get()
    assert client.get(f"/subitems/{sub.pk}/acceptance/attachments/{attachment.pk}/").status_code == 200


def test_a_work_handed_to_a_management_unit_is_no_longer_flagged(sub, client):
    accepted_report(sub, on=dt.date(YEAR, 6, 5), progress="100", complete=True)
    client.force_login(office_user())
    missing = client.post(
        f"/subitems/{sub.pk}/acceptance/",
        {
            "action": "steward",
            "management_unit": "",
            "responsible_person": "张三",
            "management_target": "完好",
            "assigned_on": f"{YEAR}-07-01",
        },
    )
    assert "请填写管护单位" in missing.content.decode()
    client.post(
        f"/subitems/{sub.pk}/acceptance/",
        {
            "action": "steward",
            "management_unit": "某村委会",
            "responsible_person": "张三",
            "management_target": "完好",
            "assigned_on": f"{YEAR}-07-01",
        },
    )
    page = client.get(f"/plans/{sub.item.plan_id}/handover/").content.decode()
    assert Stewardship.objects.get().management_unit == "某村委会"
    assert "尚未明确管护单位" not in page and "某村委会" in page


def test_deputies_read_acceptance_but_cannot_record_it(sub, client):
    client.force_login(deputy_user())
    assert client.get(f"/subitems/{sub.pk}/acceptance/").status_code == 200
    response = client.post(f"/subitems/{sub.pk}/acceptance/", {"action": "accept"})
    assert response.status_code == 403


# --- Closing and carrying over ---------------------------------------------------------------------


def test_the_close_page_names_what_is_missing_and_refuses_to_close_with_unfinished_work(sub, client):
    done = SubItemFactory(item=sub.item, planned_end=dt.date(YEAR, 8, 31))
    accepted_report(done, on=dt.date(YEAR, 8, 5), progress="100", complete=True)
    accepted_report(sub, on=dt.date(YEAR, 8, 5), progress="40", actual="40", allocated="30", paid="20")
    plan = sub.item.plan
    nxt = PlanFactory(year=YEAR + 1, status=Plan.Status.DRAFT, title="2026年续建清单")
    client.force_login(office_user())

    page = client.get(f"/plans/{plan.pk}/close/").content.decode()
    assert "按期完成 1 项" in page and "未完成 1 项" in page
    refused = client.post(f"/plans/{plan.pk}/close/", {"action": "close"}, follow=True).content.decode()
    assert f"以下子项未完成，须先结转或经批准终止：{sub.code}" in refused
    assert Plan.objects.get(pk=plan.pk).status == Plan.Status.PUBLISHED

    carried = client.post(
        f"/plans/{plan.pk}/close/",
        {"action": "carry", "sub_item": sub.pk, "to_plan": nxt.pk, "planned_end": f"{YEAR + 1}-06-30"},
    )
    assert carried.status_code == 302
    closed = client.post(f"/plans/{plan.pk}/close/", {"action": "close"})
    assert closed.status_code == 302

    plan.refresh_from_db()
    assert (plan.status, plan.closed_on) == (Plan.Status.CLOSED, TODAY)
    final = plan_progress(plan)
    assert dict(final.verdict_counts) == {Verdict.ON_TIME: 1, Verdict.CARRIED: 1}
    copy = CarryOver.objects.get(from_sub_item=sub).to_sub_item
    assert copy.item.plan == nxt and copy.planned_end == dt.date(YEAR + 1, 6, 30)
    opening = ProgressReport.objects.accepted().get(sub_item=copy)
    assert (opening.progress_percent, opening.actual_value, opening.funds_allocated, opening.funds_paid) == (
        D("40"),
        D("40"),
        D("30"),
        D("20"),
    )
    later = plan_progress(nxt, TODAY).sub_states[0]
    assert (later.progress_percent, later.actual_value, later.money.paid) == (D("40"), D("40"), D("20"))
    # The closed list keeps its final state: a report on the copy changes nothing in it.
    accepted_report(copy, on=TODAY, progress="100", complete=True)
    assert dict(plan_progress(plan).verdict_counts) == {Verdict.ON_TIME: 1, Verdict.CARRIED: 1}


def test_a_terminated_sub_item_closes_as_terminated(sub, client):
    approve(sub, changes.Kind.TERMINATE, on=TODAY)
    client.force_login(office_user())
    assert client.post(f"/plans/{sub.item.plan_id}/close/", {"action": "close"}).status_code == 302
    assert plan_progress(Plan.objects.get(pk=sub.item.plan_id)).sub_states[0].verdict == Verdict.TERMINATED


def test_only_the_office_walks_a_list_to_its_close(sub, client):
    client.force_login(deputy_user())
    assert client.get(f"/plans/{sub.item.plan_id}/close/").status_code == 403


# --- The year-end report ----------------------------------------------------------------------------


def test_the_year_report_of_the_2023_list_has_its_headline_verdicts_carry_over_and_money(demo, client):
    client.force_login(deputy_user())
    response = client.get(f"/plans/{demo['plan_2023'].pk}/year-report.docx")
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]

    assert response.status_code == 200
    assert "10件13项，已完成6件8项，完成率60%" in text
    assert "按期完成8项，结转5项" in text and "年内经批准调整2项" in text
    # The deputies' evaluation of January 2024, as supervision.yearend.evaluation reads it.
    assert "四、满意度测评" in text and "未开展满意度测评" not in text
    row = next(r for r in document.tables for r in r.rows if r.cells[1].text == "城镇老旧小区改造")
    assert [c.text for c in row.cells][-2:] == ["52.6%", "不满意"]
    assert "377.5%" in cells and "169%" in cells
    assert "2024年区级民生实事（2023年结转项目）" in cells
    assert "32" in cells and "24" in cells  # the target lowered, before and after


def test_the_satisfaction_hook_fills_its_section(demo, monkeypatch):
    rows = [("1", "新增学前教育学位", "50", "8", "2", "60", "96.7%", "满意")]
    monkeypatch.setattr(year_report, "satisfaction_rows", lambda plan: rows)
    report = year_report.read_year_report(demo["plan_2023"])
    document = Document(io.BytesIO(year_report.year_report_docx(report)))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]

    assert "96.7%" in cells and "未开展满意度测评" not in "\n".join(p.text for p in document.paragraphs)


def test_a_list_without_an_evaluation_says_so_in_its_year_report(demo):
    report = year_report.read_year_report(demo["plan_2024"])
    document = Document(io.BytesIO(year_report.year_report_docx(report)))
    assert "未开展满意度测评" in "\n".join(p.text for p in document.paragraphs)


def test_an_open_list_has_no_year_report(demo, client):
    client.force_login(office_user())
    assert client.get(f"/plans/{demo['plan_now'].pk}/year-report.docx").status_code == 404


# --- The demo -----------------------------------------------------------------------------------


def test_the_demo_2023_list_shows_its_changes_with_before_and_after_on_the_public_page(demo, client):
    page = client.get(f"/public/plans/{demo['plan_2023'].pk}/").content.decode()

    assert page.count("已调整") == 2
    assert "调整目标：32 → 24个（2023-11-28批准）" in page
    assert "延期：2023年11月30日 → 2023年12月31日（2023-11-15批准）" in page
    # Before the approval the original promise is shown.
    october = client.get(f"/public/plans/{demo['plan_2023'].pk}/", {"as_of": "2023-10-31"}).content.decode()
    assert "已调整" not in october


def test_the_demo_carries_five_sub_items_into_the_2024_continuation(demo):
    carried = CarryOver.objects.filter(from_sub_item__item__plan=demo["plan_2023"]).select_related(
        "to_sub_item"
    )
    final = plan_progress(demo["plan_2024"])

    assert sorted(c.from_sub_item.code for c in carried) == ["10.1", "3.1", "4.1", "4.2", "9.1"]
    assert {c.to_sub_item.item.plan_id for c in carried} == {demo["plan_2024"].pk}
    assert final.summary.headline == "4件5项，已完成4件5项，完成率100%"
    # 4.1 was carried with its lowered target.
    assert CarryOver.objects.get(
        from_sub_item__item__number=4, from_sub_item__number=1
    ).to_sub_item.target_value == D("24")
    assert Acceptance.objects.filter(sub_item__item__plan=demo["plan_2023"]).count() == 8
    assert demo["plan_now"].status == Plan.Status.PUBLISHED


def test_the_demo_2023_dashboard_counts_accepted_works(demo, client):
    client.force_login(deputy_user())
    page = client.get(f"/plans/{demo['plan_2023'].pk}/dashboard/").content.decode()

    assert "已验收销号 8 项，已完成待验收 0 项" in page
    assert "结转 5" in page


@pytest.mark.parametrize("path", ["/plans/{plan}/close/", "/plans/{plan}/handover/", "/changes/"])
def test_year_end_pages_take_a_fixed_number_of_queries(demo, client, django_assert_max_num_queries, path):
    client.force_login(office_user())
    with django_assert_max_num_queries(30):
        response = client.get(path.format(plan=demo["plan_2023"].pk))
    assert response.status_code == 200


def test_the_api_lists_change_requests_a_liaison_may_see(sub, django_assert_max_num_queries):
    from rest_framework.test import APIClient

    other = SubItemFactory(item=ItemFactory(plan=sub.item.plan))
    changes.file_change(office_user(), sub, kind="terminate", reason="不再实施")
    changes.file_change(office_user(), other, kind="terminate", reason="不再实施")
    api = APIClient()
    api.force_login(liaison_user(sub.responsible_unit))

    with django_assert_max_num_queries(8):
        rows = api.get("/api/changes/", {"plan": sub.item.plan_id}).json()["results"]

    assert [(r["sub_item"], r["kind"], r["state"]) for r in rows] == [(sub.pk, "terminate", "pending")]
