"""Shared look of every Excel file the system writes: briefing, list exports, import template.

Written with XlsxWriter through its public API. Each workbook creates its formats once, by name
(``"lh_header"``, ``"lh_percent"`` …), and reuses them for every cell. Values keep their type:
text is always written as text, never as a formula, whatever it starts with ("=", "+", "-",
"@"), because it is what users typed into report forms; numbers stay numbers (rates are
fractions shown with a percent format, quantities carry their unit label in the number format,
120 shown as "120个以上"); dates are dates.

Rows and columns are numbered as Excel shows them, from 1.

Workbooks are written in XlsxWriter's constant-memory mode to a temporary file: each row goes
to disk once the next one is started, so a 100,000-row export holds one row in memory, not
every cell. Rows must therefore be written top to bottom (``Sheet`` only ever does so).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import xlsxwriter
from django.http import HttpResponse
from django.utils.encoding import escape_uri_path
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT_NAME = "宋体"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
AMOUNT_FORMAT = "#,##0.00"
POINTS_FORMAT = "0.0"

LIGHT_FILLS = {
    "red": "F8CBAD",
    "yellow": "FFE699",
    "green": "C6EFCE",
    "blue": "BDD7EE",
}

_BORDER = {"border": 1, "border_color": "#808080"}
_WRAP = {"text_wrap": True, "valign": "vcenter"}
_CENTER = {"align": "center", "valign": "vcenter", "text_wrap": True}
_RIGHT = {"align": "right", "valign": "vcenter"}


def _style(*, bold=False, size=10, align=_WRAP, fmt=None, fill=None, border=True) -> dict:
    style = {"font_name": FONT_NAME, "font_size": size, **align}
    if bold:
        style["bold"] = True
    if fmt:
        style["num_format"] = fmt
    if border:
        style.update(_BORDER)
    if fill:
        style.update(pattern=1, bg_color=f"#{fill}")
    return style


STYLES: dict[str, dict] = {
    "lh_title": _style(bold=True, size=16, align=_CENTER, border=False),
    "lh_subtitle": _style(size=11, align={"align": "left", "valign": "vcenter"}, border=False),
    "lh_section": _style(bold=True, size=12, align={"valign": "vcenter"}, border=False),
    "lh_note": _style(size=9, align={"text_wrap": True, "valign": "top"}, border=False),
    "lh_label": _style(align=_CENTER, fill="F2F2F2"),
    "lh_remark": _style(align={"text_wrap": True, "valign": "top"}),
    "lh_header": _style(bold=True, align=_CENTER, fill="D9E1F2"),
    "lh_text": _style(align=_WRAP),
    "lh_center": _style(align=_CENTER),
    "lh_int": _style(align=_RIGHT, fmt="0"),
    "lh_qty": _style(align=_RIGHT),
    "lh_amount": _style(align=_RIGHT, fmt=AMOUNT_FORMAT),
    "lh_points": _style(align=_RIGHT, fmt=POINTS_FORMAT),
    "lh_percent": _style(align=_RIGHT, fmt=PERCENT_FORMAT),
    # A date never wraps (Excel would not wrap it either, and shows #### when it does not fit).
    "lh_date": _style(align={"align": "center", "valign": "vcenter"}, fmt=DATE_FORMAT),
    "lh_total": _style(bold=True, align=_WRAP, fill="EDEDED"),
    "lh_total_amount": _style(bold=True, align=_RIGHT, fmt=AMOUNT_FORMAT, fill="EDEDED"),
    "lh_total_percent": _style(bold=True, align=_RIGHT, fmt=PERCENT_FORMAT, fill="EDEDED"),
    **{f"lh_light_{light}": _style(align=_CENTER, fill=color) for light, color in LIGHT_FILLS.items()},
}


def light_style(light: str | None) -> str:
    return f"lh_light_{light}" if light in LIGHT_FILLS else "lh_center"


@dataclass(frozen=True)
class Column:
    """A table column: header text, width in Excel character units (a Chinese character counts
    about two), and the style of its cells."""

    header: str
    width: float
    style: str = "lh_text"
    # A header that may wrap onto a second line (a narrow column on paper); otherwise the
    # column is made wide enough for its header on one line.
    header_wraps: bool = False

    @cached_property
    def effective_width(self) -> float:
        """The width the column is given: its own, or wide enough for its header."""
        if self.header_wraps:
            return self.width
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


# --- paper ------------------------------------------------------------------------------
# Every sheet prints on A4 landscape at 100%: its columns fit the page's width (a test checks
# each sheet's columns with ``fits_page_width``) and every text is 9 pt or more. Column widths
# are in Excel's units, the width of a digit of the default font (Calibri 11: 7 pixels at 96 dpi,
# so a width ``w`` takes ``7w + 5`` pixels); Chinese text is 10 pt, one character 10 pt wide.
#
# Rows are given their height when written (never left to the program that opens the file,
# which would not grow them for wrapped text, and leaves rows of uneven height), so where each
# page ends is known while writing: ``Pager`` puts the page breaks itself, between blocks of
# rows that belong together (an item and its sub-items, a heading and its table), never inside
# one unless it is taller than a page.

PAGE_WIDTH_POINTS = 841.89  # A4 landscape
PAGE_HEIGHT_POINTS = 595.28
MARGIN_INCHES = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.8}
HEADER_FOOTER_MARGIN_INCHES = 0.3
PRINTABLE_WIDTH_PIXELS = (PAGE_WIDTH_POINTS - 72 * (MARGIN_INCHES["left"] + MARGIN_INCHES["right"])) / 0.75
# The height pages are planned for: the page inside its margins is 494 pt; the rest is a reserve
# for the rounding of row heights by Excel, WPS and LibreOffice.
PAGE_BODY_POINTS = 470.0
FOOTER = "&C第 &P 页 共 &N 页"
# XlsxWriter (and Excel) keep at most this many manual page breaks in a sheet; past them the
# spreadsheet program breaks pages itself.
MAX_PAGE_BREAKS = 1023

FONT_POINTS = 10
LINE_HEIGHT = 13.5  # points per line of 10-point text (Excel's row for 宋体 10 pt)
ROW_PADDING = 4.0
ROW_HEIGHT = LINE_HEIGHT + ROW_PADDING  # a row of one line
TITLE_HEIGHT = 30.0
SUBTITLE_HEIGHT = 20.0
HEADER_HEIGHT = 30.0  # two lines of header text


def column_pixels(width: float) -> int:
    """A column's width in pixels at 96 dpi, as Excel and XlsxWriter reckon it."""
    return int(width * 7 + 0.5) + 5 if width >= 1 else int(width * 12 + 0.5)


def fits_page_width(columns: Sequence[Column]) -> bool:
    """Whether the columns print side by side on A4 landscape at 100%."""
    return sum(column_pixels(c.effective_width) for c in columns) <= PRINTABLE_WIDTH_PIXELS


def line_capacity(pixels: float, font_points: float = FONT_POINTS) -> int:
    """How many Chinese characters one line of a cell this wide holds (a little fewer than fit,
    for the cell's padding and the programs' differences)."""
    return max(1, int((pixels * 0.75 - 6) / font_points))


def text_lines(text: str, pixels: float, font_points: float = FONT_POINTS) -> int:
    """How many lines a wrapped text takes in a cell ``pixels`` wide: each line break starts
    a line, and a Latin letter or digit takes half a Chinese character."""
    capacity = line_capacity(pixels, font_points)
    if len(text) <= capacity and "\n" not in text:  # fits even if every character is Chinese
        return 1
    return sum(max(1, -(-text_width(part) // (2 * capacity))) for part in text.split("\n"))


def wrapped_lines(text: str, width: float) -> int:
    """How many lines a wrapped text takes in a column of the given width."""
    return text_lines(text, column_pixels(width))


def split_text(text: str, pixels: float, max_lines: int) -> list[str]:
    """The text cut into parts of at most ``max_lines`` lines in a cell ``pixels`` wide: at
    line breaks where it can, else inside a paragraph."""
    if text_lines(text, pixels) <= max_lines:
        return [text]
    capacity = line_capacity(pixels)
    parts: list[str] = []
    current: list[str] = []
    for paragraph in text.split("\n"):
        while text_lines(paragraph, pixels) > max_lines:
            # As many characters as fill max_lines lines even if all are Chinese.
            head, paragraph = paragraph[: capacity * max_lines], paragraph[capacity * max_lines :]
            if current:
                parts.append("\n".join(current))
                current = []
            parts.append(head)
        if current and text_lines("\n".join([*current, paragraph]), pixels) > max_lines:
            parts.append("\n".join(current))
            current = []
        current.append(paragraph)
    if current:
        parts.append("\n".join(current))
    return parts


def row_height(lines: int) -> float:
    return LINE_HEIGHT * lines + ROW_PADDING


class Pager:
    """Where a sheet's pages end. Rows are placed top to bottom with their heights; a row that
    does not fit on the page starts the next one, and ``keep()`` moves a whole block of rows to
    the next page when it does not fit on this one but fits on a page of its own. Every page
    after the first starts with the rows printed at the top of each page (``repeat``)."""

    def __init__(self, body: float = PAGE_BODY_POINTS) -> None:
        self.body = body
        self.used = 0.0
        self.repeated = 0.0
        self.breaks: list[int] = []  # rows (numbered from 1) that start a page

    def repeat(self, height: float) -> None:
        """Rows of this height are printed at the top of every page."""
        self.repeated = height

    @property
    def room(self) -> float:
        return self.body - self.used

    @property
    def fresh(self) -> bool:
        """Nothing but the repeated rows on the page yet."""
        return self.used <= self.repeated

    def new_page(self, row: int) -> None:
        self.breaks.append(row)
        self.used = self.repeated

    def keep(self, row: int, height: float) -> bool:
        """Start a new page at ``row`` if a block of rows this tall starting there does not fit
        on this page but would on a page of its own; whether it did."""
        if height > self.room and not self.fresh and height <= self.body - self.repeated:
            self.new_page(row)
            return True
        return False

    def place(self, row: int, height: float) -> bool:
        """Place one row; whether it starts a new page."""
        broke = False
        if height > self.room and not self.fresh:
            self.new_page(row)
            broke = True
        self.used += height
        return broke


class RowProgress:
    """Counts the data rows a workbook has written out of those it announced, and reports
    ``(done, total)`` to a callback at most every ``every`` seconds (and once at the end), so
    a long export can show a progress bar without a database write per row."""

    def __init__(self, report: Callable[[int, int], None], every: float = 1.0) -> None:
        self.report, self.every = report, every
        self.done = self.total = 0
        self._last = time.monotonic()

    def expect(self, rows: int) -> None:
        first = self.total == 0
        self.total += rows
        if first or time.monotonic() - self._last >= self.every:
            self._report()

    def advance(self, rows: int) -> None:
        self.done += rows
        if time.monotonic() - self._last >= self.every:
            self._report()

    def _report(self) -> None:
        self._last = time.monotonic()
        self.report(min(self.done, self.total), self.total)

    def finish(self) -> None:
        self.done = self.total
        self._report()


class Book:
    """A workbook being written to a file: ``path`` when given (``close()`` leaves the file
    there), else a temporary file whose bytes ``close()`` returns."""

    def __init__(self, path: str | os.PathLike | None = None, progress: RowProgress | None = None) -> None:
        if path is None:
            handle, path = tempfile.mkstemp(suffix=".xlsx")
            os.close(handle)
            self._temporary = True
        else:
            self._temporary = False
        self.path = Path(path)
        self.progress = progress
        # Cells are written with the typed write_* methods only. merge_range() and any future
        # generic write() still go through XlsxWriter's type guessing, so turn off its turning
        # of "=…" into formulas and of "http…" into links as well.
        self._workbook = xlsxwriter.Workbook(
            str(self.path),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        # One format per style, made once; XlsxWriter writes only those a cell uses.
        self.formats: dict[str, Format] = {name: self._workbook.add_format(p) for name, p in STYLES.items()}
        self._number_formats: dict[tuple[str, str], Format] = {}

    def sheet(self, name: str) -> Sheet:
        return Sheet(self, self._workbook.add_worksheet(name))

    def expect_rows(self, rows: int) -> None:
        """Announce data rows about to be written (the progress bar's total)."""
        if self.progress is not None:
            self.progress.expect(rows)

    def format(self, style: str | None, number_format: str | None = None) -> Format | None:
        """The workbook's format for a style (None: Excel's default), or for a style with
        another number format (a quantity's unit label)."""
        if not number_format:
            return self.formats[style] if style else None
        key = (style, number_format)
        if key not in self._number_formats:
            self._number_formats[key] = self._workbook.add_format(
                {**STYLES[style], "num_format": number_format}
            )
        return self._number_formats[key]

    def close(self) -> bytes | None:
        """Finish the file; the bytes of a temporary one (which is then removed)."""
        try:
            self._workbook.close()
            if self.progress is not None:
                self.progress.finish()
            return self.path.read_bytes() if self._temporary else None
        finally:
            if self._temporary:
                self.path.unlink(missing_ok=True)


@dataclass
class Line:
    """A table row to write: its values in the columns' order, and ranges of columns (numbered
    from 1, first and last) merged across the row, each showing its first cell's value."""

    values: list[object]
    spans: Sequence[tuple[int, int]] = ()
    height: float = 0.0


class Sheet:
    """A worksheet of a ``Book``: title, header, rows, merges, page breaks and print settings."""

    def __init__(self, book: Book, worksheet: Worksheet) -> None:
        self.book = book
        self.ws = worksheet
        self.pager = Pager()
        self._capacity: dict[int, tuple[Sequence[Column], list[int]]] = {}
        # The typed write for each type of value; text always goes in with write_string, so
        # "=2+2" stays the text a user typed instead of becoming a formula.
        self._writers = {
            str: worksheet.write_string,
            int: worksheet.write_number,
            float: worksheet.write_number,
            Decimal: lambda row, col, value, fmt: worksheet.write_number(row, col, to_number(value), fmt),
            bool: worksheet.write_boolean,
            date: worksheet.write_datetime,
            datetime: worksheet.write_datetime,
        }

    def _writer(self, value: object):
        writer = self._writers.get(value.__class__)
        if writer is None:  # a subclass, such as Django's SafeString for str
            for kind in (str, bool, int, float, Decimal, datetime, date):
                if isinstance(value, kind):
                    return self._writers[kind]
            raise TypeError(f"no Excel cell type for {type(value).__name__}: {value!r}")
        return writer

    def write(self, row: int, column: int, value: object, style: str | None = None) -> None:
        """One cell by the value's type: text as text (never a formula), numbers as numbers,
        dates as dates, None and "" as an empty cell that keeps its style."""
        self._write(row - 1, column - 1, value, self.book.format(style))

    def _write(self, row: int, col: int, value: object, cell_format: Format | None) -> None:
        if value is None or value == "":
            self.ws.write_blank(row, col, None, cell_format)
        else:
            self._writer(value)(row, col, value, cell_format)

    def merge(
        self, first_row: int, first_column: int, last_row: int, last_column: int, value: object, style: str
    ) -> None:
        """A merged range showing the value in its first cell, every cell in the style."""
        cell_format = self.book.format(style)
        self.ws.merge_range(first_row - 1, first_column - 1, last_row - 1, last_column - 1, None, cell_format)
        self._write(first_row - 1, first_column - 1, value, cell_format)

    def set_height(self, row: int, height: float) -> None:
        """Give a row its height and place it on the printed page."""
        self.ws.set_row(row - 1, height)
        self.pager.place(row, height)

    def write_title(self, title: str, width: int, subtitle: str = "") -> int:
        """A title row (and subtitle row) merged across the table; returns the next free row."""
        self._title_row(1, title, width, "lh_title")
        self.set_height(1, TITLE_HEIGHT)
        if not subtitle:
            return 2
        self._title_row(2, subtitle, width, "lh_subtitle")
        self.set_height(2, SUBTITLE_HEIGHT)
        return 3

    def _title_row(self, row: int, text: str, width: int, style: str) -> None:
        if width > 1:
            self.merge(row, 1, row, width, text, style)
        else:
            self.write(row, 1, text, style)

    def write_header(self, row: int, columns: Sequence[Column], *, repeated: bool = True) -> int:
        """The header row, printed again at the top of every page unless ``repeated`` is off
        (a small table inside a sheet)."""
        cell_format = self.book.format("lh_header")
        for index, column in enumerate(columns):
            self._write(row - 1, index, column.header, cell_format)
        self.set_height(row, HEADER_HEIGHT)
        if repeated:
            self.pager.repeat(HEADER_HEIGHT)
        return row + 1

    def _capacities(self, columns: Sequence[Column]) -> list[int]:
        """Characters a line of each column holds (kept per list of columns)."""
        cached = self._capacity.get(id(columns))
        if cached is None or cached[0] is not columns:
            cached = (columns, [line_capacity(column_pixels(c.effective_width)) for c in columns])
            self._capacity[id(columns)] = cached
        return cached[1]

    def measure(self, columns: Sequence[Column], line: Line) -> float:
        """The height a row needs for its tallest wrapped text (one line at least)."""
        lines = 1
        spanned = set()
        for first, last in line.spans:
            value = line.values[first - 1]
            if value.__class__ is Styled:
                value = value.value
            if isinstance(value, str) and value:
                pixels = sum(column_pixels(c.effective_width) for c in columns[first - 1 : last])
                lines = max(lines, text_lines(value, pixels))
            spanned.update(range(first - 1, last))
        for col, (capacity, value) in enumerate(zip(self._capacities(columns), line.values, strict=True)):
            if value.__class__ is Styled:
                value = value.value
            if value.__class__ is str and value and col not in spanned and len(value) > capacity:
                lines = max(lines, text_lines(value, column_pixels(columns[col].effective_width)))
        return row_height(lines)

    def write_row(
        self, row: int, columns: Sequence[Column], values: Iterable[object], covered: Container[int] = ()
    ) -> None:
        """One data row in the columns' styles (a ``Styled`` value brings its own). Empty cells
        of the ``covered`` columns (numbered from 1) are left to the merge that spans them.

        The row is given the height of its tallest wrapped text, and one line's height at least:
        neither Excel nor LibreOffice grows rows for wrapped text when opening a file, so without
        it long 目标任务 text would print over the rows below."""
        book, formats, writers, index, lines = self.book, self.book.formats, self._writers, row - 1, 1
        for col, (column, value) in enumerate(zip(columns, values, strict=True)):
            if value.__class__ is Styled:
                cell_format = book.format(value.style or column.style, value.number_format)
                value = value.value
            else:
                cell_format = formats[column.style]
            if value is None or value == "":
                if col + 1 not in covered:
                    self.ws.write_blank(index, col, None, cell_format)
                continue
            (writers.get(value.__class__) or self._writer(value))(index, col, value, cell_format)
            if isinstance(value, str):
                lines = max(lines, wrapped_lines(value, column.effective_width))
        self.set_height(row, row_height(lines))

    def write_line(self, row: int, columns: Sequence[Column], line: Line) -> None:
        """A ``Line``: its merged spans, then its other cells, at its measured height (it was
        placed on the page by ``write_block``)."""
        book, formats, writers, index = self.book, self.book.formats, self._writers, row - 1
        blank = self.ws.write_blank
        spanned: set[int] = set()
        for first, last in line.spans:
            value = line.values[first - 1]
            style = columns[first - 1].style
            if value.__class__ is Styled:
                value, style = value.value, value.style or style
            # Recorded as merge_range() records it, without its overlap check (a line's spans
            # never overlap, and write_block places every line once) or its first write, which
            # the value's own write replaces: the briefing writes 14,000 of these.
            cell_format = book.format(style)
            self.ws.merge.append([index, first - 1, index, last - 1])
            self._write(index, first - 1, value, cell_format)
            for col in range(first, last):
                blank(index, col, None, cell_format)
            spanned.update(range(first - 1, last))
        for col, (column, value) in enumerate(zip(columns, line.values, strict=True)):
            if spanned and col in spanned:
                continue
            if value.__class__ is Styled:
                cell_format = book.format(value.style or column.style, value.number_format)
                value = value.value
            else:
                cell_format = formats[column.style]
            if value is None or value == "":
                blank(index, col, None, cell_format)
            else:
                (writers.get(value.__class__) or self._writer(value))(index, col, value, cell_format)
        self.ws.set_row(index, line.height or self.measure(columns, line))

    def write_rows(
        self,
        row: int,
        columns: Sequence[Column],
        rows: Sequence[Sequence[object]],
        merged: Sequence[int] = (),
    ) -> int:
        """Rows from ``row`` on, kept on one page when they fit on one; returns the next free
        row. The ``merged`` columns (numbered from 1) span all the rows, as published tables
        show an item over its sub-items: they show the first row's value, and the other rows
        leave them empty (blank cells in the column's style, as a merged range's padding)."""
        return self.write_block(row, columns, [[Line(list(values))] for values in rows], merged)

    def write_block(
        self,
        row: int,
        columns: Sequence[Column],
        units: Sequence[Sequence[Line]],
        merged: Sequence[int] = (),
        continued: Callable[[int, object], object] | None = None,
    ) -> int:
        """A block of rows printed on one page when it fits on one (an item: its sub-items, each
        a unit of its own lines). A block taller than a page is broken between its units (a unit
        taller than a page, between its lines); the ``merged`` columns (numbered from 1) then
        span each page's part of the block, and a part after the first shows the first line's
        values through ``continued(column, value)`` (e.g. "…（续）"). Returns the next free row."""
        for unit in units:
            for line in unit:
                if not line.height:
                    line.height = self.measure(columns, line)
        unit_heights = [sum(line.height for line in unit) for unit in units]
        pager = self.pager
        pager.keep(row, sum(unit_heights))
        first_values = units[0][0].values if units else []
        part_start = row
        parts: list[tuple[int, int]] = []
        lines: list[Line] = []
        for unit, height in zip(units, unit_heights, strict=True):
            if pager.keep(row + len(lines), height) and lines:
                parts.append((part_start, row + len(lines) - 1))
                part_start = row + len(lines)
            for line in unit:
                here = row + len(lines)
                if pager.place(here, line.height) and here != part_start:
                    parts.append((part_start, here - 1))
                    part_start = here
                lines.append(line)
        parts.append((part_start, row + len(lines) - 1))
        starts = {first: last for first, last in parts}
        # Vertical merges are recorded here and their cells written row by row: merge_range()
        # pads the range's lower rows at once, which in constant-memory mode would flush the
        # first row before its cells are written.
        for first, last in parts:
            if last > first:
                self.ws.merge.extend([first - 1, column - 1, last - 1, column - 1] for column in merged)
        for offset, line in enumerate(lines):
            here = row + offset
            values = line.values
            if here in starts and here != row and merged:
                values = list(values)
                for column in merged:
                    value = first_values[column - 1]
                    values[column - 1] = continued(column, value) if continued else value
                line = Line(values, line.spans, line.height)
            self.write_line(here, columns, line)
        if self.book.progress is not None:
            self.book.progress.advance(len(units))
        return row + len(lines)

    def write_table(
        self, columns: Sequence[Column], rows: Iterable[Sequence[object]], *, title: str, subtitle: str = ""
    ) -> tuple[int, int]:
        """Title, bold frozen header repeated on every printed page, rows. Returns (header row,
        last row)."""
        header_row = self.write_title(title, len(columns), subtitle)
        row = self.write_header(header_row, columns)
        progress = self.book.progress
        for values in rows:
            self.write_row(row, columns, values)
            row += 1
            if progress is not None:
                progress.advance(1)
        self.finish(columns, header_row)
        return header_row, row - 1

    def finish(
        self, columns: Sequence[Column], header_row: int, title_rows: tuple[int, int] | None = None
    ) -> None:
        """Widths, panes frozen below the header, A4 landscape one page wide, the header (or the
        given title rows) repeated on every printed page, the page breaks the pager chose, and
        "第 N 页 共 M 页" in the footer."""
        ws = self.ws
        for index, column in enumerate(columns):
            ws.set_column(index, index, column.effective_width)
        ws.freeze_panes(header_row, 0)
        first, last = title_rows or (header_row, header_row)
        ws.repeat_rows(first - 1, last - 1)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        # One page wide: at 100% when the columns fit the page (as the briefing's all do),
        # shrunk rather than cut when a user's program draws them wider.
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(
            **MARGIN_INCHES,
        )
        ws.set_header("", {"margin": HEADER_FOOTER_MARGIN_INCHES})
        ws.set_footer(FOOTER, {"margin": HEADER_FOOTER_MARGIN_INCHES})
        ws.set_h_pagebreaks([row - 1 for row in self.pager.breaks[:MAX_PAGE_BREAKS]])


def attachment_disposition(filename: str) -> str:
    """A Content-Disposition whose Chinese file name survives in every browser (RFC 5987)."""
    return f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{escape_uri_path(filename)}"


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    """The workbook as a download."""
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_disposition(filename)
    return response
