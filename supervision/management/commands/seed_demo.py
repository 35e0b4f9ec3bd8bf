"""Create the demo county: units, demo accounts, the 2023 list (10件13项, 6件8项 done) and
this year's list half-way through, each with its month-by-month report history. Idempotent."""

from django.core.management.base import BaseCommand

from core import dates
from core.public_forms import refill_captcha_pool
from projects import demo
from projects.models import Plan, User
from selection.demo import seed_selection
from supervision import demo as supervision_demo
from supervision import demo_levels
from supervision.demo_closing import seed_year_end
from supervision.demo_evaluation import seed_evaluation
from supervision.demo_notices import seed_notices
from supervision.demo_visits import seed_visits
from supervision.services.snapshots import take_monthly_snapshots


class Command(BaseCommand):
    help = "创建演示数据（青山区两份年度清单、单位、演示账号），可重复执行。"

    def handle(self, *args, **options):
        today = dates.today()
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
        specs = demo.current_plan_specs()
        plan_now, seeded_now = demo.seed_plan(
            today.year,
            demo.current_plan_title(today.year),
            specs,
            units,
            status=Plan.Status.PUBLISHED,
            published_on=today.replace(month=1, day=20),
        )
        liaison_units = {sub.responsible_unit.code for sub, _ in seeded_2023 + seeded_now}
        demo.seed_liaisons(units, liaison_units)
        office = User.objects.get(username="office")
        reports = demo_levels.seed_levels(plan_now, units, office, today)
        reports += supervision_demo.seed_report_history(seeded_2023, demo.PLAN_2023_AS_OF, office)
        reports += supervision_demo.seed_report_history(seeded_now, today, office)
        seed_visits()
        seed_year_end()  # the 2023 list's changes, acceptances, handover and carry-over (issue 15)
        seed_evaluation()
        seed_notices(plan_2023, plan_now, office)
        seed_selection(today)  # next year's suggestions, candidates, vote and draft list
        take_monthly_snapshots()  # what the nightly task would have stored by now
        refill_captcha_pool()  # the public forms' challenges, as the beat task keeps them

        self.stdout.write(
            self.style.SUCCESS(f"演示数据就绪：{plan_2023}、{plan_now}；新增填报 {reports} 条。")
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
