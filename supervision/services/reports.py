"""Progress-report operations. The only code that writes a sub-item's current figures is
``accept_report``: the latest accepted report is the sub-item's official state."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from projects.models import SubItem

from ..models import ProgressReport


@transaction.atomic
def accept_report(report: ProgressReport, reviewer, *, on: date | None = None) -> ProgressReport:
    """Accept a submitted report: it becomes the official record and the sub-item's current
    progress, actual quantity, status and funding follow it."""
    accepted_at = timezone.now()
    report.state = ProgressReport.State.ACCEPTED
    report.reviewed_by = reviewer
    report.reviewed_at = accepted_at
    report.accepted_on = on or timezone.localdate()
    report.return_reason = ""
    report.version += 1
    report.save()
    apply_latest_accepted_report(report.sub_item_id)
    return report


def latest_accepted_report(sub_item_id: int) -> ProgressReport | None:
    return (
        ProgressReport.objects.filter(sub_item_id=sub_item_id, state=ProgressReport.State.ACCEPTED)
        .order_by("-accepted_on", "-reviewed_at", "-id")
        .first()
    )


@transaction.atomic
def apply_latest_accepted_report(sub_item_id: int) -> None:
    """Bring a sub-item's current figures in line with its latest accepted report."""
    sub_item = SubItem.objects.select_for_update().get(pk=sub_item_id)
    report = latest_accepted_report(sub_item_id)
    if report is None:
        return
    sub_item.progress_percent = 100 if report.marks_complete else report.progress_percent
    sub_item.actual_value = report.actual_value
    sub_item.last_accepted_on = report.accepted_on
    if report.marks_complete:
        sub_item.status = SubItem.Status.COMPLETED
        sub_item.completed_on = sub_item.completed_on or report.accepted_on
    else:
        sub_item.status = (
            SubItem.Status.IN_PROGRESS if report.progress_percent > 0 else SubItem.Status.NOT_STARTED
        )
        sub_item.completed_on = None
    sub_item.save(
        update_fields=["progress_percent", "actual_value", "last_accepted_on", "status", "completed_on"]
    )
    _apply_funding(sub_item, report)


def _apply_funding(sub_item: SubItem, report: ProgressReport) -> None:
    """Reported cumulative allocated/paid figures update the sub-item's funding line when it
    has exactly one; with several sources the office splits them in the admin."""
    if report.funds_allocated is None and report.funds_paid is None:
        return
    lines = list(sub_item.funding_lines.all()[:2])
    if len(lines) != 1:
        return
    line = lines[0]
    if report.funds_allocated is not None:
        line.allocated = report.funds_allocated
    if report.funds_paid is not None:
        line.paid = report.funds_paid
    line.save(update_fields=["allocated", "paid"])
