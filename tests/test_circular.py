"""The office's progress circular (通报): drafted in one click from the figures, laid out as an
official document (GB/T 9704), edited, issued under the year's number, kept and downloaded."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import threading
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from core.dates import today
from projects.models import Unit
from supervision.documents import circular as service
from supervision.figures import counted as current
from supervision.models import Circular
from tests.factories import (
    ItemFactory,
    PlanFactory,
    SubItemFactory,
    accepted_report,
    deputy_user,
    leader_user,
    liaison_user,
    office_user,
)

pytestmark = pytest.mark.django_db


def opened(response) -> Document:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    return Document(BytesIO(response.content))


def text_of(doc: Document) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def paragraph(doc: Document, containing: str):
    found = [p for p in doc.paragraphs if containing in p.text]
    assert found, f"no paragraph with “{containing}”"
    return found[0]


def east_asian_font(style) -> str:
    return style.element.rPr.rFonts.get(qn("w:eastAsia"))


def draft_of(client, plan, **params) -> Document:
    return opened(client.get(f"/plans/{plan.pk}/circular.docx", params))


# --- what it says ---------------------------------------------------------------------------


def test_the_draft_states_the_headline_the_pages_state_and_names_what_is_beyond_target(client, login, demo):
    login("office")
    plan = demo["plan_2023"]
    doc = draft_of(client, plan)
    text = text_of(doc)

    assert current.headline(plan).summary.headline == "10件13项，已完成6件8项，完成率60%"
    assert "共10件13项，已完成6件8项，完成率60%。" in text
    assert "“建成5G基站120个以上”的目标，实际完成453个，完成率377.5%" in text
    assert "完成率169%" in text
    for heading in ("一、总体情况", "二、工作亮点", "三、存在问题", "四、下步要求"):
        assert paragraph(doc, heading).text == heading
    # The lagging sub-items, their units named, with the reason their units gave.
    assert "区住建局（2项）" in text
    assert "中央补助资金未实际到位" in text
    assert "表4  推进缓慢的项目" in text
    assert "本清单已于2024年1月20日结束，最终结果：按期完成" in text


def test_the_headline_sentence_is_the_one_every_page_states(client, login, demo):
    login("office")
    for plan in (demo["plan_2023"], demo["plan_now"]):
        for day in (dt.date(plan.year, 6, 30), dt.date(plan.year, 10, 31), None):
            if day is not None and day >= today():
                day = None
            doc = draft_of(client, plan, **({"as_of": day.isoformat()} if day else {}))

            head = current.headline(plan, day)
            overview = paragraph(doc, "截至")
            assert f"共{head.summary.headline}。" in overview.text, (plan, day)
            assert f"截至{head.as_of.year}年{head.as_of.month}月{head.as_of.day}日" in overview.text


def test_the_current_list_names_items_ahead_of_pace_and_units_overdue_to_report(client, login, demo):
    login("office")
    text = text_of(draft_of(client, demo["plan_now"]))

    assert "进度快于序时进度1件：第6件就业创业服务" in text
    assert "超期未报进展情况的单位：区卫健局（1项）" in text
    assert "各责任单位联络员要于每月5日前报送上月进展情况" in text


def test_a_list_with_no_sub_items_says_so_instead_of_empty_tables(client, login):
    login(office_user())
    plan = PlanFactory(title="空清单")
    doc = draft_of(client, plan)

    assert "本清单暂无项目" in text_of(doc)
    assert doc.tables == []
    assert "二、工作亮点" not in text_of(doc)


# --- how it is laid out ---------------------------------------------------------------------


def test_the_document_is_laid_out_after_gb_t_9704(client, login, demo):
    login("office")
    doc = draft_of(client, demo["plan_2023"])
    section = doc.sections[0]

    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert section.page_width < section.page_height
    margins = [
        section.top_margin.mm,
        section.bottom_margin.mm,
        section.left_margin.mm,
        section.right_margin.mm,
    ]
    assert [round(m, 1) for m in margins] == [37.0, 35.0, 28.0, 26.0]

    title = paragraph(doc, "关于2023年区级十件民生实事推进情况的通报")
    assert title.style.font.size == Pt(22)
    assert east_asian_font(title.style) == "方正小标宋简体"
    body = paragraph(doc, "共10件13项")
    assert body.style.font.size == Pt(16)
    assert east_asian_font(body.style) == "仿宋_GB2312"
    assert east_asian_font(paragraph(doc, "一、总体情况").style) == "黑体"
    table_cell = doc.tables[0].rows[1].cells[0].paragraphs[0]
    assert table_cell.style.font.size == Pt(12)

    # The issuing body, then the number line (a draft's number is left blank), then the title.
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "草稿"
    assert (
        texts.index("青山区人民政府督查室")
        < texts.index(f"〔{today().year}〕\u3000号")
        < texts.index(title.text)
    )
    # Page numbers "— N —" from a PAGE field, on odd and even pages.
    assert doc.settings.odd_and_even_pages_header_footer
    for footer in (section.footer, section.even_page_footer):
        xml = footer.part.element.xml
        assert "PAGE" in "".join(footer.part.element.itertext()) and 'w:fldCharType="begin"' in xml
        assert footer.paragraphs[0].text == "— 1 —"


def test_users_text_is_written_as_plain_text_whatever_it_holds(client, login, demo):
    office = login("office")
    plan = demo["plan_2023"]
    circular = service.create_draft(office, plan)
    odd = '<w:t>不是标记</w:t> & "引号"\x0b\x0c 换页符\r\n第二段'
    response = client.post(
        f"/plans/{plan.pk}/circulars/{circular.pk}/",
        {
            "title": "关于<b>加粗</b>的通报",
            "overview": odd,
            "highlights": "",
            "problems": "",
            "requirements": "要求",
        },
    )
    assert response.status_code == 302
    text = text_of(opened(client.get(f"/plans/{plan.pk}/circulars/{circular.pk}.docx")))

    assert "关于<b>加粗</b>的通报" in text
    assert '<w:t>不是标记</w:t> & "引号" 换页符' in text
    assert "第二段" in text


# --- reading writes nothing -----------------------------------------------------------------


def test_downloading_a_draft_writes_nothing(client, login, demo):
    login("office")
    plan = demo["plan_now"]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/plans/{plan.pk}/circular.docx").status_code == 200
        assert (
            client.get(f"/plans/{plan.pk}/circular.docx", {"as_of": f"{plan.year}-03-31"}).status_code == 200
        )
    writes = [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert [sql for sql in writes if "django_session" not in sql] == []
    assert not Circular.objects.exists()


def test_a_malformed_date_answers_400(client, login, demo):
    login("office")
    assert (
        client.get(f"/plans/{demo['plan_now'].pk}/circular.docx", {"as_of": "2026-13-45"}).status_code == 400
    )


# --- drafts, issuing and numbering ---------------------------------------------------------


def test_the_office_drafts_edits_and_issues_a_circular_which_is_then_frozen(client, login, demo):
    office = login("office")
    plan = demo["plan_2023"]
    response = client.post(f"/plans/{plan.pk}/circulars/new/", {"as_of": "2023-10-31"})
    circular = Circular.objects.get()
    assert response.url == f"/plans/{plan.pk}/circulars/{circular.pk}/"
    assert circular.as_of == dt.date(2023, 10, 31) and circular.state == Circular.State.DRAFT
    assert "共10件13项" in circular.overview and "377.5%" in circular.highlights

    edited = {
        "title": circular.title,
        "overview": circular.overview,
        "highlights": circular.highlights,
        "problems": circular.problems,
        "requirements": "请各责任单位于11月15日前报送整改情况。",
    }
    assert client.post(f"/plans/{plan.pk}/circulars/{circular.pk}/", edited).status_code == 302
    assert client.post(f"/plans/{plan.pk}/circulars/{circular.pk}/issue/").status_code == 302

    circular.refresh_from_db()
    year = today().year
    assert circular.is_issued and (circular.year, circular.number) == (year, 1)
    assert circular.issued_by == office and circular.document.name.endswith(f"{year}-001.docx")
    doc = opened(client.get(f"/plans/{plan.pk}/circulars/{circular.pk}.docx"))
    text = text_of(doc)
    assert f"〔{year}〕1号" in [p.text for p in doc.paragraphs]
    assert "草稿" not in [p.text for p in doc.paragraphs]
    assert "请各责任单位于11月15日前报送整改情况。" in text
    assert "截至2023年10月31日" in text

    # Issued, it cannot be edited, issued again or deleted.
    edited["requirements"] = "改过"
    assert client.post(f"/plans/{plan.pk}/circulars/{circular.pk}/", edited).status_code == 403
    client.post(f"/plans/{plan.pk}/circulars/{circular.pk}/issue/")
    client.post(f"/plans/{plan.pk}/circulars/{circular.pk}/delete/")
    circular.refresh_from_db()
    assert circular.requirements == "请各责任单位于11月15日前报送整改情况。"
    assert (circular.year, circular.number) == (year, 1)
    with pytest.raises(ValidationError):
        service.update_draft(office, circular, requirements="改过")


def test_numbers_run_per_year_and_never_repeat(demo):
    office = office_user()
    plan = demo["plan_now"]
    year = today().year
    issued = [service.issue(office, service.create_draft(office, plan)) for _ in range(3)]
    assert [c.number_text for c in issued] == [f"〔{year}〕{n}号" for n in (1, 2, 3)]

    draft = service.create_draft(office, plan)
    service.delete_draft(office, service.create_draft(office, plan))
    with time_machine.travel(dt.datetime(year + 1, 1, 2, 9, 0, tzinfo=dt.UTC)):
        next_year = service.issue(office, draft)
        again = service.issue(office, service.create_draft(office, plan, dt.date(year, 12, 31)))
    assert (next_year.year, next_year.number) == (year + 1, 1)
    assert (again.year, again.number) == (year + 1, 2)
    with pytest.raises(ValidationError):
        service.issue(office, issued[0])
    numbers = list(Circular.objects.values_list("year", "number"))
    assert len(numbers) == len(set(numbers)) == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_issues_at_the_same_moment_get_two_numbers():
    office = office_user()
    plan = PlanFactory()
    SubItemFactory(item=ItemFactory(plan=plan))
    drafts = [service.create_draft(office, plan) for _ in range(4)]
    barrier = threading.Barrier(len(drafts))
    errors = []

    def issue(draft):
        try:
            barrier.wait()
            service.issue(office, draft)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(Circular.objects.values_list("number", flat=True)) == [1, 2, 3, 4]


def test_a_bad_date_on_the_draft_form_makes_no_draft(client, login, demo):
    login("office")
    plan = demo["plan_now"]
    response = client.post(f"/plans/{plan.pk}/circulars/new/", {"as_of": "1999-01-01"}, follow=True)
    assert "日期须在2000年1月1日至2100年12月31日之间" in response.text
    response = client.post(f"/plans/{plan.pk}/circulars/new/", {"as_of": "明天"}, follow=True)
    assert "截至日期格式应为 YYYY-MM-DD" in response.text
    assert not Circular.objects.exists()


def test_an_empty_title_is_refused_with_a_message(client, login, demo):
    office = login("office")
    plan = demo["plan_now"]
    circular = service.create_draft(office, plan)
    response = client.post(
        f"/plans/{plan.pk}/circulars/{circular.pk}/",
        {"title": "  ", "overview": "x", "highlights": "", "problems": "", "requirements": ""},
    )
    assert response.status_code == 200
    assert "该字段是必填项。" in response.text
    circular.refresh_from_db()
    assert circular.title == service.default_title(plan)


# --- who may do what ------------------------------------------------------------------------


def test_leaders_and_deputies_read_issued_circulars_only_and_liaisons_none(client, login, demo):
    office = office_user()
    plan = demo["plan_2023"]
    issued = service.issue(office, service.create_draft(office, plan))
    draft = service.create_draft(office, plan)

    for reader in (leader_user(), deputy_user()):
        login(reader)
        page = client.get(f"/plans/{plan.pk}/circulars/").text
        assert issued.number_text in page and "（草稿）" not in page
        assert opened(client.get(f"/plans/{plan.pk}/circulars/{issued.pk}.docx"))
        assert client.get(f"/plans/{plan.pk}/circulars/{draft.pk}.docx").status_code == 404
        assert client.get(f"/plans/{plan.pk}/circular.docx").status_code == 403
        assert client.post(f"/plans/{plan.pk}/circulars/new/").status_code == 403
        assert client.post(f"/plans/{plan.pk}/circulars/{draft.pk}/issue/").status_code == 404
    with pytest.raises(PermissionDenied):
        service.issue(leader_user(), draft)

    login(liaison_user(Unit.objects.get(code="housing")))
    for url in (
        f"/plans/{plan.pk}/circulars/",
        f"/plans/{plan.pk}/circulars/{issued.pk}.docx",
        f"/plans/{plan.pk}/circular.docx",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/plans/{plan.pk}/circulars/new/").status_code == 403
    assert Circular.objects.count() == 2


def test_the_plan_page_links_to_circulars_and_the_ranking_for_internal_readers(client, login, demo):
    plan = demo["plan_now"]
    login("leader")
    page = client.get(f"/plans/{plan.pk}/").text
    assert f'href="/plans/{plan.pk}/circulars/"' in page and f'href="/plans/{plan.pk}/ranking/"' in page
    login("liaison-housing")
    page = client.get(f"/plans/{plan.pk}/").text
    assert "/circulars/" not in page and "/ranking/" not in page


# --- PDF ------------------------------------------------------------------------------------


def test_without_libreoffice_no_pdf_is_offered(client, login, demo, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    login("office")
    plan = demo["plan_now"]
    assert ".pdf" not in client.get(f"/plans/{plan.pk}/circulars/").text
    assert client.get(f"/plans/{plan.pk}/circular.pdf").status_code == 404


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_prints_the_circular_to_pdf(client, login, demo, tmp_path):
    login("office")
    plan = demo["plan_2023"]
    assert ".pdf" in client.get(f"/plans/{plan.pk}/circulars/").text
    response = client.get(f"/plans/{plan.pk}/circular.pdf")
    assert response.status_code == 200, response.content[:500]
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages >= 1
    if shutil.which("pdftotext") is None:
        return
    path = tmp_path / "circular.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, timeout=60).stdout
    text = re.sub(r"\s+", "", text.decode())
    assert "10件13项，已完成6件8项，完成率60%" in text
    assert "377.5%" in text
    assert "—1—" in text


def test_money_sentence_uses_the_headlines_funding(client, login):
    login(office_user())
    plan = PlanFactory()
    sub = SubItemFactory(item=ItemFactory(plan=plan), planned_start=dt.date(plan.year, 1, 1))
    sub.funding_lines.create(source="county", planned=Decimal("200"))
    accepted_report(
        sub, on=min(today(), dt.date(plan.year, 12, 31)), progress="50", allocated="150", paid="30"
    )
    text = text_of(draft_of(client, plan))
    assert "计划投资200万元，已到位150万元（到位率75%），已支付30万元（支付率20%）" in text
