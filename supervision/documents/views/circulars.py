"""The office's progress circulars (通报): a draft in one click as of a day, its text edited,
then issued under the year's number; issued ones kept, listed and downloadable by leaders and
deputies. ``/plans/<id>/circular.docx?as_of=`` is a fresh draft of the day, written nowhere."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from core import soffice
from core.dates import parse_as_of, today
from core.official_doc import docx_response
from projects import permissions, scope
from projects.models import Plan
from supervision.documents import circular as service
from supervision.documents.forms import CircularForm, DraftForm
from supervision.documents.models import Circular
from supervision.documents.word import circular_docx, draft_number


def _plan(request: HttpRequest, plan_id: int, *, manage: bool = False) -> Plan:
    allowed = permissions.can_manage_circulars if manage else permissions.can_read_circulars
    if not allowed(request.user):
        raise PermissionDenied
    return get_object_or_404(permissions.visible_plans(request.user), pk=plan_id)


def _can_manage(user, plan: Plan) -> bool:
    """Drafting, editing and issuing a plan's circulars: an office of the plan's region."""
    return permissions.can_manage_circulars(user) and permissions.can_manage_plan(user, plan)


def _circulars(user, plan: Plan):
    """A plan's circulars a user may see: drafts only for an office that manages the plan."""
    circulars = scope.readable(user, Circular.objects.filter(plan=plan))
    if not _can_manage(user, plan):
        circulars = circulars.filter(state=Circular.State.ISSUED)
    return circulars


def _circular(request: HttpRequest, plan_id: int, circular_id: int) -> Circular:
    plan = _plan(request, plan_id)
    return get_object_or_404(_circulars(request.user, plan).select_related("plan"), pk=circular_id)


def _draft_docx(content, text, plan: Plan) -> bytes:
    day = today()
    return circular_docx(
        content, text, issuer=service.issuer_for(plan), number=draft_number(day), day=day, draft=True
    )


def _pdf(data: bytes, filename: str) -> HttpResponse:
    if not soffice.available():
        raise Http404("未安装 LibreOffice")
    try:
        pdf = soffice.to_pdf(data)
    except soffice.ConversionError as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    return soffice.pdf_response(pdf, filename.removesuffix(".docx") + ".pdf")


def _fresh_draft(request: HttpRequest, plan_id: int) -> tuple[bytes, str]:
    plan = _plan(request, plan_id, manage=True)
    content = service.read_circular(plan, parse_as_of(request))
    return _draft_docx(content, content.text, plan), service.draft_filename(plan, content.as_of)


@login_required
@require_GET
def plan_circular_docx(request: HttpRequest, plan_id: int) -> HttpResponse:
    """A draft circular as of ``?as_of=`` with the text drafted from the figures."""
    data, filename = _fresh_draft(request, plan_id)
    return docx_response(data, filename)


@login_required
@require_GET
def plan_circular_pdf(request: HttpRequest, plan_id: int) -> HttpResponse:
    data, filename = _fresh_draft(request, plan_id)
    return _pdf(data, filename)


@login_required
def circular_list(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    return render(
        request,
        "supervision/circulars/list.html",
        {
            "plan": plan,
            "circulars": _circulars(request.user, plan).select_related("created_by", "issued_by"),
            "can_manage": _can_manage(request.user, plan),
            "draft_form": DraftForm(),
            "pdf_available": soffice.available(),
        },
    )


@login_required
@require_POST
def circular_create(request: HttpRequest, plan_id: int) -> HttpResponse:
    """生成通报草稿: a draft as of the chosen day (today when left empty)."""
    plan = _plan(request, plan_id, manage=True)
    form = DraftForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("circular_list", plan.pk)
    as_of = form.cleaned_data["as_of"]
    circular = service.create_draft(request.user, plan, as_of if as_of and as_of < today() else None)
    messages.success(request, "已生成通报草稿，可修改文字后签发。")
    return redirect("circular_detail", plan.pk, circular.pk)


@login_required
def circular_detail(request: HttpRequest, plan_id: int, circular_id: int) -> HttpResponse:
    """An issued circular; for the office, a draft with its text to edit (POST saves it)."""
    circular = _circular(request, plan_id, circular_id)
    editable = not circular.is_issued and _can_manage(request.user, circular.plan)
    form = None
    if editable:
        form = CircularForm(request.POST or None, instance=circular)
        if request.method == "POST" and form.is_valid():
            try:
                service.update_draft(
                    request.user, circular, **{name: form.cleaned_data[name] for name in service.TEXT_FIELDS}
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "通报草稿已保存。")
                return redirect("circular_detail", circular.plan_id, circular.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "supervision/circulars/detail.html",
        {
            "plan": circular.plan,
            "circular": circular,
            "form": form,
            "can_manage": _can_manage(request.user, circular.plan),
            "pdf_available": soffice.available(),
        },
    )


@login_required
@require_POST
def circular_issue(request: HttpRequest, plan_id: int, circular_id: int) -> HttpResponse:
    """签发: the draft takes the year's next number and its document is frozen."""
    circular = _circular(request, plan_id, circular_id)
    try:
        circular = service.issue(request.user, circular)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"通报已签发：{circular.number_text}。")
    return redirect("circular_detail", circular.plan_id, circular.pk)


@login_required
@require_POST
def circular_delete(request: HttpRequest, plan_id: int, circular_id: int) -> HttpResponse:
    circular = _circular(request, plan_id, circular_id)
    try:
        service.delete_draft(request.user, circular)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("circular_detail", circular.plan_id, circular.pk)
    messages.success(request, "通报草稿已删除。")
    return redirect("circular_list", circular.plan_id)


def _document(request: HttpRequest, plan_id: int, circular_id: int) -> tuple[bytes, str]:
    """An issued circular's stored document; a draft's written now from its edited text
    (the office only: ``_circulars`` shows drafts to no one else)."""
    circular = _circular(request, plan_id, circular_id)
    if circular.is_issued:
        with circular.document.open("rb") as stored:
            data = stored.read()
    else:
        content = service.read_circular(circular.plan, circular.as_of)
        data = _draft_docx(content, service.text_of(circular), circular.plan)
    return data, service.filename_of(circular)


@login_required
@require_GET
def circular_document_docx(request: HttpRequest, plan_id: int, circular_id: int) -> HttpResponse:
    data, filename = _document(request, plan_id, circular_id)
    return docx_response(data, filename)


@login_required
@require_GET
def circular_document_pdf(request: HttpRequest, plan_id: int, circular_id: int) -> HttpResponse:
    data, filename = _document(request, plan_id, circular_id)
    return _pdf(data, filename)
