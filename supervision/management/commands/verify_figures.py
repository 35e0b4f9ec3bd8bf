"""Recompute every cached figure from the ledger and name each one that differs."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from projects.models import Plan
from supervision.figures import caches


class Command(BaseCommand):
    help = (
        "核对所有缓存数字（子项当前进度、序时进度检查结果、月度快照、填报资金合计）与审核通过的填报（账本）"
        "是否一致；不一致时逐项列出并以非零状态退出。加 --rebuild 则按账本重建缓存。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--plan", type=int, help="只核对该清单（ID）")
        parser.add_argument("--rebuild", action="store_true", help="按账本重建不一致的缓存")

    def handle(self, *args, plan=None, rebuild=False, **options):
        plans = Plan.objects.order_by("pk")
        if plan is not None:
            plans = plans.filter(pk=plan)
            if not plans.exists():
                raise CommandError(f"清单 {plan} 不存在")
        drift: list[caches.Drift] = []
        for each in plans:
            found = caches.sub_item_drift(each)
            found += caches.pace_drift(each)
            found += caches.snapshot_drift(each)
            found += caches.region_figures_drift(each)
            drift += found
            if rebuild and found:
                caches.rebuild_plan(each)
        drift += caches.report_total_drift()
        for difference in drift:
            self.stdout.write(str(difference))
        if not drift:
            self.stdout.write(self.style.SUCCESS("核对完成：所有缓存数字与账本一致。"))
            return
        if rebuild:
            self.stdout.write(self.style.WARNING(f"发现 {len(drift)} 处不一致，已按账本重建。"))
            return
        raise CommandError(f"发现 {len(drift)} 处缓存数字与账本不一致（见上）；可用 --rebuild 重建。")
