"""Reading the shares of an imported list (分解下达): a city list whose annex gives each county's
share, or a county list naming its townships' shares. Two shapes are read:

- a column per region on the list itself: a header cell naming a lower region (东湖区, 城关街道),
  each row's cell in it that region's share of the row's target;
- rows per region on another sheet (the annex, 分解表): 序号 (the item, or the sub-item as
  "3.2"), 区划 (a lower region's name or code), 分解目标, and optionally 责任单位, 第一责任人,
  完成时限.

A share's responsible unit is the one named; without one, the region's counterpart of the
sub-item's unit (示范市教育局 → 东湖区教育局); either is found among the units of the share's
region (``unit_names``), never a same-named unit of another region. The split's rules are
``projects.shares``; every problem is reported with its sheet, row and column (as ``Spot``
tuples the importer turns into its problems), and nothing is saved unless all is valid.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from projects.models import Plan, Region, SubItem
from projects.services.unit_names import UnitNames
from projects.shares import ShareRow, save_shares

REGION_HEADERS = (
    "区划",
    "地区",
    "县市区",
    "县（市、区）",
    "县(市、区)",
    "乡镇",
    "乡镇（街道）",
    "乡镇(街道)",
    "承担地区",
)
CODE_HEADERS = ("序号", "子项序号", "编号")
TARGET_HEADERS = ("分解目标", "分解目标值", "目标值", "目标任务数", "任务数")
UNIT_HEADERS = ("责任单位",)
PERSON_HEADERS = ("第一责任人", "责任人")
END_HEADERS = ("完成时限", "完成时间")
NOTE_HEADERS = ("分解说明",)
_SUB_CODE = re.compile(r"^(\d+)(?:\.(\d+))?$")


class Spot(NamedTuple):
    """A problem and where it is: row, column letter, message, sheet ("" for the list's own)."""

    row: int | None
    column: str
    message: str
    sheet: str = ""


@dataclass
class ParsedShare:
    """One share as the spreadsheet gives it, with where it was written."""

    region: str
    target_value: Decimal | None
    row: int
    column: str
    sheet: str = ""
    responsible_unit: str = ""
    first_responsible_person: str = ""
    planned_end: date | None = None


def _clean(value) -> str:
    return re.sub(r"\s", "", str(value)) if value is not None else ""


def _text(value) -> str:
    return str(value).strip() if value is not None else ""


def region_columns(ws: Worksheet, header_row: int, used: set[int]) -> dict[int, str]:
    """The header cells naming a known region (one column per region), by column."""
    names = set(Region.objects.values_list("name", flat=True))
    found = {}
    for cell in ws[header_row]:
        text = _clean(cell.value)
        if cell.column not in used and text in names:
            found[cell.column] = text
    return found


def read_columns(
    ws: Worksheet, header_row: int, used: set[int], sub_rows: dict, parse_quantity, problems
) -> None:
    """Each sub-item row's share per region column, appended to the sub-item's ``shares``."""
    for column, name in region_columns(ws, header_row, used).items():
        letter = get_column_letter(column)
        for row, sub in sub_rows.items():
            cell = ws.cell(row=row, column=column)
            try:
                value, _, _ = parse_quantity(cell.value, cell.number_format)
            except ValueError as exc:
                problems.append(Spot(row, letter, str(exc)))
                continue
            if value is not None:
                sub.shares.append(ParsedShare(name, value, row, letter))


def _header(ws: Worksheet) -> tuple[int, dict[str, int]] | None:
    for row in ws.iter_rows(min_row=1, max_row=min(10, ws.max_row)):
        found = {}
        for cell in row:
            text = _clean(cell.value)
            for key, names in (
                ("region", REGION_HEADERS),
                ("code", CODE_HEADERS),
                ("target", TARGET_HEADERS),
                ("unit", UNIT_HEADERS),
                ("person", PERSON_HEADERS),
                ("end", END_HEADERS),
                ("note", NOTE_HEADERS),
            ):
                if text in names and key not in found:
                    found[key] = cell.column
        if {"region", "code"} <= set(found):
            return row[0].row, found
    return None


def read_annex(
    wb: Workbook, main_sheet: str, subs_by_code: dict, year: int, parse_quantity, parse_date, problems
):
    """The rows of every other sheet that looks like an annex of shares (区划 and 序号 columns)."""
    for ws in wb.worksheets:
        if ws.title != main_sheet and (found := _header(ws)) is not None:
            _read_annex_sheet(ws, *found, subs_by_code, year, parse_quantity, parse_date, problems)


def _read_annex_sheet(
    ws: Worksheet,
    header_row: int,
    columns: dict[str, int],
    subs_by_code,
    year,
    parse_quantity,
    parse_date,
    problems,
) -> None:
    def value(row: int, key: str):
        return ws.cell(row=row, column=columns[key]).value if key in columns else None

    def spot(row: int, key: str, message: str) -> Spot:
        return Spot(row, get_column_letter(columns[key]) if key in columns else "", message, ws.title)

    for row in range(header_row + 1, ws.max_row + 1):
        code, region = _clean(value(row, "code")), _clean(value(row, "region"))
        if not code and not region:
            continue
        match = _SUB_CODE.match(code)
        sub = subs_by_code.get((int(match.group(1)), int(match.group(2) or 1))) if match else None
        if sub is None:
            problems.append(spot(row, "code", f"序号“{code}”在清单中找不到对应的子项（如“3”或“3.2”）"))
            continue
        if not region:
            problems.append(spot(row, "region", "区划不能为空"))
            continue
        try:
            target = parse_quantity(value(row, "target"))[0]
        except ValueError as exc:
            problems.append(spot(row, "target", str(exc)))
            continue
        try:
            end = parse_date(value(row, "end"), year, end=True)
        except ValueError as exc:
            problems.append(spot(row, "end", str(exc)))
            continue
        if note := _text(value(row, "note")):
            sub.share_note = note
        sub.shares.append(
            ParsedShare(
                region,
                target,
                row,
                get_column_letter(columns["region"]),
                ws.title,
                responsible_unit=_text(value(row, "unit")),
                first_responsible_person=_text(value(row, "person")),
                planned_end=end,
            )
        )


def _find_region(plan_region: Region, text: str) -> Region | None:
    below = Region.objects.within(plan_region).exclude(pk=plan_region.pk)
    return below.filter(code=text).first() or below.filter(name=text).first()


def counterpart_name(unit_name: str, plan_region: Region, region: Region) -> str:
    """The lower region's unit doing what a unit of the plan's region does: 示范市教育局 in 东湖区
    is 东湖区教育局."""
    return region.name + unit_name.removeprefix(plan_region.name)


def _spot(share: ParsedShare, message: str) -> Spot:
    return Spot(share.row, share.column, message, share.sheet)


def save_split(sub: SubItem, parsed_sub, plan: Plan, units_of: Callable[[Region], UnitNames]) -> list[Spot]:
    """Save a parsed sub-item's shares (``save_shares``); the problems, where they were written.
    ``units_of(region)``: the units a share of that region may name."""
    if not parsed_sub.shares:
        return []
    first = parsed_sub.shares[0]
    if plan.region is None:
        return [_spot(first, "清单未设所属区划，不能分解到下级区划（请填写“所属区划代码”）")]
    problems, rows = [], []
    for share in parsed_sub.shares:
        region = _find_region(plan.region, share.region)
        if region is None:
            problems.append(_spot(share, f"“{share.region}”不是“{plan.region.name}”的下级区划"))
            continue
        name = share.responsible_unit or counterpart_name(sub.responsible_unit.name, plan.region, region)
        units = units_of(region)
        found = units.candidates(name)
        if len(found) > 1:
            problems.append(_spot(share, units.ambiguity(name, found)))
            continue
        unit = found[0] if found else None
        if unit is None:
            problems.append(
                _spot(share, f"找不到“{region.name}”的责任单位“{name}”，请先建立该单位或在分解表中写明")
            )
            continue
        rows.append(
            ShareRow(
                region=region,
                responsible_unit=unit,
                target_value=share.target_value,
                first_responsible_person=share.first_responsible_person,
                planned_end=share.planned_end or sub.planned_end,
            )
        )
    if problems:
        return problems
    try:
        save_shares(sub, rows, parsed_sub.share_note)
    except ValidationError as exc:
        return [_spot(first, message) for message in exc.messages]
    return []
