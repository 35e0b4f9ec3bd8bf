"""The reporting pages as liaisons, the office, deputies and leaders use them."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from core import dates
from projects.models import Plan
from supervision.ledger.services import create_report, return_report
from supervision.models import Notification, ProgressReport, ReportPhoto

from .factories import (
    ItemFactory,
    PlanFactory,
    ProgressReportFactory,
    SubItemFactory,
    UnitFactory,
    accepted_report,
    deputy_user,
    leader_user,
    liaison_user,
    office_user,
)

pytestmark = pytest.mark.django_db
TODAY = dates.today()


def png(name="现场.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 12), (200, 80, 40)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def report_post(**overrides) -> dict:
    data = {
        "progress_percent": "45",
        "actual_value": "45",
        "funds_allocated": "60",
        "funds_paid": "30",
        "work_done": "完成45个",
        "problems": "",
        "next_steps": "加快进度",
        "regression_explanation": "",
        "action": "submit",
    }
    data.update(overrides)
    return data


@pytest.fixture
def world():
    plan = PlanFactory()
    housing, water = UnitFactory(code="housing"), UnitFactory(code="water")
    own = SubItemFactory(item=ItemFactory(plan=plan, lead_unit=housing), content="改造老旧小区")
    other = SubItemFactory(item=ItemFactory(plan=plan, lead_unit=water), content="新建供水管网")
    return {
        "plan": plan,
        "own": own,
        "other": other,
        "liaison": liaison_user(housing, username="liaison-housing"),
        "colleague": liaison_user(housing, username="liaison-housing-2"),
        "other_liaison": liaison_user(water, username="liaison-water"),
        "office": office_user(username="office"),
        "deputy": deputy_user(username="deputy"),
        "leader": leader_user(username="leader"),
    }


def test_a_liaison_lands_on_my_tasks_after_login(client, login, world):
    login(world["liaison"])
    assert client.get("/").url == "/my/tasks/"


def test_my_tasks_lists_only_the_units_sub_items_with_their_report_state(client, login, world):
    login(world["liaison"])
    page = client.get("/my/tasks/").content.decode()
    assert "改造老旧小区" in page and "新建供水管网" not in page
    assert "未填报" in page

    ProgressReportFactory(sub_item=world["own"], created_by=world["liaison"])
    assert "草稿" in client.get("/my/tasks/").content.decode()


def test_my_tasks_puts_overdue_sub_items_first(client, login, world):
    plan = world["plan"]
    reported = SubItemFactory(item=world["own"].item, content="已按时填报")
    accepted_report(reported, on=TODAY, progress="90", period_start=TODAY.replace(day=1))
    login(world["liaison"])
    page = client.get("/my/tasks/").content.decode()
    assert plan.report_cadence == Plan.Cadence.MONTHLY
    assert "超期未报" in page
    assert page.index("改造老旧小区") < page.index("已按时填报")
    assert "已通过" in page


def test_my_tasks_is_for_liaisons_only(client, login, world):
    for who in ("office", "deputy", "leader"):
        login(world[who])
        assert client.get("/my/tasks/").status_code == 403


def test_a_liaison_submits_a_report_with_a_photo(client, login, world):
    login(world["liaison"])
    form_page = client.get(f"/subitems/{world['own'].pk}/report/")
    assert "目标：100个" in form_page.content.decode()
    response = client.post(
        f"/subitems/{world['own'].pk}/report/", {**report_post(), "photos": [png(), png("二.png")]}
    )
    report = ProgressReport.objects.get(sub_item=world["own"])
    assert response.status_code == 302 and response.url == f"/reports/{report.pk}/"
    assert report.state == ProgressReport.State.SUBMITTED and report.created_by == world["liaison"]
    assert report.progress_percent == Decimal("45")
    names = [p.image.name for p in report.photos.all()]
    assert len(names) == 2 and all(name.endswith(".png") for name in names)


def test_saving_a_draft_then_submitting_it(client, login, world):
    login(world["liaison"])
    client.post(f"/subitems/{world['own'].pk}/report/", report_post(action="draft"))
    draft = ProgressReport.objects.get(sub_item=world["own"])
    assert draft.state == ProgressReport.State.DRAFT
    assert client.get(f"/subitems/{world['own'].pk}/report/").url == f"/reports/{draft.pk}/"

    client.post(f"/reports/{draft.pk}/", report_post(version=draft.version, work_done="补充说明"))
    draft.refresh_from_db()
    assert draft.state == ProgressReport.State.SUBMITTED and draft.work_done == "补充说明"


def test_a_rejected_form_keeps_everything_typed(client, login, world):
    login(world["liaison"])
    response = client.post(
        f"/subitems/{world['own'].pk}/report/",
        report_post(progress_percent="120", work_done="已完成拆除和管线迁改", problems="雨季影响工期"),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "累计进度须在0–100之间" in page
    assert 'value="120"' in page and "已完成拆除和管线迁改" in page and "雨季影响工期" in page
    assert not ProgressReport.objects.exists()


def test_paid_above_allocated_saves_with_a_warning(client, login, world):
    login(world["liaison"])
    response = client.post(
        f"/subitems/{world['own'].pk}/report/",
        report_post(funds_allocated="10", funds_paid="20"),
        follow=True,
    )
    assert "大于到位资金" in response.content.decode()
    assert ProgressReport.objects.get().state == ProgressReport.State.SUBMITTED


def test_the_second_of_two_liaisons_editing_one_draft_is_refused_without_losing_text(client, login, world):
    figures = {k: v for k, v in report_post().items() if k != "action"}
    for name in ("progress_percent", "actual_value", "funds_allocated", "funds_paid"):
        figures[name] = Decimal(figures[name])
    draft = create_report(
        world["own"],
        world["liaison"],
        {**figures, "marks_complete": False},
        period_start=TODAY.replace(day=1),
        submit=False,
    )
    login(world["liaison"])
    client.post(f"/reports/{draft.pk}/", report_post(version=draft.version, action="draft", work_done="甲"))
    login(world["colleague"])
    response = client.post(
        f"/reports/{draft.pk}/", report_post(version=draft.version, action="draft", work_done="乙的长篇说明")
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "已被他人修改" in page and "乙的长篇说明" in page
    assert ProgressReport.objects.get(pk=draft.pk).work_done == "甲"


def test_the_office_accepts_from_the_queue_and_the_sub_item_shows_the_new_progress(client, login, world):
    login(world["liaison"])
    client.post(f"/subitems/{world['own'].pk}/report/", report_post(progress_percent="45"))
    report = ProgressReport.objects.get()
    login(world["office"])
    queue = client.get("/reports/review/").content.decode()
    assert "改造老旧小区" in queue and "45%" in queue
    response = client.post(f"/reports/{report.pk}/accept/", {"version": report.version})
    assert response.url == "/reports/review/"
    world["own"].refresh_from_db()
    assert world["own"].progress_percent == Decimal("45")
    assert "没有待审核的填报" in client.get("/reports/review/").content.decode()
    assert Notification.objects.filter(recipient=world["liaison"], kind="report_accepted").exists()
    plan_page = client.get(f"/plans/{world['plan'].pk}/").content.decode()
    assert "45%" in plan_page


def test_returning_needs_a_reason_and_the_liaison_sees_it_and_resubmits(client, login, world):
    login(world["liaison"])
    client.post(f"/subitems/{world['own'].pk}/report/", report_post())
    report = ProgressReport.objects.get()
    login(world["office"])
    empty = client.post(f"/reports/{report.pk}/return/", {"version": report.version, "reason": "  "})
    assert empty.status_code == 400 and "请填写退回理由" in empty.content.decode()
    client.post(f"/reports/{report.pk}/return/", {"version": report.version, "reason": "请补充现场照片"})
    report.refresh_from_db()
    assert report.state == ProgressReport.State.RETURNED

    login(world["liaison"])
    assert "请补充现场照片" in client.get("/my/tasks/").content.decode()
    assert "请补充现场照片" in client.get(f"/reports/{report.pk}/").content.decode()
    assert "请补充现场照片" in client.get("/notifications/").content.decode()
    client.post(f"/reports/{report.pk}/", {**report_post(version=report.version), "photos": [png()]})
    report.refresh_from_db()
    assert report.state == ProgressReport.State.SUBMITTED and report.photos.count() == 1


def test_notifications_are_counted_in_the_nav_and_marked_read_by_the_button(client, login, world):
    report = ProgressReportFactory(
        sub_item=world["own"], created_by=world["liaison"], state="submitted", submitted_at=timezone.now()
    )
    return_report(report, world["office"], "数据有误")
    login(world["liaison"])
    assert '<span class="badge bg-danger">1</span>' in client.get("/my/tasks/").content.decode()
    page = client.get("/notifications/").content.decode()
    assert "全部标为已读" in page
    # Reading the list changes nothing; the button does.
    assert '<span class="badge bg-danger">1</span>' in client.get("/my/tasks/").content.decode()
    client.post("/notifications/read/")
    assert '<span class="badge bg-danger">' not in client.get("/my/tasks/").content.decode()


def test_the_sub_item_page_shows_the_accepted_timeline_with_photos(client, login, world):
    report = accepted_report(world["own"], on=TODAY, progress="30")
    photo = ReportPhoto(report=report)
    photo.image.save("a.png", png(), save=True)
    login(world["deputy"])
    page = client.get(f"/subitems/{world['own'].pk}/").content.decode()
    assert "填报记录（已审核通过）" in page and f"/reports/photos/{photo.pk}/" in page
    assert client.get(f"/reports/photos/{photo.pk}/")["Content-Type"] == "image/png"


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_sub_item_page_query_count_does_not_grow_with_history(client, login, world):
    login(world["office"])
    accepted_report(world["own"], on=TODAY, progress="10")
    url = f"/subitems/{world['own'].pk}/"
    small = _count_queries(client, url)
    for progress in ("20", "30", "40"):
        report = accepted_report(world["own"], on=TODAY, progress=progress)
        ReportPhoto(report=report).image.save("p.png", png(), save=True)
    assert _count_queries(client, url) == small


def test_my_tasks_query_count_does_not_grow_with_sub_items(client, login, world):
    accepted_report(world["own"], on=TODAY, progress="20")
    ProgressReportFactory(sub_item=world["own"], created_by=world["liaison"])
    login(world["liaison"])
    small = _count_queries(client, "/my/tasks/")
    for _ in range(6):
        sub = SubItemFactory(item=world["own"].item)
        accepted_report(sub, on=TODAY, progress="20")
        ProgressReportFactory(sub_item=sub, created_by=world["liaison"])
    assert _count_queries(client, "/my/tasks/") == small


def test_review_queue_query_count_does_not_grow_with_reports(client, login, world):
    login(world["office"])
    ProgressReportFactory(sub_item=world["own"], state="submitted", submitted_at=timezone.now())
    small = _count_queries(client, "/reports/review/")
    for _ in range(6):
        sub = SubItemFactory(item=world["other"].item)
        accepted_report(sub, on=TODAY, progress="20")
        report = ProgressReportFactory(sub_item=sub, state="submitted", submitted_at=timezone.now())
        ReportPhoto(report=report).image.save("p.png", png(), save=True)
    assert _count_queries(client, "/reports/review/") == small


# Permissions: every view, every role.


def test_a_liaison_cannot_open_another_units_report_form_or_drafts(client, login, world):
    draft = ProgressReportFactory(sub_item=world["other"], created_by=world["other_liaison"])
    photo = ReportPhoto(report=draft)
    photo.image.save("d.png", png(), save=True)
    login(world["liaison"])
    assert client.get(f"/subitems/{world['other'].pk}/report/").status_code == 404
    assert client.post(f"/subitems/{world['other'].pk}/report/", report_post()).status_code == 404
    assert client.get(f"/reports/{draft.pk}/").status_code == 404
    assert client.post(f"/reports/{draft.pk}/", report_post(version=draft.version)).status_code == 404
    assert client.get(f"/reports/photos/{photo.pk}/").status_code == 404
    assert ProgressReport.objects.filter(sub_item=world["own"]).count() == 0


def test_a_tampered_sub_item_field_cannot_move_a_report_to_another_unit(client, login, world):
    login(world["liaison"])
    client.post(
        f"/subitems/{world['own'].pk}/report/",
        report_post(sub_item=world["other"].pk, created_by=world["other_liaison"].pk, state="accepted"),
    )
    report = ProgressReport.objects.get()
    assert report.sub_item == world["own"] and report.created_by == world["liaison"]
    assert report.state == ProgressReport.State.SUBMITTED


@pytest.mark.parametrize("who", ["office", "deputy", "leader"])
def test_only_liaisons_write_reports(client, login, world, who):
    draft = ProgressReportFactory(sub_item=world["own"], created_by=world["liaison"])
    login(world[who])
    assert client.get(f"/subitems/{world['own'].pk}/report/").status_code == 403
    assert client.post(f"/subitems/{world['own'].pk}/report/", report_post()).status_code == 403
    expected = 403 if who == "office" else 404  # deputies and leaders never see drafts
    assert client.post(f"/reports/{draft.pk}/", report_post(version=draft.version)).status_code == expected
    draft.refresh_from_db()
    assert draft.work_done == "" and draft.state == ProgressReport.State.DRAFT


@pytest.mark.parametrize("who", ["liaison", "deputy", "leader"])
def test_only_the_office_reviews(client, login, world, who):
    report = ProgressReportFactory(
        sub_item=world["own"], created_by=world["liaison"], state="submitted", submitted_at=timezone.now()
    )
    login(world[who])
    assert client.get("/reports/review/").status_code == 403
    assert client.post(f"/reports/{report.pk}/accept/", {"version": report.version}).status_code == 403
    assert (
        client.post(f"/reports/{report.pk}/return/", {"version": report.version, "reason": "x"}).status_code
        == 403
    )
    report.refresh_from_db()
    assert report.state == ProgressReport.State.SUBMITTED


@pytest.mark.parametrize("who", ["deputy", "leader"])
def test_deputies_and_leaders_read_accepted_reports_only(client, login, world, who):
    accepted = accepted_report(world["own"], on=TODAY, progress="30")
    pending = ProgressReportFactory(
        sub_item=world["own"], created_by=world["liaison"], state="submitted", submitted_at=timezone.now()
    )
    login(world[who])
    page = client.get(f"/reports/{accepted.pk}/")
    assert page.status_code == 200 and "审核通过" in page.content.decode()
    assert 'id="report-form"' not in page.content.decode()
    assert client.get(f"/reports/{pending.pk}/").status_code == 404


def test_an_accepted_report_is_shown_read_only_and_cannot_be_posted_over(client, login, world):
    accepted = accepted_report(world["own"], on=TODAY, progress="30")
    login(world["liaison"])
    page = client.get(f"/reports/{accepted.pk}/").content.decode()
    assert 'id="report-form"' not in page and "不能修改" in page
    response = client.post(
        f"/reports/{accepted.pk}/", report_post(version=accepted.version, progress_percent="31")
    )
    assert response.status_code == 409 and "已审核通过" in response.content.decode()
    assert ProgressReport.objects.get(pk=accepted.pk).progress_percent == Decimal("30")


def test_no_reports_on_draft_plans(client, login, world):
    world["plan"].status = Plan.Status.DRAFT
    world["plan"].save()
    login(world["liaison"])
    assert client.get(f"/subitems/{world['own'].pk}/report/").status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, world):
    for url in ("/my/tasks/", f"/subitems/{world['own'].pk}/report/", "/reports/review/", "/notifications/"):
        assert client.get(url).url.startswith("/accounts/login/")
