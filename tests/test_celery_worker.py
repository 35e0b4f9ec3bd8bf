"""A real Celery worker, on Redis and PostgreSQL, runs the daily pace check and its result is in
the database. Required in CI; skipped locally without the services."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from core import dates
from core.lights import Light
from livelihood.celery import app as celery_app
from supervision.models import Flag, SubItemPace
from supervision.tasks import run_daily_pace_check
from tests.test_pace_check import build_plan

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parent.parent
CELERY = ROOT / ".venv" / "bin" / "celery"
TIMEOUT = 90


def database_url() -> str:
    """The test database this process uses, so the worker sees the rows the test committed."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(settings, tmp_path):
    queue = f"pace-test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "livelihood",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-l",
                "info",
                "-Q",
                queue,
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield queue, process, log
    finally:
        celery_app.conf.task_always_eager = eager
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(condition, process, log) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(f"worker exited with {process.returncode}:\n{log.read_text()}")
        time.sleep(0.5)
    pytest.fail(f"the worker did not finish the check in {TIMEOUT} s:\n{log.read_text()}")


@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_daily_pace_check_and_records_lights_and_flags(worker):
    queue, process, log = worker
    plan, subs = build_plan()  # a 2025 plan checked today: everything unfinished is past its deadline

    # The worker is another process, on the machine's clock: it is given the suite's day.
    run_daily_pace_check.apply_async(kwargs={"on": dates.today().isoformat()}, queue=queue)
    # Pace rows exist from the start (a cache kept with the registry); the check's own mark is
    # the flags it raises.
    wait_for(lambda: Flag.objects.filter(sub_item__item__plan=plan).exists(), process, log)

    lights = dict(SubItemPace.objects.values_list("sub_item_id", "light"))
    assert lights[subs["done"][0].pk] == Light.BLUE
    assert lights[subs["green"][0].pk] == Light.RED
    assert Flag.objects.filter(
        sub_item=subs["green"][0], kind=Flag.Kind.RED, cleared_on__isnull=True
    ).exists()
    assert "run_daily_pace_check" in log.read_text()
