"""Benchmark: report day. 2,000 liaisons open their tasks and submit this month's report within
the hour, and the office accepts every one, against gunicorn (2 workers, DJANGO_DEBUG=0) and
PostgreSQL on 127.0.0.1, driven by Locust headless (``bench/report_day_locust.py``).

The hour is compressed: liaisons arrive evenly at ``--speedup`` times the real hour's rate
(2,000 in 3,600 s; default 4×, 2.2 liaisons a second) for ``--duration`` seconds (default
300), so a default run plays the first 667 of the 2,000 (``--duration 900`` plays them all at
4×); each thinks ``--think`` seconds between pages. The run ends when the office has accepted
every report, or ``--drain`` seconds after the last arrival. Liaisons use the HTML pages as a
browser does (login form, 我的任务, report form with its CSRF token, submit); the office users
(``--office-users``, default 4) open the review queue, each report's page, and accept it.
On this shared 2-core machine 15× (the whole hour in four minutes) is beyond the capacity of
two gunicorn workers: requests queue for minutes; 4× leaves room.

Logging in costs one PBKDF2 hash of the production hasher (about 0.7 s of CPU here), which at
4× the real rate alone would take most of a core: ``--login-share`` of the liaisons (default
0.1) log in through the form, the others arrive with a session opened earlier that day (made
here as ``Client.force_login`` makes one). ``--login-share 1`` plays every login. No
production setting is weakened: the users are made with a correct password (one hash shared
by all, computed once), so the failed-login lockout never counts a failure.

Each figure is printed beside its target; the error count must be zero and every report
accepted (the exit status says whether). Uses its own database (REPORT_DAY_DATABASE_URL,
default postgres://root@127.0.0.1:5432/bench_report_day), dropped and built afresh each run
with ``seed_scale``, and Redis database 7 as the workers' shared cache (REPORT_DAY_CACHE_URL).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from common import load_line, recreate_database, setup_django  # noqa: E402

BIN = Path(sys.executable).parent
DEFAULT_DATABASE = "postgres://root@127.0.0.1:5432/bench_report_day"
DEFAULT_CACHE = "redis://127.0.0.1:6379/7"
PASSWORD = "report-day-Bench-2026"
REQUEST_TYPES = (
    "login page",
    "login",
    "tasks page",
    "report form",
    "submit report",
    "review queue",
    "review report",
    "accept report",
)
# (p50, p95) targets in milliseconds: a page within a second for 95 in 100; the login's
# password hash alone is ~0.7 s of CPU.
TARGET_MS = {name: (300, 1000) for name in REQUEST_TYPES} | {"login": (1500, 3000)}
REAL_HOUR = 3600


# --- Pure helpers (tested) ---------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (0 < fraction ≤ 1) of the values; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return float(ordered[rank - 1])


def summarize(records: list) -> dict[str, dict]:
    """Per request type: count, errors, p50 and p95 (ms), from (type, ms, ok) records."""
    by_type: dict[str, list] = {}
    for name, ms, ok in records:
        by_type.setdefault(name, []).append((ms, ok))
    summary = {}
    for name, rows in by_type.items():
        times = [ms for ms, _ in rows]
        summary[name] = {
            "count": len(rows),
            "errors": sum(1 for _, ok in rows if not ok),
            "p50": percentile(times, 0.50),
            "p95": percentile(times, 0.95),
        }
    return summary


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def figure_lines(
    summary: dict[str, dict], *, elapsed: float, liaisons: int, played: int, accepted: int, journeys: int
) -> tuple[list[str], bool]:
    """The printed figures, each beside its target, and whether every target was met.
    ``liaisons`` report in the real hour; ``played`` of them did in this run."""
    lines, ok_all = [], True
    total = sum(row["count"] for row in summary.values())
    errors = sum(row["errors"] for row in summary.values())
    throughput = total / elapsed if elapsed > 0 else 0.0
    per_liaison = total / journeys if journeys else 0.0
    hour_rate = liaisons * per_liaison / REAL_HOUR
    capacity = accepted / elapsed * REAL_HOUR if elapsed > 0 else 0.0
    for label, value, target, ok in (
        ("requests", f"{total:,}", "—", True),
        (
            "throughput",
            f"{throughput:.1f} req/s",
            f"≥ {hour_rate:.1f} req/s (the real hour's rate)",
            throughput >= hour_rate,
        ),
        ("reports accepted", f"{accepted:,} of {played:,}", f"{played:,}", accepted == played),
        ("accepted per hour", f"{capacity:,.0f}", f"≥ {liaisons:,}", capacity >= liaisons),
        ("errors", f"{errors}", "0", errors == 0),
    ):
        lines.append(f"{label:<22} {value:>18}   target {target}: {verdict(ok)}")
        ok_all &= ok
    for name in [n for n in REQUEST_TYPES if n in summary] + sorted(set(summary) - set(REQUEST_TYPES)):
        row = summary[name]
        p50_target, p95_target = TARGET_MS.get(name, (300, 1000))
        ok = row["p50"] <= p50_target and row["p95"] <= p95_target and row["errors"] == 0
        lines.append(
            f"{name:<22} {row['count']:>6} req  p50 {row['p50']:>6.0f} ms  p95 {row['p95']:>6.0f} ms"
            f"  errors {row['errors']}   target p50 ≤ {p50_target} ms, p95 ≤ {p95_target} ms, 0 errors: {verdict(ok)}"
        )
        ok_all &= ok
    return lines, ok_all


# --- The run ---------------------------------------------------------------------------------


def build_plan(items: int, subitems: int, units: int):
    from django.core.management import call_command

    from core import dates
    from projects.models import Plan

    year = dates.today().year
    title = f"{year}年填报日测试清单（{items}件{subitems}项）"
    call_command("seed_scale", items=items, subitems=subitems, units=units, year=year, title=title)
    return Plan.objects.get(year=year, title=title)


def _session_for(user) -> str:
    """A session as logging in would leave it (what ``Client.force_login`` makes)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def prepare_users(plan, liaisons: int, login_share: float, office_users: int) -> dict:
    """Liaisons spread over the plan's responsible units, each given one distinct sub-item of
    its unit that is due this period's report (not complete, no report for the period yet),
    and the office users; returns what the Locust users need."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db.models import Exists, OuterRef

    from core import dates
    from projects import roles
    from projects.models import SubItem, User
    from supervision.ledger.models import ProgressReport
    from supervision.ledger.periods import plan_open_period

    period = plan_open_period(plan, dates.today())
    due = (
        SubItem.objects.filter(item__plan=plan)
        .exclude(status=SubItem.Status.COMPLETED)
        .exclude(Exists(ProgressReport.objects.filter(sub_item=OuterRef("pk"), period_start=period.start)))
        .order_by("responsible_unit_id", "pk")
        .values_list("pk", "responsible_unit_id")
    )
    by_unit: dict[int, list[int]] = {}
    for pk, unit_id in due:
        by_unit.setdefault(unit_id, []).append(pk)
    # Round-robin over the units, so the liaisons are spread over all of them.
    assignments: list[tuple[int, int]] = []
    queues = [list(reversed(subs)) for subs in by_unit.values()]
    unit_ids = list(by_unit)
    while len(assignments) < liaisons and any(queues):
        for unit_id, queue in zip(unit_ids, queues, strict=True):
            if queue and len(assignments) < liaisons:
                assignments.append((unit_id, queue.pop()))
    if len(assignments) < liaisons:
        raise SystemExit(f"only {len(assignments)} sub-items are due a report; need {liaisons}")
    password = make_password(PASSWORD)  # one hash of the production hasher, shared by all
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in (roles.LIAISON, roles.OFFICE)}
    users = User.objects.bulk_create(
        [
            User(username=f"day-liaison-{n:04d}", unit_id=unit_id, password=password)
            for n, (unit_id, _) in enumerate(assignments)
        ]
        + [User(username=f"day-office-{n}", password=password, is_staff=True) for n in range(office_users)],
        batch_size=1000,
    )
    liaison_users, office = users[:liaisons], users[liaisons:]
    through = User.groups.through
    through.objects.bulk_create(
        [through(user_id=u.pk, group_id=groups[roles.LIAISON].pk) for u in liaison_users]
        + [through(user_id=u.pk, group_id=groups[roles.OFFICE].pk) for u in office],
        batch_size=1000,
    )

    def logs_in(n: int) -> bool:  # spread evenly, so any first part of the list has its share
        return math.floor((n + 1) * login_share) > math.floor(n * login_share)

    return {
        "liaisons": [
            {
                "username": user.username,
                "sub_item": sub_item,
                "session": None if logs_in(n) else _session_for(user),
            }
            for n, (user, (_, sub_item)) in enumerate(zip(liaison_users, assignments, strict=True))
        ],
        "office": [{"username": u.username, "session": _session_for(u)} for u in office],
        "period_start": period.start.isoformat(),
        "password": PASSWORD,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(base_url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(f"{base_url}/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited before answering")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:  # refused, reset or timed out while the workers boot
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer in time")


def accepted_reports(plan, period_start: str) -> int:
    from supervision.ledger.models import ProgressReport

    return ProgressReport.objects.filter(
        sub_item__item__plan=plan,
        period_start=period_start,
        state=ProgressReport.State.ACCEPTED,
        created_by__username__startswith="day-liaison-",
    ).count()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--liaisons", type=int, default=2000)
    parser.add_argument("--speedup", type=float, default=4.0, help="arrival rate ÷ the real hour's")
    parser.add_argument("--duration", type=float, default=300, help="seconds of arrivals")
    parser.add_argument("--drain", type=float, default=240, help="seconds allowed after the last arrival")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"))
    parser.add_argument("--login-share", type=float, default=0.1)
    parser.add_argument("--office-users", type=int, default=4)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--subitems", type=int, default=10000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    rate = args.liaisons / REAL_HOUR * args.speedup  # liaisons arriving per second
    played = min(args.liaisons, math.ceil(rate * args.duration))
    window = played / rate
    cap = window + args.drain
    print(load_line("at start"), flush=True)

    database = os.environ.get("REPORT_DAY_DATABASE_URL", DEFAULT_DATABASE)
    secret = secrets.token_urlsafe(40)
    os.environ["DATABASE_URL"] = database
    os.environ["DJANGO_SECRET_KEY"] = secret  # sessions made here must verify in gunicorn
    started = time.perf_counter()
    recreate_database(database)
    setup_django(database)
    plan = build_plan(args.items, args.subitems, args.units)
    prepared = prepare_users(plan, args.liaisons, args.login_share, args.office_users)
    print(
        f"prepared in {time.perf_counter() - started:.0f} s: plan {plan.pk} ({args.items} items, "
        f"{args.subitems} sub-items, {args.units} units), {args.liaisons} liaisons "
        f"({args.login_share:.0%} log in with the form), {args.office_users} office users",
        flush=True,
    )
    from django.db import connection

    connection.close()

    workdir = Path(tempfile.mkdtemp(prefix="report-day-"))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secret,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database,
        "DJANGO_CACHE_URL": os.environ.get("REPORT_DAY_CACHE_URL", DEFAULT_CACHE),
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DJANGO_LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    plan_file, results_file = workdir / "plan.json", workdir / "results.json"
    locust_log = workdir / "locust.log"
    plan_file.write_text(
        json.dumps(
            {
                **prepared,
                "liaisons": prepared["liaisons"][:played],
                "base_url": base_url,
                "think_seconds": args.think,
                "office_users": args.office_users,
            }
        ),
        encoding="utf-8",
    )
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "livelihood.wsgi:application",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_up(base_url, server)
        print(
            f"gunicorn {args.workers} workers on {base_url}; "
            f"the hour's rate × {args.speedup:g}: {played} of {args.liaisons} liaisons arrive over "
            f"{window:.0f} s, think "
            f"{args.think[0]:g}–{args.think[1]:g} s, cap {cap:.0f} s",
            flush=True,
        )
        run_started = time.time()
        locust = subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "bench" / "report_day_locust.py"),
                "--headless",
                "--only-summary",
                "--host",
                base_url,
                "-u",
                str(played + args.office_users),
                "-r",
                f"{rate:.3f}",
                "--run-time",
                f"{int(cap)}s",
                "--stop-timeout",
                "30",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT / "bench",
            env={**env, "REPORT_DAY_PLAN": str(plan_file), "REPORT_DAY_RESULTS": str(results_file)},
            stdout=locust_log.open("w"),
            stderr=subprocess.STDOUT,
            check=False,
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    if not results_file.exists():
        print(f"Locust left no results (exit {locust.returncode}); see {locust_log}")
        return 1
    results = json.loads(results_file.read_text(encoding="utf-8"))
    elapsed = results["ended"] - run_started
    summary = summarize(results["records"])
    accepted = accepted_reports(plan, prepared["period_start"])
    state = results["state"]
    print(
        f"run {elapsed:.0f} s: {state['liaisons_done']} liaison journeys done, "
        f"{state['liaisons_failed']} failed; {accepted} reports accepted"
    )
    lines, ok = figure_lines(
        summary,
        elapsed=elapsed,
        liaisons=args.liaisons,
        played=played,
        accepted=accepted,
        journeys=state["liaisons_done"],
    )
    for line in lines:
        print(line)
    print(load_line("at end"))
    print(f"Locust's own summary: {locust_log}")
    print("shared 2-core machine: timings are noisy; Locust itself runs on the same cores.")
    print(f"report day: {'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
