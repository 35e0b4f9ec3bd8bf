"""Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright, started
so that it makes no network calls of its own (the machine, like a government intranet, has
none), and a folder for the screenshots the tests leave behind."""

from __future__ import annotations

import os
from pathlib import Path

# Playwright's sync API runs an event loop in the test's thread; the ORM calls the tests make
# around it are still plain synchronous calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch(playwright):
    """A headless Chromium; the caller closes it."""
    ARTIFACTS.mkdir(exist_ok=True)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
