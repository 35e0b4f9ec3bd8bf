"""Locust users for ``bench/report_day.py`` (run by it, headless; not on its own).

Liaisons work through the HTML pages as a browser would: the login form (or a session opened
earlier that day), 我的任务, the report form and its submission, each POST carrying the CSRF
token from the page and a Referer, behind what the TLS proxy in front of gunicorn would add
(``X-Forwarded-Proto: https``; the session and CSRF cookies are Secure, and the client sends
them on this plain-HTTP hop as the proxy's side would). Each liaison plays one journey, then idles until the run ends.
The office users open the review queue and accept submitted reports (each takes the reports
whose id modulo the number of office users is its own index, so two never race on one) until
every liaison has finished and the queue is empty; then the run ends.

Configuration comes from the JSON file named by REPORT_DAY_PLAN: base URL, the liaisons
(username, sub-item, session key or none), the office users, think time, password. Every
request is recorded (type, milliseconds, ok) into the JSON file named by REPORT_DAY_RESULTS.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from decimal import Decimal, InvalidOperation

import gevent
from locust import HttpUser, events, task

with open(os.environ["REPORT_DAY_PLAN"], encoding="utf-8") as fh:
    PLAN = json.load(fh)

BASE = PLAN["base_url"]
HEADERS = {"X-Forwarded-Proto": "https"}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
REVIEW_LINK = re.compile(r'href="/reports/(\d+)/"')

_liaisons = iter(PLAN["liaisons"])
_office_index = itertools.count()
STATE = {"liaisons_done": 0, "liaisons_failed": 0, "accepted": 0, "office_done": 0}
RECORDS: list[tuple[str, float, bool]] = []


def _field(html: str, name: str) -> str | None:
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag:
            value = re.search(r'value="([^"]*)"', tag)
            return value.group(1) if value else ""
    return None


def _textarea(html: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    return match.group(1).strip() if match else ""


class BrowserUser(HttpUser):
    abstract = True
    host = BASE

    def on_start(self):
        pass

    def keep_cookies(self):
        """Django marks the session and CSRF cookies Secure (the browser's link is HTTPS); on
        this plain-HTTP hop the client sends them on as the TLS proxy's side would."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def think(self):
        """Reading the page and typing, compressed like the hour."""
        low, high = PLAN["think_seconds"]
        self.wait_for(random.uniform(low, high))

    def wait_for(self, seconds: float):
        gevent.sleep(seconds)

    def idle(self):
        """Done: stay (a stopped user would be spawned again to keep the count) until the run
        ends."""
        while True:
            gevent.sleep(60)

    def get(self, path: str, name: str, expect: int = 200) -> str | None:
        with self.client.get(
            path, name=name, headers=HEADERS, catch_response=True, allow_redirects=False
        ) as r:
            if r.status_code != expect:
                r.failure(f"HTTP {r.status_code} (expected {expect})")
                return None
            self.keep_cookies()
            return r.text

    def post(self, path: str, data: dict, name: str, referer: str) -> str | None:
        """POST a form as the page at ``referer`` would; success is the redirect that follows
        a valid form (a page answered 200/400 means the form was refused)."""
        headers = {**HEADERS, "Referer": f"{BASE}{referer}", "Origin": BASE.replace("http://", "https://")}
        headers["Referer"] = headers["Referer"].replace("http://", "https://")
        with self.client.post(
            path, data=data, name=name, headers=headers, catch_response=True, allow_redirects=False
        ) as r:
            if r.status_code != 302:
                r.failure(f"HTTP {r.status_code} (expected 302)")
                return None
            self.keep_cookies()
            return r.headers.get("Location", "")


class Liaison(BrowserUser):
    weight = 1

    def on_start(self):
        super().on_start()
        self.me = next(_liaisons, None)

    @task
    def report_day(self):
        if self.me is None:
            self.idle()
        ok = self.journey()
        STATE["liaisons_done" if ok else "liaisons_failed"] += 1
        self.me = None

    def journey(self) -> bool:
        me = self.me
        if me["session"]:
            # Logged in earlier that day: the browser still holds the session cookie.
            self.client.cookies.set("sessionid", me["session"], domain="127.0.0.1", path="/")
        else:
            page = self.get("/accounts/login/", "login page")
            token = page and CSRF.search(page)
            if not token:
                return False
            login = {
                "csrfmiddlewaretoken": token.group(1),
                "username": me["username"],
                "password": PLAN["password"],
                "next": "",
            }
            if self.post("/accounts/login/", login, "login", "/accounts/login/") is None:
                return False
            self.think()
        tasks = self.get("/my/tasks/", "tasks page")
        form_path = f"/subitems/{me['sub_item']}/report/"
        if tasks is None or f'href="{form_path}"' not in tasks:
            return False
        self.think()
        form = self.get(form_path, "report form")
        token = form and CSRF.search(form)
        if not token:
            return False
        self.think()
        data = report_data(form)
        data["csrfmiddlewaretoken"] = token.group(1)
        return self.post(form_path, data, "submit report", form_path) is not None


def report_data(form: str) -> dict:
    """A valid monthly report from the form's pre-filled figures (the last accepted ones):
    progress up by two points (never reaching 100, which would need the target reached)."""
    try:
        progress = Decimal(_field(form, "progress_percent") or "0")
    except InvalidOperation:
        progress = Decimal("0")
    progress = max(progress, min(Decimal("99"), progress + 2))
    data = {
        "progress_percent": f"{progress}",
        "actual_value": _field(form, "actual_value") or "",
        "funds_allocated": _field(form, "funds_allocated") or "",
        "funds_paid": _field(form, "funds_paid") or "",
        "work_done": "本月按计划推进施工，完成阶段性工程量。",
        "problems": "",
        "next_steps": "继续按节点推进。",
        "regression_explanation": "",
        "version": _field(form, "version") or "",
        "action": "submit",
    }
    return data


class Office(BrowserUser):
    fixed_count = int(PLAN["office_users"])

    def on_start(self):
        super().on_start()
        self.index = next(_office_index)
        me = PLAN["office"][self.index % len(PLAN["office"])]
        self.client.cookies.set("sessionid", me["session"], domain="127.0.0.1", path="/")
        self.finished = False

    @task
    def review(self):
        queue = self.get("/reports/review/", "review queue")
        if queue is None:
            self.wait_for(1)
            return
        mine = [int(n) for n in dict.fromkeys(REVIEW_LINK.findall(queue))]
        mine = [n for n in mine if n % PLAN["office_users"] == self.index][:20]
        if not mine:
            liaisons_over = STATE["liaisons_done"] + STATE["liaisons_failed"] >= len(PLAN["liaisons"])
            if liaisons_over:
                if not self.finished:
                    self.finished = True
                    STATE["office_done"] += 1
                if STATE["office_done"] >= PLAN["office_users"]:
                    # From its own greenlet: quitting kills every user's, this one's too.
                    gevent.spawn(self.environment.runner.quit)
                self.idle()
            self.wait_for(1)
            return
        for report_id in mine:
            path = f"/reports/{report_id}/"
            page = self.get(path, "review report")
            token = page and CSRF.search(page)
            version = page and re.search(
                rf'action="/reports/{report_id}/accept/".*?name="version" value="(\d+)"', page, re.S
            )
            if not token or not version:
                continue
            accepted = self.post(
                f"{path}accept/",
                {"csrfmiddlewaretoken": token.group(1), "version": version.group(1)},
                "accept report",
                path,
            )
            if accepted is not None:
                STATE["accepted"] += 1


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **kwargs):
    RECORDS.append((name, response_time, exception is None))


@events.quitting.add_listener
def _save(environment, **kwargs):
    with open(os.environ["REPORT_DAY_RESULTS"], "w", encoding="utf-8") as fh:
        json.dump({"records": RECORDS, "state": STATE, "ended": time.time()}, fh)
