"""Progress reporting pages: a liaison's tasks and report form, the office's review queue,
the report page both work on, photos, and everyone's notifications."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import dates
from projects import permissions
from projects.models import Plan, SubItem, SubItemShare
from supervision.ledger import rules as ledger
from supervision.ledger.forms import AcceptReportForm, ProgressReportForm, ReturnReportForm
from supervision.ledger.models import ProgressReport, ReportPhoto
from supervision.ledger.periods import Period, period_containing, plan_open_period
from supervision.ledger.services import (
    OPEN_STATES,
    InvalidReport,
    ReportNotSaved,
    accept_and_notify,
    create_report,
    funding_sources,
    latest_accepted_report,
    open_report,
    return_report,
    save_report,
    share_ledger,
)
from supervision.messaging import notifications as notification_service
from supervision.messaging.models import Notification
from supervision.photos.forms import drafts_to_show, posted_drafts
from supervision.photos.uploads import photo_marks
from supervision.reading.progress import SubItemState, plan_progress

State = ProgressReport.State
NOT_REPORTED = "not_reported"
NOT_REPORTED_LABEL = "未填报"
# The order a liaison works through their list: what the office sent back, then what is missing.
STATE_URGENCY = {State.RETURNED: 0, NOT_REPORTED: 1, State.DRAFT: 2, State.SUBMITTED: 3, State.ACCEPTED: 4}


@dataclass
class Task:
    """One row of 我的任务: a sub-item, its figures, and where this period's report stands."""

    plan: Plan
    state: SubItemState
    period: Period
    report_state: str
    report_state_label: str
    open_report: ProgressReport | None

    @property
    def sub_item(self) -> SubItem:
        return self.state.sub_item

    @property
    def share(self) -> SubItemShare | None:
        """The share the unit reports on, for a split sub-item (read through its region)."""
        return self.state.shares[0].share if self.state.is_split else None

    @property
    def sort_key(self) -> tuple:
        return (
            not self.state.overdue_report,
            self.state.is_complete and self.open_report is None,
            STATE_URGENCY[self.report_state],
            self.period.due,
            self.plan.pk,
            self.sub_item.item.number,
            self.sub_item.number,
        )


def _task(plan: Plan, state: SubItemState, period: Period, report: ProgressReport | None) -> Task:
    if report is not None:
        return Task(plan, state, period, report.state, report.get_state_display(), report)
    last = state.last_report
    if last is not None and last.period_start >= period.start:
        return Task(plan, state, period, State.ACCEPTED, State.ACCEPTED.label, None)
    return Task(plan, state, period, NOT_REPORTED, NOT_REPORTED_LABEL, None)


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    """A liaison's landing page: their unit's sub-items in published plans being reported on
    this year, overdue first."""
    user = request.user
    if not permissions.is_liaison(user):
        raise PermissionDenied
    # The unit's own sub-items, unless split (their shares are reported on); and the shares of
    # other lists' sub-items it answers for, each read through the unit's region.
    unit_scope = Q(responsible_unit_id=user.unit_id) & ~Q(pk__in=SubItemShare.objects.values("sub_item_id"))
    shared = SubItemShare.objects.filter(responsible_unit_id=user.unit_id)
    share_scope = Q(pk__in=shared.values("sub_item_id"))
    region = permissions.user_region(user)
    plans = Plan.objects.filter(
        Q(pk__in=SubItem.objects.filter(unit_scope).values("item__plan_id"))
        | Q(pk__in=shared.values("sub_item__item__plan_id")),
        status=Plan.Status.PUBLISHED,
    ).order_by("-year", "title")
    today = dates.today()
    # An annual list is reported on through its year (December is still due in early January);
    # earlier lists left published stay reachable from their sub-item pages for corrections.
    periods = {plan.pk: plan_open_period(plan, today) for plan in plans}
    current_plans = [plan for plan in plans if periods[plan.pk].start.year <= plan.year]
    progress_by_plan = [(plan, plan_progress(plan, sub_item_filter=unit_scope)) for plan in current_plans]
    if region is not None:
        with_shares = set(shared.values_list("sub_item__item__plan_id", flat=True))
        progress_by_plan += [
            (plan, plan_progress(plan, sub_item_filter=share_scope, region=region))
            for plan in current_plans
            if plan.pk in with_shares
        ]
    sub_item_ids = [s.sub_item.pk for _, progress in progress_by_plan for s in progress.sub_states]
    open_reports = {
        (report.sub_item_id, report.share_id): report
        for report in ProgressReport.objects.filter(
            sub_item_id__in=sub_item_ids, state__in=OPEN_STATES
        ).order_by("created_at", "id")
    }
    tasks = []
    for plan, progress in progress_by_plan:
        period = periods[plan.pk]
        for s in progress.sub_states:
            share_id = s.shares[0].share.pk if s.is_split else None
            tasks.append(_task(plan, s, period, open_reports.get((s.sub_item.pk, share_id))))
    tasks.sort(key=lambda task: task.sort_key)
    return render(
        request,
        "supervision/reports/my_tasks.html",
        {"tasks": tasks, "overdue_count": sum(1 for t in tasks if t.state.overdue_report)},
    )


def _reportable_sub_item(user, sub_item_id: int, share: SubItemShare | None = None) -> SubItem:
    """The sub-item a report is written for: 404 unless the user may see it in a published
    plan, 403 unless the user is a liaison of its responsible unit."""
    sub_item = get_object_or_404(
        permissions.visible_sub_items(user)
        .filter(item__plan__status=Plan.Status.PUBLISHED)
        .select_related("item__plan", "responsible_unit"),
        pk=sub_item_id,
    )
    if not permissions.can_write_report(user, sub_item, share):
        raise PermissionDenied(permissions.share_refusal(user, sub_item, share) or "")
    return sub_item


def _share_asked(request: HttpRequest, sub_item_id: int) -> SubItemShare | None:
    """The share (分解任务) a report is written on, named by ``?share=`` (or the form's field)."""
    share_id = request.POST.get("share") or request.GET.get("share")
    if not share_id:
        return None
    return get_object_or_404(
        SubItemShare.objects.select_related("region", "responsible_unit"),
        pk=share_id,
        sub_item_id=sub_item_id,
    )


def _initial_figures(last: ProgressReport | None) -> dict:
    """A new report starts from the last accepted cumulative figures: most months only add."""
    if last is None:
        return {}
    return {
        "progress_percent": last.progress_percent,
        "actual_value": last.actual_value,
        "funds_allocated": last.funds_allocated,
        "funds_paid": last.funds_paid,
    }


def _report_form(sub_item: SubItem, *args, instance: ProgressReport | None = None, initial=None, share=None):
    """The report form for a sub-item, checked against its last accepted report, asking for
    each funding source's money when it has several (pre-filled from the report being edited,
    or for a new one from the last accepted report)."""
    sources = funding_sources(sub_item)
    last = latest_accepted_report(sub_item.pk, share=share)
    initial = dict(initial or {})
    basis = instance if instance is not None and instance.pk else last
    if len(sources) > 1 and basis is not None:
        for row in basis.funding.all():
            initial[ledger.funding_field("allocated", row.source)] = row.allocated
            initial[ledger.funding_field("paid", row.source)] = row.paid
    return ProgressReportForm(
        *args,
        instance=instance,
        sub_item=sub_item,
        last_accepted=last,
        sources=sources,
        initial=initial,
        share=share,
    )


def _show_errors(form: ProgressReportForm, exc: InvalidReport) -> None:
    """The last accepted report changed between the form's check and the save (another
    report was accepted meanwhile): show the save's own verdict under the fields."""
    for name, errors in exc.check.errors.items():
        form.add_error(name if name in form.fields else None, errors)


def _after_save(request: HttpRequest, form: ProgressReportForm, report: ProgressReport) -> HttpResponse:
    for warning in form.warnings:
        messages.warning(request, warning)
    if report.state == State.SUBMITTED:
        messages.success(request, _("已提交督查室审核。"))
    else:
        messages.success(request, _("草稿已保存，尚未提交审核。"))
    return redirect("report_detail", report.pk)


@login_required
def subitem_report(request: HttpRequest, sub_item_id: int) -> HttpResponse:
    """Report on a sub-item: continue its report in progress, or start this period's."""
    share = _share_asked(request, sub_item_id)
    sub_item = _reportable_sub_item(request.user, sub_item_id, share)
    if request.method != "POST":
        existing = open_report(sub_item.pk, share)
        if existing is not None:
            return redirect("report_detail", existing.pk)
    plan = sub_item.item.plan
    period = plan_open_period(plan, dates.today())
    last = latest_accepted_report(sub_item.pk, share=share)
    status = 200
    drafts = []
    if request.method == "POST":
        drafts = posted_drafts(request)
        draft_ids = [draft.pk for draft in drafts]
        form = _report_form(
            sub_item,
            request.POST,
            request.FILES,
            instance=ProgressReport(
                sub_item=sub_item, share=share, created_by=request.user, period_start=period.start
            ),
            share=share,
        )
        if form.is_valid():
            try:
                report = create_report(
                    sub_item,
                    request.user,
                    form.report_data(),
                    [*drafts, *form.cleaned_data["photos"]],
                    period_start=period.start,
                    submit=request.POST.get("action") == "submit",
                    share=share,
                )
            except ReportNotSaved as exc:
                form.add_error(None, exc.message)
                status = 409
            except InvalidReport as exc:
                _show_errors(form, exc)
                status = 400
            else:
                return _after_save(request, form, report)
        else:
            status = 400
        drafts = drafts_to_show(request, draft_ids)
    else:
        form = _report_form(sub_item, initial=_initial_figures(last), share=share)
    return render(
        request,
        "supervision/reports/report.html",
        {
            "report": None,
            "sub_item": sub_item,
            "plan": plan,
            "period": period,
            "last_accepted": last,
            "form": form,
            "drafts": drafts,
            "report_period": period,
            "existing": open_report(sub_item.pk, share) if status == 409 else None,
            "share": share,
        },
        status=status,
    )


def _visible_report(user, report_id: int) -> ProgressReport:
    return get_object_or_404(
        ProgressReport.objects.readable_by(user).select_related(
            "sub_item__item__plan",
            "sub_item__responsible_unit",
            "share__region",
            "share__responsible_unit",
            "created_by",
            "reviewed_by",
        ),
        pk=report_id,
    )


def _render_report(
    request: HttpRequest,
    report: ProgressReport,
    *,
    form: ProgressReportForm | None = None,
    return_form: ReturnReportForm | None = None,
    drafts: list | None = None,
    status: int = 200,
) -> HttpResponse:
    sub_item = report.sub_item
    plan = sub_item.item.plan
    can_edit = report.is_editable and permissions.can_write_report(request.user, sub_item, report.share)
    last = latest_accepted_report(sub_item.pk, share=report.share) if report.state != State.ACCEPTED else None
    if form is None and can_edit:
        form = _report_form(sub_item, instance=report, share=report.share)
        form.initial["version"] = report.version
    can_review = report.state == State.SUBMITTED and permissions.can_review_report(request.user, report)
    if can_review and return_form is None:
        return_form = ReturnReportForm(initial={"version": report.version})
    return render(
        request,
        "supervision/reports/report.html",
        {
            "report": report,
            "sub_item": sub_item,
            "plan": plan,
            "period": plan_open_period(plan, dates.today()),
            "last_accepted": last,
            "form": form,
            "photos": report.photos.all(),
            "drafts": drafts or [],
            "report_period": period_containing(report.period_start, plan.report_cadence, plan.report_due_day),
            "can_review": can_review,
            "return_form": return_form,
            "share": report.share,
        },
        status=status,
    )


@login_required
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    """A report: its author's unit edits it while it is a draft or returned; the office reviews
    it once submitted; everyone else who may see it reads it."""
    report = _visible_report(request.user, report_id)
    if request.method != "POST":
        return _render_report(request, report)
    sub_item = report.sub_item
    if not permissions.can_write_report(request.user, sub_item, report.share):
        raise PermissionDenied
    drafts = posted_drafts(request)
    draft_ids = [draft.pk for draft in drafts]
    form = _report_form(sub_item, request.POST, request.FILES, instance=report, share=report.share)
    if not form.is_valid():
        return _render_report(
            request, report, form=form, drafts=drafts_to_show(request, draft_ids), status=400
        )
    version = form.cleaned_data.get("version")
    try:
        saved = save_report(
            report,
            form.report_data(),
            [*drafts, *form.cleaned_data["photos"]],
            version=-1 if version is None else version,
            period_start=plan_open_period(sub_item.item.plan, dates.today()).start,
            submit=request.POST.get("action") == "submit",
        )
    except InvalidReport as exc:
        _show_errors(form, exc)
        return _render_report(
            request, report, form=form, drafts=drafts_to_show(request, draft_ids), status=400
        )
    except ReportNotSaved as exc:
        form.add_error(None, exc.message)
        # The header shows the report as it is now; the form keeps what the user typed, still
        # at the version they started from, so saving again cannot overwrite the other change.
        current = _visible_report(request.user, report_id)
        return _render_report(
            request, current, form=form, drafts=drafts_to_show(request, draft_ids), status=409
        )
    return _after_save(request, form, saved)


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Submitted reports across units that the office may review (its region's), oldest first,
    with the figures they would replace."""
    if not permissions.can_review_reports(request.user):
        raise PermissionDenied
    # Each report beside the last accepted one on the same sub-item and share ("原 75%").
    previous = share_ledger(OuterRef("sub_item"), OuterRef("share"))
    reports = (
        ProgressReport.objects.filter(
            permissions.reviewable_reports_filter(request.user), state=State.SUBMITTED
        )
        .select_related(
            "sub_item__item__plan",
            "sub_item__responsible_unit",
            "share__region",
            "share__responsible_unit",
            "created_by",
        )
        .annotate(
            photo_count=Count("photos"),
            previous_progress=Subquery(previous.values("progress_percent")[:1]),
            previous_actual=Subquery(previous.values("actual_value")[:1]),
        )
        .prefetch_related(
            Prefetch("photos", queryset=ReportPhoto.objects.only("report_id", "has_exif", "taken_at"))
        )
        .order_by("submitted_at", "id")
    )
    reports = list(reports)
    for report in reports:
        # Photos the reviewer should check (``photos.photo_marks`` against the report's period).
        plan = report.sub_item.item.plan
        period = period_containing(report.period_start, plan.report_cadence, plan.report_due_day)
        report.marked_photos = sum(1 for photo in report.photos.all() if photo_marks(photo, period))
    return render(request, "supervision/reports/review_queue.html", {"reports": reports})


@login_required
@require_POST
def report_accept(request: HttpRequest, report_id: int) -> HttpResponse:
    if not permissions.can_review_reports(request.user):
        raise PermissionDenied
    report = _visible_report(request.user, report_id)
    form = AcceptReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("页面已过期，请刷新后重试。"))
        return redirect("report_detail", report.pk)
    report.version = form.cleaned_data["version"]
    try:
        accept_and_notify(report, request.user)
    except ReportNotSaved as exc:
        messages.error(request, exc.message)
        return redirect("report_detail", report.pk)
    messages.success(
        request,
        _("已通过：%(sub)s %(period)s填报。")
        % {"sub": report.sub_item, "period": report.period_start.strftime("%Y-%m")},
    )
    return redirect("review_queue")


@login_required
@require_POST
def report_return(request: HttpRequest, report_id: int) -> HttpResponse:
    if not permissions.can_review_reports(request.user):
        raise PermissionDenied
    report = _visible_report(request.user, report_id)
    form = ReturnReportForm(request.POST)
    if not form.is_valid():
        return _render_report(request, report, return_form=form, status=400)
    report.version = form.cleaned_data["version"]
    try:
        return_report(report, request.user, form.cleaned_data["reason"])
    except ReportNotSaved as exc:
        messages.error(request, exc.message)
        return redirect("report_detail", report.pk)
    messages.success(request, _("已退回：%(sub)s，联络员将收到通知。") % {"sub": report.sub_item})
    return redirect("review_queue")


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's latest notifications, unread ones marked; reading the list changes nothing
    (GET never writes): the "全部标为已读" button posts to ``notifications_read``."""
    items = list(Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")[:100])
    return render(
        request,
        "supervision/reports/notifications.html",
        {"notifications": items, "has_unread": any(n.read_at is None for n in items)},
    )


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    notification_service.mark_all_read(request.user)
    return redirect("notifications")
