"""Run the pace check now, for operators and for the embedded default (no Celery worker)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from core.lights import Light
from projects.models import Plan
from supervision.followup.services import pace_check


class Command(BaseCommand):
    help = "立即执行序时进度检查（与每日定时任务相同），可指定截至日期和清单。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", dest="on", help="截至日期 YYYY-MM-DD（默认今天；过去日期只计当日及之前审核通过的填报）"
        )
        parser.add_argument("--plan", type=int, help="清单ID（默认全部已公布清单）")

    def handle(self, *args, on=None, plan=None, **options):
        day = None
        if on:
            try:
                day = dt.date.fromisoformat(on)
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD") from exc
        if plan is not None:
            try:
                results = [pace_check.check_plan(Plan.objects.get(pk=plan), day)]
            except Plan.DoesNotExist as exc:
                raise CommandError(f"清单 {plan} 不存在") from exc
        else:
            results = pace_check.check_all_active_plans(day)
        titles = dict(Plan.objects.filter(pk__in=[r.plan_id for r in results]).values_list("pk", "title"))
        for result in results:
            lights = "，".join(f"{Light(light).label}{result.lights.get(light, 0)}" for light in Light.values)
            raised = sum(result.raised.values())
            cleared = sum(result.cleared.values())
            self.stdout.write(
                f"{titles[result.plan_id]}（截至{result.checked_on}）：{result.sub_items}项，{lights}；"
                f"新亮预警{raised}条，消除{cleared}条，新转红灯{result.newly_red}项，通知{result.notified}人。"
            )
        if not results:
            self.stdout.write("没有已公布的清单。")
