"""Large exports are built by a worker as an ExportJob: the GET offers to build it and writes
nothing, the POST queues it (run at once with eager Celery), the job page and its status JSON
show progress, and only the user who asked (or the office) sees and downloads the file, which
holds exactly what the direct download holds."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core import dates
from projects.models import SubItem, Unit
from supervision.documents import briefing
from supervision.ledger.services import accept_report
from supervision.models import ExportJob, ProgressReport
from supervision.tasks import remove_old_exports, run_export
from tests.factories import ProgressReportFactory, leader_user, liaison_user, office_user
from tests.test_briefing import build_plan

pytestmark = pytest.mark.django_db


def cells(content: bytes) -> list[tuple[str, list[tuple]]]:
    book = load_workbook(BytesIO(content))
    return [(ws.title, list(ws.iter_rows(values_only=True))) for ws in book.worksheets]


def downloaded(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def plan():
    return build_plan(items=2, subs_per_item=2)


def test_a_large_export_offers_a_job_and_its_get_writes_nothing(client, login, settings, plan):
    settings.EXPORT_INLINE_MAX_ROWS = 3
    login(leader_user())
    response = client.get(reverse("plan_briefing_xlsx", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "生成导出文件" in response.content.decode()
    assert 'method="post"' in response.content.decode()
    assert not ExportJob.objects.exists()


def test_a_small_export_still_downloads_at_once(client, login, settings, plan):
    settings.EXPORT_INLINE_MAX_ROWS = 4
    login(leader_user())
    response = client.get(reverse("plan_briefing_xlsx", args=[plan.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize(
    ("url_name", "with_plan", "query"),
    [
        ("plan_briefing_xlsx", True, {}),
        ("plan_export_xlsx", True, {"light": "red"}),
        ("plan_lagging_xlsx", True, {}),
        ("rectifications_export_xlsx", False, {}),
    ],
)
def test_the_job_builds_the_same_file_as_the_direct_download(
    client, login, settings, plan, url_name, with_plan, query
):
    login(office_user())
    url = reverse(url_name, args=[plan.pk] if with_plan else [])
    past = (dates.today() - dt.timedelta(days=3)).isoformat()
    query = {**query, "as_of": past}
    direct = client.get(url, query)
    assert direct["Content-Type"].startswith("application/vnd.openxmlformats")

    settings.EXPORT_INLINE_MAX_ROWS = -1
    response = client.post(f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}")
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("export_job", args=[job.pk])
    assert job.state == ExportJob.State.DONE
    assert job.params["as_of"] == past
    assert job.file.name.startswith("exports/")

    status = client.get(reverse("export_job_status", args=[job.pk])).json()
    assert status["state"] == "done"
    assert status["percent"] == 100
    assert status["download_url"] == reverse("export_job_download", args=[job.pk])

    page = client.get(reverse("export_job", args=[job.pk])).content.decode()
    assert "100%" in page
    assert reverse("export_job_download", args=[job.pk]) in page

    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in download["Content-Disposition"]
    assert cells(downloaded(download)) == cells(direct.content)


def test_a_liaisons_job_keeps_their_scope_and_filters(client, login, settings, plan):
    telecom = Unit.objects.get(code="telecom-t")
    login(liaison_user(telecom))
    settings.EXPORT_INLINE_MAX_ROWS = 0
    url = reverse("plan_export_xlsx", args=[plan.pk])
    assert "生成导出文件" in client.get(url).content.decode()
    client.post(url)
    job = ExportJob.objects.get()
    rows = cells(downloaded(client.get(reverse("export_job_download", args=[job.pk]))))[0][1][3:]
    assert [r[3] for r in rows if any(v is not None for v in r)] == ["建成5G基站120个以上"]


def test_only_the_user_who_asked_or_the_office_sees_the_job(client, login, settings, plan):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    owner = login(leader_user(username="asker"))
    client.post(reverse("plan_briefing_xlsx", args=[plan.pk]))
    job = ExportJob.objects.get(user=owner)
    urls = [
        reverse("export_job", args=[job.pk]),
        reverse("export_job_status", args=[job.pk]),
        reverse("export_job_download", args=[job.pk]),
    ]
    login(leader_user(username="someone-else"))
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    login(office_user())
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]


def test_a_failing_build_marks_the_job_failed_with_a_chinese_message(
    client, login, settings, plan, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(briefing, "write_briefing_in_batches", broken)
    settings.EXPORT_INLINE_MAX_ROWS = 0
    login(leader_user())
    client.post(reverse("plan_briefing_xlsx", args=[plan.pk]))
    job = ExportJob.objects.get()
    assert job.state == ExportJob.State.FAILED
    assert job.error.startswith("生成导出文件时出错")
    assert not job.file
    assert "disk full" in caplog.text  # logged for the office, never shown to the user
    status = client.get(reverse("export_job_status", args=[job.pk])).json()
    assert status["state"] == "failed" and status["error"] == job.error and not status["download_url"]
    page = client.get(reverse("export_job", args=[job.pk])).content.decode()
    assert job.error in page and "disk full" not in page and "Traceback" not in page
    assert client.get(reverse("export_job_download", args=[job.pk])).status_code == 302


def test_a_user_who_lost_the_right_to_export_gets_a_failed_job(client, login, settings, plan):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    user = login(leader_user())
    job = ExportJob.objects.create(
        user=user, kind="briefing", params={"plan_id": plan.pk + 1000, "as_of": "2030-01-01", "filters": {}}
    )
    run_export.delay(job.pk)
    job.refresh_from_db()
    assert job.state == ExportJob.State.FAILED
    assert "无权" in job.error


def test_the_cleanup_task_removes_old_jobs_and_their_files(client, login, settings, plan):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    settings.EXPORT_JOB_MAX_AGE_DAYS = 7
    login(leader_user())
    url = reverse("plan_briefing_xlsx", args=[plan.pk])
    client.post(url)
    client.post(url)
    old, recent = ExportJob.objects.order_by("pk")
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    old_path, recent_path = old.file.path, recent.file.path
    assert remove_old_exports.delay().get() == 1
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not os.path.exists(old_path)
    assert os.path.exists(recent_path)


def test_the_cleanup_runs_daily():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "supervision.tasks.remove_old_exports" in tasks


@pytest.mark.parametrize("query", [{}, {"light": "red"}])
def test_the_plan_table_read_a_few_items_at_a_time_is_the_whole_tables(client, login, monkeypatch, query):
    from supervision.documents import exports
    from supervision.reading.filters import PlanTableFilter
    from supervision.reading.progress import plan_progress

    plan = build_plan(items=3, subs_per_item=2)
    monkeypatch.setattr(exports, "ITEMS_PER_READ", 2)
    login(office_user())
    batched = client.get(reverse("plan_export_xlsx", args=[plan.pk]), query).content
    progress = plan_progress(plan)
    whole = briefing.plan_table_workbook(progress, PlanTableFilter(query, plan=plan).filter_states(progress))
    assert cells(batched) == cells(whole)


def test_the_briefing_read_a_few_items_at_a_time_is_the_whole_briefing(client, login, monkeypatch):
    from supervision.documents import exports
    from supervision.reading.progress import plan_progress

    plan = build_plan(items=3, subs_per_item=2)
    red = SubItem.objects.get(item__plan=plan, item__number=3, number=2)
    report = ProgressReportFactory(
        sub_item=red,
        period_start=(dates.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1),
        progress_percent=Decimal("1"),
        state=ProgressReport.State.SUBMITTED,
        submitted_at=timezone.now(),
        problems="征地拆迁受阻",
        next_steps="协调推进",
    )
    accept_report(report, office_user(username="reviewer-2"), on=dates.today())
    monkeypatch.setattr(exports, "ITEMS_PER_READ", 2)
    login(office_user())
    batched = client.get(reverse("plan_briefing_xlsx", args=[plan.pk])).content
    whole = briefing.build_briefing(plan_progress(plan))
    assert cells(batched) == cells(whole)
    sheets = dict(cells(batched))
    assert list(sheets) == ["总体情况", "进展明细", "滞后项目", "资金情况"]
    # 存在问题 and 下步计划 of a red sub-item, read again by report id after the batches
    texts = {tuple(v for v in row if v not in (None, "")) for row in sheets["滞后项目"][3:]}
    assert ("情况说明", "存在问题（滞后原因）：征地拆迁受阻\n下步计划：协调推进") in texts


def test_the_lagging_list_read_a_few_items_at_a_time_is_the_whole_list(client, login, monkeypatch):
    from supervision.documents import exports
    from supervision.reading.progress import plan_progress

    plan = build_plan(items=3, subs_per_item=2)
    monkeypatch.setattr(exports, "ITEMS_PER_READ", 1)
    login(office_user())
    batched = client.get(reverse("plan_lagging_xlsx", args=[plan.pk])).content
    progress = plan_progress(plan)
    whole = briefing.lagging_workbook(briefing.lagging_states(progress), plan=plan, as_of=progress.as_of)
    assert cells(batched) == cells(whole)
    assert len(cells(batched)[0][1]) > 6


def test_a_workbook_reports_its_rows_as_it_writes_them():
    from core.xlsx import Book, Column, RowProgress

    reports = []
    book = Book(progress=RowProgress(lambda done, total: reports.append((done, total)), every=0))
    book.expect_rows(3)
    book.sheet("表").write_table([Column("甲", 10)], [["a"], ["b"], ["c"]], title="标题")
    assert cells(book.close())[0][1][2:] == [("a",), ("b",), ("c",)]
    assert reports[0] == (0, 3)
    assert (1, 3) in reports and (2, 3) in reports
    assert reports[-1] == (3, 3)
