"""Shared look of every Excel file the system writes: briefing, list exports, import template.

Cells get one of a few named styles registered once per workbook (a new ``Font()`` per cell
would make openpyxl hash and look up a style object for each of 100,000+ cells). Numbers stay
numbers: rates are fractions shown with a percent format, quantities carry their unit label in
the number format (120 shown as "120个以上"), dates are dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from io import BytesIO

from django.http import HttpResponse
from django.utils.encoding import escape_uri_path
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT_NAME = "宋体"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
AMOUNT_FORMAT = "#,##0.00"
POINTS_FORMAT = "0.0"

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP_TOP = Alignment(wrap_text=True, vertical="center")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_RIGHT = Alignment(horizontal="right", vertical="center")

LIGHT_FILLS = {
    "red": "F8CBAD",
    "yellow": "FFE699",
    "green": "C6EFCE",
    "blue": "BDD7EE",
}


def _named(name: str, *, bold=False, size=10, align=_WRAP_TOP, fmt="General", fill=None, border=True):
    style = NamedStyle(name=name)
    style.font = Font(name=FONT_NAME, size=size, bold=bold)
    style.alignment = align
    style.number_format = fmt
    if border:
        style.border = _BORDER
    if fill:
        style.fill = PatternFill("solid", start_color=fill, end_color=fill)
    return style


def _styles() -> list[NamedStyle]:
    styles = [
        _named("lh_title", bold=True, size=16, align=_CENTER, border=False),
        _named("lh_subtitle", size=11, align=Alignment(horizontal="left", vertical="center"), border=False),
        _named("lh_section", bold=True, size=12, align=Alignment(vertical="center"), border=False),
        _named("lh_note", size=9, align=Alignment(wrap_text=True, vertical="top"), border=False),
        _named("lh_header", bold=True, align=_CENTER, fill="D9E1F2"),
        _named("lh_text", align=_WRAP_TOP),
        _named("lh_center", align=_CENTER),
        _named("lh_int", align=_RIGHT, fmt="0"),
        _named("lh_qty", align=_RIGHT, fmt="General"),
        _named("lh_amount", align=_RIGHT, fmt=AMOUNT_FORMAT),
        _named("lh_points", align=_RIGHT, fmt=POINTS_FORMAT),
        _named("lh_percent", align=_RIGHT, fmt=PERCENT_FORMAT),
        _named("lh_date", align=_CENTER, fmt=DATE_FORMAT),
        _named("lh_total", bold=True, align=_WRAP_TOP, fill="EDEDED"),
        _named("lh_total_amount", bold=True, align=_RIGHT, fmt=AMOUNT_FORMAT, fill="EDEDED"),
        _named("lh_total_percent", bold=True, align=_RIGHT, fmt=PERCENT_FORMAT, fill="EDEDED"),
    ]
    for light, color in LIGHT_FILLS.items():
        styles.append(_named(f"lh_light_{light}", align=_CENTER, fill=color))
    return styles


def new_workbook() -> Workbook:
    """An empty workbook (no default sheet) with the shared named styles registered."""
    wb = Workbook()
    wb.remove(wb.active)
    for style in _styles():
        wb.add_named_style(style)
    return wb


def light_style(light: str | None) -> str:
    return f"lh_light_{light}" if light in LIGHT_FILLS else "lh_center"


@dataclass(frozen=True)
class Column:
    """A table column: header text, width in Excel character units (a Chinese character counts
    about two), and the named style of its cells."""

    header: str
    width: float
    style: str = "lh_text"

    @cached_property
    def effective_width(self) -> float:
        """The width the column is given: its own, or wide enough for its header."""
        return max(self.width, min(text_width(self.header) + 2, 40))


@dataclass(frozen=True)
class Styled:
    """A cell value that overrides its column's style (a red fill, a quantity's own format)."""

    value: object
    style: str | None = None
    number_format: str | None = None


def to_number(value: Decimal | int | float | None) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def percent_value(percent: Decimal | None) -> float | None:
    """A 0–100 percent value as the fraction Excel formats with '%': 62.5 -> 0.625."""
    return None if percent is None else float(percent) / 100


def quantity_format(value: Decimal | None, unit_label: str = "", at_least: bool = False) -> str:
    """Number format showing the unit and "以上" beside the number, e.g. 0"个以上"."""
    base = "0" if value is None or value == value.to_integral_value() else "0.##"
    suffix = f"{unit_label}{'以上' if at_least else ''}".replace('"', "")
    return f'{base}"{suffix}"' if suffix else base


def text_width(text: str) -> float:
    """Display width in Excel character units: CJK characters are about twice as wide.

    Counted from the UTF-8 length (3 bytes for a CJK character, 1 for ASCII), which keeps it
    a C-speed operation over a briefing's hundreds of thousands of cells."""
    return (len(text.encode()) + len(text)) // 2


def set_widths(ws: Worksheet, columns: Sequence[Column]) -> None:
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.effective_width


LINE_HEIGHT = 13.5  # points per line of 10-point text


def wrapped_lines(text: str, width: float) -> int:
    """How many lines a wrapped text takes in a column of the given width."""
    usable = max(width - 1, 1)
    if 2 * len(text) <= usable:  # fits even if every character is double-width
        return 1
    if "\n" not in text:
        return max(1, -(-text_width(text) // usable))
    return sum(max(1, -(-text_width(part) // usable)) for part in text.split("\n"))


def write_title(ws: Worksheet, title: str, width: int, subtitle: str = "") -> int:
    """A merged title row (and subtitle row); returns the next free row."""
    ws.cell(row=1, column=1).style = "lh_title"
    ws.cell(row=1, column=1).value = title
    ws.row_dimensions[1].height = 30
    if width > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    if not subtitle:
        return 2
    ws.cell(row=2, column=1).style = "lh_subtitle"
    ws.cell(row=2, column=1).value = subtitle
    if width > 1:
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    return 3


def write_header(ws: Worksheet, row: int, columns: Sequence[Column]) -> int:
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=row, column=index)
        cell.style = "lh_header"
        cell.value = column.header
    ws.row_dimensions[row].height = 30
    return row + 1


def _apply_style(cell, cache: dict, style: str, number_format: str | None) -> None:
    """Give a cell a named style (and number format) through a per-workbook cache of the
    resulting style array: openpyxl otherwise hashes and looks up the style objects again for
    each of a briefing's 200,000 cells, which made styling ten times slower than writing."""
    array = cache.get((style, number_format))
    if array is None:
        cell.style = style
        if number_format:
            cell.number_format = number_format
        cache[(style, number_format)] = StyleArray(cell._style)
    else:
        cell._style = StyleArray(array)


def write_row(ws: Worksheet, row: int, columns: Sequence[Column], values: Iterable[object]) -> None:
    """One data row; the style is set before the value so dates keep the date format.

    A row whose text wraps is given the height of its tallest cell: neither Excel nor
    LibreOffice grows rows for wrapped text when opening a file, so without it long 目标任务
    or 存在问题 text would print over the rows below."""
    cache = ws.parent.__dict__.setdefault("_lh_style_arrays", {})
    lines = 1
    for index, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
        cell = ws.cell(row=row, column=index)
        if isinstance(value, Styled):
            _apply_style(cell, cache, value.style or column.style, value.number_format)
            value = value.value
        else:
            _apply_style(cell, cache, column.style, None)
        if isinstance(value, Decimal):
            value = to_number(value)
        elif isinstance(value, str) and value:
            lines = max(lines, wrapped_lines(value, column.effective_width))
        cell.value = value
    if lines > 1:
        ws.row_dimensions[row].height = LINE_HEIGHT * lines + 3


def write_table(
    ws: Worksheet,
    columns: Sequence[Column],
    rows: Iterable[Sequence[object]],
    *,
    title: str,
    subtitle: str = "",
) -> tuple[int, int]:
    """Title, bold frozen header repeated on every printed page, rows. Returns (header row,
    last row)."""
    header_row = write_title(ws, title, len(columns), subtitle)
    row = write_header(ws, header_row, columns)
    for values in rows:
        write_row(ws, row, columns, values)
        row += 1
    finish_sheet(ws, columns, header_row)
    return header_row, row - 1


def finish_sheet(ws: Worksheet, columns: Sequence[Column], header_row: int) -> None:
    """Widths, frozen header, A4 landscape fitted to the page width, header repeated per page."""
    set_widths(ws, columns)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_response(wb: Workbook, filename: str) -> HttpResponse:
    """The workbook as a download; the Chinese file name survives in every browser (RFC 5987)."""
    response = HttpResponse(workbook_bytes(wb), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{escape_uri_path(filename)}"
    )
    return response


def merge_down(ws: Worksheet, first_row: int, last_row: int, columns: Iterable[int]) -> None:
    """Merge an item's cells over the rows of its sub-items, as published tables do.

    The ranges go straight into the sheet's merged set: ``ws.merge_cells`` compares each new
    range with every earlier one and restyles the covered cells, quadratic for 2,000 items.
    Ranges here never overlap, and the covered cells are already written empty with the
    column's borders, which is what Excel itself saves."""
    if last_row <= first_row:
        return
    for column in columns:
        letter = get_column_letter(column)
        ws.merged_cells.ranges.add(CellRange(f"{letter}{first_row}:{letter}{last_row}"))
