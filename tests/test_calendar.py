"""The demo county seeded on days across the year, the turn of the year included: on each day
every role's main pages open without an error, every surface states the same figures, and the
year's turn reads as it does in a real county (last year's list, its year over, being accepted
and evaluated in January while the new list is being chosen; the new list from 1 February).

Each day seeds the demo afresh (some ten seconds), so each is its own test: a parallel run
spreads them over its workers."""

from __future__ import annotations

import datetime as dt
import logging
import os

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from projects import demo
from projects.models import Plan, User
from supervision.demo.levels import city_plan_title
from tests import clock
from tests.test_consistency import _surfaces

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

YEAR = clock.YEAR
DAYS = [
    dt.date(YEAR, 1, 1),
    dt.date(YEAR, 1, 20),
    dt.date(YEAR, 3, 31),
    dt.date(YEAR, 6, 30),
    dt.date(YEAR, 9, 30),
    dt.date(YEAR, 12, 7),
    dt.date(YEAR, 12, 31),
    dt.date(YEAR + 1, 1, 5),
]


def _pages(plan: Plan, city: Plan) -> dict[str, list[str]]:
    """Each role's main pages on the list the county is carrying out (and the city's)."""
    reading = [
        f"/plans/{plan.pk}/",
        f"/plans/{plan.pk}/dashboard/",
        f"/plans/{plan.pk}/lagging/",
        f"/plans/{plan.pk}/screen.json",
        f"/plans/{plan.pk}/briefing.xlsx",
    ]
    return {
        "office": [
            *reading,
            "/plans/",
            "/reports/review/",
            f"/plans/{plan.pk}/circular.docx",
            f"/plans/{city.pk}/dashboard/",
            f"/plans/{city.pk}/",
            "/selections/",
        ],
        "leader": [*reading, "/plans/", f"/plans/{city.pk}/dashboard/"],
        "leader-chen": [f"/plans/{plan.pk}/dashboard/"],
        "deputy": [*reading, "/selections/"],
        "city-office": [f"/plans/{city.pk}/dashboard/", f"/plans/{city.pk}/lagging/", "/reports/review/"],
        "xiling-office": [f"/plans/{city.pk}/dashboard/", "/reports/review/"],
        "liaison-housing": ["/my/tasks/", f"/plans/{plan.pk}/"],
        "liaison-chengguan": ["/my/tasks/"],
        None: ["/public/", f"/public/plans/{plan.pk}/", f"/public/plans/{city.pk}/"],
    }


def _client(username: str | None) -> Client:
    client = Client()
    if username:
        client.force_login(User.objects.get(username=username))
    return client


@pytest.mark.parametrize("day", DAYS, ids=lambda day: day.isoformat())
def test_every_role_reads_the_demo_seeded_on_a_day_of_the_year(day, caplog):
    caplog.set_level(logging.ERROR)
    with time_machine.travel(clock.at(day, 18), tick=True):
        with open(os.devnull, "w") as devnull:
            call_command("seed_demo", stdout=devnull)
        running = demo.running_year(day)
        plan = Plan.objects.get(year=running, title=demo.current_plan_title(running))
        city = Plan.objects.get(year=running, title=city_plan_title(running))

        for username, paths in _pages(plan, city).items():
            client = _client(username)
            landing = client.get("/", follow=True)
            assert landing.status_code == 200, (username, "/")
            for path in paths:
                response = client.get(path, follow=True)
                assert response.status_code == 200, (username, path, response.status_code)

        # The leader lands on the list being carried out; in January it is last year's, its
        # year over, and the new list is being chosen.
        landing = _client("leader").get("/", follow=True)
        assert landing.redirect_chain[-1][0] == f"/plans/{plan.pk}/dashboard/"
        page = landing.content.decode()
        year_over = day.year > running
        assert ("年度已结束，待验收收尾" in page) == year_over
        assert ("年度已结束，待验收收尾" in _client("office").get(f"/plans/{plan.pk}/").content.decode()) == (
            year_over
        )
        if year_over:
            assert f"{day.year}年民生实事项目正在产生" in page
        assert not Plan.objects.filter(year__gt=running, status=Plan.Status.PUBLISHED).exists()

        # The same figures on every surface, for the county's list and the city's.
        _surfaces(plan, None)
        _surfaces(city, None)

    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == [], [record.getMessage() for record in errors]
