"""The list import stays bounded (a file that expands to millions of cells is refused at once,
no upload is left behind) and faithful (the government's text, units and targets are kept)."""

from __future__ import annotations

import os
import re
import time
import zipfile
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from projects.models import Plan, SubItem
from projects.services import plan_import
from projects.services.plan_import import ImportFileError
from projects.tasks import remove_abandoned_import_files
from tests.factories import UnitFactory, office_user

pytestmark = pytest.mark.django_db

HEADER = ["序号", "项目名称", "目标任务", "责任单位"]


def xlsx_bytes(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "附件"
    for row in rows:
        ws.append(row)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def rewritten(data: bytes, member: str, change) -> bytes:
    """The same .xlsx with one part's text changed."""
    source = zipfile.ZipFile(BytesIO(data))
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == member:
                content = change(content.decode()).encode()
            target.writestr(info, content)
    return buffer.getvalue()


def upload(client, data: bytes, **fields):
    file = SimpleUploadedFile("清单.xlsx", data)
    return client.post(reverse("plan_import"), {"file": file, "year": 2024, "region": "测试县", **fields})


def waiting_uploads() -> list[Path]:
    return sorted((Path(settings.MEDIA_ROOT) / "imports").glob("*"))


@pytest.fixture
def units():
    return {
        "edu": UnitFactory(name="测试县教育局", short_name="县教育局", code="edu-t"),
        "housing": UnitFactory(name="测试县住房和城乡建设局", short_name="县住建局", code="housing-t"),
        "finance": UnitFactory(name="测试县财政局", short_name="县财政局", code="finance-t"),
        "transport": UnitFactory(name="测试县交通运输局", short_name="县交通局", code="transport-t"),
    }


def test_a_sheet_declaring_millions_of_cells_is_refused_within_seconds_and_leaves_no_file(
    client, login, units
):
    small = xlsx_bytes([HEADER, [1, "项目甲", "任务甲", "县教育局"]])
    bomb = rewritten(
        small,
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:ZZ1000000"', xml),
    )
    login(office_user())
    started = time.monotonic()
    response = upload(client, bomb)
    assert time.monotonic() - started < 5
    page = response.content.decode()
    assert "工作表“附件”的范围（1000000行×702列）超出导入上限" in page
    assert waiting_uploads() == []
    assert not Plan.objects.exists()


def test_a_small_file_that_unpacks_past_the_bound_is_refused_before_reading(units):
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in zipfile.ZipFile(
            BytesIO(xlsx_bytes([HEADER, [1, "项目甲", "任务甲", "县教育局"]]))
        ).infolist():
            archive.writestr(info, zipfile.ZipFile(BytesIO(xlsx_bytes([HEADER]))).read(info.filename))
        with archive.open("xl/media/padding.bin", "w") as padding:
            for _ in range(60):
                padding.write(bytes(1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    started = time.monotonic()
    with pytest.raises(ImportFileError, match="文件解压后内容过大"):
        plan_import.parse_file(buffer.getvalue(), year=2024)
    assert time.monotonic() - started < 5


def test_a_sheet_over_the_row_limit_is_refused_with_a_chinese_message(units):
    rows = [HEADER] + [[n, f"项目{n}", f"任务{n}", "县教育局"] for n in range(1, 5002)]
    parsed = plan_import.parse_file(xlsx_bytes(rows), year=2024)
    assert [str(p) for p in parsed.problems] == [
        "整体：工作表“附件”超过5000行数据，超出导入上限，请拆分后分批导入。"
    ]
    assert parsed.items == []
    far_below = rows[:11] + [[None] * 4] * 5000 + [[9999, "项目", "任务", "县教育局"]]
    with pytest.raises(ImportFileError, match="工作表“附件”超过5000行数据，超出导入上限"):
        plan_import.parse_file(xlsx_bytes(far_below), year=2024)


def test_a_preview_with_problems_leaves_no_uploaded_file(client, login, units):
    login(office_user())
    data = xlsx_bytes([HEADER + ["目标值"], [1, "项目甲", "任务甲", "县教育局", "很多"]])
    response = upload(client, data)
    assert "第2行E列：目标值“很多”不是数字" in response.content.decode()
    assert "确认导入" not in response.content.decode()
    assert waiting_uploads() == []

    accepted = upload(client, xlsx_bytes([HEADER, [1, "项目甲", "任务甲", "县教育局"]]))
    assert "确认导入" in accepted.content.decode()
    assert len(waiting_uploads()) == 1


def test_the_cleanup_task_removes_abandoned_uploads_and_keeps_fresh_ones():
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True)
    abandoned, fresh = folder / "abandoned.xlsx", folder / "fresh.xlsx"
    abandoned.write_bytes(b"PK")
    fresh.write_bytes(b"PK")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(abandoned, (two_days_ago, two_days_ago))

    assert remove_abandoned_import_files.delay().get() == 1
    assert waiting_uploads() == [fresh]
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "projects.tasks.remove_abandoned_import_files" in scheduled


def test_full_width_punctuation_in_the_list_is_kept_exactly(units):
    content = "新建幼儿园3所，新增学位1500个；改扩建（含维修）校舍：2处"
    data = xlsx_bytes([HEADER, [1, "学前教育“扩容”工程", content, "县教育局"]])
    parsed = plan_import.parse_file(data, year=2024)
    plan = plan_import.save_plan(parsed, year=2024, title="原文清单", region="测试县")
    sub = SubItem.objects.get(item__plan=plan)
    assert sub.content == content
    assert sub.item.title == "学前教育“扩容”工程"


def test_a_responsible_cell_naming_several_units_makes_the_first_responsible_and_the_rest_cooperate(
    units,
):
    data = xlsx_bytes([HEADER, [1, "城镇老旧小区改造", "改造老旧小区12个", "县住建局、县财政局\n县交通局"]])
    parsed = plan_import.parse_file(data, year=2024)
    assert parsed.unknown_units == {}
    plan = plan_import.save_plan(parsed, year=2024, title="多单位清单", region="测试县")
    sub = SubItem.objects.get(item__plan=plan)
    assert sub.responsible_unit == units["housing"]
    assert set(sub.cooperating_units.all()) == {units["finance"], units["transport"]}
    assert sub.item.lead_unit == units["housing"]


def test_a_target_written_in_the_text_is_proposed_in_the_preview_and_saved_on_confirmation(
    client, login, units
):
    login(office_user())
    data = xlsx_bytes(
        [
            HEADER + ["目标值"],
            [1, "信息基础设施", "建成5G基站120个以上", "县住建局", None],
            [2, "农村公路", "新建改造农村公路35公里", "县交通局", None],
            [3, "教育", "新增学位1500个", "县教育局", 1600],
        ]
    )
    response = upload(client, data)
    page = response.content.decode()
    assert "2 个子项的目标值是从“目标任务”文字中识别的" in page
    assert page.count("据目标任务识别，请核对") == 2
    fields = {
        "token": response.context["form"].initial["token"],
        "year": 2024,
        "region": "测试县",
        "title": "目标清单",
    }
    client.post(reverse("plan_import_confirm"), fields)

    targets = {
        s.content: (s.target_value, s.target_unit, s.target_at_least)
        for s in SubItem.objects.filter(item__plan__title="目标清单")
    }
    assert targets == {
        "建成5G基站120个以上": (Decimal("120.00"), "个", True),
        "新建改造农村公路35公里": (Decimal("35.00"), "公里", False),
        "新增学位1500个": (Decimal("1600.00"), "", False),
    }


def test_with_a_remote_media_storage_the_upload_waits_in_it_for_any_replica_to_confirm(
    client, login, units, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    login(office_user())
    preview = upload(client, xlsx_bytes([HEADER, [1, "项目甲", "任务甲", "县教育局"]]), title="远程存储清单")
    token = preview.context["form"].initial["token"]
    assert default_storage.exists(f"imports/{token}.xlsx")
    assert waiting_uploads() == []  # nothing on this machine's disk

    done = client.post(
        reverse("plan_import_confirm"),
        {"token": token, "year": 2024, "region": "测试县", "title": "远程存储清单"},
    )

    assert done.status_code == 302 and Plan.objects.filter(title="远程存储清单").exists()
    assert not default_storage.exists(f"imports/{token}.xlsx")
    again = client.post(
        reverse("plan_import_confirm"),
        {"token": token, "year": 2024, "region": "测试县", "title": "远程存储清单"},
    )
    assert again.status_code == 302 and Plan.objects.filter(title="远程存储清单").count() == 1


def test_the_cleanup_task_removes_abandoned_uploads_from_a_remote_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    default_storage.save("imports/abandoned.xlsx", ContentFile(b"PK"))
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        default_storage.save("imports/fresh.xlsx", ContentFile(b"PK"))
        assert remove_abandoned_import_files.delay().get() == 1
    assert default_storage.listdir("imports")[1] == ["fresh.xlsx"]
