"""A plan's lower regions' figures (a city list's counties side by side) are a cache: stored at
the plan's figures version, read only while that version holds, stored again once a change
commits, and checked by ``verify_figures`` against the ledger, whose reading through each
region (``?region=``) they must equal."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from projects.shares import lower_regions
from supervision.figures import caches
from supervision.figures import counted as current
from supervision.models import RegionFigures
from tests.factories import accepted_report
from tests.test_shares import YEAR, city, travel  # noqa: F401  (fixtures)


def _ledger(plan) -> dict:
    return {
        region.code: current.headline(plan, None, region=region).figures for region in lower_regions(plan)
    }


def _read(plan) -> tuple[dict, set[str]]:
    rows = current.region_headlines(plan)
    return {region.code: head.figures for region, head in rows}, {head.source for _, head in rows}


@pytest.mark.django_db
def test_the_stored_figures_are_read_while_they_hold_and_equal_the_ledgers(demo):
    plan = demo["plan_city"]
    assert caches.store_region_figures(plan) == 3
    figures, sources = _read(plan)
    assert sources == {"caches"}
    assert figures == _ledger(plan)
    # The dashboard's comparison is these figures, ranked.
    assert {row.region.code: row.figures for row in _dashboard_rows(plan)} == figures


def _dashboard_rows(plan):
    from supervision.reading.dashboard import region_comparison

    return region_comparison(plan, None)


@pytest.mark.django_db
def test_a_stored_figure_is_never_read_at_a_stale_version_and_verify_figures_finds_a_wrong_one(demo):
    plan = demo["plan_city"]
    caches.store_region_figures(plan)
    row = RegionFigures.objects.filter(plan=plan).order_by("region__code").first()
    row.data = {**row.data, "subitems_completed": row.data["subitems_completed"] + 7}
    row.save()
    figures, sources = _read(plan)
    assert sources == {"caches"}  # the rows are what is read…
    assert figures[row.region.code]["subitems_completed"] == row.data["subitems_completed"]
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_figures", plan=plan.pk, stdout=out)
    assert "下级区划进度" in out.getvalue() and row.region.name in out.getvalue()

    caches.bump_figures_version(plan)  # …until anything changes: then the ledger is
    figures, sources = _read(plan)
    assert sources == {"ledger"}
    assert figures == _ledger(plan)


@pytest.mark.django_db
def test_a_committed_report_on_a_share_stores_the_regions_figures_again(
    city,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    plan, sub, split, districts = city
    with django_capture_on_commit_callbacks(execute=True):
        accepted_report(
            sub,
            share=split[0],
            on=dt.date(YEAR, 7, 3),
            progress="60",
            actual="24",
            period_start=dt.date(YEAR, 6, 1),
        )
    assert RegionFigures.objects.filter(plan=plan, figures_version=caches.figures_version(plan)).count() == 3
    figures, sources = _read(plan)
    assert sources == {"caches"}
    assert figures == _ledger(plan)
    assert figures[districts[0].code]["average_progress"] != figures[districts[1].code]["average_progress"]
