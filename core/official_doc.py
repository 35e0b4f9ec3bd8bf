"""Word documents laid out as Chinese official documents (党政机关公文格式, GB/T 9704-2012).

A4 portrait; the type area (版心) 156 × 225 mm, placed by margins of 37 mm (top), 35 mm
(bottom), 28 mm (left) and 26 mm (right); a grid of 22 lines of 28 characters; the title in
2号 (22 pt) 方正小标宋简体, the body in 3号 (16 pt) 仿宋_GB2312, first-level headings in 黑体 and
second-level in 楷体_GB2312; page numbers "— 1 —" in 4号 宋体, right on odd pages and left on
even ones, each one character in from the edge of the type area.

Every font and size lives on a named style (so that an office can restyle a document in Word in
one place); text is always written as plain runs, whatever characters it holds, so a user's text
is never read as markup. Readers without the official fonts (LibreOffice on a server) fall back
to the CJK font they have.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date

from django.http import HttpResponse
from django.utils.encoding import escape_uri_path
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
TOP, BOTTOM, LEFT, RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
TYPE_AREA_WIDTH = PAGE_WIDTH - LEFT - RIGHT  # 156 mm

TITLE_SIZE = Pt(22)  # 2号
BODY_SIZE = Pt(16)  # 3号
PAGE_NUMBER_SIZE = Pt(14)  # 4号
TABLE_SIZE = Pt(12)  # 小4
# 22 lines in the 225 mm type area: a line pitch of 579 twips (28.95 pt). 28 characters of 16 pt
# fill the 156 mm line when each is set 0.25 pt closer (w:spacing -5 twips): a line grid with
# condensed characters rather than a character grid, which LibreOffice spreads over two cells.
LINE_PITCH_TWIPS = 579
LINE_PITCH = Pt(LINE_PITCH_TWIPS / 20)
BODY_CONDENSE_TWIPS = -5

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
RED = RGBColor(0xE6, 0x00, 0x12)

# The styles a document uses, by name: (font, size, bold, alignment, first-line indent in characters).
STYLE_TITLE = "公文标题"
STYLE_BODY = "公文正文"
STYLE_PLAIN = "公文正文不缩进"
STYLE_HEADING = "公文一级标题"
STYLE_SUBHEADING = "公文二级标题"
STYLE_MASTHEAD = "发文机关标志"
STYLE_NUMBER = "发文字号"
STYLE_MARK = "公文标注"
STYLE_SIGNATURE = "发文机关署名"
STYLE_CAPTION = "表格标题"
STYLE_TABLE = "表格文字"
STYLE_TABLE_HEADER = "表格表头"
STYLE_IMPRINT = "版记"
STYLE_PAGE_ODD = "页码单页"
STYLE_PAGE_EVEN = "页码双页"

# Characters XML 1.0 cannot hold (text pasted from elsewhere may carry them).
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def plain(text: str) -> str:
    """User text as it can stand in a document: line breaks normalised, characters XML cannot
    hold dropped."""
    return _NOT_IN_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def day_text(day: date) -> str:
    """成文日期 in Arabic numerals, as GB/T 9704-2012 writes it: 2026年5月6日."""
    return f"{day.year}年{day.month}月{day.day}日"


class OfficialDocument:
    """One document, written top to bottom: ``masthead``, ``title``, ``addressee``, headings,
    paragraphs and tables, ``signature``, ``imprint``; then ``to_bytes``."""

    def __init__(self) -> None:
        self.document = Document()
        self._page_setup()
        self._styles()
        self._page_numbers()

    # --- set-up -------------------------------------------------------------------------

    def _page_setup(self) -> None:
        section = self.document.sections[0]
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.top_margin, section.bottom_margin = TOP, BOTTOM
        section.left_margin, section.right_margin = LEFT, RIGHT
        section.header_distance, section.footer_distance = Mm(15), Mm(28)
        sect_pr = self.document.element.body.find(qn("w:sectPr"))
        grid = sect_pr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            sect_pr.append(grid)
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))

    def _style(
        self,
        name: str,
        font: str,
        size: Pt,
        *,
        bold: bool = False,
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
        indent_chars: int = 0,
        exact: bool = True,
        colour: RGBColor | None = None,
        grid: bool = True,
    ):
        styles = self.document.styles
        style = (
            styles[name]
            if name in [s.name for s in styles]
            else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        )
        style.base_style = None
        style.font.name = LATIN_FONT if font in (BODY_FONT, SUBHEADING_FONT) else font
        style.font.size = size
        style.font.bold = bold
        if colour is not None:
            style.font.color.rgb = colour
        properties = style.element.get_or_add_rPr()
        if size == BODY_SIZE:
            spacing = OxmlElement("w:spacing")
            spacing.set(qn("w:val"), str(BODY_CONDENSE_TWIPS))
            properties.insert_element_before(spacing, *RUN_PROPERTIES_AFTER_SPACING)
        fonts = properties.get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), font)
        # Word and WPS pick the typeface of CJK text by its hint; without one they may use ascii.
        fonts.set(qn("w:hint"), "eastAsia")
        paragraph = style.paragraph_format
        paragraph.alignment = align
        paragraph.space_before = paragraph.space_after = Pt(0)
        paragraph.first_line_indent = Pt(size.pt * indent_chars) if indent_chars else None
        if exact:
            paragraph.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            paragraph.line_spacing = LINE_PITCH
        else:
            paragraph.line_spacing_rule = WD_LINE_SPACING.SINGLE
        paragraph.widow_control = False
        if not grid:
            snap = OxmlElement("w:snapToGrid")
            snap.set(qn("w:val"), "0")
            _insert_in_order(style.element.get_or_add_pPr(), snap)
        return style

    def _styles(self) -> None:
        normal = self._style("Normal", BODY_FONT, BODY_SIZE)
        normal.font.name = LATIN_FONT
        self._style(STYLE_BODY, BODY_FONT, BODY_SIZE, indent_chars=2)
        self._style(STYLE_PLAIN, BODY_FONT, BODY_SIZE)
        self._style(STYLE_HEADING, HEADING_FONT, BODY_SIZE, indent_chars=2)
        self._style(STYLE_SUBHEADING, SUBHEADING_FONT, BODY_SIZE, indent_chars=2)
        self._style(STYLE_TITLE, TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
        self._style(
            STYLE_MASTHEAD, TITLE_FONT, Pt(36), align=WD_ALIGN_PARAGRAPH.CENTER, exact=False, colour=RED
        )
        number = self._style(STYLE_NUMBER, BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
        _border(number, "bottom", colour="E60012", size=12, space=12)
        self._style(STYLE_MARK, HEADING_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT)
        signature = self._style(STYLE_SIGNATURE, BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.RIGHT)
        signature.paragraph_format.right_indent = Pt(BODY_SIZE.pt * 2)
        caption = self._style(STYLE_CAPTION, HEADING_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
        caption.paragraph_format.keep_with_next = True
        self._style(
            STYLE_TABLE, BODY_FONT, TABLE_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT, exact=False, grid=False
        )
        self._style(
            STYLE_TABLE_HEADER,
            HEADING_FONT,
            TABLE_SIZE,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            exact=False,
            grid=False,
        )
        imprint = self._style(STYLE_IMPRINT, BODY_FONT, PAGE_NUMBER_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT)
        imprint.paragraph_format.left_indent = imprint.paragraph_format.right_indent = PAGE_NUMBER_SIZE
        imprint.paragraph_format.tab_stops.add_tab_stop(
            TYPE_AREA_WIDTH - PAGE_NUMBER_SIZE * 2, WD_TAB_ALIGNMENT.RIGHT
        )
        _border(imprint, "top", colour="000000", size=8, space=4)
        _border(imprint, "bottom", colour="000000", size=8, space=4)
        odd = self._style(
            STYLE_PAGE_ODD, NUMBER_FONT, PAGE_NUMBER_SIZE, align=WD_ALIGN_PARAGRAPH.RIGHT, exact=False
        )
        odd.paragraph_format.right_indent = PAGE_NUMBER_SIZE
        even = self._style(
            STYLE_PAGE_EVEN, NUMBER_FONT, PAGE_NUMBER_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT, exact=False
        )
        even.paragraph_format.left_indent = PAGE_NUMBER_SIZE

    def _page_numbers(self) -> None:
        """ "— N —" from a PAGE field: odd pages on the right, even pages on the left."""
        self.document.settings.odd_and_even_pages_header_footer = True
        section = self.document.sections[0]
        for footer, style in ((section.footer, STYLE_PAGE_ODD), (section.even_page_footer, STYLE_PAGE_EVEN)):
            footer.is_linked_to_previous = False
            paragraph = footer.paragraphs[0]
            paragraph.style = self.document.styles[style]
            paragraph.add_run("— ")
            _page_field(footer.part.element)
            footer.paragraphs[0].add_run(" —")

    # --- content --------------------------------------------------------------------------

    def _paragraph(self, text: str, style: str):
        return self.document.add_paragraph(plain(text), style=style)

    def mark(self, text: str) -> None:
        """A note in the top-left corner (where 份号 and 密级 stand), e.g. 草稿."""
        self._paragraph(text, STYLE_MARK)

    def masthead(self, issuer: str, number: str) -> None:
        """发文机关标志 (red, centred), an empty line, then 发文字号 above the red rule."""
        self._paragraph(issuer, STYLE_MASTHEAD)
        self._paragraph("", STYLE_PLAIN)
        self._paragraph(number, STYLE_NUMBER)
        self._paragraph("", STYLE_PLAIN)

    def title(self, text: str) -> None:
        for line in _lines(text) or [""]:
            self._paragraph(line, STYLE_TITLE)
        self._paragraph("", STYLE_PLAIN)

    def addressee(self, text: str) -> None:
        """主送机关, flush left."""
        self._paragraph(text, STYLE_PLAIN)

    def heading(self, text: str) -> None:
        self._paragraph(text, STYLE_HEADING)

    def subheading(self, text: str) -> None:
        self._paragraph(text, STYLE_SUBHEADING)

    def paragraphs(self, text: str) -> None:
        """A user's text, one paragraph per non-empty line, each indented two characters."""
        for line in _lines(text):
            self._paragraph(line, STYLE_BODY)

    def table(
        self,
        caption: str,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[int],
        centered: Sequence[int] = (),
    ):
        """A captioned table across the type area; ``widths`` are relative column widths and
        ``centered`` the columns (counted from 0) whose cells are centred. The header row
        repeats on every page the table runs onto."""
        self._paragraph(caption, STYLE_CAPTION)
        table = self.document.add_table(rows=1, cols=len(header))
        table.style = self.document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        total = sum(widths)
        column_widths = [int(TYPE_AREA_WIDTH * w / total) for w in widths]
        # LibreOffice lays a table out by its grid columns, Word by its cells: both are set.
        for column, width in zip(table.columns, column_widths, strict=True):
            column.width = width
        for cell, text, width in zip(table.rows[0].cells, header, column_widths, strict=True):
            _cell(cell, text, STYLE_TABLE_HEADER, width, self.document)
        for values in rows:
            cells = table.add_row().cells
            for column, (cell, text, width) in enumerate(zip(cells, values, column_widths, strict=True)):
                _cell(cell, str(text), STYLE_TABLE, width, self.document)
                if column in centered:
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        first_row = self.document.element.body.findall(qn("w:tbl"))[-1].find(qn("w:tr"))
        row_properties = first_row.find(qn("w:trPr"))
        if row_properties is None:
            row_properties = OxmlElement("w:trPr")
            first_row.insert(0, row_properties)
        row_properties.append(OxmlElement("w:tblHeader"))
        self._paragraph("", STYLE_PLAIN)
        return table

    def signature(self, issuer: str, day: date) -> None:
        """发文机关署名 and 成文日期 below the body, two characters in from the right."""
        self._paragraph("", STYLE_PLAIN)
        self._paragraph(issuer, STYLE_SIGNATURE)
        self._paragraph(day_text(day), STYLE_SIGNATURE)
        self._paragraph("", STYLE_PLAIN)

    def imprint(self, issuer: str, day: date) -> None:
        """版记: 印发机关 and 印发日期 between two rules."""
        self._paragraph(f"{plain(issuer)}\t{day_text(day)}印发", STYLE_IMPRINT)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


def _lines(text: str) -> list[str]:
    return [line.strip() for line in plain(text).split("\n") if line.strip()]


def _cell(cell, text: str, style: str, width: int, document) -> None:
    cell.width = width
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    paragraph.style = document.styles[style]
    paragraph.add_run(plain(text))


# The order the schema (ECMA-376, CT_PPr) gives a paragraph's properties; Word refuses a file
# that lists them otherwise.
PARAGRAPH_PROPERTY_ORDER = (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
    "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
    "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
    "sectPr", "pPrChange",
)  # fmt: skip


RUN_PROPERTIES_AFTER_SPACING = tuple(
    f"w:{tag}"
    for tag in (
        "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText",
        "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath",
    )
)  # fmt: skip


def _insert_in_order(properties, element) -> None:
    name = element.tag.split("}")[1]
    later = PARAGRAPH_PROPERTY_ORDER[PARAGRAPH_PROPERTY_ORDER.index(name) + 1 :]
    properties.insert_element_before(element, *(f"w:{tag}" for tag in later))


def _border(style, side: str, *, colour: str, size: int, space: int) -> None:
    """A rule above or below every paragraph of a style (size in eighths of a point)."""
    properties = style.element.get_or_add_pPr()
    borders = properties.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        _insert_in_order(properties, borders)
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size))
    line.set(qn("w:space"), str(space))
    line.set(qn("w:color"), colour)
    borders.append(line)


def _page_field(footer) -> None:
    """A PAGE field (begin, instruction, separate, a placeholder number, end) appended as runs
    to the footer's first paragraph, between the two dashes."""
    paragraph = footer.find(qn("w:p"))
    dash = paragraph.findall(qn("w:r"))[-1]
    runs = []
    for kind in ("begin", None, "separate", "1", "end"):
        run = OxmlElement("w:r")
        if kind in ("begin", "separate", "end"):
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run.append(char)
        elif kind is None:
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = " PAGE "
            run.append(instruction)
        else:
            number = OxmlElement("w:t")
            number.text = kind
            run.append(number)
        runs.append(run)
    for offset, run in enumerate(runs, start=1):
        paragraph.insert(list(paragraph).index(dash) + offset, run)


def docx_response(data: bytes, filename: str) -> HttpResponse:
    """The document as a download; the Chinese file name survives in every browser (RFC 5987)."""
    response = HttpResponse(data, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"document.docx\"; filename*=UTF-8''{escape_uri_path(filename)}"
    )
    return response
