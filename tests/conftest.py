"""Shared fixtures. Tests that need PostgreSQL, Redis, Chromium or LibreOffice carry a marker;
outside CI they are skipped when the service is missing, and with CI=true they are required:
a missing service fails them instead of skipping."""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
import time_machine
from django.conf import settings

from projects.demo import DEMO_PASSWORD
from tests import clock

_clock_key = pytest.StashKey[time_machine.travel]()

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


# --- the demo county, seeded once -----------------------------------------------------------
# Seeding the demo takes seconds and some 300 tests read it. It is seeded once, outside any
# test's transaction, when the first test that asks for it starts; each test then changes it
# only inside its own transaction, which is rolled back. So that the other tests never see it,
# the tests that ask for the demo run after the other database tests of their kind (pytest-django
# then runs the transactional ones, which flush the database after each test), and the demo is
# flushed away before the first test after them that uses the database without it.
#
# With pytest-xdist (``make test`` runs the suite on every core) each worker has its own test
# database and so its own demo, seeded the same way. The scheduler (``--dist load``) hands
# each worker its tests in collection order, so every worker sees the same sequence as a
# serial run (without the demo, with it, transactional, no database) and seeds its demo once,
# again only after a transactional test flushed it. The summary line "demo county: seeded …"
# counts the seeds and flushes of every worker. (``--dist loadscope`` and ``loadgroup`` would
# reorder the tests and, keyed by test id, run only one of the API fuzz tests that share an id.)
_demo_seeded_state = {"seeded": False, "seeds": 0, "flushes": 0}
_demo_counts_key = pytest.StashKey[dict]()


def _uses_demo(item) -> bool:
    return "demo" in getattr(item, "fixturenames", ())


def _uses_database(item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(
        names & {"db", "transactional_db", "live_server", "django_db_reset_sequences"}
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        if _uses_demo(item) and item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db)
    # Stable: pytest-django's own ordering (database tests, then transactional ones) keeps this
    # order within each group.
    items.sort(key=_uses_demo)


def _flush_demo(item) -> None:
    from django.core.management import call_command
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        _clear_sub_items_before_flush()
        call_command("flush", interactive=False, verbosity=0)
    _demo_seeded_state["seeded"] = False
    _demo_seeded_state["flushes"] += 1


def pytest_runtest_setup(item):
    if _demo_seeded_state["seeded"] and not _uses_demo(item) and _uses_database(item):
        _flush_demo(item)
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
    _demo_seeded_state["seeds"] += 1


def pytest_configure(config):
    # Password hashing dominates seeding the demo's accounts; tests need no real strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The suite lives on one fixed day (tests/clock.py), whatever the machine's clock says.
    config.stash[_clock_key] = time_machine.travel(clock.NOW, tick=True)
    config.stash[_clock_key].start()


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: tell the controller
        workeroutput["demo_counts"] = {k: _demo_seeded_state[k] for k in ("seeds", "flushes")}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    counts = getattr(node, "workeroutput", {}).get("demo_counts")
    if counts is not None:
        node.config.stash.setdefault(_demo_counts_key, {})[node.gateway.id] = counts


def pytest_terminal_summary(terminalreporter, config):
    by_worker = config.stash.get(_demo_counts_key, None)
    if by_worker is None:
        if hasattr(config, "workerinput"):
            return
        by_worker = {"serial": {k: _demo_seeded_state[k] for k in ("seeds", "flushes")}}
    seeds = sum(c["seeds"] for c in by_worker.values())
    flushes = sum(c["flushes"] for c in by_worker.values())
    each = ", ".join(f"{w}: {c['seeds']}/{c['flushes']}" for w, c in sorted(by_worker.items()))
    terminalreporter.write_line(f"demo county: seeded {seeds} times, flushed {flushes} times ({each})")


def pytest_unconfigure(config):
    if _clock_key in config.stash:
        config.stash[_clock_key].stop()


@pytest.fixture(scope="session")
def _demo_once(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _seed_demo()
    _demo_seeded_state["seeded"] = True


@pytest.fixture
def demo(_demo_once, db):
    """The demo county exactly as `manage.py seed_demo` builds it (seeded once per run; see
    above). A transactional test before this one flushed it away: it is seeded again."""
    from projects.models import Plan

    if not Plan.objects.filter(year=2023).exists():
        _seed_demo()
        _demo_seeded_state["seeded"] = True

    return {
        "plan_2023": Plan.objects.get(year=2023),
        "plan_now": Plan.objects.get(status=Plan.Status.PUBLISHED, level="区级", region__code="990102"),
        "plan_2024": Plan.objects.get(year=2024),
        "plan_city": Plan.objects.get(level="市级"),
        "plan_xiling": Plan.objects.get(status=Plan.Status.PUBLISHED, region__code="990104"),
        "password": DEMO_PASSWORD,
    }


@pytest.fixture
def demo_voted(demo):
    """The demo on ``clock.AFTER_VOTE``, the clock there for the test: the congress has voted
    next year's list and the office has drafted it, the stages ``seed_demo`` adds in January
    (``projects.demo``'s calendar) added to the demo seeded on ``clock.TODAY``."""
    from core.public_forms import refill_captcha_pool
    from selection.demo import seed_selection

    with time_machine.travel(clock.at(clock.AFTER_VOTE), tick=True):
        seed_selection(clock.AFTER_VOTE)
        refill_captcha_pool()  # the beat task keeps the public forms' challenges fresh
        yield demo


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
