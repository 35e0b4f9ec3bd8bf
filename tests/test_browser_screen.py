"""The meeting-room display in Chromium at 1920 × 1080: one screen without scrollbars, charts
drawn, panels rotating, and a refresh that swaps the figures in place — or, when it fails,
keeps the last figures and says so."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from projects.models import Plan, User
from tests.browser import ARTIFACTS, launch

# Elements that scroll, overflow the screen or stick out of it.
OVERFLOWING = """() => {
  const found = [];
  const width = window.innerWidth, height = window.innerHeight;
  for (const element of document.querySelectorAll("body *")) {
    const style = getComputedStyle(element);
    const scrolls = /(auto|scroll)/.test(style.overflowX + style.overflowY);
    if (scrolls && (element.scrollWidth > element.clientWidth || element.scrollHeight > element.clientHeight)) {
      found.push("scrolls: " + element.tagName + "#" + element.id + "." + element.className);
    }
    const box = element.getBoundingClientRect();
    if (style.visibility !== "hidden" && box.width && (box.right > width + 1 || box.bottom > height + 1)) {
      found.push("outside: " + element.tagName + "#" + element.id + "." + element.className);
    }
  }
  return found;
}"""


@pytest.mark.browser
def test_the_screen_fills_one_display_and_keeps_its_figures_when_a_refresh_fails(
    live_server, transactional_db
):
    from playwright.sync_api import sync_playwright

    call_command("seed_demo", stdout=open(os.devnull, "w"))
    plan = Plan.objects.get(year=2023)
    session = Client()
    session.force_login(User.objects.get(username="leader"))
    cookie = session.cookies[settings.SESSION_COOKIE_NAME].value

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        outside: list[str] = []

        def refuse_outside(route):
            outside.append(route.request.url)
            route.abort()

        page.route(lambda url: not url.startswith(live_server.url), refuse_outside)

        page.goto(f"{live_server.url}/plans/{plan.pk}/screen/?as_of=2023-10-25")
        page.wait_for_load_state("networkidle")
        size = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight,"
            " document.body.scrollWidth, document.body.scrollHeight]"
        )
        overflowing = page.evaluate(OVERFLOWING)
        drawn = {
            chart: page.locator(f"#{chart} canvas").count()
            for chart in ("chart-lights", "chart-category", "chart-trend")
        }
        units = page.locator("#table-units tbody tr").count()
        page.screenshot(path=str(ARTIFACTS / "screen-leader.png"))
        page.screenshot(path="/tmp/screen-leader.png")
        for panel in ("trend", "units", "photos"):
            page.evaluate("() => window.livelihoodScreen.rotate()")
            page.wait_for_timeout(900)
            page.screenshot(path=f"/tmp/screen-leader-{panel}.png")
        active = page.get_attribute(".screen-panel.is-active", "data-panel")

        # The page is never reloaded: a mark left on the window survives every refresh.
        page.evaluate("() => { window.notReloaded = true; }")
        headline = page.inner_text("#headline")
        page.route("**/screen.json*", lambda route: route.abort())
        failed = page.evaluate("() => window.livelihoodScreen.refresh()")
        after_failure = {
            "headline": page.inner_text("#headline"),
            "red": page.inner_text('[data-light="red"]'),
            "notice": page.is_visible("#screen-notice") and page.inner_text("#screen-notice"),
            "charts": page.locator("#chart-lights canvas").count(),
        }
        page.screenshot(path="/tmp/screen-refresh-failed.png")
        page.unroute("**/screen.json*")
        # A refresh that answers an error page keeps the figures too.
        page.route("**/screen.json*", lambda route: route.fulfill(status=500, body="oops"))
        failed_500 = page.evaluate("() => window.livelihoodScreen.refresh()")
        page.unroute("**/screen.json*")
        # Figures that changed in the meantime are swapped in place.
        page.route(
            "**/screen.json*",
            lambda route: route.fulfill(
                status=200,
                content_type="application/json",
                body=route.fetch().text().replace("完成率60%", "完成率61%", 1),
            ),
        )
        succeeded = page.evaluate("() => window.livelihoodScreen.refresh()")
        after_success = {
            "headline": page.inner_text("#headline"),
            "notice": page.is_visible("#screen-notice"),
            "not_reloaded": page.evaluate("() => window.notReloaded === true"),
        }
        browser.close()

    assert size[0] <= 1920 and size[1] <= 1080 and size[2] <= 1920 and size[3] <= 1080, size
    assert overflowing == []
    assert all(count > 0 for count in drawn.values()), drawn
    assert units >= 10
    assert active == "photos"
    assert "10件13项" in headline and "6件8项" in headline and "60%" in headline
    assert failed is False and failed_500 is False
    assert after_failure["headline"] == headline
    assert after_failure["red"] != ""
    assert after_failure["charts"] > 0
    assert "刷新失败" in after_failure["notice"]
    assert succeeded is True
    assert "完成率61%" in after_success["headline"]
    assert after_success["notice"] is False and after_success["not_reloaded"] is True
    assert errors == []
    assert outside == []
