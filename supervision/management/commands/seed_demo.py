"""Create the demo county as it stands on a day (today unless ``--today`` names one): units,
demo accounts, the closed 2023 list (10件13项, 6件8项 done) and its year end, the list the county
is carrying out that day with its month-by-month report history, the levels around it, and
next year's list as far as its choosing has got (see the calendar in ``projects.demo``).
Idempotent."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core import dates
from core.public_forms import refill_captcha_pool
from projects import demo
from projects.models import Plan, User
from selection.demo import seed_selection
from supervision.demo import county as supervision_demo
from supervision.demo import levels as demo_levels
from supervision.demo.closing import seed_running_year_end, seed_year_end
from supervision.demo.evaluation import seed_evaluation
from supervision.demo.notices import seed_notices
from supervision.demo.second_county import seed_second_county
from supervision.demo.visits import seed_visits
from supervision.figures.snapshots import take_monthly_snapshots

# The demo's history is fixed up to the 2024 continuation list: the first list it carries out
# for a chosen day is 2025's, from its publication.
FIRST_DAY = demo.in_year(2025, demo.PUBLISHED_ON)


def _day(raw: str) -> dt.date:
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(f"日期“{raw}”格式应为 YYYY-MM-DD") from exc
    if not FIRST_DAY <= value <= dates.LATEST:
        raise CommandError(
            f"演示数据的日期须在{FIRST_DAY.year}年{FIRST_DAY.month}月{FIRST_DAY.day}日至"
            f"{dates.LATEST.year}年12月31日之间"
        )
    return value


def seed_demo_county(today: dt.date) -> tuple[Plan, Plan, int]:
    """Build the demo county as it stands on ``today``; returns the 2023 list, the list being
    carried out and how many reports were added."""
    year = demo.running_year(today)
    units = demo.seed_units_and_people()
    plan_2023, seeded_2023 = demo.seed_plan(
        2023,
        demo.PLAN_2023_TITLE,
        demo.PLAN_2023,
        units,
        status=Plan.Status.CLOSED,
        published_on=demo.PLAN_2023_AS_OF.replace(month=1, day=20),
        closed_on=demo.PLAN_2023_CLOSED_ON,
    )
    plan_now, seeded_now = demo.seed_plan(
        year,
        demo.current_plan_title(year),
        demo.current_plan_specs(),
        units,
        status=Plan.Status.PUBLISHED,
        published_on=demo.in_year(year, demo.PUBLISHED_ON),
    )
    liaison_units = {sub.responsible_unit.code for sub, _ in seeded_2023 + seeded_now}
    demo.seed_liaisons(units, liaison_units)
    office = User.objects.get(username="office")
    reports = demo_levels.seed_levels(plan_now, units, office, today)
    seed_second_county(year, units, today)
    reports += supervision_demo.seed_report_history(seeded_2023, demo.PLAN_2023_AS_OF, office)
    reports += supervision_demo.seed_report_history(seeded_now, today, office, live=True)
    seed_visits(today)
    seed_year_end()  # the 2023 list's changes, acceptances, handover and carry-over (issue 15)
    seed_evaluation()
    seed_running_year_end(plan_now, today)  # in January: last year's acceptance and evaluation
    seed_notices(plan_2023, plan_now, office, today)
    seed_selection(today)  # next year's list, as far as its choosing has got
    take_monthly_snapshots(today)  # what the nightly task would have stored by now
    return plan_2023, plan_now, reports


class Command(BaseCommand):
    help = "创建演示数据（青山区各年度清单、单位、演示账号），可重复执行；--today 按指定日期的状态生成。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=_day,
            default=None,
            help="按这一天（YYYY-MM-DD）的状态生成：当年清单的进度、年终收尾和下一年清单的票决进程；默认今天",
        )

    def handle(self, *args, today: dt.date | None = None, **options):
        if today is None or today == dates.today():
            plan_2023, plan_now, reports = seed_demo_county(dates.today())
        else:
            # Everything the demo writes through the services (their timestamps included) is
            # written as on that day, as if the office had used the system until then.
            import time_machine

            moment = timezone.make_aware(dt.datetime.combine(today, dt.time(18, 0)))
            with time_machine.travel(moment, tick=True):
                plan_2023, plan_now, reports = seed_demo_county(today)
        refill_captcha_pool()  # the public forms' challenges, as the beat task keeps them (today)

        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据就绪（{today or dates.today():%Y年%m月%d日}）：{plan_2023}、{plan_now}；新增填报 {reports} 条。"
            )
        )
        self.stdout.write(f"演示账号（密码均为 {demo.DEMO_PASSWORD}）：")
        for user in User.objects.filter(
            username__in=[
                "office",
                "deputy",
                "leader",
                *demo.RESPONSIBLE_LEADERS,
                *(username for username, *_ in demo_levels.REGION_OFFICES),
            ]
        ).order_by("username"):
            self.stdout.write(f"  {user.username:<20} {', '.join(g.name for g in user.groups.all())}")
        for user in (
            User.objects.filter(username__startswith="liaison-").select_related("unit").order_by("username")
        ):
            self.stdout.write(f"  {user.username:<20} 联络员 · {user.unit}")
