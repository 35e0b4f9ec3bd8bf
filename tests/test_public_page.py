"""The public disclosure page (信息公开): published lists, no login, nothing internal."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Plan, Unit, User
from supervision.models import ProgressReport
from tests.factories import ItemFactory, PlanFactory, SubItemFactory, accepted_report


def test_anyone_can_read_a_published_plan_without_logging_in(client, demo):
    page = client.get(f"/public/plans/{demo['plan_2023'].pk}/").text

    assert "10件13项，已完成6件8项，完成率60%" in page
    assert "377.5%" in page
    # A closed year shows its final verdicts, not lights that were live three years ago.
    assert "已于 2024年1月20日 结束" in page
    assert "按期完成" in page and "未完成" in page
    assert "严重滞后" not in page


def test_public_list_shows_published_plans_only(client, demo):
    draft = PlanFactory(status=Plan.Status.DRAFT, title="内部草拟清单")
    page = client.get("/public/").text

    assert demo["plan_2023"].title in page
    assert draft.title not in page


def test_a_draft_plan_is_not_found(client, db):
    draft = PlanFactory(status=Plan.Status.DRAFT)
    SubItemFactory(item=ItemFactory(plan=draft))

    assert client.get(f"/public/plans/{draft.pk}/").status_code == 404


def test_public_page_leaves_out_problems_notes_names_and_phone_numbers(client, demo):
    plan = demo["plan_2023"]
    page = client.get(f"/public/plans/{plan.pk}/").text
    problems = ProgressReport.objects.filter(sub_item__item__plan=plan).exclude(problems="")
    assert problems.exists()

    for report in problems:
        assert report.problems not in page
    assert "存在问题" not in page
    for unit in Unit.objects.all():
        assert unit.contact_phone not in page
        assert unit.contact_person not in page
    for user in User.objects.all():
        assert f">{user.username}<" not in page
        assert str(user) not in page
    for item in plan.items.all():
        assert item.responsible_leader not in page
        for sub in item.sub_items.exclude(first_responsible_person=""):
            assert sub.first_responsible_person not in page


@pytest.mark.parametrize("url", ["/public/", "/public/plans/{pk}/"])
def test_public_pages_run_the_same_number_of_queries_whatever_the_plans_size(client, db, url):
    counts = []
    for size in (1, 6):
        plan = PlanFactory()
        for number in range(1, size + 1):
            sub = SubItemFactory(item=ItemFactory(plan=plan, number=number))
            accepted_report(sub, on=sub.planned_start, progress="10")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url.format(pk=plan.pk)).status_code == 200
        counts.append(len(captured))

    assert counts[0] == counts[1]
