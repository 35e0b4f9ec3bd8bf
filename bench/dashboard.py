"""Benchmark: the completion dashboard of a plan of 2,000 items / 10,000 sub-items with a
year of monthly accepted reports (built by ``manage.py seed_scale`` when missing).

Times N GETs of /plans/<id>/dashboard/ as a deputy with the test client and prints median,
p95 and the query count. The dashboard caches its figures keyed on the plan's figures version
(any accepted report or registry change of the plan makes a new key), so the N views measure what
deputies get between changes; the time of one view computed afresh is printed too. Target: median under 300 ms on SQLite. Uses DATABASE_URL, default
sqlite:////tmp/bench_dashboard.sqlite3. Exits 1 when the median misses the target.
"""

from __future__ import annotations

import statistics
import sys
import time

from common import scale_plan, setup_django  # noqa: E402

setup_django("sqlite:////tmp/bench_dashboard.sqlite3")

from django.contrib.auth.models import Group  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from projects import roles  # noqa: E402
from projects.models import User  # noqa: E402
from supervision.figures.snapshots import take_monthly_snapshots  # noqa: E402

ITEMS, SUBITEMS = 2_000, 10_000
RUNS = 20
TARGET_MS = 300.0


def deputy() -> User:
    user, created = User.objects.get_or_create(username="bench-deputy")
    if created:
        user.set_unusable_password()
        user.save()
    user.groups.add(Group.objects.get_or_create(name=roles.DEPUTY)[0])
    return user


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    plan = scale_plan(ITEMS, SUBITEMS)
    client = Client()
    client.force_login(deputy())
    url = f"/plans/{plan.pk}/dashboard/"

    started = time.perf_counter()
    take_monthly_snapshots()  # what the nightly task stores; pages only read snapshots
    print(f"nightly snapshot task: {(time.perf_counter() - started) * 1000:.0f} ms")
    started = time.perf_counter()
    response = client.get(url)
    print(f"first view: {(time.perf_counter() - started) * 1000:.0f} ms")
    if response.status_code != 200:
        print(f"dashboard answered {response.status_code}")
        return 1

    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    cache.clear()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as cold_queries:
        client.get(url)
    cold_ms = (time.perf_counter() - started) * 1000

    median, p95 = statistics.median(timings), percentile(timings, 0.95)
    print(f"dashboard {ITEMS}件{SUBITEMS}项, {RUNS} runs: median {median:.0f} ms, p95 {p95:.0f} ms")
    print(f"queries per view: {len(queries)} (cached figures), {len(cold_queries)} (computed afresh)")
    print(f"computed afresh after a change (cache empty): {cold_ms:.0f} ms")
    print(f"target median < {TARGET_MS:.0f} ms: {'met' if median < TARGET_MS else 'MISSED'}")
    return 0 if median < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
