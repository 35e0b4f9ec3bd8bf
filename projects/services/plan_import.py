"""Importing an adopted annual list from a spreadsheet (清单导入).

Accepts our own template and the usual shape of published tables: a title row above the header,
common header names and their synonyms (项目名称 / 实事名称, 牵头单位 / 责任单位 …), an item's cells
merged over its sub-item rows, section rows such as "一、教育（2件）", targets written as
"120个以上", deadlines written as "2024年6月底". Every problem is collected with its row and column;
nothing is saved unless the whole list is valid, and then in one transaction.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.worksheet import Worksheet

from core import xlsx
from projects.models import Category, Item, Plan, Region, SubItem, Unit
from projects.services import share_import
from projects.services.unit_names import UnitNames

MAX_FILE_BYTES = 5 * 1024 * 1024
# An .xlsx is a zip: a small upload can unpack into gigabytes (a "zip bomb"). These bounds are
# checked before any sheet is read, so a hostile or broken file is refused within a second.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
_RATIO_CHECKED_ABOVE_BYTES = 1024 * 1024
HEADER_SEARCH_ROWS = 10
MAX_DATA_ROWS = 5000
MAX_COLUMNS = 200
# Blank rows after the data (formatting dragged down) are tolerated up to this many.
MAX_TRAILING_BLANK_ROWS = 5000

# Header synonyms, by field. Compared after dropping spaces, asterisks and bracketed notes.
HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号"),
    "title": ("项目名称", "实事名称", "项目", "实事项目", "民生实事", "实事"),
    "content": ("目标任务", "建设内容", "主要内容", "目标", "建设内容及规模", "目标任务及内容", "工作目标"),
    "lead_unit": ("牵头单位",),
    "responsible_unit": ("责任单位", "实施单位", "承办单位"),
    "cooperating_units": ("配合单位", "协办单位"),
    "leader": ("责任领导", "分管领导", "牵头领导"),
    "person": ("第一责任人", "责任人"),
    "category": ("领域", "类别", "分类"),
    "target_value": ("目标值", "数量", "目标数量"),
    "target_unit": ("计量单位", "单位"),
    "planned_start": ("开工时间", "计划开工", "计划开工时间", "开始时间"),
    "planned_end": ("完成时限", "完成时间", "计划完成时间", "时限"),
    "location": ("地点", "实施地点", "建设地点"),
}
FIELD_LABELS = {
    "number": "序号",
    "title": "项目名称",
    "content": "目标任务",
    "lead_unit": "牵头单位",
    "responsible_unit": "责任单位",
    "cooperating_units": "配合单位",
    "leader": "责任领导",
    "person": "第一责任人",
    "category": "领域",
    "target_value": "目标值",
    "target_unit": "计量单位",
    "planned_start": "开工时间",
    "planned_end": "完成时限",
    "location": "地点",
}
_SYNONYM_TO_FIELD = {name: key for key, names in HEADERS.items() for name in names}
_BRACKETS = re.compile(r"[（(【\[].*?[）)】\]]")
_EMPTY_MARKS = {"", "-", "—", "——", "/", "无", "\\"}
_AT_LEAST_PREFIX = re.compile(r"^(不少于|不低于|至少|≥|>=)")
_AT_LEAST_SUFFIX = re.compile(r"(及以上|以上|余)$")
_QUANTITY = re.compile(r"^(\d[\d,]*(?:\.\d+)?)\s*(.*)$")
_FULL_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:前)?$")
_MONTH = re.compile(r"^(?:(\d{4})\s*[-/.年])?\s*(\d{1,2})\s*月?\s*(底|末|份|前|上旬|中旬|下旬|初)?(?:前)?$")
_YEAR_PART = re.compile(
    r"^(?:(\d{4})年?)?(年底|年末|年内|全年|上半年|下半年|一季度|二季度|三季度|四季度|第一季度|第二季度|第三季度|第四季度)(?:前)?$"
)
_SECTION = re.compile(r"^[一二三四五六七八九十]+[、.．]\s*(.+?)(?:类)?(?:\(.*\))?$")
# Several units in one cell, as Chinese lists separate them: 县住建局、县财政局.
_UNIT_SEPARATORS = re.compile(r"[、，,；;/／\r\n]+")
# The 配合单位 column has always also been split on spaces.
_COOPERATING_SEPARATORS = re.compile(r"[、，,；;/／\s]+")
# Measure words of targets written in the text (建成5G基站120个以上, 新建改造农村公路35公里).
_MEASURE_WORDS = (
    "个", "所", "座", "户", "人", "名", "人次", "万人", "万户", "公里", "千米", "米", "平方米", "万平方米",
    "亩", "公顷", "套", "处", "间", "张", "台", "辆", "条", "家", "床", "栋", "幢", "口", "眼", "盏",
    "场", "块", "吨", "千瓦", "班", "支", "孔", "宗", "棵", "株", "只", "头", "万元", "元",
)  # fmt: skip
_TARGET_IN_TEXT = re.compile(
    r"(不少于|不低于|至少)?(?<![第\d.])(\d+(?:\.\d+)?)\s*("
    + "|".join(sorted(_MEASURE_WORDS, key=len, reverse=True))
    + r")(及以上|以上)?"
)
_TOTAL_ROW = re.compile(r"^(合计|总计|小计)")


class ImportFileError(Exception):
    """The upload is not a readable .xlsx file (wrong type, too large, damaged)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the spreadsheet, where a clerk can find it."""

    row: int | None
    column: str
    message: str
    sheet: str = ""  # another sheet than the list's own (the annex of shares)

    @property
    def where(self) -> str:
        if self.row is None:
            return "整体"
        sheet = f"工作表“{self.sheet}”" if self.sheet else ""
        return f"{sheet}第{self.row}行{self.column}列" if self.column else f"{sheet}第{self.row}行"

    def __str__(self) -> str:
        return f"{self.where}：{self.message}"


class PlanImportInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"清单有{len(problems)}处问题")
        self.problems = problems


@dataclass
class ParsedSubItem:
    row: int
    content: str
    responsible_unit: str
    cooperating_units: list[str] = field(default_factory=list)
    first_responsible_person: str = ""
    target_value: Decimal | None = None
    target_unit: str = ""
    target_at_least: bool = False
    # The target was found in the 目标任务 text, not given in a column: the office checks it.
    target_proposed: bool = False
    # Which column named each unit, for the row-and-column of an unknown unit.
    unit_columns: dict[str, str] = field(default_factory=dict)
    planned_start: date | None = None
    planned_end: date | None = None
    location: str = ""
    # The shares of lower regions (分解下达) the list or its annex gives, and the reason
    # they do not add up to the target, if stated.
    shares: list[share_import.ParsedShare] = field(default_factory=list)
    share_note: str = ""


@dataclass
class ParsedItem:
    row: int
    number: int
    title: str
    category: str
    lead_unit: str
    responsible_leader: str
    other_lead_units: list[str] = field(default_factory=list)
    sub_items: list[ParsedSubItem] = field(default_factory=list)


@dataclass
class ParsedPlan:
    sheet: str = ""
    title: str = ""
    header_row: int | None = None
    columns: dict[str, str] = field(default_factory=dict)
    items: list[ParsedItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unknown_units: dict[str, list[str]] = field(default_factory=dict)
    new_categories: list[str] = field(default_factory=list)
    # The problems of the unit names (ambiguous, too long), also in ``problems``: found again
    # when the names are resolved again for the list's region.
    unit_problems: list[Problem] = field(default_factory=list)

    @property
    def subitem_count(self) -> int:
        return sum(len(item.sub_items) for item in self.items)

    @property
    def headline(self) -> str:
        return f"{len(self.items)}件{self.subitem_count}项"

    @property
    def proposed_target_count(self) -> int:
        return sum(sub.target_proposed for item in self.items for sub in item.sub_items)

    @property
    def is_valid(self) -> bool:
        return not self.problems


# --- reading the file ---------------------------------------------------------------------


def read_workbook(data: bytes) -> Workbook:
    """Open an uploaded .xlsx, or say in Chinese why it cannot be read.

    The sheets are streamed (openpyxl read-only mode) into a small in-memory copy that stops at
    the row limit; the zip's unpacked size and each sheet's declared dimension are checked first,
    so that a file which would expand to millions of cells is refused before it is read."""
    if not data:
        raise ImportFileError("文件为空。")
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(f"文件过大（超过{MAX_FILE_BYTES // 1024 // 1024}MB），请删去无关内容后重试。")
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise ImportFileError("不支持旧版 .xls 格式，请在 Excel 或 WPS 中“另存为” .xlsx 后再上传。")
    if data[:4] != b"PK\x03\x04":
        raise ImportFileError("文件不是 Excel（.xlsx）格式。")
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        _check_unpacked_size(archive)
        source = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise ImportFileError("文件已损坏，无法打开，请确认是有效的 .xlsx 文件。") from exc
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for malformed parts
        raise ImportFileError("文件内容无法识别，请确认是 Excel 保存的 .xlsx 工作簿。") from exc
    try:
        return _bounded_copy(source, archive)
    except ImportFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged sheet fails only while it is streamed
        raise ImportFileError("文件内容无法识别，请确认是 Excel 保存的 .xlsx 工作簿。") from exc
    finally:
        source.close()
        archive.close()


_TOO_BIG = "文件解压后内容过大，可能已损坏或含有大量空白行列，请将清单复制到新的工作簿后再上传。"


def _check_unpacked_size(archive: zipfile.ZipFile) -> None:
    members = archive.infolist()
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise ImportFileError(_TOO_BIG)
    for member in members:
        if member.file_size > _RATIO_CHECKED_ABOVE_BYTES and member.file_size > MAX_COMPRESSION_RATIO * max(
            member.compress_size, 1
        ):
            raise ImportFileError(_TOO_BIG)


def _bounded_copy(source: Workbook, archive: zipfile.ZipFile) -> Workbook:
    """Stream each sheet of a read-only workbook into an ordinary one, within the row limit."""
    row_limit = HEADER_SEARCH_ROWS + MAX_DATA_ROWS
    copy = Workbook()
    copy.remove(copy.active)
    for sheet in source.worksheets:
        declared_rows, declared_columns = sheet.max_row or 0, sheet.max_column or 0
        if declared_rows > row_limit + MAX_TRAILING_BLANK_ROWS or declared_columns > MAX_COLUMNS:
            raise ImportFileError(
                f"工作表“{sheet.title}”的范围（{declared_rows}行×{declared_columns}列）超出导入上限"
                f"（{MAX_DATA_ROWS}行数据、{MAX_COLUMNS}列），请删去多余的行列或拆分后再上传。"
            )
        ws = copy.create_sheet(sheet.title)
        # The declared dimension may be wrong in files written by other programs; read what is there.
        sheet.reset_dimensions()
        last_row = 0
        for row_number, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
            cells = [c for c in row if c.value is not None]
            if row_number > row_limit:
                if cells:
                    raise ImportFileError(_too_many_rows(sheet.title))
                if row_number > row_limit + MAX_TRAILING_BLANK_ROWS:
                    break
                continue
            for column, cell in enumerate(row, start=1):
                if cell.value is None:
                    continue
                target = ws.cell(row=row_number, column=column)
                try:
                    target.value = cell.value
                except IllegalCharacterError:
                    target.value = ILLEGAL_CHARACTERS_RE.sub("", cell.value)
                target.number_format = cell.number_format or "General"
                last_row = row_number
        for ref in _merged_refs(archive, sheet._worksheet_path):  # noqa: SLF001 - read-only sheets know their part
            bounds = range_boundaries(ref)
            if bounds[3] <= last_row and bounds[2] <= MAX_COLUMNS:
                ws.merge_cells(ref)
    return copy


def _too_many_rows(sheet_title: str) -> str:
    return f"工作表“{sheet_title}”超过{MAX_DATA_ROWS}行数据，超出导入上限，请拆分后分批导入。"


_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _merged_refs(archive: zipfile.ZipFile, path: str) -> list[str]:
    """The merged ranges of a sheet, found by scanning its XML (read-only mode does not read them)."""
    refs: list[str] = []
    pending = b""
    with archive.open(path.lstrip("/")) as stream:
        while chunk := stream.read(1024 * 1024):
            # A tag never holds ">" before its end, so text up to the last ">" has only whole tags.
            pending += chunk
            cut = pending.rfind(b">") + 1
            refs.extend(m.decode() for m in _MERGE_CELL.findall(pending[:cut]))
            pending = pending[cut:]
    return list(dict.fromkeys(refs))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _exact(value) -> str:
    """A cell's text as written (full-width punctuation kept), without surrounding blanks."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def split_units(text: str, separators: re.Pattern = _UNIT_SEPARATORS) -> list[str]:
    """The unit names in one cell, in order: 县住建局、县财政局 -> [县住建局, 县财政局]."""
    return list(dict.fromkeys(n.strip() for n in separators.split(text) if n.strip()))


def propose_target(content: str) -> tuple[Decimal, str, bool] | None:
    """A target written in the task text, as (value, unit label, at least): 建成5G基站120个以上 ->
    (120, 个, True). None unless the text holds exactly one quantity, so nothing is guessed."""
    found = {m.group(0): m for m in _TARGET_IN_TEXT.finditer(content)}
    if len(found) != 1:
        return None
    match = next(iter(found.values()))
    number = Decimal(match.group(2))
    if number <= 0 or number >= Decimal("1e12"):
        return None
    return number.quantize(Decimal("0.01")), match.group(3), bool(match.group(1) or match.group(4))


def _header_key(value) -> str:
    text = _BRACKETS.sub("", _text(value))
    return re.sub(r"[\s*＊:：]", "", text)


def _merged_fill(ws: Worksheet) -> dict[tuple[int, int], object]:
    """Values of cells hidden under a vertical merge: each takes the top-left cell's value."""
    filled: dict[tuple[int, int], object] = {}
    for merged in ws.merged_cells.ranges:
        if merged.max_row == merged.min_row:
            continue
        top_left = ws.cell(row=merged.min_row, column=merged.min_col)
        for row in range(merged.min_row, merged.max_row + 1):
            for column in range(merged.min_col, merged.max_col + 1):
                filled[(row, column)] = top_left
    return filled


def _remark_rows(ws: Worksheet) -> set[int]:
    """Rows carrying a text merged across three columns or more: a remark under a sub-item (the
    briefing prints a report's 进展情况 so), not a sub-item of its own."""
    return {
        merged.min_row
        for merged in ws.merged_cells.ranges
        if merged.min_row == merged.max_row and merged.max_col - merged.min_col >= 2
    }


def _find_header(ws: Worksheet) -> tuple[int, dict[str, int]] | None:
    best: tuple[int, dict[str, int]] | None = None
    for row in ws.iter_rows(min_row=1, max_row=min(HEADER_SEARCH_ROWS, ws.max_row)):
        found: dict[str, int] = {}
        for cell in row:
            key = _SYNONYM_TO_FIELD.get(_header_key(cell.value))
            if key and key not in found:
                found[key] = cell.column
        if ("title" in found or "content" in found) and len(found) >= 3:
            if best is None or len(found) > len(best[1]):
                best = (row[0].row, found)
    return best


def _title_above(ws: Worksheet, header_row: int) -> str:
    for row in ws.iter_rows(min_row=1, max_row=header_row - 1, values_only=True):
        texts = [_text(v) for v in row if _text(v)]
        if len(texts) == 1 and len(texts[0]) <= 200:
            return texts[0]
    return ""


# --- cell values --------------------------------------------------------------------------


def _format_literal(number_format: str) -> str:
    """The quoted text of a number format: 0"个以上" -> 个以上."""
    return "".join(re.findall(r'"([^"]*)"', number_format or ""))


def parse_quantity(value, number_format: str = "") -> tuple[Decimal | None, str, bool]:
    """A target as (value, unit label, at least): 120 / "120个以上" / "不少于35公里".

    Raises ValueError with a Chinese message when the text holds no number."""
    if value is None or (isinstance(value, str) and _text(value) in _EMPTY_MARKS):
        return None, "", False
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        literal = _format_literal(number_format)
        at_least = bool(_AT_LEAST_SUFFIX.search(literal))
        number = Decimal(str(value))
        unit_label = _AT_LEAST_SUFFIX.sub("", literal)
    else:
        text = _text(value).replace(" ", "")
        at_least = bool(_AT_LEAST_PREFIX.match(text))
        text = _AT_LEAST_PREFIX.sub("", text)
        match = _QUANTITY.match(text)
        if not match:
            raise ValueError(f"目标值“{_text(value)}”不是数字，应填写如“120”或“120个以上”")
        rest = match.group(2)
        if _AT_LEAST_SUFFIX.search(rest):
            at_least = True
            rest = _AT_LEAST_SUFFIX.sub("", rest)
        try:
            number = Decimal(match.group(1).replace(",", ""))
        except InvalidOperation as exc:
            raise ValueError(f"目标值“{_text(value)}”不是有效数字") from exc
        unit_label = rest
    if number <= 0:
        raise ValueError("目标值必须大于0")
    if number >= Decimal("1e12"):
        raise ValueError("目标值过大")
    return number.quantize(Decimal("0.01")), unit_label, at_least


def _month_day(year: int, month: int, part: str, end: bool) -> date:
    last = calendar.monthrange(year, month)[1]
    if part in ("上旬", "初"):
        return date(year, month, 10 if end else 1)
    if part == "中旬":
        return date(year, month, 20 if end else 11)
    if part == "下旬":
        return date(year, month, last if end else 21)
    return date(year, month, last if end else 1)


_YEAR_PARTS = {
    "年底": (1, 12),
    "年末": (1, 12),
    "年内": (1, 12),
    "全年": (1, 12),
    "上半年": (1, 6),
    "下半年": (7, 12),
    "一季度": (1, 3),
    "二季度": (4, 6),
    "三季度": (7, 9),
    "四季度": (10, 12),
}


def parse_date(value, year: int, *, end: bool) -> date | None:
    """A planned date from an Excel date or text: 2024-06-30, 2024年6月底, 6月底, 年底, 三季度.

    Text naming a month or period means its last day for a deadline (``end``) and its first
    day for a start. Raises ValueError with a Chinese message when it cannot be read."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 < value < 80000:
            return date(1899, 12, 30) + timedelta(days=int(value))
        raise ValueError(f"无法识别的日期“{_text(value)}”")
    text = _text(value).replace(" ", "")
    if text in _EMPTY_MARKS:
        return None
    try:
        if match := _FULL_DATE.match(text):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _MONTH.match(text):
            month = int(match.group(2))
            return _month_day(int(match.group(1) or year), month, match.group(3) or "", end)
        if match := _YEAR_PART.match(text):
            part = match.group(2).removeprefix("第")
            first, last = _YEAR_PARTS[part]
            return _month_day(int(match.group(1) or year), last if end else first, "", end)
    except ValueError as exc:
        raise ValueError(f"日期“{text}”不存在") from exc
    raise ValueError(f"无法识别的日期“{text}”，请填写如“{year}-06-30”或“{year}年6月底”")


def _item_number(value) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if value >= 1 else None
    match = re.search(r"\d+", _text(value))
    return int(match.group()) if match and int(match.group()) >= 1 else None


# --- parsing the sheet --------------------------------------------------------------------


class _Row:
    """One spreadsheet row read through the header map, merged cells filled downward."""

    def __init__(self, ws: Worksheet, row: int, columns: dict[str, int], filled: dict):
        self.row = row
        self._ws = ws
        self._columns = columns
        self._filled = filled

    def cell(self, key: str):
        column = self._columns.get(key)
        if column is None:
            return None
        return self._filled.get((self.row, column)) or self._ws.cell(row=self.row, column=column)

    def raw(self, key: str):
        cell = self.cell(key)
        return None if cell is None else cell.value

    def text(self, key: str) -> str:
        return _text(self.raw(key))

    def exact(self, key: str) -> str:
        return _exact(self.raw(key))

    def letter(self, key: str) -> str:
        column = self._columns.get(key)
        return get_column_letter(column) if column else ""


def parse_plan(wb: Workbook, *, year: int, region: Region | None = None) -> ParsedPlan:
    """Read the first sheet that has a recognisable header row into items and sub-items; the
    unit names are resolved among the units of ``region`` (``unit_names``)."""
    parsed = ParsedPlan()
    for ws in wb.worksheets:
        found = _find_header(ws)
        if found is not None:
            break
    else:
        names = "、".join(FIELD_LABELS[k] for k in ("number", "title", "content", "responsible_unit"))
        parsed.problems.append(
            Problem(None, "", f"在各工作表前{HEADER_SEARCH_ROWS}行中未找到表头（应包含{names}等列）。")
        )
        return parsed
    header_row, columns = found
    parsed.sheet = ws.title
    parsed.header_row = header_row
    parsed.title = _title_above(ws, header_row)
    parsed.columns = {FIELD_LABELS[k]: get_column_letter(c) for k, c in columns.items()}
    if "lead_unit" not in columns and "responsible_unit" not in columns:
        parsed.problems.append(Problem(header_row, "", "缺少“牵头单位”或“责任单位”列"))
    if parsed.problems:
        return parsed
    if ws.max_row - header_row > MAX_DATA_ROWS:
        parsed.problems.append(Problem(None, "", _too_many_rows(ws.title)))
        return parsed
    _parse_rows(ws, header_row, columns, year, parsed)
    _read_shares(wb, ws, header_row, columns, year, parsed)
    _resolve_names(parsed, region)
    return parsed


def _read_shares(
    wb: Workbook, ws: Worksheet, header_row: int, columns: dict[str, int], year: int, parsed
) -> None:
    """The shares of lower regions: a column per region on the list, or rows on an annex sheet."""
    spots: list[share_import.Spot] = []
    subs_by_row = {sub.row: sub for item in parsed.items for sub in item.sub_items}
    share_import.read_columns(ws, header_row, set(columns.values()), subs_by_row, parse_quantity, spots)
    subs_by_code = {
        (item.number, number): sub
        for item in parsed.items
        for number, sub in enumerate(item.sub_items, start=1)
    }
    share_import.read_annex(wb, ws.title, subs_by_code, year, parse_quantity, parse_date, spots)
    parsed.problems.extend(Problem(*spot) for spot in spots)


def _parse_rows(
    ws: Worksheet, header_row: int, columns: dict[str, int], year: int, parsed: ParsedPlan
) -> None:
    filled = _merged_fill(ws)
    remark_rows = _remark_rows(ws)
    problems = parsed.problems
    current: ParsedItem | None = None
    current_key: tuple | None = None
    section_category = ""
    seen_numbers: dict[int, int] = {}
    for row_number in range(header_row + 1, ws.max_row + 1):
        row = _Row(ws, row_number, columns, filled)
        texts = [_text(c.value) for c in ws[row_number]]
        non_empty = [t for t in texts if t]
        if not non_empty:
            continue
        if _TOTAL_ROW.match(non_empty[0]):
            continue
        if len(non_empty) == 1 and not row.text("content"):
            if match := _SECTION.match(non_empty[0]):
                section_category = _BRACKETS.sub("", match.group(1)).removesuffix("类").strip()
            continue
        if row_number in remark_rows:
            continue

        number_value = row.raw("number")
        title = row.exact("title")
        key = (_text(number_value), title)
        starts_item = current is None or (
            (key[0] and key[0] != current_key[0]) or (not key[0] and title and title != current_key[1])
        )
        if starts_item:
            if not title and "title" in columns:
                problems.append(Problem(row_number, row.letter("title"), "项目名称不能为空"))
            number = _item_number(number_value)
            if number is None:
                number = (max(seen_numbers) + 1) if seen_numbers else 1
                if key[0]:
                    problems.append(Problem(row_number, row.letter("number"), f"序号“{key[0]}”应为正整数"))
            if number > 32767:
                problems.append(Problem(row_number, row.letter("number"), f"序号{number}过大"))
            if number in seen_numbers:
                problems.append(
                    Problem(
                        row_number,
                        row.letter("number"),
                        f"序号{number}与第{seen_numbers[number]}行重复",
                    )
                )
            seen_numbers[number] = row_number
            leads = split_units(row.exact("lead_unit")) or split_units(row.exact("responsible_unit"))
            current = ParsedItem(
                row=row_number,
                number=number,
                title=title or row.exact("content"),
                category=row.exact("category") or section_category,
                lead_unit=leads[0] if leads else "",
                responsible_leader=row.exact("leader"),
                other_lead_units=leads[1:] if "lead_unit" in columns else [],
            )
            current_key = key
            parsed.items.append(current)
            _check_length(problems, row, "title", current.title, 200)
            _check_length(problems, row, "leader", current.responsible_leader, 100)
            _check_length(problems, row, "category", current.category, 50)
        current.sub_items.append(_parse_sub_item(row, current, columns, year, problems))


def _check_length(problems: list[Problem], row: _Row, key: str, value: str, limit: int) -> None:
    if len(value) > limit:
        problems.append(Problem(row.row, row.letter(key), f"{FIELD_LABELS[key]}不能超过{limit}个字"))


def _parse_sub_item(
    row: _Row, item: ParsedItem, columns, year: int, problems: list[Problem]
) -> ParsedSubItem:
    content = row.exact("content") if "content" in columns else item.title
    if not content:
        problems.append(Problem(row.row, row.letter("content"), "目标任务不能为空"))
    # The first unit named is responsible, the others cooperate; a co-lead unit also cooperates.
    unit_columns: dict[str, str] = {}
    lead_label = "牵头单位" if "lead_unit" in columns else "责任单位"
    named = split_units(row.exact("responsible_unit"))
    for name in named:
        unit_columns.setdefault(name, "责任单位")
    if not named and item.lead_unit:
        named = [item.lead_unit]
        unit_columns.setdefault(item.lead_unit, lead_label)
    for name in item.other_lead_units:
        unit_columns.setdefault(name, lead_label)
    for name in split_units(row.exact("cooperating_units"), _COOPERATING_SEPARATORS):
        unit_columns.setdefault(name, "配合单位")
    responsible = named[0] if named else ""
    if not responsible:
        key = "responsible_unit" if "responsible_unit" in columns else "lead_unit"
        problems.append(Problem(row.row, row.letter(key), f"{FIELD_LABELS[key]}不能为空"))
    sub = ParsedSubItem(
        row=row.row,
        content=content,
        responsible_unit=responsible,
        cooperating_units=[
            n for n in dict.fromkeys([*named[1:], *item.other_lead_units, *unit_columns]) if n != responsible
        ],
        first_responsible_person=row.exact("person"),
        location=row.exact("location"),
        unit_columns=unit_columns,
    )
    cell = row.cell("target_value")
    try:
        value, unit_label, at_least = parse_quantity(
            None if cell is None else cell.value, "" if cell is None else cell.number_format
        )
    except ValueError as exc:
        problems.append(Problem(row.row, row.letter("target_value"), str(exc)))
    else:
        sub.target_value = value
        sub.target_unit = row.exact("target_unit") or unit_label
        sub.target_at_least = at_least
        if value is None and (proposal := propose_target(content)):
            sub.target_value, unit_label, sub.target_at_least = proposal
            sub.target_unit = row.exact("target_unit") or unit_label
            sub.target_proposed = True
    for key, end in (("planned_start", False), ("planned_end", True)):
        try:
            setattr(sub, key, parse_date(row.raw(key), year, end=end))
        except ValueError as exc:
            problems.append(Problem(row.row, row.letter(key), str(exc)))
    if sub.planned_start and sub.planned_end and sub.planned_end < sub.planned_start:
        problems.append(Problem(row.row, row.letter("planned_end"), "完成时限不能早于开工时间"))
    _check_length(problems, row, "target_unit", sub.target_unit, 20)
    _check_length(problems, row, "person", sub.first_responsible_person, 100)
    _check_length(problems, row, "location", sub.location, 200)
    return sub


def _resolve_names(parsed: ParsedPlan, region: Region | None = None) -> None:
    """Note the unit and category names not yet in the system, with the cells naming them, and
    the unit names that could mean units of several regions. Units are those a list of
    ``region`` may name (``unit_names``); resolving again for another region replaces what an
    earlier resolution found."""
    units = UnitNames(region)
    columns = parsed.columns
    unknown: dict[str, list[str]] = {}
    earlier = parsed.unit_problems
    parsed.problems = [p for p in parsed.problems if p not in earlier]
    parsed.unit_problems = []

    def problem(row: int, column_label: str, message: str) -> None:
        spot = Problem(row, columns.get(column_label, ""), message)
        if spot not in parsed.unit_problems:
            parsed.unit_problems.append(spot)
            parsed.problems.append(spot)

    def note(name: str, column_label: str, row: int) -> None:
        if not name:
            return
        found = units.candidates(name)
        if len(found) > 1:
            problem(row, column_label, units.ambiguity(name, found))
            return
        if found:
            return
        if len(name) > 100:
            problem(row, column_label, "单位名称不能超过100个字")
            return
        refs = unknown.setdefault(name, [])
        ref = f"{columns.get(column_label, '')}{row}"
        if ref not in refs:
            refs.append(ref)

    for item in parsed.items:
        note(item.lead_unit, "牵头单位" if "牵头单位" in columns else "责任单位", item.row)
        for sub in item.sub_items:
            for name in (sub.responsible_unit, *sub.cooperating_units):
                note(name, sub.unit_columns.get(name, "责任单位"), sub.row)
    parsed.unknown_units = unknown
    existing = set(Category.objects.values_list("name", flat=True))
    parsed.new_categories = sorted(
        {i.category for i in parsed.items if i.category and i.category not in existing}
    )


def parse_file(data: bytes, *, year: int, region_code: str = "") -> ParsedPlan:
    """Parse an upload; its unit names are resolved for the region of ``region_code``."""
    region = Region.objects.filter(code=region_code).first() if region_code else None
    return parse_plan(read_workbook(data), year=year, region=region)


# --- saving -------------------------------------------------------------------------------

_ITEM_FIELD_COLUMNS = {"title": "项目名称", "lead_unit": "牵头单位", "responsible_leader": "责任领导"}
_SUB_FIELD_COLUMNS = {
    "content": "目标任务",
    "target_value": "目标值",
    "target_unit": "计量单位",
    "responsible_unit": "责任单位",
    "first_responsible_person": "第一责任人",
    "planned_start": "开工时间",
    "planned_end": "完成时限",
    "location": "地点",
}


def _unit_code(name: str) -> str:
    base = "imp-" + hashlib.sha1(name.encode()).hexdigest()[:8]
    code, n = base, 1
    while Unit.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


def _validation_problems(
    exc: ValidationError, row: int, columns: dict[str, str], labels: dict
) -> list[Problem]:
    problems = []
    for field_name, messages in exc.message_dict.items():
        label = labels.get(field_name, "")
        for message in messages:
            problems.append(Problem(row, columns.get(label, ""), message))
    return problems


def save_plan(
    parsed: ParsedPlan,
    *,
    year: int,
    title: str,
    region: str,
    region_code: str = "",
    create_units: bool = False,
    dry_run: bool = False,
) -> Plan:
    """Create the plan (as a draft), its items and sub-items in one transaction.

    Raises PlanImportInvalid with every problem found; then nothing is saved. The unit names are
    resolved (again) for the list's region: a unit named is one of that region's
    (``unit_names``), and unknown units are created in it, only with ``create_units``.
    ``dry_run`` checks everything and rolls back."""
    division = Region.objects.filter(code=region_code).first() if region_code else None
    if parsed.items:
        _resolve_names(parsed, division)
    problems = list(parsed.problems)
    if not parsed.items and not problems:
        problems.append(Problem(None, "", "表格中没有找到任何项目。"))
    if parsed.unknown_units and not create_units:
        for name, cells in parsed.unknown_units.items():
            for ref in cells:
                match = re.match(r"([A-Z]*)(\d+)", ref)
                problems.append(
                    Problem(
                        int(match.group(2)), match.group(1), f"单位“{name}”不存在（可勾选“创建以下新单位”）"
                    )
                )
    if problems:
        raise PlanImportInvalid(problems)
    with transaction.atomic():
        plan = _save(
            parsed, year=year, title=title, region=region, region_code=region_code, division=division
        )
        if dry_run:
            transaction.set_rollback(True)
    return plan


def _save(
    parsed: ParsedPlan, *, year: int, title: str, region: str, region_code: str, division: Region | None
) -> Plan:
    problems: list[Problem] = []
    columns = parsed.columns
    if Plan.objects.filter(year=year, title=title).exists():
        raise PlanImportInvalid([Problem(None, "", f"{year}年已有名为“{title}”的清单，请换一个清单名称。")])
    if region_code and division is None:
        raise PlanImportInvalid([Problem(None, "", f"没有代码为“{region_code}”的行政区划")])
    plan = Plan(year=year, title=title, region_name=region, region=division, status=Plan.Status.DRAFT)
    try:
        plan.full_clean()
    except ValidationError as exc:
        raise PlanImportInvalid([Problem(None, "", m) for m in exc.messages]) from exc
    plan.save()

    units = UnitNames(division)
    for name in parsed.unknown_units:
        unit = Unit(name=name, code=_unit_code(name), region=division)
        try:
            unit.full_clean()
        except ValidationError as exc:
            raise PlanImportInvalid(
                [Problem(None, "", f"无法创建单位“{name}”：{'；'.join(exc.messages)}")]
            ) from exc
        unit.save()
        units.add(unit)
    below: dict[int, UnitNames] = {}

    def units_below(share_region: Region) -> UnitNames:
        """The units a share of a region below the list's may name: that region's."""
        if share_region.pk not in below:
            below[share_region.pk] = UnitNames(share_region)
        return below[share_region.pk]

    categories = {c.name: c for c in Category.objects.all()}
    for name in parsed.new_categories:
        categories[name] = Category.objects.create(name=name)

    for parsed_item in parsed.items:
        item = Item(
            plan=plan,
            number=parsed_item.number,
            title=parsed_item.title,
            category=categories.get(parsed_item.category),
            lead_unit=units.get(parsed_item.lead_unit),
            responsible_leader=parsed_item.responsible_leader,
        )
        try:
            item.full_clean()
        except ValidationError as exc:
            problems.extend(_validation_problems(exc, parsed_item.row, columns, _ITEM_FIELD_COLUMNS))
            continue
        item.save()
        for number, parsed_sub in enumerate(parsed_item.sub_items, start=1):
            sub = SubItem(
                item=item,
                number=number,
                content=parsed_sub.content,
                target_value=parsed_sub.target_value,
                target_unit=parsed_sub.target_unit,
                target_at_least=parsed_sub.target_at_least,
                responsible_unit=units.get(parsed_sub.responsible_unit),
                first_responsible_person=parsed_sub.first_responsible_person,
                planned_start=parsed_sub.planned_start,
                planned_end=parsed_sub.planned_end,
                location=parsed_sub.location,
            )
            try:
                sub.full_clean()
            except ValidationError as exc:
                problems.extend(_validation_problems(exc, parsed_sub.row, columns, _SUB_FIELD_COLUMNS))
                continue
            sub.save()
            problems.extend(
                Problem(*spot) for spot in share_import.save_split(sub, parsed_sub, plan, units_below)
            )
            if parsed_sub.cooperating_units:
                sub.cooperating_units.set(
                    {units.get(n) for n in parsed_sub.cooperating_units} - {sub.responsible_unit}
                )
    if problems:
        raise PlanImportInvalid(problems)
    return plan


# --- the uploaded file between preview and confirmation ------------------------------------
# Kept in the media storage (the volume every container shares, or the S3 bucket), so the
# confirmation may reach another web replica than the preview did.

UPLOAD_DIR = "imports"


def _upload_name(token: uuid.UUID) -> str:
    return f"{UPLOAD_DIR}/{token}.xlsx"


def keep_upload(token: uuid.UUID, data: bytes) -> None:
    """Keep an upload whose preview can be confirmed, until its confirmation."""
    default_storage.save(_upload_name(token), ContentFile(data))


def read_upload(token: uuid.UUID) -> bytes | None:
    """The kept upload, or None when it is gone (confirmed already, or removed as abandoned)."""
    try:
        with default_storage.open(_upload_name(token), "rb") as upload:
            return upload.read()
    except FileNotFoundError:
        return None


def discard_upload(token: uuid.UUID) -> None:
    default_storage.delete(_upload_name(token))


def remove_abandoned_uploads(max_age: timedelta = timedelta(days=1)) -> int:
    """Delete waiting uploads older than ``max_age`` (previews never confirmed); returns how many."""
    try:
        _, names = default_storage.listdir(UPLOAD_DIR)
    except FileNotFoundError:
        return 0
    cutoff = timezone.now() - max_age
    removed = 0
    for name in names:
        if not name.endswith(".xlsx"):
            continue
        try:
            if default_storage.get_modified_time(f"{UPLOAD_DIR}/{name}") < cutoff:
                default_storage.delete(f"{UPLOAD_DIR}/{name}")
                removed += 1
        except FileNotFoundError:  # confirmed (and removed) meanwhile
            continue
    return removed


# --- the template -------------------------------------------------------------------------

TEMPLATE_COLUMNS = [
    xlsx.Column("序号", 6, "lh_center"),
    xlsx.Column("项目名称", 22),
    xlsx.Column("领域", 10, "lh_center"),
    xlsx.Column("目标任务", 36),
    xlsx.Column("牵头单位", 16),
    xlsx.Column("责任单位", 16),
    xlsx.Column("配合单位", 18),
    xlsx.Column("责任领导", 12),
    xlsx.Column("第一责任人", 14),
    xlsx.Column("目标值", 12, "lh_qty"),
    xlsx.Column("计量单位", 8, "lh_center"),
    xlsx.Column("开工时间", 16, "lh_date"),
    xlsx.Column("完成时限", 16, "lh_date"),
    xlsx.Column("地点", 14),
]

_TEMPLATE_NOTES = [
    (
        "序号",
        "实事（件）的序号。一件实事有多个子项（项）时，可合并单元格，或每行重复填写同一序号和项目名称。",
    ),
    ("项目名称", "必填。也可写作“实事名称”。"),
    ("领域", "如：教育、医疗卫生、住房、交通、饮水、养老。系统中没有的领域会自动新建。"),
    ("目标任务", "必填，每个子项一行。"),
    (
        "牵头单位 / 责任单位",
        "至少填写一个，须与清单所属区划中单位的全称或简称一致（各区划的同名单位互不混用）；"
        "新单位可在预览时确认创建，归入清单所属区划。"
        "一格填写多个单位（用“、”分隔）时，第一个为牵头（责任）单位，其余作为配合单位。",
    ),
    ("配合单位", "多个单位用顿号“、”分隔。"),
    (
        "目标值 / 计量单位",
        "可填数字（120），也可填“120个以上”；留空时，系统从目标任务中识别唯一的数量"
        "（如“建成5G基站120个以上”）供预览时核对；无量化目标的留空，按进度考核。",
    ),
    ("开工时间 / 完成时限", "可填日期，或“2024年6月底”“6月底”“年底”“三季度”等。"),
]


def template_workbook(year: int) -> bytes:
    """A blank list in the layout the import reads best, with a sheet of instructions."""
    book = xlsx.Book()
    book.sheet("清单").write_table(TEMPLATE_COLUMNS, [], title=f"{year}年民生实事项目清单")
    book.sheet("填写说明").write_table(
        [xlsx.Column("栏目", 20), xlsx.Column("填写说明", 80)],
        [list(note) for note in _TEMPLATE_NOTES],
        title="填写说明（第一行标题可改为清单名称，表头行请勿修改）",
    )
    return book.close()
