"""Progress-report operations: a liaison saves a draft and submits it; the office accepts it or
returns it with a reason; the liaison corrects a returned report and submits it again.

Accepting a report is the only change to the ledger; the caches that follow from it (the
sub-item's current figures, the pace rows) are refreshed in the same transaction through
``services.caches``. What a report may say is ``ledger.check_report``; callers (the form, the
API) run it and translate its messages, and ``validated`` runs it again here so that nothing
invalid is saved whichever way it came in.

Every change to an existing report is a conditional UPDATE on its ``version`` (optimistic
locking): when two people edit the same report, or the office acts on it meanwhile, the
second write changes no row and is refused with ``ReportNotSaved`` instead of silently
overwriting the first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, IntegerField, OuterRef, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from core import dates
from projects import permissions
from projects.completion import format_number
from projects.models import SubItem, SubItemShare
from supervision.figures import caches
from supervision.ledger import rules as ledger
from supervision.ledger.models import ProgressReport, ProgressReportQuerySet, ReportFunding, ReportPhoto
from supervision.messaging.models import Notification
from supervision.messaging.notifications import notify
from supervision.photos.uploads import store_photo

State = ProgressReport.State
OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.RETURNED)
EDITABLE_STATES = (State.DRAFT, State.RETURNED)

# The figures and texts a liaison fills in; everything else on a report is workflow.
REPORT_FIELDS = (
    "progress_percent",
    "actual_value",
    "funds_allocated",
    "funds_paid",
    "work_done",
    "problems",
    "next_steps",
    "regression_explanation",
    "marks_complete",
)


class InvalidReport(Exception):
    """The report's figures break a rule (``ledger.check_report``); nothing was saved."""

    def __init__(self, check: ledger.ReportCheck):
        super().__init__("; ".join(m for messages in check.errors.values() for m in messages))
        self.check = check


def funding_sources(sub_item: SubItem) -> list[str]:
    """The funding sources the registry plans for a sub-item, in a stable order."""
    return sorted(sub_item.funding_lines.values_list("source", flat=True))


def validated(sub_item: SubItem, data: dict, share: SubItemShare | None = None) -> ledger.ReportCheck:
    """Check a report's figures against the sub-item's (or the share's) last accepted report;
    raise InvalidReport when they break a rule. Returns the check (figures as stored, warnings)."""
    check = ledger.check_report(
        sub_item,
        latest_accepted_report(sub_item.pk, share=share),
        data,
        funding_sources(sub_item),
        share=share,
    )
    if not check.is_valid:
        raise InvalidReport(check)
    return check


def stored_fields(figures: dict) -> dict:
    """The report columns from checked figures; a text left out is empty, not null."""
    fields = {name: figures.get(name) for name in REPORT_FIELDS}
    for name in ("work_done", "problems", "next_steps", "regression_explanation"):
        fields[name] = fields[name] or ""
    fields["marks_complete"] = bool(fields["marks_complete"])
    return fields


def _save_funding(report: ProgressReport, funding: dict) -> None:
    """Replace a draft's per-source money with what was just entered."""
    report.funding.all().delete()
    ReportFunding.objects.bulk_create(
        [
            ReportFunding(report=report, source=source, allocated=allocated, paid=paid)
            for source, (allocated, paid) in sorted(funding.items())
        ]
    )


class ReportNotSaved(Exception):
    """Nothing was saved, and ``message`` says why in Chinese: somebody else changed the report
    first, or its author may not report on this sub-item or share (``permissions.share_refusal``)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _conflict_for(report_id: int) -> ReportNotSaved:
    current = ProgressReport.objects.filter(pk=report_id).values_list("state", flat=True).first()
    if current == State.ACCEPTED:
        return ReportNotSaved("该填报已审核通过，成为正式记录，不能再修改。如需更正，请另行填报。")
    if current == State.SUBMITTED:
        return ReportNotSaved("该填报已由他人提交审核，您的修改未保存。请刷新页面查看最新内容。")
    if current == State.RETURNED:
        return ReportNotSaved("该填报刚被督查室退回，您的操作未生效。请刷新页面查看退回理由。")
    return ReportNotSaved(
        "该填报已被他人修改（可能是本单位的其他联络员），您的修改未保存。请刷新页面查看最新内容后再修改。"
    )


def open_report(sub_item_id: int, share: SubItemShare | None = None) -> ProgressReport | None:
    """The sub-item's (or the share's) report still in the workflow (draft, submitted or
    returned), if any."""
    return (
        ProgressReport.objects.filter(sub_item_id=sub_item_id, share=share, state__in=OPEN_STATES)
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic
def create_report(
    sub_item: SubItem,
    author,
    data: dict,
    photos: Iterable[UploadedFile] = (),
    *,
    period_start: date,
    submit: bool,
    share: SubItemShare | None = None,
) -> ProgressReport:
    """Start a sub-item's report for a period, as a draft or straight to review; a split
    sub-item's on one of its shares, by the share's responsible unit (else ReportNotSaved).

    A sub-item has at most one report in the workflow at a time: when a colleague has started
    one meanwhile, this one is refused so that the two never diverge unnoticed.
    """
    # Serialises concurrent creators on PostgreSQL; SQLite serialises writers anyway.
    refusal = permissions.share_refusal(author, sub_item, share)
    if refusal is not None:
        raise ReportNotSaved(refusal)
    SubItem.objects.select_for_update().filter(pk=sub_item.pk).first()
    if ProgressReport.objects.filter(sub_item=sub_item, share=share, state__in=OPEN_STATES).exists():
        raise ReportNotSaved(
            "本子项已有一份未完成的填报（可能是本单位其他联络员刚刚创建的），您的内容未保存。"
            "请打开该填报继续填写。"
        )
    figures = validated(sub_item, data, share).figures
    now = timezone.now()
    report = ProgressReport.objects.create(
        sub_item=sub_item,
        share=share,
        period_start=period_start,
        created_by=author,
        state=State.SUBMITTED if submit else State.DRAFT,
        submitted_at=now if submit else None,
        **stored_fields(figures),
    )
    _save_funding(report, figures.get("funding") or {})
    add_photos(report, photos)
    return report


@transaction.atomic
def save_report(
    report: ProgressReport,
    data: dict,
    photos: Iterable[UploadedFile] = (),
    *,
    version: int,
    period_start: date,
    submit: bool,
) -> ProgressReport:
    """Save a draft or returned report the user edited from ``version``; with ``submit`` it
    goes to the office for review. Raises ReportNotSaved when the report changed meanwhile
    (another save, a submission, a review)."""
    figures = validated(report.sub_item, data, report.share).figures
    now = timezone.now()
    changes = stored_fields(figures)
    changes.update(version=F("version") + 1, updated_at=now)
    if report.state == State.DRAFT:
        # A draft carries figures as of now, so it belongs to the period open now; a returned
        # report stays the report of the period it was returned for.
        changes["period_start"] = period_start
    if submit:
        changes.update(state=State.SUBMITTED, submitted_at=now)
    updated = ProgressReport.objects.filter(pk=report.pk, version=version, state__in=EDITABLE_STATES).update(
        **changes
    )
    if not updated:
        raise _conflict_for(report.pk)
    _save_funding(report, figures.get("funding") or {})
    add_photos(report, photos)
    report.refresh_from_db()
    return report


def add_photos(report: ProgressReport, photos: Iterable[UploadedFile]) -> list[ReportPhoto]:
    """Attach uploads (or the user's photo drafts) as photos of the report (checked, renamed,
    reduced and read for EXIF by store_photo)."""
    saved = []
    for upload in photos:
        # An upload is captioned with its file name; a draft brings the caption typed for it.
        photo = ReportPhoto(report=report, caption=(getattr(upload, "name", "") or "")[:200])
        store_photo(photo, upload)
        saved.append(photo)
    return saved


@transaction.atomic
def accept_report(report: ProgressReport, reviewer, *, on: date | None = None) -> ProgressReport:
    """Accept a submitted report (only a submitted one: a draft or a returned report has not
    been sent for review): it goes on the ledger, and the sub-item's cached figures and
    pace rows follow it in the same transaction.

    Refused (ReportNotSaved) when the report changed since ``report`` was read, e.g. another
    reviewer returned it meanwhile. A return reason it once had is kept as part of its history.
    """
    # Two acceptances on one sub-item queue here, so each refreshes the caches from a ledger
    # that includes the other.
    SubItem.objects.select_for_update().filter(pk=report.sub_item_id).first()
    accepted_at = timezone.now()
    updated = ProgressReport.objects.filter(
        pk=report.pk, version=report.version, state=State.SUBMITTED
    ).update(
        state=State.ACCEPTED,
        reviewed_by=reviewer,
        reviewed_at=accepted_at,
        accepted_on=on or dates.today(),
        version=F("version") + 1,
        updated_at=accepted_at,
    )
    if not updated:
        current = ProgressReport.objects.filter(pk=report.pk).values_list("state", flat=True).first()
        if current == State.DRAFT:
            raise ReportNotSaved("该填报尚未提交审核，不能审核通过。")
        raise _conflict_for(report.pk)
    report.refresh_from_db()
    caches.after_ledger_change(report.sub_item)
    return report


@transaction.atomic
def accept_and_notify(report: ProgressReport, reviewer) -> ProgressReport:
    """The office accepts a report from the review queue (one within its region:
    ``permissions.can_review_report``); its author is told."""
    permissions.require_review_report(reviewer, report)
    if report.state != State.SUBMITTED:
        raise _conflict_for(report.pk)
    report = accept_report(report, reviewer)
    sub_item = report.sub_item
    notify(
        report.created_by,
        Notification.Kind.REPORT_ACCEPTED,
        f"填报已通过：{sub_item.code} {sub_item.short_content}",
        f"您提交的{report.period_start:%Y年%m月}进度填报（累计进度{format_number(report.progress_percent)}%）已由督查室审核通过。",
        reverse("subitem_detail", args=[sub_item.pk]),
    )
    return report


@transaction.atomic
def return_report(report: ProgressReport, reviewer, reason: str) -> ProgressReport:
    """The office sends a submitted report back with a reason; the liaison corrects and
    resubmits the same report. Only within the office's region (``can_review_report``)."""
    permissions.require_review_report(reviewer, report)
    reason = reason.strip()
    if not reason:
        raise ValueError("退回理由不能为空")
    now = timezone.now()
    updated = ProgressReport.objects.filter(
        pk=report.pk, version=report.version, state=State.SUBMITTED
    ).update(
        state=State.RETURNED,
        return_reason=reason,
        reviewed_by=reviewer,
        reviewed_at=now,
        version=F("version") + 1,
        updated_at=now,
    )
    if not updated:
        raise _conflict_for(report.pk)
    report.refresh_from_db()
    sub_item = report.sub_item
    notify(
        report.created_by,
        Notification.Kind.REPORT_RETURNED,
        f"填报被退回：{sub_item.code} {sub_item.short_content}",
        f"退回理由：{reason}\n请修改后重新提交。",
        reverse("report_detail", args=[report.pk]),
    )
    return report


def share_ledger(sub_item, share) -> ProgressReportQuerySet:
    """The accepted reports on one sub-item's share, newest first (``share`` None: on the
    sub-item itself, as an unsplit sub-item is reported on): what the next report on it is
    checked against and reviewed beside ("原 75%"). A share's report is compared with that
    share's reports only, never with another region's.

    The one place the previous accepted report is looked up: by id or object for one report
    (``latest_accepted_report``), or with ``OuterRef`` for each report of a list in the same
    query (the review queue)."""
    reports = ProgressReport.objects.filter(sub_item=sub_item).accepted()
    if isinstance(share, OuterRef):
        # In SQL NULL never equals NULL: compare "no share" as 0 on both sides.
        no_share = Value(0)
        reports = reports.alias(share_key=Coalesce("share_id", no_share, output_field=IntegerField())).filter(
            share_key=Coalesce(share, no_share, output_field=IntegerField())
        )
    else:
        reports = reports.filter(share=share)
    return reports.latest_first()


def latest_accepted_report(
    sub_item_id: int, on: date | None = None, *, share: SubItemShare | None = None
) -> ProgressReport | None:
    """The sub-item's latest report on the ledger (by the end of ``on``, when given); with
    ``share``, the share's (a split sub-item's own reports are its shares'): ``share_ledger``."""
    reports = share_ledger(sub_item_id, share)
    if on is not None:
        reports = reports.filter(accepted_on__lte=on)
    return reports.first()
