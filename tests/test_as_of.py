"""Figures "as of" a past date, on the demo county: recomputed from the reports accepted by then."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from projects.completion import item_is_complete
from supervision.models import ProgressReport
from supervision.reading.progress import plan_progress
from supervision.reading.summary import plan_figures

MID_2023 = dt.date(2023, 6, 30)


def accepted_by(plan, day: dt.date) -> dict[int, list[bool]]:
    """Straight from the report table: per item, whether each sub-item's latest report
    accepted on or before ``day`` marks it complete."""
    latest: dict[int, ProgressReport] = {}
    reports = ProgressReport.objects.filter(
        sub_item__item__plan=plan, state=ProgressReport.State.ACCEPTED, accepted_on__lte=day
    ).order_by("accepted_on", "reviewed_at", "id")
    for report in reports:
        latest[report.sub_item_id] = report
    by_item: dict[int, list[bool]] = {}
    for item in plan.items.prefetch_related("sub_items"):
        by_item[item.pk] = [
            latest[s.pk].marks_complete if s.pk in latest else False for s in item.sub_items.all()
        ]
    return by_item


def test_2023_summary_as_of_30_june_matches_the_reports_accepted_by_then(demo):
    plan = demo["plan_2023"]
    expected = accepted_by(plan, MID_2023)

    summary = plan_progress(plan, MID_2023).summary

    assert summary.items_total == 10 and summary.subitems_total == 13
    assert summary.subitems_completed == sum(sum(flags) for flags in expected.values())
    assert summary.items_completed == sum(
        1 for flags in expected.values() if item_is_complete("completed" if f else "x" for f in flags)
    )


def test_2023_summary_as_of_30_june_differs_from_today(demo):
    plan = demo["plan_2023"]

    today = plan_progress(plan).summary
    mid_year = plan_progress(plan, MID_2023).summary

    assert today.headline == "10件13项，已完成6件8项，完成率60%"
    assert (mid_year.items_completed, mid_year.subitems_completed) < (6, 8)
    assert mid_year.headline != today.headline


def test_progress_as_of_a_date_uses_each_sub_items_last_report_accepted_by_then(demo):
    plan = demo["plan_2023"]
    progress = plan_progress(plan, MID_2023)

    for state in progress.sub_states:
        last = (
            ProgressReport.objects.filter(
                sub_item=state.sub_item, state=ProgressReport.State.ACCEPTED, accepted_on__lte=MID_2023
            )
            .order_by("-accepted_on", "-reviewed_at", "-id")
            .first()
        )
        assert state.last_report == last
        expected = 0 if last is None else (100 if last.marks_complete else last.progress_percent)
        assert state.progress_percent == expected


def test_today_recomputed_from_history_agrees_with_the_current_figures(demo):
    """The current fields are kept by accepting reports; recomputing from the history as of
    the last acceptance must give the same headline figures."""
    plan = demo["plan_2023"]
    last_day = ProgressReport.objects.filter(sub_item__item__plan=plan).latest("accepted_on").accepted_on

    historical = plan_progress(plan, last_day).summary
    current = plan_progress(plan).summary

    assert historical == current


def test_plan_page_as_of_30_june_shows_that_days_headline(demo, client, login):
    plan = demo["plan_2023"]
    login("leader")
    mid_year = plan_figures(plan_progress(plan, MID_2023))

    page = client.get(reverse("plan_detail", args=[plan.pk]), {"as_of": "2023-06-30"}).content.decode()

    assert "2023年6月30日" in page
    assert f"已完成{mid_year['items_completed']}件{mid_year['subitems_completed']}项" in page


@pytest.mark.parametrize("url_name", ["plan_detail", "item_detail", "subitem_detail"])
def test_a_malformed_as_of_date_is_a_bad_request(demo, client, login, url_name):
    plan = demo["plan_2023"]
    target = {
        "plan_detail": plan.pk,
        "item_detail": plan.items.first().pk,
        "subitem_detail": plan.items.first().sub_items.first().pk,
    }[url_name]
    login("office")

    assert client.get(reverse(url_name, args=[target]), {"as_of": "2023-13-45"}).status_code == 400
