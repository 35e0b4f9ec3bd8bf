"""The pace rules without a database: scheduled pace, lag, lights, roll-up, forecasts, and the
reporting periods behind overdue-to-report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from core.lights import Light
from supervision.ledger import periods
from supervision.ledger.rules import owes_report
from supervision.reading import pace


def _is_overdue_to_report(sub, report, is_complete, period):
    return owes_report(
        is_complete=is_complete, planned_start=sub.planned_start, last_report=report, period=period
    )


def pace_on(day, start=date(2025, 1, 1), end=date(2025, 12, 31), milestones=(), year=2025):
    return pace.scheduled_pace(day, start, end, milestones, plan_year=year)


class TestScheduledPace:
    def test_is_zero_before_and_on_the_planned_start(self):
        assert pace_on(date(2024, 12, 1)) == 0
        assert pace_on(date(2025, 1, 1)) == 0

    def test_is_one_hundred_on_and_after_the_deadline(self):
        assert pace_on(date(2025, 12, 31)) == 100
        assert pace_on(date(2026, 3, 1)) == 100

    def test_is_linear_between_start_and_deadline_without_milestones(self):
        # 1 Jan → 11 Jan: 10 days out of 20.
        assert pace_on(date(2025, 1, 11), end=date(2025, 1, 21)) == D("50.00")

    def test_passes_through_each_milestone(self):
        milestones = [(date(2025, 3, 1), D("80"))]
        assert pace_on(date(2025, 3, 1), end=date(2025, 5, 1), milestones=milestones) == D("80.00")

    def test_interpolates_between_milestones_piecewise(self):
        milestones = [(date(2025, 1, 11), D("20")), (date(2025, 1, 21), D("60"))]
        end = date(2025, 1, 31)
        assert pace_on(date(2025, 1, 6), end=end, milestones=milestones) == D("10.00")
        assert pace_on(date(2025, 1, 16), end=end, milestones=milestones) == D("40.00")
        assert pace_on(date(2025, 1, 26), end=end, milestones=milestones) == D("80.00")

    def test_ignores_milestones_outside_the_planned_dates(self):
        milestones = [(date(2024, 6, 1), D("90")), (date(2026, 6, 1), D("10"))]
        assert pace_on(date(2025, 1, 11), end=date(2025, 1, 21), milestones=milestones) == D("50.00")

    def test_uses_the_plans_calendar_year_when_dates_are_missing(self):
        assert pace_on(date(2025, 7, 2), start=None, end=None) == pace_on(date(2025, 7, 2))
        assert pace_on(date(2025, 1, 1), start=None, end=None) == 0
        assert pace_on(date(2025, 12, 31), start=None, end=None) == 100

    def test_missing_start_counts_from_first_of_january(self):
        assert pace_on(date(2025, 1, 11), start=None, end=date(2025, 1, 21)) == D("50.00")

    def test_start_and_deadline_on_one_day_is_due_that_day(self):
        day = date(2025, 5, 5)
        assert pace_on(date(2025, 5, 4), start=day, end=day) == 0
        assert pace_on(day, start=day, end=day) == 100


class TestLag:
    def test_lag_is_scheduled_minus_progress_in_points(self):
        assert pace.lag_points(D("60"), D("45.5")) == D("14.50")

    def test_lag_is_negative_when_ahead(self):
        assert pace.lag_points(D("40"), D("55")) == D("-15.00")


def light(
    scheduled, progress, *, on=date(2025, 6, 1), complete=False, deadline=date(2025, 12, 31), start=None
):
    return pace.light_for(
        on=on,
        scheduled=D(scheduled),
        progress=D(progress),
        is_complete=complete,
        deadline=deadline,
        planned_start=start,
        yellow_margin=D("10"),
        red_margin=D("30"),
    )


class TestLight:
    def test_green_at_or_above_the_pace_and_within_the_yellow_margin(self):
        assert light("50", "60") == Light.GREEN
        assert light("50", "50") == Light.GREEN
        assert light("50", "40.01") == Light.GREEN

    def test_yellow_from_the_yellow_margin_up_to_the_red_margin(self):
        assert light("50", "40") == Light.YELLOW
        assert light("50", "20") == Light.YELLOW

    def test_red_beyond_the_red_margin(self):
        assert light("50", "19.99") == Light.RED

    def test_margins_come_from_the_plan(self):
        strict = pace.light_for(
            on=date(2025, 6, 1),
            scheduled=D("50"),
            progress=D("45"),
            is_complete=False,
            deadline=None,
            yellow_margin=D("5"),
            red_margin=D("20"),
        )
        assert strict == Light.YELLOW

    def test_red_when_past_the_deadline_unfinished_even_close_to_done(self):
        assert light("100", "99", on=date(2026, 1, 1)) == Light.RED

    def test_completed_is_blue_and_never_lagging(self):
        assert light("100", "10", complete=True, on=date(2026, 6, 1)) == Light.BLUE

    def test_not_started_after_its_start_is_at_least_yellow(self):
        assert light("2", "0", start=date(2025, 5, 20)) == Light.YELLOW

    def test_not_started_three_months_after_its_start_is_red(self):
        assert light("5", "0", start=date(2025, 3, 1)) == Light.RED

    def test_not_started_before_its_start_is_green(self):
        assert light("0", "0", start=date(2025, 7, 1)) == Light.GREEN


class TestRollUp:
    def test_item_pace_and_progress_are_weighted_means_of_its_sub_items(self):
        scheduled, progress = pace.roll_up(
            [pace.Weighted(D("3"), D("60"), D("30")), pace.Weighted(D("1"), D("20"), D("90"))]
        )
        assert scheduled == D("50.00")
        assert progress == D("45.00")

    def test_no_sub_items_roll_up_to_zero(self):
        assert pace.roll_up([]) == (D("0"), D("0"))


class TestForecast:
    def test_two_points_extend_their_line_to_one_hundred_percent(self):
        history = [(date(2025, 1, 1), D("10")), (date(2025, 1, 11), D("20"))]
        assert pace.forecast_completion(history) == date(2025, 4, 1)

    def test_least_squares_over_several_reports(self):
        history = [(date(2025, 1, 1), D("0")), (date(2025, 1, 11), D("12")), (date(2025, 1, 21), D("20"))]
        # Slope 1 point a day through the mean (day 10, 10.67%): 100% after 99.3 days, so the
        # forecast is day 100 — 11 April.
        assert pace.forecast_completion(history) == date(2025, 4, 11)

    def test_only_the_latest_reports_set_the_trend(self):
        slow_start = [(date(2025, 1, d), D("0")) for d in range(1, 9)]
        recent = [(date(2025, 2, 1), D("50")), (date(2025, 2, 11), D("60"))]
        assert pace.forecast_completion(slow_start + recent, window=2) == date(2025, 3, 23)

    @pytest.mark.parametrize(
        "history",
        [
            [],
            [(date(2025, 1, 1), D("40"))],
            [(date(2025, 3, 1), D("40")), (date(2025, 3, 1), D("50"))],
            [(date(2025, 1, 1), D("40")), (date(2025, 2, 1), D("40"))],
            [(date(2025, 1, 1), D("60")), (date(2025, 2, 1), D("40"))],
        ],
        ids=["no reports", "one report", "same day", "flat", "falling"],
    )
    def test_no_forecast_without_an_upward_trend(self, history):
        assert pace.forecast_completion(history) is None

    def test_no_forecast_when_the_trend_would_take_more_than_five_years(self):
        history = [(date(2025, 1, 1), D("10")), (date(2025, 12, 31), D("10.5"))]
        assert pace.forecast_completion(history) is None

    def test_forecast_is_never_before_the_check_date(self):
        history = [(date(2025, 1, 1), D("10")), (date(2025, 1, 11), D("90"))]
        assert pace.forecast_completion(history, not_before=date(2025, 6, 1)) == date(2025, 6, 1)

    def test_forecast_is_late_only_after_the_deadline(self):
        assert pace.forecast_is_late(date(2026, 1, 1), date(2025, 12, 31))
        assert not pace.forecast_is_late(date(2025, 12, 31), date(2025, 12, 31))
        assert not pace.forecast_is_late(None, date(2025, 12, 31))
        assert not pace.forecast_is_late(date(2026, 1, 1), None)


class TestPeriods:
    def test_monthly_report_is_due_on_the_due_day_of_the_next_month(self):
        period = periods.period_containing(date(2025, 12, 17), periods.MONTHLY, 5)
        assert (period.start, period.end, period.due) == (
            date(2025, 12, 1),
            date(2025, 12, 31),
            date(2026, 1, 5),
        )

    def test_open_period_is_last_month_until_its_due_day(self):
        assert periods.open_period(date(2025, 11, 5), periods.MONTHLY, 5).start == date(2025, 10, 1)
        assert periods.open_period(date(2025, 11, 6), periods.MONTHLY, 5).start == date(2025, 11, 1)

    def test_last_due_period_is_the_latest_whose_due_day_has_passed(self):
        assert periods.last_due_period(date(2025, 11, 5), periods.MONTHLY, 5).start == date(2025, 9, 1)
        assert periods.last_due_period(date(2025, 11, 6), periods.MONTHLY, 5).start == date(2025, 10, 1)

    def test_weekly_report_is_due_on_the_given_weekday_of_the_next_week(self):
        period = periods.period_containing(date(2025, 6, 4), periods.WEEKLY, 2)
        assert (period.start, period.end, period.due) == (
            date(2025, 6, 2),
            date(2025, 6, 8),
            date(2025, 6, 10),
        )


class TestOverdueToReport:
    due_period = periods.period_containing(date(2025, 10, 1), periods.MONTHLY, 5)

    def sub(self, start=date(2025, 1, 1)):
        return SimpleNamespace(planned_start=start)

    def report(self, period_start):
        return SimpleNamespace(period_start=period_start)

    def test_no_accepted_report_ever_is_overdue(self):
        assert _is_overdue_to_report(self.sub(), None, False, self.due_period)

    def test_report_for_an_earlier_period_only_is_overdue(self):
        assert _is_overdue_to_report(self.sub(), self.report(date(2025, 9, 1)), False, self.due_period)

    def test_report_for_the_due_period_is_not_overdue(self):
        assert not _is_overdue_to_report(self.sub(), self.report(date(2025, 10, 1)), False, self.due_period)

    def test_completed_is_never_overdue(self):
        assert not _is_overdue_to_report(self.sub(), None, True, self.due_period)

    def test_not_overdue_before_its_planned_start(self):
        assert not _is_overdue_to_report(self.sub(date(2025, 11, 1)), None, False, self.due_period)

    def test_without_a_start_date_it_is_expected_to_report(self):
        assert _is_overdue_to_report(self.sub(None), None, False, self.due_period)
