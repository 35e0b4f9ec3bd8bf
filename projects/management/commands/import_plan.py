"""Import an adopted annual list from a spreadsheet, as the upload page does."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projects.models import Plan
from projects.services import plan_import
from projects.services.plan_import import ImportFileError, PlanImportInvalid


class Command(BaseCommand):
    help = "从Excel（.xlsx）导入年度民生实事清单；有任何问题则全部列出且不保存"

    def add_arguments(self, parser):
        parser.add_argument("file", help="清单文件（.xlsx）")
        parser.add_argument("--year", type=int, required=True, help="年度")
        parser.add_argument("--title", default="", help="清单名称（默认取表格标题行）")
        parser.add_argument("--region", default="", help="地区（默认沿用最近一个清单的地区）")
        parser.add_argument(
            "--region-code", default="", help="所属区划代码（GB/T 2260）；单位在该区划的单位中查找、新建"
        )
        parser.add_argument("--create-units", action="store_true", help="自动创建系统中没有的单位")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不保存")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        year = options["year"]
        try:
            parsed = plan_import.parse_file(path.read_bytes(), year=year, region_code=options["region_code"])
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        title = options["title"] or parsed.title or f"{year}年民生实事清单"
        region = (
            options["region"]
            or Plan.objects.order_by("-year", "-pk").values_list("region_name", flat=True).first()
            or "本级"
        )
        self.stdout.write(f"识别到 {parsed.headline}（工作表“{parsed.sheet}”，表头第{parsed.header_row}行）")
        if parsed.proposed_target_count:
            proposed = [
                f"第{sub.row}行：{sub.target_value.normalize():f}{sub.target_unit}"
                + ("以上" if sub.target_at_least else "")
                for item in parsed.items
                for sub in item.sub_items
                if sub.target_proposed
            ]
            self.stdout.write("从目标任务中识别的目标值（请核对）：" + "；".join(proposed))
        if parsed.unknown_units and options["create_units"]:
            self.stdout.write("将新建单位：" + "、".join(parsed.unknown_units))
        try:
            plan = plan_import.save_plan(
                parsed,
                year=year,
                title=title,
                region=region,
                region_code=options["region_code"],
                create_units=options["create_units"],
                dry_run=options["dry_run"],
            )
        except PlanImportInvalid as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"导入失败：共{len(exc.problems)}处问题，未保存任何数据。") from exc
        if options["dry_run"]:
            self.stdout.write(f"检查通过：可导入为“{title}”（未保存）。")
        else:
            self.stdout.write(f"已导入“{plan.title}”（ID {plan.pk}，草拟状态）。")
