"""One-click reminders (催报 / 催办): the office ticks units on the lagging list, the dashboard
or the rectification board, previews the message, edits it and sends it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from projects import permissions
from supervision.followup.forms.orders import ReminderForm
from supervision.followup.services import reminders as service

KIND_LABELS = {"report": "催报", "action": "催办"}


def _back(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return "/"


def _names(targets) -> str:
    return "、".join(str(t.unit) for t in targets)


@login_required
def remind(request: HttpRequest) -> HttpResponse:
    """GET: the preview of the chosen units (?kind=report|action&target=PLAN:UNIT …) and the
    message; POST: send it to those still ticked. A unit is reminded at most once a day per
    plan and kind; the page says who was left out and why."""
    if not permissions.can_send_reminders(request.user):
        raise PermissionDenied
    params = request.POST if request.method == "POST" else request.GET
    name = params.get("kind", "")
    if name not in service.KIND_BY_NAME:
        messages.error(request, "请选择催报或催办。")
        return redirect(_back(request))
    kind = service.KIND_BY_NAME[name]
    pairs = service.parse_targets(params.getlist("target"))
    if not pairs:
        messages.error(request, f"请先勾选要{KIND_LABELS[name]}的单位。")
        return redirect(_back(request))
    targets = service.preview(request.user, kind, pairs)
    form = ReminderForm(
        request.POST if request.method == "POST" else None,
        initial={
            "message": service.default_message(kind, list({t.plan.pk: t.plan for t in targets}.values()))
        },
    )
    if request.method == "POST" and form.is_valid():
        result = service.send(request.user, kind, pairs, form.cleaned_data["message"])
        label = KIND_LABELS[name]
        if result.sent:
            messages.success(request, f"已向{_names(result.sent)}{label}。")
        if result.already:
            messages.warning(request, f"{_names(result.already)}今天已{label}过，未重复发送。")
        if result.skipped:
            messages.warning(request, f"{_names(result.skipped)}无需{label}或没有联络员，未发送。")
        return redirect(_back(request))
    return render(
        request,
        "supervision/reminders/preview.html",
        {
            "form": form,
            "targets": targets,
            "kind": name,
            "label": KIND_LABELS[name],
            "next": _back(request),
        },
        status=400 if form.is_bound else 200,
    )
