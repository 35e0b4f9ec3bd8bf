"""Drill-down to an item: target against actual, progress against pace over time, photos."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import dates
from projects.models import Item
from supervision.models import ReportPhoto
from tests.factories import (
    ItemFactory,
    MilestoneFactory,
    PlanFactory,
    SubItemFactory,
    accepted_report,
    deputy_user,
    office_user,
)

GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


def item_chart(response) -> list[dict]:
    match = re.search(
        r'<script id="item-chart-data" type="application/json">(.*?)</script>', response.text, re.S
    )
    return json.loads(match.group(1))["points"]


@pytest.fixture
def plan_2023_item(demo, client):
    client.force_login(deputy_user())
    return Item.objects.get(plan=demo["plan_2023"], number=5)


def test_item_page_shows_377_5_percent_for_the_5g_base_stations(client, plan_2023_item):
    page = client.get(f"/items/{plan_2023_item.pk}/").text

    assert "377.5%" in page
    assert "169%" in page


def test_item_chart_has_a_point_per_month_and_reaches_what_the_item_shows(client, plan_2023_item):
    response = client.get(f"/items/{plan_2023_item.pk}/")
    points = item_chart(response)

    assert [p["as_of"] for p in points][:3] == ["2023-01-31", "2023-02-28", "2023-03-31"]
    assert len(points) == 12
    assert points[-1] == {"as_of": "2023-12-31", "progress": 100.0, "scheduled": 100.0}
    assert 0 < points[5]["progress"] < 100
    assert 'id="table-item-progress"' in response.text
    assert 'id="chart-item-progress"' in response.text


def test_item_chart_follows_the_accepted_reports_and_the_milestones(client, db):
    plan = PlanFactory(year=2025)
    sub = SubItemFactory(item=ItemFactory(plan=plan))
    MilestoneFactory(sub_item=sub, date=dt.date(2025, 3, 31), planned_percent=Decimal("60"))
    accepted_report(sub, on=dt.date(2025, 2, 4), progress="20", period_start=dt.date(2025, 1, 1))
    accepted_report(sub, on=dt.date(2025, 4, 4), progress="55", period_start=dt.date(2025, 3, 1))
    client.force_login(deputy_user())

    points = {p["as_of"]: p for p in item_chart(client.get(f"/items/{sub.item.pk}/?as_of=2025-04-15"))}

    assert points["2025-01-31"]["progress"] == 0.0
    assert points["2025-02-28"]["progress"] == 20.0
    assert points["2025-03-31"] == {"as_of": "2025-03-31", "progress": 20.0, "scheduled": 60.0}
    assert points["2025-04-15"]["progress"] == 55.0
    assert "2025-04-30" not in points


def test_item_page_shows_the_photos_of_the_latest_accepted_report(client, db, settings):
    sub = SubItemFactory()
    older = accepted_report(sub, on=dates.today() - dt.timedelta(days=40), progress="20")
    latest = accepted_report(sub, on=dates.today(), progress="40")
    ReportPhoto.objects.create(report=older, image=SimpleUploadedFile("old.gif", GIF), caption="开工前")
    ReportPhoto.objects.create(report=latest, image=SimpleUploadedFile("new.gif", GIF), caption="主体封顶")
    client.force_login(deputy_user())

    page = client.get(f"/items/{sub.item.pk}/").text

    assert "主体封顶" in page
    assert "开工前" not in page


def _item_with(subs: int) -> Item:
    item = ItemFactory()
    office = office_user()
    for number in range(1, subs + 1):
        sub = SubItemFactory(item=item, number=number)
        MilestoneFactory(sub_item=sub)
        report = accepted_report(sub, on=dates.today(), progress="30", reviewer=office)
        ReportPhoto.objects.create(report=report, image=SimpleUploadedFile(f"p{number}.gif", GIF))
    return item


def test_item_page_runs_the_same_number_of_queries_with_more_sub_items(client, db):
    small, large = _item_with(1), _item_with(6)
    client.force_login(deputy_user())
    counts = []
    for item in (small, large):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/items/{item.pk}/").status_code == 200
        counts.append(len(captured))

    assert counts[0] == counts[1]
