"""The completion rules, with the figures from the real inspection speech."""

from decimal import Decimal

import pytest

from projects.completion import (
    PlanSummary,
    completion_rate,
    format_percent,
    format_target,
    item_is_complete,
    summarize,
)


def test_completion_rate_can_exceed_one_hundred_percent():
    assert completion_rate(Decimal("453"), Decimal("120")) == Decimal("3.775")
    assert format_percent(completion_rate(Decimal("453"), Decimal("120"))) == "377.5%"
    assert completion_rate(Decimal("169"), Decimal("100")) == Decimal("1.69")
    assert format_percent(completion_rate(Decimal("169"), Decimal("100"))) == "169%"


def test_completion_rate_without_numeric_target_is_none():
    assert completion_rate(Decimal("10"), None) is None
    assert format_percent(None) == "—"


def test_completion_rate_counts_missing_actual_as_zero():
    assert completion_rate(None, Decimal("50")) == Decimal("0")


@pytest.mark.parametrize(
    ("statuses", "complete"),
    [
        (["completed", "completed"], True),
        (["completed", "in_progress"], False),
        (["not_started"], False),
        ([], False),
    ],
)
def test_item_is_complete_only_when_every_sub_item_is(statuses, complete):
    assert item_is_complete(statuses) is complete


def test_plan_summary_reproduces_the_inspection_speech():
    statuses = {n: ["completed"] for n in range(5)}
    statuses[5] = ["completed", "completed"]  # 6 items made of 7 sub-items, all complete
    statuses[6] = ["completed", "in_progress"]  # the 8th complete sub-item; its item is not
    statuses[7] = ["in_progress"]
    statuses[8] = ["in_progress"]
    statuses[9] = ["not_started", "in_progress"]
    summary = summarize(statuses)
    assert (summary.items_total, summary.subitems_total) == (10, 13)
    assert (summary.items_completed, summary.subitems_completed) == (6, 8)
    assert summary.item_completion_rate == Decimal("0.6")
    assert (summary.items_remaining, summary.subitems_remaining) == (4, 5)
    assert summary.headline == "10件13项，已完成6件8项，完成率60%"


def test_empty_plan_summary_has_zero_rate():
    assert PlanSummary(0, 0, 0, 0).item_completion_rate == 0
    assert PlanSummary(0, 0, 0, 0).headline == "0件0项，已完成0件0项，完成率0%"


def test_target_reads_as_published():
    assert format_target(Decimal("120.00"), "个", True) == "120个以上"
    assert format_target(Decimal("35.50"), "公里", False) == "35.5公里"
    assert format_target(None, "", False) == "—"
