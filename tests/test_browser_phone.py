"""The pages people open on a phone, at 390 × 844, for each demo role: nothing scrolls
sideways (neither the page nor any box in it), nothing sticks out past the right edge, every
tap target is at least 44 px high, and the charts fit the screen."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from projects.models import Plan, SubItem, User
from tests.browser import ARTIFACTS, launch

WIDTH, HEIGHT = 390, 844
SCREENSHOTS = os.environ.get("PHONE_SCREENSHOTS", "/tmp")

# Every element of the page, checked. Tap targets are links, buttons and form fields; a
# checkbox or radio counts with its label (the row a thumb hits). Exempt, and only these: a
# link that is a few words inside a sentence (its line is the target, as on every site), and
# the fields the browser draws for hidden inputs.
CHECK = """(minimum) => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const name = (el) => {
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 30);
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "") +
      (text ? " “" + text + "”" : "");
  };
  if (document.documentElement.scrollWidth > width) {
    problems.push("page is " + document.documentElement.scrollWidth + " px wide");
  }
  const inSentence = (el) => {
    if (getComputedStyle(el).display !== "inline") return false;
    const parent = el.parentElement;
    const own = Array.from(parent.childNodes)
      .filter((node) => node.nodeType === Node.TEXT_NODE)
      .map((node) => node.textContent.trim())
      .join("");
    return own.length >= 4 && parent.closest("p, li, td, dd, div.small, span.small, small");
  };
  for (const el of document.querySelectorAll("body *")) {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (!box.width && !box.height) continue;
    if (style.visibility === "hidden") continue;
    if (/(auto|scroll)/.test(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
      problems.push("scrolls sideways: " + name(el) + " " + el.scrollWidth + ">" + el.clientWidth);
    }
    if (box.right > width + 1) {
      problems.push("past the right edge: " + name(el) + " right=" + Math.round(box.right));
    }
    if (!el.matches("a[href], button, input:not([type=hidden]), select, textarea")) continue;
    if (el.closest("[aria-hidden=true]")) continue;
    let target = box;
    if (el.matches("input[type=checkbox], input[type=radio]")) {
      const holder = el.closest("label, .form-check, td, li") || el;
      target = holder.getBoundingClientRect();
    }
    if (target.height < minimum - 0.5 && !(el.tagName === "A" && inSentence(el))) {
      problems.push("tap target " + Math.round(target.height) + " px high: " + name(el));
    }
  }
  return problems;
}"""


def _session(username: str | None) -> str | None:
    if username is None:
        return None
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _pages() -> dict[str | None, list[str]]:
    """The pages each demo role opens on a phone (None: the public, signed out)."""
    old = Plan.objects.get(year=2023)
    now = Plan.objects.get(status=Plan.Status.PUBLISHED, level="区级", region__code="990102")
    liaison = "liaison-housing"
    unit_sub = SubItem.objects.filter(item__plan=now, responsible_unit__code="housing").first()
    item = now.items.order_by("number").first()
    internal = [
        "/plans/",
        f"/plans/{now.pk}/",
        f"/plans/{old.pk}/",
        f"/plans/{now.pk}/dashboard/",
        f"/plans/{old.pk}/dashboard/",
        f"/items/{item.pk}/",
        f"/subitems/{item.sub_items.order_by('number').first().pk}/",
    ]
    return {
        None: ["/public/", f"/public/plans/{now.pk}/", f"/public/plans/{old.pk}/"],
        "office": [*internal, f"/visits/new/?plan={now.pk}"],
        "deputy": [*internal, f"/visits/new/?plan={now.pk}"],
        "leader": internal,
        "leader-chen": [f"/plans/{now.pk}/dashboard/"],
        liaison: [
            "/my/tasks/",
            "/plans/",
            f"/plans/{now.pk}/",
            f"/items/{unit_sub.item_id}/",
            f"/subitems/{unit_sub.pk}/",
            f"/subitems/{unit_sub.pk}/report/",
        ],
    }


@pytest.mark.browser
def test_every_page_fits_a_phone_for_every_role(live_server, transactional_db):
    from playwright.sync_api import sync_playwright

    call_command("seed_demo", stdout=open(os.devnull, "w"))
    pages = _pages()
    problems: dict[str, list[str]] = {}
    charts: dict[str, list[float]] = {}
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for username, paths in pages.items():
            context = browser.new_context(
                viewport={"width": WIDTH, "height": HEIGHT},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                locale="zh-CN",
            )
            cookie = _session(username)
            if cookie:
                context.add_cookies(
                    [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
                )
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
            for path in paths:
                response = page.goto(live_server.url + path)
                assert response.status == 200, (username, path, response.status)
                page.wait_for_load_state("networkidle")
                where = f"{username or 'public'} {path}"
                found = page.evaluate(CHECK, 44)
                if found:
                    problems[where] = found
                widths = page.evaluate(
                    "() => Array.from(document.querySelectorAll('.chart canvas'))"
                    ".map((c) => c.getBoundingClientRect().right)"
                )
                if widths:
                    charts[where] = widths
                slug = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "") or "home"
                shot = f"phone-{username or 'public'}-{slug}.png"
                page.screenshot(path=os.path.join(SCREENSHOTS, shot), full_page=True)
            context.close()
        browser.close()

    report = "\n".join(f"{where}:\n  " + "\n  ".join(found) for where, found in problems.items())
    with open(os.path.join(SCREENSHOTS, "phone-problems.txt"), "w") as out:
        out.write(report)
    assert problems == {}, "\n".join(
        f"{where}:\n  " + "\n  ".join(found[:15]) for where, found in problems.items()
    )
    assert charts and all(right <= WIDTH for widths in charts.values() for right in widths), charts
    assert errors == []
    assert ARTIFACTS.exists()
