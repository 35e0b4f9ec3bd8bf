"""The office's progress circular (进展通报): what it says, drafted from the read model, and its
life as a record: a draft the office edits, then issued under the year's next number.

What it says is selected and sorted from the figures other pages show, never counted again:
the headline (``current.headline``), the lights and verdicts it counts, and from one read of
the plan (``plan_progress``) the dashboard's tables (``dashboard.by_category``,
``dashboard.unit_ranking``, ``dashboard.attention_list``). Sections:
- 总体情况: the headline sentence, the lights (or a closed year's verdicts), the money;
- 工作亮点: items complete or ahead of the scheduled pace (lag below zero), and sub-items beyond
  their target (completion rate above 100%, e.g. 377.5%);
- 存在问题: the red and yellow sub-items with their responsible units named, why they are lit and
  the problem the unit's last accepted report gave (存在问题), and the units overdue to report;
- 下步要求: standard paragraphs for the office to edit.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core.dates import today
from core.lights import LIGHT_ORDER, Light, Verdict
from core.official_doc import day_text
from projects import permissions, reach
from projects.completion import format_number, format_percent, format_target
from projects.models import Plan, User
from supervision.documents.models import Circular, CircularSequence
from supervision.documents.word import CircularContent, CircularText, Table, circular_docx
from supervision.figures import counted as current
from supervision.reading import dashboard
from supervision.reading.progress import SubItemState, plan_progress

EMPTY_LIST = "本清单暂无项目，暂无推进情况可通报。"
NO_HIGHLIGHTS = "暂无提前完成或超额完成的项目。"
NO_PROBLEMS = "各项目均按序时进度推进，暂无推进缓慢的项目。"
TEXT_FIELDS = ("title", "overview", "highlights", "problems", "requirements")


def issuer_for(plan: Plan) -> str:
    """发文机关: the office of the plan's government."""
    return f"{plan.region_name}人民政府督查室"


def default_title(plan: Plan) -> str:
    return f"关于{plan.title}推进情况的通报"


# --- 总体情况 -------------------------------------------------------------------------------


def _overview(head: current.Headline) -> str:
    plan, summary = head.plan, head.summary
    lines = [f"截至{day_text(head.as_of)}，{plan.title}共{summary.headline}。"]
    total = summary.subitems_total
    if head.is_final:
        verdicts = "，".join(f"{Verdict(v).label}{head.verdict_counts.get(v, 0)}项" for v in Verdict.values)
        lines.append(f"本清单已于{day_text(plan.closed_on)}结束，最终结果：{verdicts}。")
    else:
        lights = "，".join(f"{light.label}{head.light_counts.get(light.value, 0)}项" for light in LIGHT_ORDER)
        slow = head.light_counts.get(Light.YELLOW, 0) + head.light_counts.get(Light.RED, 0)
        share = format_percent(Decimal(slow) / Decimal(total))
        lines.append(f"对照序时进度：{lights}；推进缓慢的共{slow}项，占目标任务的{share}。")
        if head.overdue_report_count:
            lines.append(f"另有{head.overdue_report_count}项超期未报进展情况。")
    funding = head.figures["funding"]
    if funding["planned"]:
        lines.append(
            f"资金方面，计划投资{_money(funding['planned'])}万元，已到位{_money(funding['allocated'])}万元"
            f"（到位率{format_percent(funding['allocation_rate'])}），"
            f"已支付{_money(funding['paid'])}万元（支付率{format_percent(funding['payment_rate'])}）。"
        )
    return "\n".join(lines)


def _money(value: float) -> str:
    return format_number(Decimal(str(value)).quantize(Decimal("0.01")))


def _category_table(progress) -> Table:
    rows = [
        (
            row.name,
            str(row.items_total),
            str(row.subitems_total),
            str(row.items_completed),
            str(row.subitems_completed),
            format_percent(row.item_completion_rate),
        )
        for row in dashboard.by_category(progress)
    ]
    return Table(
        "分领域完成情况",
        ("领域", "件数", "项数", "已完成件数", "已完成项数", "完成率"),
        rows,
        (4, 2, 2, 3, 3, 3),
        centered=(1, 2, 3, 4, 5),
    )


def _unit_table(progress) -> Table:
    rows = [
        (
            str(index),
            str(row.unit),
            str(row.subitems_total),
            str(row.completed_on_time),
            format_percent(row.on_time_rate),
            format_number(row.average_lag),
            str(row.red),
            str(row.overdue_report),
        )
        for index, row in enumerate(dashboard.unit_ranking(progress), start=1)
    ]
    return Table(
        "各责任单位推进情况（按按期完成率、平均滞后排序）",
        ("排名", "责任单位", "项数", "按期完成", "按期完成率", "平均滞后（百分点）", "红灯", "超期未报"),
        rows,
        (2, 5, 2, 2, 3, 3, 2, 2),
        centered=(0, 2, 3, 4, 5, 6, 7),
    )


# --- 工作亮点 -------------------------------------------------------------------------------


def _beyond_target(progress) -> list[SubItemState]:
    """Sub-items whose completion rate is above 100%, in list order."""
    return [s for s in progress.sub_states if s.completion_rate is not None and s.completion_rate > 1]


def _highlights(progress, beyond: list[SubItemState]) -> str:
    complete = [i for i in progress.items if i.is_complete]
    ahead = [i for i in progress.items if not i.is_complete and i.lag_points < 0]
    lines = []
    if complete:
        names = "、".join(f"第{i.item.number}件{i.item.title}" for i in complete)
        lines.append(f"已全面完成{len(complete)}件：{names}。")
    if ahead:
        names = "、".join(
            f"第{i.item.number}件{i.item.title}（快于序时进度{format_number(-i.lag_points)}个百分点）"
            for i in ahead
        )
        lines.append(f"进度快于序时进度{len(ahead)}件：{names}。")
    if beyond:
        parts = "；".join(
            f"{s.sub_item.code}“{s.sub_item.content}”的目标，实际完成"
            f"{format_number(s.actual_value)}{s.sub_item.target_unit}，完成率{format_percent(s.completion_rate)}"
            for s in beyond
        )
        lines.append(f"超额完成目标{len(beyond)}项：{parts}。")
    return "\n".join(lines) or NO_HIGHLIGHTS


def _beyond_tables(beyond: list[SubItemState]) -> list[Table]:
    if not beyond:
        return []
    rows = [
        (
            s.sub_item.code,
            s.sub_item.content,
            str(s.sub_item.responsible_unit),
            s.sub_item.target_display,
            format_target(s.actual_value, s.sub_item.target_unit, False),
            format_percent(s.completion_rate),
        )
        for s in beyond
    ]
    return [
        Table(
            "超额完成目标的项目",
            ("序号", "目标任务", "责任单位", "目标值", "完成值", "完成率"),
            rows,
            (2, 8, 4, 3, 3, 3),
            centered=(0, 3, 4, 5),
        )
    ]


# --- 存在问题 -------------------------------------------------------------------------------


def _status(state: SubItemState) -> str:
    return str(Verdict(state.verdict).label) if state.verdict else str(state.light_label)


def _problems(attention: list[dashboard.AttentionRow], overdue: list) -> str:
    lines = []
    if attention:
        units = Counter(str(row.state.sub_item.responsible_unit) for row in attention)
        named = "、".join(f"{unit}（{count}项）" for unit, count in units.items())
        lines.append(f"推进缓慢的项目共{len(attention)}项，涉及{named}。具体是：")
        for index, row in enumerate(attention, start=1):
            sub = row.state.sub_item
            why = "，".join(row.reasons) or _status(row.state)
            reported = row.problems.strip().rstrip("。；;.，, ")
            problem = f"存在问题：{reported}" if reported else "未报存在问题"
            lines.append(
                f"{index}. {sub.code}“{sub.content}”（{sub.responsible_unit}，{_status(row.state)}）：{why}；{problem}。"
            )
    if overdue:
        units = Counter(str(state.sub_item.responsible_unit) for _, state in overdue)
        named = "、".join(f"{unit}（{count}项）" for unit, count in units.items())
        lines.append(f"超期未报进展情况的单位：{named}。")
    return "\n".join(lines) or NO_PROBLEMS


def _problem_tables(attention: list[dashboard.AttentionRow]) -> list[Table]:
    if not attention:
        return []
    rows = [
        (
            row.state.sub_item.code,
            row.state.sub_item.content,
            str(row.state.sub_item.responsible_unit),
            format_number(row.state.lag_points),
            _status(row.state),
            row.problems.strip() or "—",
        )
        for row in attention
    ]
    return [
        Table(
            "推进缓慢的项目",
            ("序号", "目标任务", "责任单位", "滞后（百分点）", "状态", "存在问题"),
            rows,
            (2, 7, 4, 3, 3, 7),
            centered=(0, 3, 4),
        )
    ]


# --- 下步要求 -------------------------------------------------------------------------------

WEEKDAYS = "一二三四五六日"


def _reporting_rule(plan: Plan) -> str:
    if plan.report_cadence == Plan.Cadence.WEEKLY:
        return f"每周{WEEKDAYS[plan.report_due_day - 1]}前报送上周进展情况"
    return f"每月{plan.report_due_day}日前报送上月进展情况"


def default_requirements(plan: Plan) -> str:
    return "\n".join(
        [
            "（一）加快推进滞后项目。各责任单位对未达到序时进度的项目，要深入分析原因，倒排工期、挂图作战，"
            "切实抓好整改落实，确保按期完成目标任务。",
            f"（二）按时报送进展情况。各责任单位联络员要于{_reporting_rule(plan)}，如实填报完成量、"
            "资金到位和支付情况，杜绝超期未报。",
            "（三）强化督查问效。督查室将对推进缓慢的项目持续跟踪督办，对连续通报滞后的单位，"
            "视情约谈单位主要负责人。",
        ]
    )


# --- the content ----------------------------------------------------------------------------


def read_circular(plan: Plan, as_of: date | None = None) -> CircularContent:
    """The circular as drafted from the plan's figures as of a day (``reading_date`` when None)."""
    head = current.headline(plan, as_of)
    text = CircularText(
        title=default_title(plan),
        overview="",
        highlights="",
        problems="",
        requirements=default_requirements(plan),
    )
    if not head.summary.subitems_total:
        text.overview = f"截至{day_text(head.as_of)}，{EMPTY_LIST}"
        return CircularContent(plan, head.as_of, text)
    progress = head.progress or plan_progress(plan, head.as_of)
    beyond = _beyond_target(progress)
    attention = dashboard.attention_list(progress)
    text.overview = _overview(head)
    text.highlights = _highlights(progress, beyond)
    text.problems = _problems(attention, dashboard.overdue_to_report(progress))
    return CircularContent(
        plan=plan,
        as_of=head.as_of,
        text=text,
        overview_tables=[_category_table(progress), _unit_table(progress)],
        highlight_tables=_beyond_tables(beyond),
        problem_tables=_problem_tables(attention),
    )


def text_of(circular: Circular) -> CircularText:
    return CircularText(**{name: getattr(circular, name) for name in TEXT_FIELDS})


def draft_filename(plan: Plan, as_of: date) -> str:
    return f"{plan.title}_通报草稿_{as_of:%Y%m%d}.docx"


def filename_of(circular: Circular) -> str:
    if circular.is_issued:
        return f"{circular.year}年第{circular.number}号_{circular.title}.docx"
    return draft_filename(circular.plan, circular.as_of)


# --- the record -----------------------------------------------------------------------------


def _require_office(actor: User, plan: Plan) -> None:
    if not permissions.can_manage_circulars(actor):
        raise PermissionDenied("只有督查室可以起草、修改和签发通报。")
    permissions.require_manage_plan(actor, plan)


def _require_draft(circular: Circular) -> None:
    if circular.is_issued:
        raise ValidationError(f"通报{circular.number_text}已签发，不能再修改。")


def create_draft(actor: User, plan: Plan, as_of: date | None = None) -> Circular:
    """A draft circular on the plan as of a day, its text drafted from the figures."""
    _require_office(actor, plan)
    content = read_circular(plan, as_of)
    circular = Circular(plan=plan, as_of=content.as_of, created_by=actor, **vars(content.text))
    circular.full_clean()
    circular.save()
    return circular


def update_draft(actor: User, circular: Circular, **text: str) -> Circular:
    """The office's edits to a draft's text (title, overview, highlights, problems, requirements)."""
    _require_office(actor, circular.plan)
    unknown = set(text) - set(TEXT_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        # Re-read under the lock: an edit never lands on a circular issued meanwhile.
        circular = Circular.objects.select_for_update().get(pk=circular.pk)
        _require_draft(circular)
        for name, value in text.items():
            setattr(circular, name, value)
        circular.full_clean()
        circular.save(update_fields=list(text))
    return circular


def delete_draft(actor: User, circular: Circular) -> None:
    _require_office(actor, circular.plan)
    _require_draft(circular)
    circular.delete()


def issue(actor: User, circular: Circular) -> Circular:
    """签发: the draft takes its office's next number of this year (〔2026〕5号) and its Word
    document, as of its day with its edited text, is stored; from then on it never changes.

    Each issuing office (the plan's region's: ``reach.issuer_code``) numbers its own circulars.
    Its row of the year's numbering is locked while the number is taken, so two issues at once
    get two numbers and none is skipped; the plan is read before the lock, so the lock is held
    only for the writing."""
    _require_office(actor, circular.plan)
    _require_draft(circular)
    content = read_circular(circular.plan, circular.as_of)
    with transaction.atomic():
        circular = Circular.objects.select_for_update().get(pk=circular.pk)
        _require_draft(circular)
        issued_on = today()
        issuer = reach.issuer_code(circular.plan)
        sequence, _ = CircularSequence.objects.select_for_update().get_or_create(
            issuer=issuer, year=issued_on.year
        )
        sequence.last_number += 1
        sequence.save(update_fields=["last_number"])
        circular.state = Circular.State.ISSUED
        circular.issuer = issuer
        circular.year, circular.number = issued_on.year, sequence.last_number
        circular.issued_by, circular.issued_at = actor, timezone.now()
        data = circular_docx(
            content,
            text_of(circular),
            issuer=issuer_for(circular.plan),
            number=circular.number_text,
            day=issued_on,
        )
        name = f"{circular.year}-{circular.number:03d}.docx"
        circular.document.save(f"{issuer}-{name}" if issuer else name, ContentFile(data), save=False)
        circular.full_clean()
        circular.save()
    return circular
