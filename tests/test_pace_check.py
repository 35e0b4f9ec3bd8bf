"""The recorded pace check: current lights, flag history, warnings, reminders and the tasks."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal as D

import pytest
from celery.exceptions import Retry
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from core.lights import Light
from projects.models import SubItem, User
from supervision import tasks
from supervision.followup.services import pace_check
from supervision.models import Flag, ItemPace, Notification, ProgressReport, ReminderLog, SubItemPace
from supervision.reading.progress import plan_progress
from tests.factories import (
    ItemFactory,
    PlanFactory,
    ProgressReportFactory,
    SubItemFactory,
    UnitFactory,
    accepted_report,
    liaison_user,
    office_user,
)

YEAR = 2025
CHECK_DAY = date(YEAR, 7, 1)  # scheduled pace of a Jan–Dec sub-item: 49.73%


def report(sub, month: int, progress, *, complete=False, accepted_on=None):
    return accepted_report(
        sub,
        on=accepted_on or date(YEAR, month + 1, 4),
        period_start=date(YEAR, month, 1),
        progress=progress,
        complete=complete,
        reviewer=office_user(username="reviewer"),
    )


def build_plan(groups: int = 1, unit=None):
    """A plan whose items each hold a green, a yellow, a red and a completed sub-item and one
    whose unit stopped reporting after April, all for one unit with one liaison."""
    plan = PlanFactory(year=YEAR)
    unit = unit or UnitFactory()
    liaison_user(unit, username=f"liaison-{unit.code}")
    subs = {}
    for n in range(1, groups + 1):
        item = ItemFactory(plan=plan, number=n, lead_unit=unit)
        for number, (name, april, may) in enumerate(
            [("green", 40, 50), ("yellow", 30, 35), ("red", 4, 5), ("done", 90, 100), ("silent", 30, None)],
            start=1,
        ):
            sub = SubItemFactory(item=item, number=number, responsible_unit=unit)
            report(sub, 4, april)
            if may is not None:
                report(sub, 5, may, complete=name == "done")
            subs.setdefault(name, []).append(sub)
    retire_report_authors()
    return plan, subs


def retire_report_authors():
    """The factory gives every report a new author; make them former liaisons so that each
    unit has exactly the liaisons a test names (all called liaison-…)."""
    User.objects.filter(unit__isnull=False).exclude(username__startswith="liaison-").update(is_active=False)


def state_of(plan) -> tuple:
    paces = sorted(
        SubItemPace.objects.filter(sub_item__item__plan=plan).values_list(
            "sub_item_id",
            "checked_on",
            "scheduled_percent",
            "progress_percent",
            "lag_points",
            "light",
            "overdue_report",
            "forecast_completion",
            "forecast_late",
        )
    )
    items = sorted(ItemPace.objects.filter(item__plan=plan).values_list("item_id", "light", "lag_points"))
    flags = sorted(
        Flag.objects.filter(sub_item__item__plan=plan).values_list(
            "sub_item_id", "kind", "raised_on", "cleared_on"
        )
    )
    return paces, items, flags, Notification.objects.count()


@pytest.mark.django_db
class TestCheckPlan:
    def test_records_each_sub_items_light_and_the_items_roll_up(self):
        plan, subs = build_plan()
        pace_check.check_plan(plan, CHECK_DAY)

        lights = dict(SubItemPace.objects.values_list("sub_item_id", "light"))
        assert lights[subs["green"][0].pk] == Light.GREEN
        assert lights[subs["yellow"][0].pk] == Light.YELLOW
        assert lights[subs["red"][0].pk] == Light.RED
        assert lights[subs["done"][0].pk] == Light.BLUE
        red = SubItemPace.objects.get(sub_item=subs["red"][0])
        assert (red.scheduled_percent, red.progress_percent, red.lag_points) == (
            D("49.73"),
            D("5"),
            D("44.73"),
        )
        assert red.checked_on == CHECK_DAY
        item_pace = ItemPace.objects.get(item=subs["red"][0].item)
        assert item_pace.light == Light.RED  # an item is never greener than a red sub-item
        assert item_pace.progress_percent == D("44.00")  # (50 + 35 + 5 + 100 + 30) / 5

    def test_raises_flags_for_lagging_and_overdue_reports_dated_the_check_day(self):
        plan, subs = build_plan()
        pace_check.check_plan(plan, CHECK_DAY)

        open_flags = set(
            Flag.objects.filter(cleared_on__isnull=True).values_list("sub_item_id", "kind", "raised_on")
        )
        assert (subs["yellow"][0].pk, Flag.Kind.YELLOW, CHECK_DAY) in open_flags
        assert (subs["red"][0].pk, Flag.Kind.RED, CHECK_DAY) in open_flags
        assert (subs["silent"][0].pk, Flag.Kind.OVERDUE_REPORT, CHECK_DAY) in open_flags
        assert not Flag.objects.filter(sub_item__in=[subs["green"][0], subs["done"][0]]).exists()
        assert SubItemPace.objects.get(sub_item=subs["silent"][0]).overdue_report

    def test_running_twice_gives_the_same_state(self):
        plan, _ = build_plan(groups=2)
        pace_check.check_plan(plan, CHECK_DAY)
        first = state_of(plan)
        result = pace_check.check_plan(plan, CHECK_DAY)

        assert state_of(plan) == first
        assert result.raised == {} and result.cleared == {} and result.notified == 0

    def test_a_recovered_sub_item_clears_its_flag_and_keeps_the_history(self):
        plan, subs = build_plan()
        red = subs["red"][0]
        pace_check.check_plan(plan, CHECK_DAY)
        report(red, 6, 60, accepted_on=date(YEAR, 7, 3))
        pace_check.check_plan(plan, date(YEAR, 7, 10))

        flag = Flag.objects.get(sub_item=red, kind=Flag.Kind.RED)
        assert (flag.raised_on, flag.cleared_on) == (CHECK_DAY, date(YEAR, 7, 10))
        assert SubItemPace.objects.get(sub_item=red).light == Light.GREEN

    def test_yellow_turning_red_clears_yellow_and_raises_red(self):
        plan, subs = build_plan()
        yellow = subs["yellow"][0]
        pace_check.check_plan(plan, CHECK_DAY)
        pace_check.check_plan(plan, date(YEAR, 8, 31))  # no new report: 66.5% due, 35% done

        flags = Flag.objects.filter(sub_item=yellow, kind__in=[Flag.Kind.YELLOW, Flag.Kind.RED])
        assert dict(flags.values_list("kind", "cleared_on")) == {
            Flag.Kind.YELLOW: date(YEAR, 8, 31),
            Flag.Kind.RED: None,
        }

    def test_completion_clears_every_flag(self):
        plan, subs = build_plan()
        red = subs["red"][0]
        pace_check.check_plan(plan, CHECK_DAY)
        report(red, 6, 100, complete=True, accepted_on=date(YEAR, 7, 3))
        pace_check.check_plan(plan, date(YEAR, 7, 4))

        assert not Flag.objects.filter(sub_item=red, cleared_on__isnull=True).exists()
        assert SubItemPace.objects.get(sub_item=red).light == Light.BLUE

    def test_a_past_date_uses_only_reports_accepted_by_then(self):
        plan, subs = build_plan()
        red = subs["red"][0]
        report(red, 6, 60, accepted_on=date(YEAR, 7, 3))

        pace_check.check_plan(plan, CHECK_DAY)

        assert SubItemPace.objects.get(sub_item=red).progress_percent == D("5")
        assert Flag.objects.filter(sub_item=red, kind=Flag.Kind.RED, cleared_on__isnull=True).exists()

    def test_forecast_follows_the_trend_and_is_flagged_after_the_deadline(self):
        plan, subs = build_plan()
        pace_check.check_plan(plan, CHECK_DAY)

        green = SubItemPace.objects.get(sub_item=subs["green"][0])
        # 40% on 4 May, 50% on 4 June: 10 points in 31 days, 100% 155 days after 4 June.
        assert green.forecast_completion == date(YEAR, 11, 6)
        assert not green.forecast_late
        slow = SubItemPace.objects.get(sub_item=subs["yellow"][0])
        assert slow.forecast_late and slow.forecast_completion > date(YEAR, 12, 31)
        assert Flag.objects.filter(sub_item=subs["yellow"][0], kind=Flag.Kind.FORECAST_LATE).exists()
        assert SubItemPace.objects.get(sub_item=subs["done"][0]).forecast_completion is None

    def test_liaisons_are_warned_once_per_check_about_sub_items_newly_red(self):
        plan, subs = build_plan(groups=2)
        other_unit_liaison = liaison_user(UnitFactory(), username="liaison-other")
        pace_check.check_plan(plan, CHECK_DAY)
        pace_check.check_plan(plan, CHECK_DAY)

        warnings = Notification.objects.filter(kind=Notification.Kind.PACE_WARNING)
        assert warnings.count() == 1
        warning = warnings.get()
        assert warning.recipient.unit == subs["red"][0].responsible_unit
        assert "2项转为红灯" in warning.title
        assert subs["red"][0].code in warning.body and subs["red"][1].code in warning.body
        assert warning.url == f"/plans/{plan.pk}/lagging/?unit={warning.recipient.unit_id}"
        assert not Notification.objects.filter(recipient=other_unit_liaison).exists()

    def test_query_count_grows_only_by_one_statement_per_batch_of_rows(self, monkeypatch):
        """Paces and flags are written in statements of BATCH_SIZE rows; apart from those a
        check costs the same queries whatever the plan's size. BATCH_SIZE (100) is under what
        SQLite takes in one statement (999 parameters: 111 rows of SubItemPace), so SQLite and
        PostgreSQL split alike. Batches of 4 rows make both plans here span several."""
        monkeypatch.setattr(pace_check, "BATCH_SIZE", 4)
        small, _ = build_plan(groups=1)
        large, _ = build_plan(groups=3)
        fixed = {}
        for name, plan in (("small", small), ("large", large)):
            for run in ("first", "repeat"):
                with CaptureQueriesContext(connection) as queries:
                    result = pace_check.check_plan(plan, CHECK_DAY)
                rows = (
                    result.sub_items,
                    result.items,
                    sum(result.raised.values()),
                    sum(result.cleared.values()),
                )
                fixed[name, run] = len(queries) - sum(math.ceil(n / 4) for n in rows)

        assert SubItemPace.objects.filter(sub_item__item__plan=large).count() == 15
        assert fixed["small", "first"] == fixed["large", "first"]
        assert fixed["small", "repeat"] == fixed["large", "repeat"]

    def test_all_active_plans_are_checked_but_not_drafts(self):
        published, _ = build_plan()
        draft, _ = build_plan()
        draft.status = draft.Status.DRAFT
        draft.save()

        results = pace_check.check_all_active_plans(CHECK_DAY)

        assert [r.plan_id for r in results] == [published.pk]
        assert not SubItemPace.objects.filter(sub_item__item__plan=draft).exists()


@pytest.mark.django_db
class TestReminders:
    def plan_with_units(self):
        plan = PlanFactory(year=YEAR, report_due_day=5)
        quiet, diligent = UnitFactory(code="quiet"), UnitFactory(code="diligent")
        quiet_liaison = liaison_user(quiet, username="liaison-quiet")
        diligent_liaison = liaison_user(diligent, username="liaison-diligent")
        # Work starts in May: April's report is nobody's concern.
        SubItemFactory(item=ItemFactory(plan=plan, lead_unit=quiet), planned_start=date(YEAR, 5, 1))
        reported = SubItemFactory(
            item=ItemFactory(plan=plan, lead_unit=diligent), planned_start=date(YEAR, 5, 1)
        )
        accepted_report(reported, on=date(YEAR, 5, 31), progress="10", period_start=date(YEAR, 5, 1))
        retire_report_authors()
        return plan, quiet_liaison, diligent_liaison

    def test_units_missing_the_report_are_reminded_days_before_the_due_day(self):
        plan, quiet_liaison, diligent_liaison = self.plan_with_units()

        assert pace_check.send_report_reminders(date(YEAR, 6, 3)) == 1

        reminder = Notification.objects.get(kind=Notification.Kind.REPORT_REMINDER)
        assert reminder.recipient == quiet_liaison
        assert "2025年5月" in reminder.title and "6月5日前" in reminder.title
        assert (
            ReminderLog.objects.filter(plan=plan, period_start=date(YEAR, 5, 1), kind="before").count() == 1
        )
        assert not Notification.objects.filter(recipient=diligent_liaison).exists()

    def test_each_reminder_goes_out_once_per_period(self):
        self.plan_with_units()
        for day in (3, 4, 5):
            pace_check.send_report_reminders(date(YEAR, 6, day))

        assert Notification.objects.filter(kind=Notification.Kind.REPORT_REMINDER).count() == 1

    def test_no_reminder_outside_the_days_around_the_due_day(self):
        self.plan_with_units()

        assert pace_check.send_report_reminders(date(YEAR, 6, 2)) == 0
        pace_check.send_report_reminders(date(YEAR, 6, 6))
        assert pace_check.send_report_reminders(date(YEAR, 6, 20)) == 0

    def test_a_late_unit_is_reminded_again_after_the_due_day(self):
        self.plan_with_units()
        pace_check.send_report_reminders(date(YEAR, 6, 4))
        pace_check.send_report_reminders(date(YEAR, 6, 6))

        titles = list(Notification.objects.order_by("pk").values_list("title", flat=True))
        assert len(titles) == 2 and titles[1].startswith("逾期催报")

    def test_reminder_days_are_settings(self, settings):
        settings.REPORT_REMINDER_DAYS_BEFORE = 4
        self.plan_with_units()

        assert pace_check.send_report_reminders(date(YEAR, 6, 1)) == 1

    def test_completed_sub_items_need_no_report(self):
        plan, quiet_liaison, _ = self.plan_with_units()
        for sub in SubItem.objects.filter(item__lead_unit=quiet_liaison.unit):
            accepted_report(sub, on=date(YEAR, 4, 30), progress="100", actual="120", complete=True)
        retire_report_authors()

        assert pace_check.send_report_reminders(date(YEAR, 6, 4)) == 0

    def test_a_report_waiting_for_review_is_flagged_and_reminded_alike(self):
        """One rule: until the office accepts it, a submitted report is not on the ledger, so
        the sub-item is overdue on every page and its unit is reminded."""
        plan, quiet_liaison, _ = self.plan_with_units()
        quiet_sub = SubItem.objects.get(item__lead_unit=quiet_liaison.unit)
        ProgressReportFactory(
            sub_item=quiet_sub, period_start=date(YEAR, 5, 1), state=ProgressReport.State.SUBMITTED
        )
        retire_report_authors()
        day = date(YEAR, 6, 8)

        flagged = {s.sub_item.pk for s in plan_progress(plan, day).sub_states if s.overdue_report}
        [after_due] = [r for r in pace_check.reminders_due(plan, day) if r.kind == "after"]

        assert flagged == {quiet_sub.pk}
        assert after_due.unit_ids == {quiet_sub.responsible_unit_id}
        assert pace_check.send_report_reminders(day) == 1


@pytest.mark.django_db
class TestTasks:
    def test_daily_pace_check_task_records_the_check(self):
        plan, _ = build_plan()
        result = tasks.run_daily_pace_check.apply(kwargs={"on": CHECK_DAY.isoformat()})

        assert result.successful()
        assert result.get()[0]["plan_id"] == plan.pk
        assert SubItemPace.objects.filter(sub_item__item__plan=plan).count() == 5

    def test_daily_pace_check_is_retried_on_database_errors_only(self, monkeypatch):
        def failing(error):
            def check(on=None):
                raise error

            return check

        monkeypatch.setattr(
            pace_check, "check_all_active_plans", failing(OperationalError("database is locked"))
        )
        with pytest.raises(Retry):
            tasks.run_daily_pace_check.apply()
        monkeypatch.setattr(pace_check, "check_all_active_plans", failing(ValueError("a bug")))
        with pytest.raises(ValueError):
            tasks.run_daily_pace_check.apply()

    def test_reminder_task_sends_reminders(self):
        TestReminders().plan_with_units()

        assert tasks.send_report_reminders.apply(kwargs={"on": date(YEAR, 6, 3).isoformat()}).get() == 1
