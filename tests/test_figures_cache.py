"""The dashboard's cached figures: keyed on a per-plan figures version that every change of the
plan's figures bumps in its own transaction, and kept in a cache shared by all workers when
DJANGO_CACHE_URL names a Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from core import dates
from supervision.figures.caches import figures_version
from supervision.reading.views import dashboard as dashboard_view
from tests.factories import (
    FundingLineFactory,
    MilestoneFactory,
    PlanFactory,
    SubItemFactory,
    accepted_report,
    deputy_user,
)
from tests.test_dashboard import dashboard_url, headline_text

ROOT = Path(__file__).resolve().parent.parent


def _plan_with_one_sub_item():
    sub = SubItemFactory(item__plan=PlanFactory())
    FundingLineFactory(sub_item=sub)
    return sub.item.plan, sub


def _view(client, plan) -> tuple[str, list[str], int]:
    """One view of the dashboard: the page, the SQL it ran and how many times the body was
    rendered (0 when it came from the cache)."""
    with (
        mock.patch.object(
            dashboard_view, "render_to_string", wraps=dashboard_view.render_to_string
        ) as render,
        CaptureQueriesContext(connection) as captured,
    ):
        response = client.get(dashboard_url(plan))
    assert response.status_code == 200
    return response.text, [q["sql"] for q in captured.captured_queries], render.call_count


def test_accepting_a_report_bumps_only_that_plans_version(db):
    plan, sub = _plan_with_one_sub_item()
    other, _ = _plan_with_one_sub_item()
    before, other_before = figures_version(plan), figures_version(other)

    accepted_report(sub, on=dates.today(), progress="60")

    assert figures_version(plan) == before + 1
    assert figures_version(other) == other_before


def test_registry_edits_bump_the_plans_version(db):
    plan, sub = _plan_with_one_sub_item()
    seen = [figures_version(plan)]

    MilestoneFactory(sub_item=sub, planned_percent=Decimal("40"))
    seen.append(figures_version(plan))
    sub.planned_end = sub.planned_end.replace(month=10)
    sub.save()
    seen.append(figures_version(plan))
    plan.yellow_margin, plan.red_margin = Decimal("3"), Decimal("8")
    plan.save()
    seen.append(figures_version(plan))

    assert seen == sorted(set(seen)), seen  # each edit made a new, higher version


def test_an_accepted_report_shows_at_once_and_an_unchanged_plan_is_served_from_the_cache(client, db):
    plan, sub = _plan_with_one_sub_item()
    client.force_login(deputy_user())
    page, fresh_sql, rendered = _view(client, plan)
    assert "已完成0件0项" in headline_text(page) and rendered == 1

    accepted_report(sub, on=dates.today(), progress="100", complete=True)
    page, _, rendered = _view(client, plan)
    assert "已完成1件1项" in headline_text(page) and rendered == 1

    cached = [_view(client, plan) for _ in range(2)]
    assert [rendered for _, _, rendered in cached] == [0, 0]
    assert "已完成1件1项" in headline_text(cached[1][0])
    assert len(cached[0][1]) == len(cached[1][1]) < len(fresh_sql)
    # Keyed by the plan's version, read by primary key: no count of the reports of all plans.
    assert not any("supervision_progressreport" in sql for sql in cached[1][1])


def test_a_report_in_another_plan_leaves_this_plans_cached_dashboard_in_use(client, db):
    plan, _ = _plan_with_one_sub_item()
    other, other_sub = _plan_with_one_sub_item()
    client.force_login(deputy_user())
    first, _, _ = _view(client, plan)

    accepted_report(other_sub, on=dates.today(), progress="100", complete=True)
    page, _, rendered = _view(client, plan)

    assert rendered == 0
    assert headline_text(page) == headline_text(first)


def test_django_cache_url_selects_the_shared_redis_cache():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))}
    show = "from django.conf import settings; c = settings.CACHES['default']; print(c['BACKEND'], c.get('LOCATION', ''))"

    def backend(**extra) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", show],
            cwd=ROOT,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert backend(DJANGO_CACHE_URL="redis://redis:6379/1") == (
        "django.core.cache.backends.redis.RedisCache redis://redis:6379/1"
    )
    assert backend().startswith("django.core.cache.backends.locmem.LocMemCache")


@pytest.mark.redis
def test_the_dashboard_caches_its_figures_in_redis(client, db):
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": f"test-figures-{uuid.uuid4().hex}",
        }
    }
    plan, sub = _plan_with_one_sub_item()
    client.force_login(deputy_user())
    with override_settings(CACHES=redis_cache):
        _, _, rendered_first = _view(client, plan)
        _, _, rendered_again = _view(client, plan)
        accepted_report(sub, on=dates.today(), progress="100", complete=True)
        page, _, rendered_after = _view(client, plan)

    assert (rendered_first, rendered_again, rendered_after) == (1, 0, 1)
    assert "已完成1件1项" in headline_text(page)
