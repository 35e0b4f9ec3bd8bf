"""Importing an adopted list from a spreadsheet: upload, preview with every problem, confirm.

The uploaded file waits in the media storage as imports/<uuid>.xlsx between preview and
confirmation (so another web replica may take the confirmation), and only when the preview can be
confirmed; the confirmation parses it again and saves everything
in one transaction, or nothing. Files left by previews never confirmed are removed by a periodic
task (projects.tasks.remove_abandoned_import_files)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import dates, xlsx
from projects import permissions
from projects.forms_import import PlanImportConfirmForm, PlanUploadForm
from projects.models import Region
from projects.services import plan_import as importer
from projects.services.plan_import import ImportFileError, ParsedPlan, PlanImportInvalid


def _require_office(user) -> None:
    if not permissions.can_manage_registry(user):
        raise PermissionDenied


def _require_region(user, region_code: str) -> None:
    """An office imports only lists of its own region or below."""
    refusal = permissions.region_refusal(user, Region.objects.filter(code=region_code).first())
    if refusal is not None:
        raise PermissionDenied(refusal)


def _dry_run_problems(parsed: ParsedPlan, *, year: int, title: str, region: str, region_code: str) -> list:
    """Everything the real save would refuse, except units the user may still choose to create."""
    try:
        importer.save_plan(
            parsed,
            year=year,
            title=title,
            region=region,
            region_code=region_code,
            create_units=True,
            dry_run=True,
        )
    except PlanImportInvalid as exc:
        return exc.problems
    return []


def _preview(
    request: HttpRequest, parsed: ParsedPlan, form: PlanImportConfirmForm, problems: list
) -> HttpResponse:
    return render(
        request,
        "projects/import/preview.html",
        {"parsed": parsed, "form": form, "problems": problems, "can_confirm": not problems},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_import(request: HttpRequest) -> HttpResponse:
    _require_office(request.user)
    form = PlanUploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "projects/import/upload.html", {"form": form})
    _require_region(request.user, form.cleaned_data["region_code"])
    data = form.cleaned_data["file"].read()
    year = form.cleaned_data["year"]
    region, region_code = form.cleaned_data["region"], form.cleaned_data["region_code"]
    try:
        parsed = importer.parse_file(data, year=year, region_code=region_code)
    except ImportFileError as exc:
        form.add_error("file", str(exc))
        return render(request, "projects/import/upload.html", {"form": form})
    token = uuid.uuid4()
    title = form.cleaned_data["title"] or parsed.title or f"{year}年民生实事清单"
    problems = _dry_run_problems(parsed, year=year, title=title, region=region, region_code=region_code)
    if not problems:
        importer.keep_upload(token, data)
    confirm = PlanImportConfirmForm(
        initial={"token": token, "year": year, "title": title, "region": region, "region_code": region_code}
    )
    return _preview(request, parsed, confirm, problems)


@login_required
@require_POST
def plan_import_confirm(request: HttpRequest) -> HttpResponse:
    _require_office(request.user)
    form = PlanImportConfirmForm(request.POST)
    data = importer.read_upload(form.cleaned_data["token"]) if form.is_valid() else None
    if data is None:
        messages.error(request, "上传的文件已失效，请重新上传。")
        return redirect("plan_import")
    token = form.cleaned_data["token"]
    fields = {k: form.cleaned_data[k] for k in ("year", "region", "region_code")}
    _require_region(request.user, fields["region_code"])
    fields["title"] = form.cleaned_data["title"] or f"{fields['year']}年民生实事清单"
    try:
        parsed = importer.parse_file(data, year=fields["year"], region_code=fields["region_code"])
        plan = importer.save_plan(parsed, create_units=form.cleaned_data["create_units"], **fields)
    except ImportFileError as exc:
        importer.discard_upload(token)
        messages.error(request, str(exc))
        return redirect("plan_import")
    except PlanImportInvalid as exc:
        # Kept: the office may go back, tick "创建以下新单位" and confirm the same upload.
        return _preview(request, parsed, form, exc.problems)
    importer.discard_upload(token)
    messages.success(
        request, f"已导入“{plan.title}”：{parsed.headline}（草拟状态，核对后可在清单设置中公布）。"
    )
    return redirect(plan.get_absolute_url())


@login_required
@require_GET
def plan_import_template(request: HttpRequest) -> HttpResponse:
    _require_office(request.user)
    year = dates.today().year + 1
    return xlsx.xlsx_response(importer.template_workbook(year), f"民生实事清单导入模板_{year}.xlsx")
