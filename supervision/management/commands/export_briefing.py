"""Write a plan's briefing workbook to a file: the same workbook as the dashboard button."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projects.models import Plan
from supervision.documents import briefing


class Command(BaseCommand):
    help = "导出年度清单推进情况简报（Excel）"

    def add_arguments(self, parser):
        parser.add_argument("--plan", type=int, required=True, help="清单ID")
        parser.add_argument("--as-of", dest="as_of", default=None, help="截至日期 YYYY-MM-DD（默认今天）")
        parser.add_argument("--output", required=True, help="输出文件路径（.xlsx）")

    def handle(self, *args, **options):
        try:
            plan = Plan.objects.get(pk=options["plan"])
        except Plan.DoesNotExist as exc:
            raise CommandError(f"清单 {options['plan']} 不存在") from exc
        as_of = None
        if options["as_of"]:
            try:
                as_of = date.fromisoformat(options["as_of"])
            except ValueError as exc:
                raise CommandError("截至日期格式应为 YYYY-MM-DD") from exc
        output = Path(options["output"])
        if output.suffix.lower() != ".xlsx":
            raise CommandError("输出文件须以 .xlsx 结尾")
        data, progress = briefing.briefing_for(plan, as_of)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
        self.stdout.write(f"已导出 {plan.title}（截至{progress.as_of:%Y-%m-%d}）简报：{output}")
