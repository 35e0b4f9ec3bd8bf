"""The Word documents the office prints: the progress circular (通报) and the monthly 红黄榜,
laid out as official documents (``core.official_doc``, GB/T 9704). They write what they are
given; what a circular says is ``documents.circular``'s, what the ranking holds is
``documents.ranking``'s."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from core.official_doc import OfficialDocument, day_text
from projects.completion import format_number, format_percent
from projects.models import Plan
from supervision.documents.ranking import RED_RULE, YELLOW_RULE, Ranking

CHINESE_NUMERALS = "一二三四五六七八九十"
DRAFT_MARK = "草稿"
ADDRESSEE = "各责任单位："


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    widths: tuple[int, ...]
    centered: tuple[int, ...] = ()


@dataclass
class CircularText:
    """The parts of a circular the office may edit before issuing it."""

    title: str
    overview: str
    highlights: str
    problems: str
    requirements: str


@dataclass
class CircularContent:
    """A circular as drafted from the figures as of a day: its default text and its tables."""

    plan: Plan
    as_of: date
    text: CircularText
    overview_tables: list[Table] = field(default_factory=list)
    highlight_tables: list[Table] = field(default_factory=list)
    problem_tables: list[Table] = field(default_factory=list)


def _table(doc: OfficialDocument, table: Table, number: int | None = None) -> None:
    caption = f"表{number}  {table.caption}" if number else table.caption
    doc.table(caption, table.header, table.rows, table.widths, centered=table.centered)


def draft_number(day: date) -> str:
    """发文字号 of a draft: the year, the number left blank until it is issued."""
    return f"〔{day.year}〕\u3000号"


def circular_docx(
    content: CircularContent,
    text: CircularText,
    *,
    issuer: str,
    number: str,
    day: date,
    draft: bool = False,
) -> bytes:
    """The circular: 版头 (issuer, 发文字号), title, 主送, the four sections each with its tables,
    署名 and 成文日期, 版记. A section with no text and no table is left out."""
    doc = OfficialDocument()
    if draft:
        doc.mark(DRAFT_MARK)
    doc.masthead(issuer, number)
    doc.title(text.title)
    doc.addressee(ADDRESSEE)
    sections: Sequence[tuple[str, str, list[Table]]] = [
        ("总体情况", text.overview, content.overview_tables),
        ("工作亮点", text.highlights, content.highlight_tables),
        ("存在问题", text.problems, content.problem_tables),
        ("下步要求", text.requirements, []),
    ]
    shown = [(heading, body, tables) for heading, body, tables in sections if body.strip() or tables]
    numbered = 0
    for index, (heading, body, tables) in enumerate(shown):
        doc.heading(f"{CHINESE_NUMERALS[index]}、{heading}")
        doc.paragraphs(body)
        for table in tables:
            numbered += 1
            _table(doc, table, numbered)
    doc.signature(issuer, day)
    doc.imprint(issuer, day)
    return doc.to_bytes()


def ranking_title(ranking: Ranking, month: date | None) -> str:
    when = f"{month.year}年{month.month}月" if month else f"截至{day_text(ranking.as_of)}"
    return f"{ranking.plan.title}红黄榜（{when}）"


def ranking_docx(ranking: Ranking, *, month: date | None = None) -> bytes:
    """The 红黄榜 as a printable document: the rule, the 红榜, the 黄榜, and every unit's place."""
    doc = OfficialDocument()
    doc.title(ranking_title(ranking, month))
    if ranking.is_empty:
        doc.paragraphs(f"截至{day_text(ranking.as_of)}，本清单暂无项目，无单位可排名。")
        return doc.to_bytes()
    doc.paragraphs(
        f"截至{day_text(ranking.as_of)}，全清单按期完成率{format_percent(ranking.average_on_time_rate)}。"
        f"{RED_RULE}{YELLOW_RULE}"
    )
    doc.heading("一、红榜")
    if ranking.red:
        _table(
            doc,
            Table(
                "红榜",
                ("序号", "责任单位", "项数", "已完成", "按期完成", "按期完成率", "平均滞后（百分点）"),
                [
                    (
                        str(i),
                        str(row.unit),
                        str(row.subitems_total),
                        str(row.completed),
                        str(row.completed_on_time),
                        format_percent(row.on_time_rate),
                        format_number(row.average_lag),
                    )
                    for i, row in enumerate(ranking.red, start=1)
                ],
                (2, 5, 2, 2, 2, 3, 3),
                centered=(0, 2, 3, 4, 5, 6),
            ),
        )
    else:
        doc.paragraphs("本期无单位上红榜。")
    doc.heading("二、黄榜")
    if ranking.yellow:
        _table(
            doc,
            Table(
                "黄榜",
                ("序号", "责任单位", "项数", "红灯", "黄灯", "超期未报", "平均滞后（百分点）"),
                [
                    (
                        str(i),
                        str(row.unit),
                        str(row.subitems_total),
                        str(row.red),
                        str(row.yellow),
                        str(row.overdue_report),
                        format_number(row.average_lag),
                    )
                    for i, row in enumerate(ranking.yellow, start=1)
                ],
                (2, 5, 2, 2, 2, 2, 3),
                centered=(0, 2, 3, 4, 5, 6),
            ),
        )
    else:
        doc.paragraphs("本期无单位上黄榜。")
    doc.heading("三、各责任单位排名")
    _table(
        doc,
        Table(
            "各责任单位排名（按期完成率从高到低，相同时平均滞后少的在前）",
            ("排名", "责任单位", "项数", "按期完成率", "平均滞后（百分点）", "红灯", "黄灯", "超期未报"),
            [
                (
                    str(i),
                    str(row.unit),
                    str(row.subitems_total),
                    format_percent(row.on_time_rate),
                    format_number(row.average_lag),
                    str(row.red),
                    str(row.yellow),
                    str(row.overdue_report),
                )
                for i, row in enumerate(ranking.rows, start=1)
            ],
            (2, 5, 2, 3, 3, 2, 2, 2),
            centered=(0, 2, 3, 4, 5, 6, 7),
        ),
    )
    return doc.to_bytes()
