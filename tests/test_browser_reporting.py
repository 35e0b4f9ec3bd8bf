"""The daily round trip in real Chromium: a liaison reports with a photo, the office accepts,
and the plan page shows the new progress."""

import io
from decimal import Decimal

import pytest
from PIL import Image

from supervision.models import ProgressReport
from tests.browser import ARTIFACTS, launch

from .factories import ItemFactory, PlanFactory, SubItemFactory, UnitFactory, liaison_user, office_user

PASSWORD = "pw-for-tests-123"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
def test_liaison_reports_with_a_photo_office_accepts_and_the_plan_shows_it(
    live_server, transactional_db, browser, tmp_path
):
    unit = UnitFactory(code="housing", name="区住建局", short_name="区住建局")
    plan = PlanFactory(title="浏览器测试清单")
    sub_item = SubItemFactory(
        item=ItemFactory(plan=plan, lead_unit=unit), content="改造老旧小区18个", target_value=18
    )
    liaison_user(unit, username="liaison-housing")
    office_user(username="office")
    photo = tmp_path / "site.png"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 140, 90)).save(buffer, format="PNG")
    photo.write_bytes(buffer.getvalue())

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = phone.new_page()
    log_in(page, live_server.url, "liaison-housing")
    assert page.url.endswith("/my/tasks/")
    assert "未填报" in page.inner_text("#my-tasks")
    page.click(f"[data-subitem='{sub_item.pk}'] a.btn")
    page.fill("#id_progress_percent", "55")
    page.fill("#id_actual_value", "10")
    page.fill("#id_work_done", "已完成10个小区的管网改造")
    page.set_input_files("#id_photos", str(photo))
    page.screenshot(path=str(ARTIFACTS / "report-form-phone.png"), full_page=True)
    page.click("button[value=submit]")
    page.wait_for_load_state("networkidle")
    assert "已提交督查室审核" in page.content()
    report = ProgressReport.objects.get(sub_item=sub_item)
    assert report.state == ProgressReport.State.SUBMITTED and report.photos.count() == 1
    phone.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = desk.new_page()
    log_in(page, live_server.url, "office")
    page.goto(f"{live_server.url}/reports/review/")
    page.click("#review-queue a.btn")
    page.wait_for_load_state("networkidle")
    assert page.locator("img.report-photo").count() == 1
    page.click("#review-actions button.btn-success")
    page.wait_for_load_state("networkidle")
    assert "已通过" in page.content()
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    page.screenshot(path=str(ARTIFACTS / "plan-after-accept.png"), full_page=True)
    assert "55%" in page.content()
    desk.close()

    sub_item.refresh_from_db()
    assert sub_item.progress_percent == Decimal("55") and sub_item.actual_value == Decimal("10")


@pytest.mark.browser
def test_a_photo_chosen_on_the_phone_survives_an_error_and_is_saved_with_its_caption(
    live_server, transactional_db, browser, tmp_path
):
    unit = UnitFactory(code="housing", name="区住建局", short_name="区住建局")
    plan = PlanFactory(title="浏览器测试清单")
    sub_item = SubItemFactory(item=ItemFactory(plan=plan, lead_unit=unit), content="改造老旧小区18个")
    liaison_user(unit, username="liaison-housing")
    photo = tmp_path / "site.jpg"
    Image.new("RGB", (64, 48), (40, 140, 90)).save(photo, format="JPEG")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = phone.new_page()
    log_in(page, live_server.url, "liaison-housing")
    page.goto(f"{live_server.url}/subitems/{sub_item.pk}/report/")
    page.set_input_files("#id_photos", str(photo))
    page.wait_for_selector("#photo-drafts .photo-draft")  # stored at once, before any submit
    page.fill("#id_progress_percent", "150")
    page.click("button[value=draft]")
    page.wait_for_load_state("networkidle")
    assert "累计进度须在0–100之间" in page.content()
    assert page.locator("#photo-drafts .photo-draft").count() == 1
    page.fill("#photo-drafts input[name^=draft_caption_]", "3号楼外墙")
    page.fill("#id_progress_percent", "20")
    page.click("button[value=draft]")
    page.wait_for_load_state("networkidle")
    assert "草稿已保存" in page.content()
    report = ProgressReport.objects.get(sub_item=sub_item)
    assert list(report.photos.values_list("caption", flat=True)) == ["3号楼外墙"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()
