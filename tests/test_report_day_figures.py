"""The report-day benchmark's arithmetic: percentiles, per-request-type figures and the lines
that print each figure beside its target. (The load run itself is ``make bench``, never here.)"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parent.parent / "bench" / "report_day.py"


@pytest.fixture(scope="module")
def report_day():
    spec = importlib.util.spec_from_file_location("report_day", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_percentile_is_nearest_rank(report_day):
    values = list(range(1, 101))  # 1 … 100
    assert report_day.percentile(values, 0.50) == 50
    assert report_day.percentile(values, 0.95) == 95
    assert report_day.percentile([7.0], 0.95) == 7.0
    assert report_day.percentile([3, 1, 2], 0.5) == 2
    assert report_day.percentile([], 0.5) == 0.0


def test_summarize_counts_errors_and_percentiles_per_request_type(report_day):
    records = [("tasks page", ms, True) for ms in range(10, 110, 10)] + [
        ("submit report", 200, True),
        ("submit report", 900, False),
    ]
    summary = report_day.summarize(records)
    assert summary["tasks page"] == {"count": 10, "errors": 0, "p50": 50, "p95": 100}
    assert summary["submit report"]["count"] == 2
    assert summary["submit report"]["errors"] == 1


def test_figures_meet_their_targets_only_without_errors(report_day):
    clean = report_day.summarize([(name, 100, True) for name in ("tasks page", "login")] * 10)
    lines, ok = report_day.figure_lines(clean, elapsed=10, liaisons=10, played=10, accepted=10, journeys=10)
    assert ok
    assert all("target" in line for line in lines)
    assert any(line.startswith("errors") and "target 0: OK" in line for line in lines)

    failing = report_day.summarize([("tasks page", 100, True), ("submit report", 100, False)])
    lines, ok = report_day.figure_lines(failing, elapsed=10, liaisons=1, played=1, accepted=1, journeys=1)
    assert not ok
    assert any(line.startswith("errors") and "MISSED" in line for line in lines)


def test_a_report_not_accepted_misses_the_target(report_day):
    summary = report_day.summarize([("tasks page", 100, True)])
    lines, ok = report_day.figure_lines(summary, elapsed=10, liaisons=2, played=2, accepted=1, journeys=2)
    assert not ok
    assert any("1 of 2" in line and "MISSED" in line for line in lines)


def test_slow_pages_miss_their_latency_target(report_day):
    summary = report_day.summarize([("tasks page", 5000, True)] * 4)
    lines, ok = report_day.figure_lines(summary, elapsed=10, liaisons=1, played=1, accepted=1, journeys=1)
    assert not ok
    assert any(line.startswith("tasks page") and "MISSED" in line for line in lines)
