"""What the report form accepts, refuses and warns about, in the words a liaison reads."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict
from PIL import Image

from core import dates
from supervision.ledger.forms import ProgressReportForm
from supervision.models import ProgressReport
from supervision.photos.uploads import check_photo

from .factories import SubItemFactory, accepted_report

pytestmark = pytest.mark.django_db


def image_file(name: str, image_format: str, size=(8, 8)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def form_for(sub_item, data=None, files=None, last=None) -> ProgressReportForm:
    values = {"progress_percent": "40", "actual_value": "40", "work_done": "完成主体"}
    values.update(data or {})
    return ProgressReportForm(
        values,
        MultiValueDict({"photos": files}) if files else None,
        sub_item=sub_item,
        last_accepted=last,
        sources=[],
        instance=ProgressReport(sub_item=sub_item, period_start=dates.today().replace(day=1)),
    )


@pytest.fixture
def sub_item():
    return SubItemFactory(target_value=Decimal("120"), target_unit="个")


@pytest.mark.parametrize("value", ["-1", "100.5", "150"])
def test_progress_outside_zero_to_hundred_is_refused(sub_item, value):
    form = form_for(sub_item, {"progress_percent": value})
    assert not form.is_valid()
    assert form.errors["progress_percent"] == ["累计进度须在0–100之间"]


def test_negative_quantities_and_money_are_refused(sub_item):
    form = form_for(sub_item, {"actual_value": "-3", "funds_allocated": "-1", "funds_paid": "-2"})
    assert not form.is_valid()
    assert form.errors["actual_value"] == ["完成量不能为负数"]
    assert form.errors["funds_allocated"] == ["到位资金不能为负数"]
    assert form.errors["funds_paid"] == ["支付资金不能为负数"]


def test_paying_more_than_allocated_is_a_warning_not_an_error(sub_item):
    form = form_for(sub_item, {"funds_allocated": "100", "funds_paid": "120"})
    assert form.is_valid(), form.errors
    assert form.warnings == ["累计支付资金（120万元）大于到位资金（100万元），请核实。"]


def test_progress_below_the_last_accepted_report_needs_an_explanation(sub_item):
    last = accepted_report(sub_item, on=dates.today(), progress="60", actual="70")
    form = form_for(sub_item, {"progress_percent": "55", "actual_value": "70"}, last=last)
    assert not form.is_valid()
    assert form.errors["regression_explanation"] == ["累计进度低于上次审核通过的60%，请说明原因"]

    explained = form_for(
        sub_item,
        {"progress_percent": "55", "actual_value": "70", "regression_explanation": "核减重复统计"},
        last=last,
    )
    assert explained.is_valid(), explained.errors


def test_an_actual_quantity_below_the_last_accepted_needs_an_explanation(sub_item):
    last = accepted_report(sub_item, on=dates.today(), progress="60", actual="70")
    form = form_for(sub_item, {"progress_percent": "60", "actual_value": "65"}, last=last)
    assert not form.is_valid()
    assert form.errors["regression_explanation"] == ["累计完成量低于上次审核通过的70，请说明原因"]


def test_complete_needs_the_numeric_target_reached(sub_item):
    form = form_for(sub_item, {"progress_percent": "100", "actual_value": "110", "marks_complete": "on"})
    assert not form.is_valid()
    assert form.errors["marks_complete"] == ["勾选“已全面完成”时，累计完成量须达到目标值120个"]

    reached = form_for(sub_item, {"progress_percent": "97", "actual_value": "130", "marks_complete": "on"})
    assert reached.is_valid(), reached.errors
    assert reached.report_data()["progress_percent"] == Decimal("100")


def test_complete_without_a_numeric_target_needs_hundred_percent():
    sub_item = SubItemFactory(target_value=None, target_unit="")
    form = form_for(sub_item, {"progress_percent": "95", "actual_value": "", "marks_complete": "on"})
    assert not form.is_valid()
    assert form.errors["marks_complete"] == ["勾选“已全面完成”时，累计进度须为100%"]
    assert form_for(
        sub_item, {"progress_percent": "100", "actual_value": "", "marks_complete": "on"}
    ).is_valid()


@pytest.mark.parametrize(("image_format", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_jpeg_png_and_webp_photos_are_accepted_by_their_content(sub_item, image_format, extension):
    form = form_for(sub_item, files=[image_file("现场.jpg", image_format)])
    assert form.is_valid(), form.errors
    assert [check_photo(upload) for upload in form.cleaned_data["photos"]] == [extension]


def test_a_file_that_is_not_a_picture_is_refused_whatever_its_name(sub_item):
    fake = SimpleUploadedFile("现场.jpg", b"MZ\x90\x00 this is a program", content_type="image/jpeg")
    form = form_for(sub_item, files=[fake])
    assert not form.is_valid()
    assert form.errors["photos"] == ["“现场.jpg”不是有效的图片文件，只能上传 JPEG、PNG 或 WebP 格式的照片"]


def test_other_picture_formats_are_refused(sub_item):
    form = form_for(sub_item, files=[image_file("动图.png", "GIF")])
    assert not form.is_valid()
    assert form.errors["photos"] == ["“动图.png”是 GIF 格式，只能上传 JPEG、PNG 或 WebP 格式的照片"]


def test_photos_over_the_size_limit_are_refused(sub_item, settings):
    settings.MAX_PHOTO_BYTES = 1024
    big = image_file("大图.png", "PNG", size=(300, 300))
    big_noise = SimpleUploadedFile("大图.png", big.read() + b"\0" * 2048)
    form = form_for(sub_item, files=[big_noise])
    assert not form.is_valid()
    assert "每张照片不能超过" in form.errors["photos"][0]
