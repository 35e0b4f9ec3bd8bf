"""Benchmark: the main pages cold, as a province's office opens them, behind gunicorn on PostgreSQL.

Builds (once) a plan of ``--subitems`` sub-items with a year of reports (``seed_scale``), stores
its month-end snapshots and today's pace rows as the nightly tasks would, then starts gunicorn
(2 workers, debug off, Redis as the shared cache) and times each page with the cache emptied
before every request: the dashboard, the plan table's first screen, the lagging list and the
API's /summary/. The summary is alternated with its floor: the same headline counted by one
SQL statement over the same tables, sent straight to PostgreSQL.

Targets (issue 13): each page's median under 300 ms at 10,000 sub-items and 1.5 s at 100,000;
the summary within 5x its floor; no page over 1 MB of HTML. Prints each figure beside its
target and the load average; exits 1 when one is missed.

    python bench/cold.py [--subitems N]    # DATABASE_URL default: postgres://…/bench_cold_N
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://root@127.0.0.1:5432/bench_cold_{subitems}"
DEFAULT_PROVINCE_DATABASE = "postgres://root@127.0.0.1:5432/bench_province_{subitems}"
DEFAULT_CACHE = "redis://127.0.0.1:6379/9"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subitems", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument(
        "--province",
        action="store_true",
        help="a province's list of SUBITEMS sub-items, each split over 100 counties (16 cities), "
        "read whole and through a city and a county (issue 18)",
    )
    return parser.parse_args()


def ensure_database(url: str) -> None:
    """Create the bench database on the local PostgreSQL when it is missing."""
    if not url.startswith("postgres"):
        return
    name = url.rsplit("/", 1)[1]
    import psycopg2

    base = url.rsplit("/", 1)[0] + "/postgres"
    connection = psycopg2.connect(base)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    args = parse_args()
    database = DEFAULT_PROVINCE_DATABASE if args.province else DEFAULT_DATABASE
    os.environ.setdefault("DATABASE_URL", database.format(subitems=args.subitems))
    os.environ.setdefault("DJANGO_CACHE_URL", DEFAULT_CACHE)
    # The session made here must be signed with the server's key.
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-cold-" + "x" * 50)
    ensure_database(os.environ["DATABASE_URL"])
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import province_plan, scale_plan, setup_django

    setup_django(os.environ["DATABASE_URL"])
    import requests
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.cache import cache
    from django.db import connection

    from projects import roles
    from projects.models import SubItemShare, User
    from supervision.figures import caches, snapshots

    subitems = args.subitems
    if args.province:
        plan = province_plan(subitems // 5, subitems)
        shares = SubItemShare.objects.filter(sub_item__item__plan=plan).count()
        print(f"省级清单：{subitems:,} 个子项，分解任务 {shares:,} 个（{plan.title}）")
    else:
        plan = scale_plan(subitems // 5, subitems)
    snapshots.store_missing_snapshots(plan)
    caches.refresh_pace(plan)  # what the midnight task does: today's pace rows

    office, _ = User.objects.get_or_create(username="bench-office")
    office.groups.add(Group.objects.get_or_create(name=roles.OFFICE)[0])
    session = SessionStore()
    session[SESSION_KEY] = str(office.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = office.get_session_auth_hash()
    session.create()

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "livelihood.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    http = requests.Session()
    http.cookies.set(settings.SESSION_COOKIE_NAME, session.session_key)
    # As nginx in front of it says (deploy/nginx.conf): the site is served over HTTPS.
    http.headers["X-Forwarded-Proto"] = "https"
    try:
        for _ in range(100):
            try:
                if http.get(f"{base}/healthz", timeout=10).ok:
                    break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        pages = {
            "dashboard": f"/plans/{plan.pk}/dashboard/",
            "plan table": f"/plans/{plan.pk}/",
            "lagging list": f"/plans/{plan.pk}/lagging/",
            "summary API": f"/api/plans/{plan.pk}/summary/",
        }
        if args.province:  # a city's and a county's reading of the province's list
            city, county = "980100", "980101"
            pages |= {
                "dashboard, city": f"/plans/{plan.pk}/dashboard/?region={city}",
                "plan table, city": f"/plans/{plan.pk}/?region={city}",
                "lagging, county": f"/plans/{plan.pk}/lagging/?region={county}",
                "summary API, city": f"/api/plans/{plan.pk}/summary/?region={city}",
            }
        floor_sql = summary_floor_sql()
        times: dict[str, list[float]] = {name: [] for name in [*pages, "summary floor (SQL)"]}
        sizes: dict[str, int] = {}
        for name, path in pages.items():  # warm the workers' imports and connections
            response = http.get(base + path, timeout=300)
            assert response.status_code == 200, (name, response.status_code, response.text[:500])
        for _ in range(args.runs):
            for name, path in pages.items():
                cache.clear()
                started = time.perf_counter()
                response = http.get(base + path, timeout=300)
                times[name].append(time.perf_counter() - started)
                assert response.status_code == 200, (name, response.status_code)
                sizes[name] = len(response.content)
                if name == "summary API":
                    started = time.perf_counter()
                    with connection.cursor() as cursor:
                        cursor.execute(floor_sql, [plan.pk, plan.pk])
                        cursor.fetchall()
                    times["summary floor (SQL)"].append(time.perf_counter() - started)
    finally:
        server.terminate()
        server.wait(timeout=30)

    target = 0.3 if subitems <= 10_000 and not args.province else 1.5
    what = f"省级清单 {subitems:,} 个子项 × 100 个县的分解任务" if args.province else f"{subitems:,} 个子项"
    print(f"\n冷启动页面（PostgreSQL + gunicorn 2 workers，缓存清空；{what}，每页 {args.runs} 次）")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    failed = False
    for name, values in times.items():
        median = statistics.median(values)
        line = f"  {name:<20} median {median * 1000:8.1f} ms  p95 {max(values) * 1000:8.1f} ms"
        if name in pages:
            ok = median < target
            size_ok = sizes[name] <= 1_000_000
            failed |= not (ok and size_ok)
            line += f"   target < {target * 1000:.0f} ms {'OK' if ok else 'MISSED'}"
            line += f"   {sizes[name] / 1024:8.1f} KB (target ≤ 1 MB {'OK' if size_ok else 'MISSED'})"
        print(line)
    ratio = statistics.median(times["summary API"]) / statistics.median(times["summary floor (SQL)"])
    failed |= ratio > 5
    print(f"  summary API / floor: {ratio:.1f}x   target ≤ 5x {'OK' if ratio <= 5 else 'MISSED'}")
    return 1 if failed else 0


def summary_floor_sql() -> str:
    """The plan's headline (sub-items and completed, items and completed, lights, overdue,
    progress sums, money) in one statement over the same cached tables the summary reads."""
    return """
        SELECT count(*),
               count(*) FILTER (WHERE s.status = 'completed'),
               count(DISTINCT s.item_id),
               count(DISTINCT s.item_id) FILTER (WHERE s.status <> 'completed'),
               count(*) FILTER (WHERE p.light = 'red'),
               count(*) FILTER (WHERE p.light = 'yellow'),
               count(*) FILTER (WHERE p.light = 'green'),
               count(*) FILTER (WHERE p.light = 'blue'),
               count(*) FILTER (WHERE p.overdue_report),
               sum(p.progress_percent), sum(p.scheduled_percent),
               sum(s.funds_allocated), sum(s.funds_paid),
               (SELECT sum(f.planned) FROM projects_fundingline f
                  JOIN projects_subitem s2 ON s2.id = f.sub_item_id
                  JOIN projects_item i2 ON i2.id = s2.item_id WHERE i2.plan_id = %s)
        FROM projects_subitem s
        JOIN projects_item i ON i.id = s.item_id
        LEFT JOIN supervision_subitempace p ON p.sub_item_id = s.id
        WHERE i.plan_id = %s
    """


if __name__ == "__main__":
    sys.exit(main())
