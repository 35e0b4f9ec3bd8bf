"""The dashboard in Chromium, as a deputy sees it: headline figures, charts drawn, no errors."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from projects.models import Plan, User
from tests.browser import ARTIFACTS, launch


@pytest.mark.browser
def test_deputy_sees_the_demo_headline_and_drawn_charts(live_server, transactional_db):
    from playwright.sync_api import sync_playwright

    call_command("seed_demo", stdout=open(os.devnull, "w"))
    plan = Plan.objects.get(year=2023)
    session = Client()
    session.force_login(User.objects.get(username="deputy"))
    cookie = session.cookies[settings.SESSION_COOKIE_NAME].value

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        # The browser asks for /favicon.ico on its own; the site has none and that is not a page error.
        page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        # Nothing may come from outside the site (no CDN): any other host is refused.
        outside: list[str] = []

        def refuse_outside(route):
            outside.append(route.request.url)
            route.abort()

        page.route(lambda url: not url.startswith(live_server.url), refuse_outside)

        page.goto(f"{live_server.url}/plans/{plan.pk}/dashboard/")
        page.wait_for_load_state("networkidle")
        headline = page.inner_text("#headline")
        drawn = {
            chart: page.locator(f"#{chart} canvas, #{chart} svg").count()
            for chart in ("chart-lights", "chart-category", "chart-trend", "chart-funding")
        }
        page.screenshot(path=str(ARTIFACTS / "dashboard-deputy.png"), full_page=True)
        browser.close()

    assert "10件13项" in headline
    assert "6件8项" in headline
    assert "60%" in headline
    assert all(count > 0 for count in drawn.values()), drawn
    assert errors == []
    assert outside == []
    assert (ARTIFACTS / "dashboard-deputy.png").stat().st_size > 10_000
