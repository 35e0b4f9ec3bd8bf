"""Shared fixtures. Tests that need PostgreSQL, Redis, Chromium or LibreOffice carry a marker;
outside CI they are skipped when the service is missing, and with CI=true they are required:
a missing service fails them instead of skipping."""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings

from projects.demo import DEMO_PASSWORD

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _redis_available() -> bool:
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis://"):
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def _missing(marker: str) -> str | None:
    if marker == "postgres" and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs DATABASE_URL pointing at PostgreSQL"
    if marker == "redis" and not _redis_available():
        return "needs CELERY_BROKER_URL pointing at a running Redis"
    if marker == "browser" and not os.path.exists(CHROMIUM):
        return f"needs Chromium at {CHROMIUM}"
    if marker == "libreoffice" and not (shutil.which("soffice") or shutil.which("libreoffice")):
        return "needs LibreOffice (soffice) on PATH"
    return None


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "browser", "libreoffice"):
        if item.get_closest_marker(marker) is None:
            continue
        reason = _missing(marker)
        if reason is None:
            continue
        if IN_CI:
            pytest.fail(f"required in CI: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: rolled-back tests reuse primary keys, so a plan
    of one test could otherwise be shown another test's cached dashboard."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Tasks run in-process, even when CI points CELERY_BROKER_URL at Redis; only tests marked
    `redis` talk to a real broker and worker."""
    from livelihood.celery import app

    if request.node.get_closest_marker("redis"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _clear_sub_items_before_flush() -> None:
    """Accepted reports may not be deleted while their sub-item exists (supervision migration
    0002). Django's flush between transactional tests deletes tables in an arbitrary order, so
    on SQLite the sub-items go first here, with foreign-key checks off; the flush then empties
    everything else. PostgreSQL flushes with TRUNCATE, which row triggers do not see."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with connection.constraint_checks_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM projects_subitem")


@pytest.fixture
def transactional_db(transactional_db):
    yield
    # Runs before pytest-django's own teardown of transactional_db, which flushes.
    _clear_sub_items_before_flush()


def _seed_demo() -> None:
    from django.core.management import call_command

    with open(os.devnull, "w") as devnull:
        call_command("seed_demo", stdout=devnull)


def pytest_configure(config):
    # Password hashing dominates seeding the demo's accounts; tests need no real strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db):
    """The demo county exactly as `manage.py seed_demo` builds it."""
    from projects.models import Plan

    _seed_demo()

    return {
        "plan_2023": Plan.objects.get(year=2023),
        "plan_now": Plan.objects.get(status=Plan.Status.PUBLISHED, level="区级"),
        "plan_2024": Plan.objects.get(year=2024),
        "plan_city": Plan.objects.get(level="市级"),
        "password": DEMO_PASSWORD,
    }


@pytest.fixture
def login(client):
    """Log the test client in as a user (by object or username)."""
    from projects.models import User

    def _login(user):
        if isinstance(user, str):
            user = User.objects.get(username=user)
        client.force_login(user)
        return user

    return _login
