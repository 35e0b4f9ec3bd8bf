"""Excel workbooks for leaders and for the list pages: the briefing (工作简报), the plan table,
the lagging list and the rectifications board.

Every figure comes from the read model (``supervision.reading.progress.plan_progress``) and the headline
figures (``supervision.reading.summary``); the only extra reads are one query for funding lines by source,
one for cooperating units and one for the lagging sub-items' report texts (read again by id, as
the briefing keeps only figures while it reads a large plan in batches). Nothing here recomputes
a rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from itertools import groupby

from django.utils import timezone

from core import xlsx
from core.lights import LAGGING_LIGHTS, LIGHT_ORDER, VERDICT_COLOURS, Light, Verdict
from core.xlsx import Book, Column, Line, Sheet, Styled
from projects.completion import summarize
from projects.models import FundingLine, Plan, SubItem
from supervision.ledger.models import ProgressReport
from supervision.reading.lagging import lagging_rows
from supervision.reading.progress import (
    ItemState,
    PlanProgress,
    SubItemState,
    combine_progress,
    plan_progress,
)
from supervision.reading.summary import FundingTotals, funding_by_source, plan_figures
from supervision.yearend import evaluation

ZERO = Decimal("0")

# The briefing is read on paper: every sheet's columns fit A4 landscape at 100% and 10 pt
# (tests/test_briefing_print.py prints it through LibreOffice). The item's own columns come first,
# merged over its sub-items; the long texts of a sub-item's last accepted report are not columns
# but rows of their own under it, each a label and the text across the figure columns.
DETAIL_COLUMNS = [
    Column("序号", 5, "lh_center", header_wraps=True),
    Column("项目名称", 12),
    Column("牵头单位", 10),
    Column("责任领导", 8, header_wraps=True),
    Column("目标任务", 20),
    Column("责任单位", 10),
    Column("完成时限", 16, "lh_date"),
    Column("目标值", 11, "lh_qty"),
    Column("完成值", 11, "lh_qty"),
    Column("完成率", 8, "lh_percent"),
    Column("进度", 7, "lh_percent"),
    Column("序时进度", 8, "lh_percent", header_wraps=True),
    Column("状态", 10, "lh_center"),
]
DETAIL_ITEM_COLUMNS = (1, 2, 3, 4)
DETAIL_TEXTS = (("进展情况", "work_done"), ("存在问题", "problems"), ("下步计划", "next_steps"))

LAGGING_COLUMNS = [
    Column("责任单位", 12),
    Column("序号", 7, "lh_center"),
    Column("项目名称", 20),
    Column("目标任务", 30),
    Column("完成时限", 16, "lh_date"),
    Column("进度", 8, "lh_percent"),
    Column("序时进度", 10, "lh_percent"),
    Column("滞后（百分点）", 10, "lh_points", header_wraps=True),
    Column("灯色", 10, "lh_center"),
]
LAGGING_TEXTS = (("存在问题（滞后原因）", "problems"), ("下步计划", "next_steps"))

REMARK_LABEL = "情况说明"
# A text longer than this many lines is cut into several rows, so no row is taller than a page.
TEXT_ROW_LINES = 20

FUNDING_COLUMNS = [
    Column("序号", 6, "lh_center"),
    Column("项目名称", 24),
    Column("资金来源", 16),
    Column("计划投资（万元）", 14, "lh_amount"),
    Column("到位资金（万元）", 14, "lh_amount"),
    Column("已支付（万元）", 14, "lh_amount"),
    Column("到位率", 9, "lh_percent"),
    Column("支付率", 9, "lh_percent"),
]

# The plan table export carries every registry column the import understands, so an exported
# plan can be imported as next year's draft and comes back the same.
PLAN_TABLE_COLUMNS = [
    Column("序号", 6, "lh_center"),
    Column("项目名称", 20),
    Column("领域", 10, "lh_center"),
    Column("目标任务", 34),
    Column("牵头单位", 14),
    Column("责任单位", 14),
    Column("配合单位", 16),
    Column("责任领导", 12),
    Column("第一责任人", 14),
    Column("目标值", 11, "lh_qty"),
    Column("计量单位", 8, "lh_center"),
    Column("开工时间", 16, "lh_date"),
    Column("完成时限", 16, "lh_date"),
    Column("地点", 14),
    Column("完成值", 11, "lh_qty"),
    Column("完成率", 9, "lh_percent"),
    Column("进度", 8, "lh_percent"),
    Column("序时进度", 9, "lh_percent"),
    Column("状态", 10, "lh_center"),
]
PLAN_TABLE_ITEM_COLUMNS = (1, 2, 3, 5, 8)

RECTIFICATION_COLUMNS = [
    Column("序号", 6, "lh_center"),
    Column("清单", 20),
    Column("问题", 26),
    Column("涉及项目", 22),
    Column("整改单位", 14),
    Column("来源", 10, "lh_center"),
    Column("整改要求", 32),
    Column("整改时限", 16, "lh_date"),
    Column("状态", 12, "lh_center"),
    Column("是否逾期", 8, "lh_center"),
    Column("交办日期", 16, "lh_date"),
    Column("销号日期", 16, "lh_date"),
]


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _quantity(value: Decimal | None, sub: SubItem, *, at_least: bool) -> Styled:
    return Styled(xlsx.to_number(value), number_format=xlsx.quantity_format(value, sub.target_unit, at_least))


def _status_text(state: SubItemState) -> str:
    """The light, or for a closed year the final verdict; 超期未报 beside it when overdue."""
    label = str(Verdict(state.verdict).label) if state.verdict else str(state.light_label)
    return f"{label}（超期未报）" if state.overdue_report else label


def _status_style(state: SubItemState) -> str:
    return xlsx.light_style(VERDICT_COLOURS[state.verdict] if state.verdict else state.light)


def _report_text(state: SubItemState, field: str) -> str:
    return getattr(state.last_report, field) if state.last_report else ""


# --- 进展明细 -------------------------------------------------------------------------------


def _text_lines(label: str, text: str, columns: Sequence[Column], label_column: int) -> list[Line]:
    """A text as rows of its own: the label in ``label_column`` (numbered from 1) and the text
    merged across the columns after it, cut into rows of at most ``TEXT_ROW_LINES`` lines."""
    last = len(columns)
    pixels = sum(xlsx.column_pixels(c.effective_width) for c in columns[label_column:last])
    lines = []
    for index, part in enumerate(xlsx.split_text(text, pixels, TEXT_ROW_LINES)):
        values: list[object] = [None] * last
        values[label_column - 1] = Styled(label if index == 0 else f"{label}（续）", "lh_label")
        values[label_column] = Styled(part, "lh_remark")
        lines.append(Line(values, spans=[(label_column + 1, last)]))
    return lines


def _report_lines(
    state: SubItemState, texts: Sequence[tuple[str, str]], columns: Sequence[Column], label_column: int
) -> list[Line]:
    """The report's texts, each on its own line after its name ("存在问题：…"), in one row under
    the sub-item's figures (one row, not one a text: each row pads its merged cells)."""
    said = [f"{label}：{text}" for label, field in texts if (text := _report_text(state, field))]
    return _text_lines(REMARK_LABEL, "\n".join(said), columns, label_column) if said else []


def _detail_units(item_state: ItemState, sub_states: Sequence[SubItemState]) -> list[list[Line]]:
    """An item's sub-items, each its row of figures and the rows of its report's texts."""
    item = item_state.item
    units = []
    for index, state in enumerate(sub_states):
        sub = state.sub_item
        first = index == 0
        figures = [
            item.number if first else None,
            item.title if first else None,
            str(item.lead_unit) if first else None,
            item.responsible_leader if first else None,
            sub.content,
            str(sub.responsible_unit),
            sub.planned_end,
            _quantity(state.target_value, sub, at_least=sub.target_at_least),
            _quantity(state.actual_value, sub, at_least=False),
            xlsx.to_number(state.completion_rate),
            xlsx.percent_value(state.progress_percent),
            xlsx.percent_value(state.scheduled_percent),
            Styled(_status_text(state), _status_style(state)),
        ]
        units.append([Line(figures), *_report_lines(state, DETAIL_TEXTS, DETAIL_COLUMNS, 5)])
    return units


def _continued(column: int, value: object) -> object:
    """A merged item or unit cell where its block goes on over a page break."""
    return f"{value}（续）" if isinstance(value, str) and column > 1 else value


def _continued_unit(column: int, value: object) -> object:
    return f"{value}（续）" if isinstance(value, str) else value


def _write_detail_sheet(
    sheet: Sheet, groups: Iterable[tuple[ItemState, Sequence[SubItemState]]], *, title: str, subtitle: str
) -> None:
    """One block per item, kept on one page when it fits on one."""
    columns = DETAIL_COLUMNS
    header_row = sheet.write_title(title, len(columns), subtitle)
    row = sheet.write_header(header_row, columns)
    for item_state, sub_states in groups:
        row = sheet.write_block(
            row, columns, _detail_units(item_state, sub_states), DETAIL_ITEM_COLUMNS, _continued
        )
    sheet.finish(columns, header_row)


def _write_item_table(
    sheet: Sheet,
    columns: Sequence[Column],
    item_columns: Sequence[int],
    groups: Iterable[tuple[ItemState, Sequence[SubItemState]]],
    rows_for,
    *,
    title: str,
    subtitle: str,
) -> None:
    header_row = sheet.write_title(title, len(columns), subtitle)
    row = sheet.write_header(header_row, columns)
    for item_state, sub_states in groups:
        row = sheet.write_rows(row, columns, list(rows_for(item_state, sub_states)), item_columns)
    sheet.finish(columns, header_row)


# --- 滞后项目 -------------------------------------------------------------------------------


def lagging_states(progress: PlanProgress) -> list[SubItemState]:
    """Red then yellow sub-items, by unit, largest lag first: the lagging page's own order."""
    return [row.state for row in lagging_rows(progress, {})]


def _lagging_unit(state: SubItemState, unit_name: str | None) -> list[Line]:
    sub = state.sub_item
    figures = [
        unit_name,
        sub.code,
        sub.item.title,
        sub.content,
        sub.planned_end,
        xlsx.percent_value(state.progress_percent),
        xlsx.percent_value(state.scheduled_percent),
        xlsx.to_number(state.lag_points),
        Styled(_status_text(state), _status_style(state)),
    ]
    return [Line(figures), *_report_lines(state, LAGGING_TEXTS, LAGGING_COLUMNS, 3)]


def _write_lagging_sheet(sheet: Sheet, rows: Sequence[SubItemState], *, title: str, subtitle: str) -> None:
    """One block per unit, its name merged over its rows, kept on one page when it fits."""
    columns = LAGGING_COLUMNS
    header_row = sheet.write_title(title, len(columns), subtitle)
    row = sheet.write_header(header_row, columns)
    for _, group in groupby(rows, key=lambda state: state.sub_item.responsible_unit_id):
        states = list(group)
        unit_name = str(states[0].sub_item.responsible_unit)
        units = [
            _lagging_unit(state, unit_name if index == 0 else None) for index, state in enumerate(states)
        ]
        row = sheet.write_block(row, columns, units, (1,), _continued_unit)
    if not rows:
        sheet.write(row, 1, "无滞后项目。")
    sheet.finish(columns, header_row)


def lagging_workbook(rows: Sequence[SubItemState], *, plan: Plan, as_of: date) -> bytes:
    """The lagging list (red, then yellow sub-items by unit) as its own workbook."""
    book = Book()
    write_lagging(book, rows, plan=plan, as_of=as_of)
    return book.close()


def write_lagging(book: Book, rows: Sequence[SubItemState], *, plan: Plan, as_of: date) -> None:
    book.expect_rows(len(rows))
    counts = defaultdict(int)
    for state in rows:
        counts[state.light] += 1
    _write_lagging_sheet(
        book.sheet("滞后项目"),
        rows,
        title=f"{plan.title}滞后项目清单",
        subtitle=f"截至{_day(as_of)}：严重滞后（红灯）{counts[Light.RED]}项，滞后（黄灯）{counts[Light.YELLOW]}项",
    )


# --- 资金情况 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundingRow:
    item_state: ItemState
    source_label: str
    totals: FundingTotals


def funding_rows(progress: PlanProgress) -> list[FundingRow]:
    """Money by item and source, in item order: planned from the registry, allocated and paid
    from the ledger as of the progress's date (``summary.funding_by_source``), so the sheet's
    total is the overview's and the dashboard's."""
    order = {source.value: index for index, source in enumerate(FundingLine.Source)}
    rows = []
    for item_state in progress.items:
        by_source = funding_by_source(item_state.sub_states)
        for source in sorted(by_source, key=lambda s: order.get(s, len(order))):
            totals = by_source[source]
            label = FundingLine.Source(source).label if source else "未列来源"
            rows.append(FundingRow(item_state, str(label), totals))
    return rows


def _write_funding_sheet(sheet: Sheet, rows: Sequence[FundingRow], *, title: str, subtitle: str) -> None:
    """One block per item (its number and title merged over its sources), a total, a note."""
    funding = _FundingSheet(sheet, title=title, subtitle=subtitle)
    funding.add(rows)
    funding.close()


class _FundingSheet:
    """The 资金情况 sheet written as its rows come (a batch of items at a time), its total
    summed on the way."""

    def __init__(self, sheet: Sheet, *, title: str, subtitle: str) -> None:
        self.sheet = sheet
        self.header_row = sheet.write_title(title, len(FUNDING_COLUMNS), subtitle)
        self.row = sheet.write_header(self.header_row, FUNDING_COLUMNS)
        self.planned = self.allocated = self.paid = ZERO

    def add(self, rows: Sequence[FundingRow]) -> None:
        for _, group in groupby(rows, key=lambda funding: funding.item_state.item.pk):
            values = []
            for index, funding in enumerate(group):
                item, totals = funding.item_state.item, funding.totals
                self.planned += totals.planned
                self.allocated += totals.allocated
                self.paid += totals.paid
                values.append(
                    [
                        item.number if index == 0 else None,
                        item.title if index == 0 else None,
                        funding.source_label,
                        totals.planned,
                        totals.allocated,
                        totals.paid,
                        xlsx.to_number(totals.allocation_rate),
                        xlsx.to_number(totals.payment_rate),
                    ]
                )
            self.row = self.sheet.write_rows(self.row, FUNDING_COLUMNS, values, (1, 2))

    def close(self) -> None:
        sheet, row, columns = self.sheet, self.row, FUNDING_COLUMNS
        total = FundingTotals(planned=self.planned, allocated=self.allocated, paid=self.paid)
        sheet.merge(row, 1, row, 3, "合计", "lh_total")
        sheet.write_row(
            row,
            columns,
            [
                None,
                None,
                None,
                Styled(total.planned, "lh_total_amount"),
                Styled(total.allocated, "lh_total_amount"),
                Styled(total.paid, "lh_total_amount"),
                Styled(xlsx.to_number(total.allocation_rate), "lh_total_percent"),
                Styled(xlsx.to_number(total.payment_rate), "lh_total_percent"),
            ],
            covered=(1, 2, 3),
        )
        note = (
            "说明：计划投资取自清单；到位、支付为截至本简报日期各子项最新审核通过的填报所报累计数（有多个资金来源的按来源填报），"
            "与“总体情况”合计一致。到位率＝到位资金÷计划投资，支付率＝已支付÷到位资金。"
        )
        sheet.set_height(row + 1, xlsx.ROW_HEIGHT)
        sheet.merge(row + 2, 1, row + 2, len(columns), note, "lh_note")
        sheet.set_height(row + 2, 30)
        sheet.finish(columns, self.header_row)


# --- 总体情况 -------------------------------------------------------------------------------

OVERVIEW_COLUMNS = [
    Column("", 24),
    Column("", 14),
    Column("", 14),
    Column("", 14),
    Column("", 14),
    Column("", 14),
]


SECTION_HEIGHT = 24.0  # a 12-point heading


def _overview_section(
    sheet: Sheet, row: int, heading: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> int:
    """A heading and its table, kept on one page (a heading never ends a page alone), then a
    blank row. Returns the next free row."""
    columns = [
        replace(column, header=h)
        for column, h in zip(OVERVIEW_COLUMNS + [Column("", 12)], header, strict=False)
    ]
    styles = ["lh_text"] + ["lh_int"] * (len(header) - 1)
    typed_rows = [
        [
            v if isinstance(v, Styled) else Styled(v, styles[i] if not isinstance(v, float) else "lh_percent")
            for i, v in enumerate(values)
        ]
        for values in rows
    ]
    heights = [sheet.measure(columns, Line(values)) for values in typed_rows]
    sheet.pager.keep(row, SECTION_HEIGHT + xlsx.HEADER_HEIGHT + sum(heights))
    sheet.write(row, 1, heading, "lh_section")
    sheet.set_height(row, SECTION_HEIGHT)
    row = sheet.write_header(row + 1, columns, repeated=False)
    for values in typed_rows:
        sheet.write_row(row, columns, values)
        row += 1
    sheet.set_height(row, xlsx.ROW_HEIGHT)
    return row + 1


def _category_rows(progress: PlanProgress) -> list[list[object]]:
    groups: dict[str, list[ItemState]] = defaultdict(list)
    order: list[str] = []
    for item_state in progress.items:
        name = item_state.item.category.name if item_state.item.category else "未分类"
        if name not in groups:
            order.append(name)
        groups[name].append(item_state)
    rows = []
    for name in order:
        item_states = groups[name]
        summary = summarize({i.item.pk: [s.status for s in i.sub_states] for i in item_states})
        lagging = sum(1 for i in item_states for s in i.sub_states if s.light in LAGGING_LIGHTS)
        rows.append(
            [
                name,
                summary.items_total,
                summary.subitems_total,
                summary.items_completed,
                summary.subitems_completed,
                float(summary.subitem_completion_rate),
                lagging,
            ]
        )
    return rows


def _write_overview(sheet: Sheet, progress: PlanProgress, figures: dict) -> None:
    plan = progress.plan
    summary = progress.summary
    width = 7
    row = sheet.write_title(f"{plan.title}推进情况简报", width, f"截至{_day(progress.as_of)}")
    sheet.pager.repeat(xlsx.TITLE_HEIGHT + xlsx.SUBTITLE_HEIGHT)
    sheet.set_height(row, xlsx.ROW_HEIGHT)
    row += 1
    headline = f"总体情况：{plan.title}共{figures['headline']}。"
    sheet.merge(row, 1, row, width, headline, "lh_section")
    pixels = sum(xlsx.column_pixels(c.effective_width) for c in OVERVIEW_COLUMNS) + xlsx.column_pixels(12)
    sheet.set_height(row, 16 * xlsx.text_lines(headline, pixels, font_points=12) + 8)
    sheet.set_height(row + 1, xlsx.ROW_HEIGHT)
    row += 2

    row = _overview_section(
        sheet,
        row,
        "一、完成情况",
        ["指标", "件", "项"],
        [
            ["清单总数", summary.items_total, summary.subitems_total],
            ["已完成", summary.items_completed, summary.subitems_completed],
            ["继续推进", summary.items_remaining, summary.subitems_remaining],
            ["完成率", float(summary.item_completion_rate), float(summary.subitem_completion_rate)],
        ],
    )

    total = summary.subitems_total or 1
    light_rows = [
        [
            Styled(str(light.label), xlsx.light_style(light.value)),
            figures["lights"][light.value],
            figures["lights"][light.value] / total,
        ]
        for light in LIGHT_ORDER
    ]
    light_rows.append(["超期未报", figures["overdue_report"], figures["overdue_report"] / total])
    row = _overview_section(sheet, row, "二、序时进度（红黄绿灯）", ["状态", "项数", "占比"], light_rows)

    row = _overview_section(
        sheet,
        row,
        "三、分领域情况",
        ["领域", "件数", "项数", "已完成件数", "已完成项数", "项完成率", "滞后项数"],
        _category_rows(progress),
    )

    funding = figures["funding"]
    row = _overview_section(
        sheet,
        row,
        "四、资金情况（万元）",
        ["计划投资", "到位资金", "已支付", "资金到位率", "支付率"],
        [
            [
                Styled(funding["planned"], "lh_amount"),
                Styled(funding["allocated"], "lh_amount"),
                Styled(funding["paid"], "lh_amount"),
                Styled(funding["allocation_rate"], "lh_percent"),
                Styled(funding["payment_rate"], "lh_percent"),
            ]
        ],
    )
    sheet.finish(OVERVIEW_COLUMNS + [Column("", 12)], 2, title_rows=(1, 2))


# --- the briefing ---------------------------------------------------------------------------


def briefing_filename(plan: Plan, as_of: date) -> str:
    return f"{plan.title}_工作简报_{as_of:%Y%m%d}.xlsx"


def build_briefing(progress: PlanProgress) -> bytes:
    """The four-sheet briefing (总体情况, 进展明细, 滞后项目, 资金情况) for a progress view."""
    book = Book()
    write_briefing(book, progress)
    return book.close()


def write_briefing(book: Book, progress: PlanProgress) -> None:
    write_briefing_in_batches(book, progress.plan, progress.as_of, [progress])


def _figures_only(item_state: ItemState, report_ids: dict[int, int]) -> ItemState:
    """The item with its sub-items' figures only (status, light, percents, money), without
    their registry rows and reports: all the overview and the money sheet read. Red and yellow
    sub-items keep their registry row, for the lagging sheet's order and columns; their report
    is read again by id (``report_ids``) when that sheet is written."""
    sub_states = []
    for state in item_state.sub_states:
        if state.light in LAGGING_LIGHTS:
            if state.last_report is not None:
                report_ids[state.sub_item.pk] = state.last_report.pk
            sub_states.append(replace(state, last_report=None))
        else:
            sub_states.append(
                replace(state, sub_item=None, last_report=None, actual_value=None, completed_on=None)
            )
    return replace(item_state, sub_states=sub_states)


def _with_reports(states: Sequence[SubItemState], report_ids: dict[int, int]) -> list[SubItemState]:
    """The states with the report texts the lagging sheet shows, read by id 5,000 at a time."""
    ids = [report_ids[s.sub_item.pk] for s in states if s.sub_item.pk in report_ids]
    reports = {}
    for start in range(0, len(ids), 5000):
        reports.update(
            ProgressReport.objects.only("id", "problems", "next_steps").in_bulk(ids[start : start + 5000])
        )
    return [replace(s, last_report=reports.get(report_ids.get(s.sub_item.pk))) for s in states]


def write_briefing_in_batches(book: Book, plan: Plan, as_of: date, batches: Iterable[PlanProgress]) -> None:
    """The four-sheet briefing from the plan's progress read a batch of items at a time (in
    item order; one batch is the whole plan): each batch's 进展明细 and 资金情况 rows are
    written as it comes, and only its figures (and its red and yellow sub-items) are kept for
    总体情况 and 滞后项目, which need the whole plan, so a large plan is never held whole."""
    subtitle = f"截至{_day(as_of)}"
    overview_sheet = book.sheet("总体情况")
    detail_sheet = book.sheet("进展明细")
    lagging_sheet = book.sheet("滞后项目")
    funding = _FundingSheet(
        book.sheet("资金情况"), title=f"{plan.title}资金情况", subtitle=f"{subtitle}，单位：万元"
    )
    # A plan read in one batch is kept as it is; from a second batch on, each is kept as its
    # figures only (the first one too).
    parts: list[PlanProgress] = []
    report_ids: dict[int, int] = {}

    def figures_only(progress: PlanProgress) -> PlanProgress:
        return replace(progress, items=[_figures_only(i, report_ids) for i in progress.items])

    def detail_groups():
        for progress in batches:
            book.expect_rows(sum(len(i.sub_states) for i in progress.items))
            for item_state in progress.items:
                yield item_state, item_state.sub_states
            rows = funding_rows(progress)
            book.expect_rows(len(rows))
            funding.add(rows)
            if len(parts) == 1:
                parts[0] = figures_only(parts[0])
            parts.append(figures_only(progress) if parts else progress)
            del progress

    _write_detail_sheet(detail_sheet, detail_groups(), title=f"{plan.title}进展明细", subtitle=subtitle)
    funding.close()
    progress = combine_progress(parts)
    lagging = lagging_states(progress)
    if len(parts) > 1:
        lagging = _with_reports(lagging, report_ids)
    book.expect_rows(len(lagging))
    _write_lagging_sheet(
        lagging_sheet,
        lagging,
        title=f"{plan.title}滞后项目",
        subtitle=f"{subtitle}，按责任单位列出红灯、黄灯子项",
    )
    _write_overview(overview_sheet, progress, plan_figures(progress))
    write_evaluation(book, plan, as_of)


def briefing_for(plan: Plan, as_of: date | None = None, sub_item_filter=None) -> tuple[bytes, PlanProgress]:
    progress = plan_progress(plan, as_of, sub_item_filter=sub_item_filter)
    return build_briefing(progress), progress


# --- list exports ---------------------------------------------------------------------------


def cooperating_unit_names(sub_item_ids: Iterable[int]) -> dict[int, list[str]]:
    """Cooperating units' display names per sub-item (one query)."""
    through = SubItem.cooperating_units.through
    names: dict[int, list[str]] = defaultdict(list)
    rows = (
        through.objects.filter(subitem_id__in=list(sub_item_ids))
        .order_by("subitem_id", "unit__name")
        .values_list("subitem_id", "unit__short_name", "unit__name")
    )
    for sub_id, short_name, name in rows:
        names[sub_id].append(short_name or name)
    return names


def plan_table_workbook(progress: PlanProgress, item_states: Sequence[ItemState]) -> bytes:
    """What the plan table shows (after its filters), with every registry column."""
    book = Book()
    write_plan_table(
        book,
        plan=progress.plan,
        as_of=progress.as_of,
        headline=progress.summary.headline,
        chunks=[item_states],
        rows=sum(len(i.sub_states) for i in item_states),
    )
    return book.close()


def write_plan_table(
    book: Book,
    *,
    plan: Plan,
    as_of: date,
    headline: str,
    chunks: Iterable[Sequence[ItemState]],
    rows: int,
) -> None:
    """The plan table from item states given a batch of items at a time (each batch is read,
    written and let go, so a large plan is never held whole), under the headline of all of
    them; ``rows`` is the number of sub-item rows expected (the progress bar's total)."""
    book.expect_rows(rows)
    cooperating: dict[int, list[str]] = {}

    def groups():
        for item_states in chunks:
            cooperating.clear()
            cooperating.update(
                cooperating_unit_names(s.sub_item.pk for i in item_states for s in i.sub_states)
            )
            for item_state in item_states:
                yield item_state, item_state.sub_states

    def rows_for(item_state: ItemState, sub_states: Sequence[SubItemState]):
        item = item_state.item
        for index, state in enumerate(sub_states):
            sub = state.sub_item
            first = index == 0
            yield [
                item.number if first else None,
                item.title if first else None,
                (item.category.name if item.category else "") if first else None,
                sub.content,
                str(item.lead_unit) if first else None,
                str(sub.responsible_unit),
                "、".join(cooperating.get(sub.pk, [])),
                item.responsible_leader if first else None,
                sub.first_responsible_person,
                Styled(
                    xlsx.to_number(state.target_value),
                    number_format=xlsx.quantity_format(state.target_value, "", sub.target_at_least),
                ),
                sub.target_unit,
                sub.planned_start,
                sub.planned_end,
                sub.location,
                _quantity(state.actual_value, sub, at_least=False),
                xlsx.to_number(state.completion_rate),
                xlsx.percent_value(state.progress_percent),
                xlsx.percent_value(state.scheduled_percent),
                Styled(_status_text(state), _status_style(state)),
            ]

    _write_item_table(
        book.sheet("清单"),
        PLAN_TABLE_COLUMNS,
        PLAN_TABLE_ITEM_COLUMNS,
        groups(),
        rows_for,
        title=plan.title,
        subtitle=f"截至{_day(as_of)}  {headline}",
    )


def rectifications_workbook(
    rectifications: Sequence, *, title: str = "整改督办事项", subtitle: str = ""
) -> bytes:
    """The rectifications board as shown, one row per rectification as it stood on the board's
    day (``rectification_state.RectificationOn``)."""
    book = Book()
    write_rectifications(book, rectifications, title=title, subtitle=subtitle)
    return book.close()


def write_rectifications(
    book: Book, rectifications: Sequence, *, title: str = "整改督办事项", subtitle: str = ""
) -> None:
    book.expect_rows(len(rectifications))
    rows = []
    for index, rect in enumerate(rectifications, start=1):
        target = rect.sub_item or rect.item
        rows.append(
            [
                index,
                rect.plan.title,
                rect.title,
                str(target) if target else "",
                str(rect.unit),
                rect.get_source_display(),
                rect.required_action,
                rect.deadline,
                Styled(rect.get_state_display(), "lh_light_blue" if rect.state == "closed" else None),
                Styled("是", "lh_light_red") if rect.is_overdue else "否",
                timezone.localtime(rect.created_at).date(),
                timezone.localtime(rect.closed_at).date()
                if rect.closed_at and rect.state == "closed"
                else None,
            ]
        )
    book.sheet("整改督办").write_table(
        RECTIFICATION_COLUMNS,
        rows,
        title=title,
        subtitle="，".join(filter(None, [subtitle, f"共{len(rows)}项"])),
    )


# --- the satisfaction evaluation (满意度测评) ---------------------------------------------

EVALUATION_COLUMNS = [
    Column("序号", 6, "lh_center"),
    Column("项目名称", 24),
    Column("牵头单位", 14),
    Column("满意", 8, "lh_int"),
    Column("基本满意", 9, "lh_int"),
    Column("不满意", 8, "lh_int"),
    Column("有效票", 8, "lh_int"),
    Column("满意率", 9, "lh_percent"),
    Column("测评结果", 10, "lh_center"),
    Column("视察满意度", 22),
]


def write_evaluation(book: Book, plan: Plan, as_of: date) -> None:
    """The sheet 满意度测评: one row per item as ``supervision.yearend.evaluation`` reads it that day;
    no sheet when the plan had no evaluation by then."""
    reading = evaluation.read_evaluation(plan, as_of)
    if reading is None:
        return
    book.expect_rows(len(reading.rows))
    rows = [
        [
            row.number,
            row.title,
            str(row.item.lead_unit),
            row.satisfied,
            row.basically_satisfied,
            row.unsatisfied,
            row.valid,
            None if row.rate is None else float(row.rate),
            Styled(row.verdict, "lh_light_red" if row.passed is False else None),
            row.visit_ratings_text,
        ]
        for row in reading.rows
    ]
    state = "已结束" if reading.is_closed else "进行中"
    book.sheet("满意度测评").write_table(
        EVALUATION_COLUMNS,
        rows,
        title=f"{plan.title}满意度测评",
        subtitle=f"截至{_day(as_of)}，测评{state}，达标线{xlsx.to_number(reading.threshold)}%；{evaluation.RULE}",
    )
