"""What every benchmark does first: Django set up on its own SQLite database (unless
DATABASE_URL says otherwise), migrated, and a large plan built once by ``seed_scale``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup_django(default_database: str) -> None:
    os.environ.setdefault("DATABASE_URL", default_database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livelihood.settings")
    # Console e-mail for every notification would drown the figures.
    os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def recreate_database(url: str) -> None:
    """Drop and create a PostgreSQL database (a benchmark's own), before Django connects."""
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def load_line(label: str) -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {label}: {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def scale_plan(items: int, subitems: int):
    """The plan of the given size, built with a year of report history if it is missing."""
    from django.core.management import call_command

    from core import dates
    from projects.models import Plan

    year = dates.today().year
    title = f"{year}年规模测试清单（{items}件{subitems}项）"
    call_command("seed_scale", items=items, subitems=subitems, year=year, title=title)
    return Plan.objects.get(year=year, title=title)


def province_plan(items: int, subitems: int):
    """The province's own list (``seed_scale --province``: 16 cities, 100 counties, every
    sub-item split over every county), built with a year of report history if it is missing."""
    from django.core.management import call_command

    from projects.models import Plan

    call_command("seed_scale", province=True, items=items, subitems=subitems)
    return Plan.objects.get(region__code="980000")
