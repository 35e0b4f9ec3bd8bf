"""The monthly 红黄榜: units in the dashboard's order, the 红榜 and 黄榜 by the stated rule, a
printable page and a Word version, and publication on the public page."""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from docx import Document

from core.dates import month_end, today
from projects.models import Unit
from supervision.documents import ranking
from supervision.models import ProgressReport, RankingPublication
from supervision.reading import dashboard
from supervision.reading.progress import plan_progress
from tests.factories import (
    ItemFactory,
    PlanFactory,
    SubItemFactory,
    UnitFactory,
    accepted_report,
    liaison_user,
    office_user,
)

pytestmark = pytest.mark.django_db


def ranked_unit_ids(page: str) -> list[int]:
    table = page[page.index('id="ranking-table"') :]
    return [int(pk) for pk in re.findall(r'data-unit-id="(\d+)"', table[: table.index("</table>")])]


def listed(page: str, list_id: str) -> list[str]:
    section = page[page.index(f'id="{list_id}"') :]
    return re.findall(r'<tr data-unit="([^"]+)"', section[: section.index("</section>")])


def test_units_are_ranked_in_the_dashboards_order_on_every_month_end(client, login, demo):
    login("leader")
    for plan in (demo["plan_2023"], demo["plan_now"]):
        for month in range(1, 13):
            day = month_end(plan.year, month)
            if day >= today():
                break
            expected = [row.unit.pk for row in dashboard.unit_ranking(plan_progress(plan, day))]
            page = client.get(f"/plans/{plan.pk}/ranking/", {"month": f"{plan.year}-{month:02d}"}).text
            assert ranked_unit_ids(page) == expected, (plan, day)
        today_page = client.get(f"/plans/{plan.pk}/ranking/").text
        assert ranked_unit_ids(today_page) == [
            row.unit.pk for row in dashboard.unit_ranking(plan_progress(plan))
        ]


def test_the_red_and_yellow_lists_follow_the_rule_the_page_states(client, login, demo):
    login("deputy")
    plan = demo["plan_2023"]
    page = client.get(f"/plans/{plan.pk}/ranking/").text

    assert ranking.RED_RULE in page and ranking.YELLOW_RULE in page
    assert "全清单按期完成率 61.5%" in page
    # The 2023 list at its close: seven units finished everything on time; four left a red.
    assert listed(page, "red-list") == [
        "区人社局",
        "区卫健局",
        "区教育局",
        "区民政局",
        "区水利局",
        "区通信办",
        "青山供电公司",
    ]
    assert listed(page, "yellow-list") == ["区住建局", "区文旅体局", "区征收中心", "区交通局"]


def test_a_unit_overdue_to_report_is_on_the_yellow_list_however_it_ranks(demo):
    result = ranking.read_ranking(demo["plan_now"])
    names = {str(row.unit): row for row in result.rows}

    assert names["区卫健局"].red == 0 and names["区卫健局"].overdue_report == 1
    assert [str(row.unit) for row in result.yellow] == ["区住建局", "区民政局", "区卫健局"]
    assert [str(row.unit) for row in result.red] == ["青山供电公司", "区教育局"]
    for row in result.rows:
        assert not (row in result.red and row in result.yellow)


def test_before_anything_is_done_on_time_the_red_list_holds_units_ahead_of_pace(db):
    plan = PlanFactory()
    ahead, behind = UnitFactory(name="超前单位"), UnitFactory(name="落后单位")
    start, end = dt.date(plan.year, 1, 1), dt.date(plan.year, 12, 31)
    on = min(dt.date(plan.year, 7, 1), today())
    for unit, progress in ((ahead, "90"), (behind, "20")):
        sub = SubItemFactory(
            item=ItemFactory(plan=plan, lead_unit=unit),
            responsible_unit=unit,
            planned_start=start,
            planned_end=end,
        )
        accepted_report(sub, on=on, progress=progress)

    result = ranking.read_ranking(plan, on)
    assert result.average_on_time_rate == 0
    assert [str(row.unit) for row in result.red] == ["超前单位"]


def test_a_month_reads_as_of_its_last_day_and_a_bad_month_answers_400(client, login, demo):
    login("office")
    plan = demo["plan_2023"]
    by_month = client.get(f"/plans/{plan.pk}/ranking/", {"month": "2023-10"}).text
    by_day = client.get(f"/plans/{plan.pk}/ranking/", {"as_of": "2023-10-31"}).text
    assert ranked_unit_ids(by_month) == ranked_unit_ids(by_day)
    assert "红黄榜（2023年10月）" in by_month
    for bad in ("2023-13", "十月", "1999-12"):
        assert client.get(f"/plans/{plan.pk}/ranking/", {"month": bad}).status_code == 400


def test_the_word_version_lists_the_same_units(client, login, demo):
    login("leader")
    plan = demo["plan_now"]
    response = client.get(f"/plans/{plan.pk}/ranking.docx")
    assert response.status_code == 200
    doc = Document(BytesIO(response.content))
    assert doc.paragraphs[0].text.startswith(f"{plan.title}红黄榜")
    assert round(doc.sections[0].page_width.mm) == 210
    ranks = doc.tables[-1]
    units = [row.cells[1].text for row in ranks.rows[1:]]
    assert units == [str(row.unit) for row in dashboard.unit_ranking(plan_progress(plan))]
    assert [row.cells[1].text for row in doc.tables[1].rows[1:]] == ["区住建局", "区民政局", "区卫健局"]


def test_a_list_with_no_sub_items_says_so(client, login):
    login(office_user())
    plan = PlanFactory()
    page = client.get(f"/plans/{plan.pk}/ranking/").text
    assert "本清单暂无项目，无单位可排名。" in page
    doc = Document(BytesIO(client.get(f"/plans/{plan.pk}/ranking.docx").content))
    assert doc.tables == []
    assert any("本清单暂无项目，无单位可排名。" in p.text for p in doc.paragraphs)


def test_the_public_page_shows_a_ranking_only_once_the_office_publishes_it(client, login, demo):
    plan = demo["plan_now"]
    public = Client()
    assert 'id="public-ranking"' not in public.get(f"/public/plans/{plan.pk}/").text

    login("office")
    month = month_end(plan.year, 3)
    assert month < today()
    response = client.post(f"/plans/{plan.pk}/ranking/publish/", {"month": f"{plan.year}-03"}, follow=True)
    assert f"{plan.year}年3月红黄榜已在信息公开页发布。" in response.text

    page = public.get(f"/public/plans/{plan.pk}/").text
    assert f"{plan.year}年3月红黄榜" in page
    expected = ranking.read_ranking(plan, month)
    assert listed(page, "red-list") == [str(row.unit) for row in expected.red]
    assert listed(page, "yellow-list") == [str(row.unit) for row in expected.yellow]
    # Names and counts only: no problems text, no people.
    for text in (
        ProgressReport.objects.filter(sub_item__item__plan=plan)
        .exclude(problems="")
        .values_list("problems", flat=True)
    ):
        assert text not in page
    for unit in Unit.objects.exclude(contact_person=""):
        assert unit.contact_person not in page

    # Publishing the same month again withdraws it.
    client.post(f"/plans/{plan.pk}/ranking/publish/", {"month": f"{plan.year}-03"})
    assert 'id="public-ranking"' not in public.get(f"/public/plans/{plan.pk}/").text
    assert not RankingPublication.objects.exists()


def test_a_month_not_over_is_not_published(client, login, demo):
    login("office")
    plan = demo["plan_now"]
    this_month = today().strftime("%Y-%m")
    response = client.post(f"/plans/{plan.pk}/ranking/publish/", {"month": this_month}, follow=True)
    assert "只能发布已结束月份的红黄榜。" in response.text
    assert not RankingPublication.objects.exists()
    assert client.post(f"/plans/{plan.pk}/ranking/publish/", {"month": "三月"}).status_code == 400


def test_only_the_office_publishes_and_liaisons_see_no_ranking(client, login, demo):
    plan = demo["plan_now"]
    month = f"{plan.year}-03"
    for reader in ("leader", "deputy"):
        login(reader)
        page = client.get(f"/plans/{plan.pk}/ranking/", {"month": month}).text
        assert "ranking-table" in page and "/ranking/publish/" not in page
        assert client.post(f"/plans/{plan.pk}/ranking/publish/", {"month": month}).status_code == 403
    login(liaison_user(Unit.objects.get(code="housing")))
    for url in (f"/plans/{plan.pk}/ranking/", f"/plans/{plan.pk}/ranking.docx"):
        assert client.get(url).status_code == 403
    assert client.post(f"/plans/{plan.pk}/ranking/publish/", {"month": month}).status_code == 403
    assert not RankingPublication.objects.exists()


def test_the_ranking_page_runs_the_same_number_of_queries_whatever_the_plans_size(client, login):
    login(office_user())
    counts = []
    for size in (1, 6):
        plan = PlanFactory()
        for number in range(1, size + 1):
            unit = UnitFactory()
            sub = SubItemFactory(item=ItemFactory(plan=plan, number=number, lead_unit=unit))
            accepted_report(sub, on=sub.planned_start, progress="10")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/plans/{plan.pk}/ranking/").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
