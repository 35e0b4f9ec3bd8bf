"""The progress notice and the photo timeline on a 390 px phone in real Chromium: nothing
scrolls sideways, and a resident sends an objection from the notice page."""

import datetime as dt

import pytest
from captcha.models import CaptchaStore

from supervision.models import NoticeObjection
from supervision.notices import services as service
from tests.browser import ARTIFACTS, launch

from .factories import ItemFactory, PlanFactory, SubItemFactory, UnitFactory, accepted_report, office_user

PASSWORD = "pw-for-tests-123"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def overflowing(page) -> list[str]:
    """Elements wider than the viewport or scrolling sideways inside themselves."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const found = [];
          for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.width === 0) continue;
            if (box.right > width + 1 || el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') {
              found.push(el.tagName + (el.id ? '#' + el.id : '') + '.' + el.className);
            }
          }
          return found;
        }"""
    )


@pytest.mark.browser
def test_a_resident_reads_a_notice_and_objects_on_a_phone(live_server, transactional_db, browser):
    plan = PlanFactory(year=2025, title="2025年区级十件民生实事（浏览器测试）")
    unit = UnitFactory(code="water", name="区水利局")
    sub = SubItemFactory(item=ItemFactory(plan=plan, lead_unit=unit, title="农村饮水安全巩固提升工程"))
    accepted_report(sub, on=dt.date(2025, 6, 30), period_start=dt.date(2025, 6, 1), progress="10")
    notice = service.issue_notice(plan, office_user(username="office"), as_of=dt.date(2025, 7, 1))

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = phone.new_page()
    for path in (f"/public/plans/{plan.pk}/", f"/public/plans/{plan.pk}/notices/"):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    page.goto(f"{live_server.url}/public/plans/{plan.pk}/notices/{notice.pk}/")
    assert "推进缓慢的有1项，占100%" in page.inner_text("#notice-classes")
    assert overflowing(page) == []
    assert page.locator("#share-qr").evaluate("img => img.naturalWidth") > 0  # drawn by our server
    page.screenshot(path=str(ARTIFACTS / "notice-phone.png"), full_page=True)

    page.fill("#id_text", "我们村的饮水工程还没开工")
    page.fill("#id_contact", "13800001111")
    key = page.locator("input[name=captcha_0]").input_value()
    page.fill("#id_captcha_1", CaptchaStore.objects.get(hashkey=key).response)
    page.click("#objection button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "您的意见已收到" in page.content()
    assert NoticeObjection.objects.get().contact == "13800001111"
    phone.close()
