"""The year-end report (年度完成情况报告) of a closed list, as an official Word document in the
circulars' layout (``core.official_doc``): headline, each sub-item's verdict, the carried items,
the satisfaction evaluation and the money. Every figure is read as of the closing day through
``progress.plan_progress`` and the closing rules (``services.closing``); nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.lights import Verdict
from core.official_doc import OfficialDocument, day_text
from projects.completion import format_number, format_percent
from projects.models import CarryOver, Plan
from supervision.documents.circular import issuer_for
from supervision.documents.word import CHINESE_NUMERALS, Table, _table
from supervision.reading.progress import PlanProgress
from supervision.reading.summary import funding_totals
from supervision.yearend import evaluation
from supervision.yearend.services import closing

NO_EVALUATION = "未开展满意度测评"
SATISFACTION_HEADER = ("序号", "项目名称", "满意", "基本满意", "不满意", "有效票", "满意率", "测评结果")


def satisfaction_rows(plan: Plan) -> list[tuple[str, ...]] | None:
    """The satisfaction evaluation (满意度测评) as the year-end report tabulates it.

    Returns one row per item of the plan's published evaluation, each a tuple of texts in the
    order of ``SATISFACTION_HEADER`` (序号, 项目名称, 满意, 基本满意, 不满意, 有效票, 满意率,
    测评结果), or None when the plan has had no evaluation — the report then says
    “未开展满意度测评”. The rate and the verdict are the evaluation module's
    (``supervision.yearend.evaluation``), never recomputed here.
    """
    reading = evaluation.public_evaluation(plan)
    if reading is None:
        return None
    return [
        (
            str(row.number),
            row.title,
            str(row.satisfied),
            str(row.basically_satisfied),
            str(row.unsatisfied),
            str(row.valid),
            format_percent(row.rate),
            row.verdict,
        )
        for row in reading.rows
    ]


@dataclass
class YearReport:
    plan: Plan
    progress: PlanProgress
    check: closing.CloseCheck
    carried: list[CarryOver]
    satisfaction: list[tuple[str, ...]] | None

    @property
    def title(self) -> str:
        return f"关于{self.plan.title}年度完成情况的报告"


def read_year_report(plan: Plan) -> YearReport:
    """The report's content, as of the list's closing day."""
    check = closing.close_check(plan, plan.closed_on)
    carried = list(
        CarryOver.objects.filter(from_sub_item__item__plan=plan)
        .select_related("from_sub_item__item", "to_sub_item__item__plan")
        .order_by("from_sub_item__item__number", "from_sub_item__number")
    )
    return YearReport(plan, check.progress, check, carried, satisfaction_rows(plan))


def _verdict_sentence(report: YearReport) -> str:
    counts = report.check.verdict_counts
    return "，".join(f"{Verdict(v).label}{counts.get(v, 0)}项" for v in Verdict.values if counts.get(v, 0))


def filename(plan: Plan) -> str:
    return f"{plan.title}年度完成情况报告.docx"


def year_report_docx(report: YearReport) -> bytes:
    plan, progress = report.plan, report.progress
    issuer = issuer_for(plan)
    doc = OfficialDocument()
    doc.title(report.title)
    doc.addressee("区人民政府：")
    summary = progress.summary
    sections = []
    overview = (
        f"{plan.title}共{summary.headline}。截至{day_text(plan.closed_on)}清单结束，"
        f"各子项最终结果：{_verdict_sentence(report)}。"
    )
    changed = [s for s in progress.sub_states if s.changed]
    if changed:
        overview += f"年内经批准调整{len(changed)}项。"
    verdict_table = Table(
        "各子项完成情况",
        ("序号", "目标任务", "责任单位", "完成时限", "目标值", "完成值", "完成率", "最终结果", "验收"),
        [
            (
                state.sub_item.code,
                state.sub_item.short_content,
                str(state.sub_item.responsible_unit),
                day_text(state.sub_item.planned_end) if state.sub_item.planned_end else "—",
                state.sub_item.target_display or "—",
                format_number(state.actual_value) if state.actual_value is not None else "—",
                format_percent(state.completion_rate) if state.completion_rate is not None else "—",
                Verdict(verdict).label + ("（已调整）" if state.changed else ""),
                state.closing_label or "—",
            )
            for state, verdict in report.check.verdicts
        ],
        (6, 20, 10, 10, 8, 8, 8, 9, 10),
        centered=(0, 7),
    )
    sections.append(("总体情况", overview, [verdict_table]))
    if changed:
        rows = []
        for state in changed:
            for applied in state.promise.applied:
                change = applied.change
                before = after = ""
                if change.kind == change.Kind.EXTEND:
                    before, after = day_text(applied.end_before), day_text(applied.end_after)
                elif change.kind == change.Kind.RETARGET:
                    before, after = format_number(applied.target_before), format_number(applied.target_after)
                committee = (
                    f"{day_text(change.committee_approved_on)} {change.committee_document}"
                    if change.committee_approved_on
                    else "—"
                )
                rows.append(
                    (
                        state.sub_item.code,
                        applied.kind_label,
                        before or "—",
                        after or "—",
                        day_text(applied.effective_on),
                        committee,
                    )
                )
        sections.append(
            (
                "项目调整情况",
                "以下调整经批准，自批准之日起按调整后的目标和时限考核。",
                [
                    Table(
                        "调整情况",
                        ("序号", "调整类型", "调整前", "调整后", "批准日期", "人大常委会批准"),
                        rows,
                        (6, 8, 10, 10, 10, 16),
                    )
                ],
            )
        )
    if report.carried:
        sections.append(
            (
                "结转项目",
                f"未完成的{len(report.carried)}项结转至以后年度清单继续实施。",
                [
                    Table(
                        "结转项目",
                        ("原序号", "目标任务", "责任单位", "结转至", "新序号", "结转日期"),
                        [
                            (
                                c.from_sub_item.code,
                                c.from_sub_item.short_content,
                                str(c.from_sub_item.responsible_unit),
                                c.to_sub_item.item.plan.title,
                                c.to_sub_item.code,
                                day_text(c.carried_on),
                            )
                            for c in report.carried
                        ],
                        (6, 22, 10, 18, 6, 10),
                        centered=(0, 4),
                    )
                ],
            )
        )
    if report.satisfaction is None:
        sections.append(("满意度测评", NO_EVALUATION + "。", []))
    else:
        sections.append(
            (
                "满意度测评",
                "人大代表对各项目进行了满意度测评，结果如下。",
                [
                    Table(
                        "满意度测评结果", SATISFACTION_HEADER, report.satisfaction, (5, 20, 6, 7, 6, 6, 8, 8)
                    )
                ],
            )
        )
    totals = funding_totals(progress.sub_states)
    money = (
        f"计划投资{format_number(totals.planned)}万元，到位{format_number(totals.allocated)}万元"
        f"（到位率{format_percent(totals.allocation_rate) if totals.allocation_rate is not None else '—'}），"
        f"支付{format_number(totals.paid)}万元"
        f"（支付率{format_percent(totals.payment_rate) if totals.payment_rate is not None else '—'}）。"
    )
    sections.append(("资金情况", money, []))
    for index, (heading, body, tables) in enumerate(sections):
        doc.heading(f"{CHINESE_NUMERALS[index]}、{heading}")
        doc.paragraphs(body)
        for table in tables:
            _table(doc, table)
    doc.signature(issuer, plan.closed_on)
    doc.imprint(issuer, plan.closed_on)
    return doc.to_bytes()
