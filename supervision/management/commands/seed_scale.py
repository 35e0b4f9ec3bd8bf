"""Build a large synthetic plan with a history of monthly accepted reports, for benchmarks.

Everything is written in bulk (bulk_create in batches; the report rows, a million at 100,000
sub-items, through COPY on PostgreSQL), so no per-row signal runs. Each sub-item follows a
profile (ahead, steady, slow, stalled, silent, completed) so the plan shows every light,
overdue reports and forecasts. The sub-items' current figures are exactly what their latest
accepted report says, as ``accept_report`` would have left them; then the caches are stored
once, by the functions that keep them: the month-end snapshots (``store_missing_snapshots``,
as the nightly task) and today's pace rows (``refresh_pace``), in parallel processes on
PostgreSQL. ``verify_figures`` finds no drift. Prints the time each part took. Running it
again with the same title leaves the existing plan alone.
"""

from __future__ import annotations

import datetime as dt
import os
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core import dates
from projects.models import Plan, Region
from supervision.demo.scale import build_scale_plan, store_caches, store_plans_caches


class Command(BaseCommand):
    help = "创建大规模测试清单（含一年按月审核通过的填报历史），用于性能基准。"

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=2000, help="实事件数")
        parser.add_argument("--subitems", type=int, default=10000, help="子项总数")
        parser.add_argument("--year", type=int, default=None, help="年度（默认今年）")
        parser.add_argument("--months", type=int, default=12, help="填报历史月数")
        parser.add_argument("--units", type=int, default=None, help="责任单位数（默认每40件一个单位）")
        parser.add_argument("--title", default="", help="清单名称（默认按规模命名）")
        parser.add_argument(
            "--province",
            action="store_true",
            help="建一个规模测试省：省级清单（--items件--subitems项，每项分解到每个县）、各市清单和各县清单",
        )
        parser.add_argument("--cities", type=int, default=16, help="省下的市数（--province）")
        parser.add_argument("--counties", type=int, default=100, help="省下的区县总数（--province）")
        parser.add_argument("--lower-items", type=int, default=10, help="每个市、县清单的件数（--province）")
        parser.add_argument(
            "--lower-subitems", type=int, default=30, help="每个市、县清单的子项数（--province）"
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=(os.cpu_count() or 1) + 1,
            help="并行计算月末快照和序时进度的进程数（仅 PostgreSQL；默认CPU核数+1）",
        )

    def handle(self, *args, **options):
        items, subitems, months = options["items"], options["subitems"], options["months"]
        if items < 1 or subitems < items:
            raise CommandError("子项数须不少于实事件数，且件数至少为1")
        if months < 1:
            raise CommandError("填报历史月数至少为1")
        today = dates.today()
        year = options["year"] or today.year
        if options["province"]:
            return self.build_province(options, year, today)
        title = options["title"] or f"{year}年规模测试清单（{items}件{subitems}项）"
        existing = Plan.objects.filter(year=year, title=title).first()
        if existing is not None:
            self.stdout.write(f"已存在：{existing}（id={existing.pk}），未重复创建。")
            return
        started = time.perf_counter()
        plan, report_count = build_scale_plan(
            year=year,
            title=title,
            items=items,
            subitems=subitems,
            months=months,
            unit_count=options["units"] or max(5, items // 40),
            today=today,
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # planner statistics for a million new rows
                cursor.execute("ANALYZE")
        built = time.perf_counter() - started
        snapshots = store_caches(plan, options["jobs"])
        self.stdout.write(
            self.style.SUCCESS(
                f"已创建：{plan}（id={plan.pk}），{items}件{subitems}项，"
                f"审核通过的填报 {report_count} 条，用时 {built:.1f} 秒；"
                f"月末快照 {snapshots} 个及序时进度，用时 {time.perf_counter() - started - built:.1f} 秒；"
                f"合计 {time.perf_counter() - started:.1f} 秒。"
            )
        )

    def build_province(self, options, year: int, today: dt.date) -> None:
        from supervision.demo.scale_province import PROVINCE, build_province

        existing = Region.objects.filter(code=PROVINCE[0]).first()
        if existing is not None:
            self.stdout.write(f"已存在：{existing}（{existing.code}），未重复创建。")
            return
        started = time.perf_counter()
        try:
            built = build_province(
                year=year,
                items=options["items"],
                subitems=options["subitems"],
                months=options["months"],
                today=today,
                cities=options["cities"],
                counties=options["counties"],
                lower_items=options["lower_items"],
                lower_subitems=options["lower_subitems"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        seeded = time.perf_counter() - started
        snapshots = store_plans_caches(built["plans"], options["jobs"])
        province_plan = built["plans"][0]
        self.stdout.write(
            self.style.SUCCESS(
                f"已创建：{built['province'].name}，{built['cities']}个市、{built['counties']}个县，"
                f"清单 {len(built['plans'])} 个；省级清单“{province_plan.title}”（id={province_plan.pk}）"
                f"{options['items']}件{options['subitems']}项；分解任务 {built['shares']} 个，"
                f"审核通过的填报 {built['reports']} 条，用时 {seeded:.1f} 秒；"
                f"月末快照 {snapshots} 个及序时进度，用时 {time.perf_counter() - started - seeded:.1f} 秒。"
            )
        )
