"""Each list page exports what it shows, with the page's filters and the user's scope."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import Unit
from supervision.models import Rectification, RectificationEvent
from tests.factories import leader_user, liaison_user, office_user
from tests.test_briefing import build_plan

pytestmark = pytest.mark.django_db


def rows_of(response, first_row=4):
    assert response.status_code == 200
    ws = load_workbook(BytesIO(response.content)).worksheets[0]
    return [r for r in ws.iter_rows(min_row=first_row, values_only=True) if any(v is not None for v in r)]


def test_plan_table_export_keeps_the_unit_filter(client, login):
    plan = build_plan(items=2, subs_per_item=2)
    water = Unit.objects.get(code="water-t")
    login(leader_user())
    rows = rows_of(client.get(reverse("plan_export_xlsx", args=[plan.pk]), {"unit": water.pk}))
    assert [r[3] for r in rows] == ["任务1.2", "任务2.1", "任务2.2"]
    assert {r[5] for r in rows} == {"区水利局"}


def test_plan_table_export_keeps_the_light_filter(client, login):
    plan = build_plan(items=2, subs_per_item=2)
    login(office_user())
    rows = rows_of(client.get(reverse("plan_export_xlsx", args=[plan.pk]), {"light": "blue"}))
    assert [r[3] for r in rows] == ["建成5G基站120个以上"]
    assert rows[0][15] == 3.775


def test_a_liaison_exports_only_their_own_units_rows(client, login):
    plan = build_plan(items=2, subs_per_item=2)
    login(liaison_user(Unit.objects.get(code="telecom-t")))
    rows = rows_of(client.get(reverse("plan_export_xlsx", args=[plan.pk])))
    assert [r[3] for r in rows] == ["建成5G基站120个以上"]


def test_lagging_export_lists_only_red_and_yellow_sub_items(client, login):
    plan = build_plan(items=2, subs_per_item=2)
    login(office_user())
    rows = rows_of(client.get(reverse("plan_lagging_xlsx", args=[plan.pk])))
    assert sorted(r[1] for r in rows) == ["1.2", "2.1", "2.2"]
    telecom = Unit.objects.get(code="telecom-t")
    rows = rows_of(client.get(reverse("plan_lagging_xlsx", args=[plan.pk]), {"unit": telecom.pk}))
    assert rows == [("无滞后项目。",) + (None,) * 8]


def test_a_liaison_exports_only_their_own_units_lagging_rows(client, login):
    plan = build_plan(items=2, subs_per_item=2)
    login(liaison_user(Unit.objects.get(code="telecom-t")))
    rows = rows_of(client.get(reverse("plan_lagging_xlsx", args=[plan.pk])))
    assert rows == [("无滞后项目。",) + (None,) * 8]


def _rectification(plan, unit, state, title):
    """A rectification with the history its state implies (the board reads states from it)."""
    office = office_user(username="rect-office")
    rectification = Rectification.objects.create(
        plan=plan,
        source=Rectification.Source.PACE,
        unit=unit,
        title=title,
        required_action="加快进度",
        deadline=dt.date(2030, 1, 1),
        state=state,
        created_by=office,
    )
    RectificationEvent.objects.create(rectification=rectification, action="created", actor=office)
    if state == Rectification.State.CLOSED:
        RectificationEvent.objects.create(rectification=rectification, action="responded", actor=office)
        RectificationEvent.objects.create(rectification=rectification, action="closed", actor=office)
    return rectification


def test_rectifications_export_keeps_the_state_filter_and_the_liaisons_scope(client, login):
    plan = build_plan(items=1, subs_per_item=1)
    water, telecom = Unit.objects.get(code="water-t"), Unit.objects.get(code="telecom-t")
    _rectification(plan, water, Rectification.State.OPEN, "管网进度慢")
    _rectification(plan, telecom, Rectification.State.CLOSED, "基站选址")
    _rectification(plan, telecom, Rectification.State.OPEN, "基站审批")
    login(office_user())
    rows = rows_of(client.get(reverse("rectifications_export_xlsx"), {"state": "open"}))
    assert sorted(r[2] for r in rows) == ["基站审批", "管网进度慢"]
    login(liaison_user(water))
    rows = rows_of(client.get(reverse("rectifications_export_xlsx")))
    assert [r[2] for r in rows] == ["管网进度慢"]


@pytest.mark.parametrize("url_name", ["plan_export_xlsx", "plan_lagging_xlsx"])
def test_list_exports_run_the_same_number_of_queries_for_a_larger_plan(client, login, url_name):
    login(office_user())
    small = build_plan(items=1, subs_per_item=1)
    large = build_plan(items=5, subs_per_item=3, title="大清单")
    counts = []
    for plan in (small, large):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(url_name, args=[plan.pk])).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_rectifications_export_runs_the_same_number_of_queries_for_more_rows(client, login):
    plan = build_plan(items=1, subs_per_item=1)
    water = Unit.objects.get(code="water-t")
    login(office_user())
    counts = []
    for n in (1, 6):
        for i in range(n):
            _rectification(plan, water, Rectification.State.OPEN, f"问题{n}-{i}")
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("rectifications_export_xlsx"))
        counts.append(len(ctx))
    assert counts[0] == counts[1]
