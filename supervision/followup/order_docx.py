"""A supervision order (督办单) as a one-page Word document in the manner of GB/T 9704-2012: A4,
the title in 2号 小标宋 (22 pt), the body in 3号 仿宋_GB2312 (16 pt). What users typed (problem,
requirement) goes in as plain text runs, line by line."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.encoding import escape_uri_path
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from supervision.followup.models import SupervisionOrder

TITLE_FONT, TITLE_SIZE = "方正小标宋简体", Pt(22)
BODY_FONT, BODY_SIZE = "仿宋_GB2312", Pt(16)
HEADING_FONT = "黑体"


def _run(paragraph, text: str, *, font: str = BODY_FONT, size=BODY_SIZE, bold: bool = False):
    run = paragraph.add_run(text)
    run.font.size = size
    run.font.bold = bold
    run.font.name = font
    # Word picks the font of Chinese characters from the East Asian slot, not the Latin one.
    run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return run


def _paragraph(document, *, align=None, indent: bool = False):
    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = Pt(28)
    if align is not None:
        paragraph.alignment = align
    if indent:
        fmt.first_line_indent = Pt(32)
    return paragraph


def _field(document, label: str, text: str) -> None:
    lines = [line for line in text.splitlines() if line.strip()] or [""]
    paragraph = _paragraph(document, indent=True)
    _run(paragraph, f"{label}：", font=HEADING_FONT)
    _run(paragraph, lines[0].strip())
    for line in lines[1:]:
        _run(_paragraph(document, indent=True), line.strip())


def issuer(order: SupervisionOrder) -> str:
    """The office signing the order: the plan's government's supervision office."""
    return f"{order.plan.region_name}人民政府督查室" if order.plan.region_name else "人民政府督查室"


def render(order: SupervisionOrder) -> bytes:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    title = _paragraph(document, align=WD_ALIGN_PARAGRAPH.CENTER)
    title.paragraph_format.line_spacing = Pt(40)
    _run(title, "督  办  单", font=TITLE_FONT, size=TITLE_SIZE)
    _run(_paragraph(document, align=WD_ALIGN_PARAGRAPH.CENTER), order.code)
    _paragraph(document)

    unit = _paragraph(document)
    _run(unit, f"{order.unit.name}：")
    _field(document, "督办事项", order.problem)
    _field(document, "督办要求", order.requirement)
    _field(document, "办理时限", f"{order.deadline:%Y年%m月%d日}前书面答复")
    _field(document, "所属清单", order.plan.title)
    _paragraph(document)

    for text in (issuer(order), f"{timezone.localtime(order.created_at):%Y年%m月%d日}"):
        _run(_paragraph(document, align=WD_ALIGN_PARAGRAPH.RIGHT), text)
    _paragraph(document)
    _run(_paragraph(document), "签收人：                    签收日期：    年  月  日")

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def content_disposition(order: SupervisionOrder) -> str:
    """An attachment named after the order's number; the Chinese name survives in every
    browser (RFC 5987)."""
    name = f"督办单_{order.year}_{order.number}.docx"
    return f"attachment; filename=\"order.docx\"; filename*=UTF-8''{escape_uri_path(name)}"
