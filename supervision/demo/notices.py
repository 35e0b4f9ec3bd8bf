"""The demo's progress notices (公示): the 2023 list's mid-year notice with a resident's
objection and the office's answer, and this year's list's notice of its last month-end, so
that the public pages show both a closed and an open objection window. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from projects.models import Plan, User
from supervision.figures.snapshots import month_ends
from supervision.notices import services as service
from supervision.notices.models import NoticeObjection, ProgressNotice

PLAN_2023_NOTICE_AS_OF = dt.date(2023, 6, 30)
PLAN_2023_NOTICE_ISSUED_ON = dt.date(2023, 7, 3)


def _issue_once(plan: Plan, office: User, as_of: dt.date, issued_on: dt.date) -> ProgressNotice:
    found = ProgressNotice.objects.filter(plan=plan, as_of=as_of, issued_on=issued_on).first()
    return found or service.issue_notice(plan, office, as_of=as_of, issued_on=issued_on)


def seed_notices(plan_2023: Plan, plan_now: Plan, office: User, today: dt.date) -> None:
    notice = _issue_once(plan_2023, office, PLAN_2023_NOTICE_AS_OF, PLAN_2023_NOTICE_ISSUED_ON)
    slow = notice.figures["slow"]
    if slow and not notice.objections.exists():
        row = slow[0]
        sent = timezone.make_aware(dt.datetime.combine(PLAN_2023_NOTICE_ISSUED_ON, dt.time(20, 15)))
        NoticeObjection.objects.create(
            notice=notice,
            text=f"公示中“{row['code']} {row['item']}”推进缓慢，我们这里至今没看到施工，请核实进度。",
            contact="138****0000",
            sent_at=sent,
            answer=f"经核实，该项目因资金未及时到位进度滞后，已督促{row['unit']}8月底前全面施工，进展将在下期公示中更新。",
            answered_by=office,
            answered_at=sent + dt.timedelta(days=2),
        )
    # The notice of the list's last month-end before the demo's day, once it has reports.
    passed = [day for day in month_ends(plan_now.year, today) if plan_now.published_on < day < today]
    if passed:
        _issue_once(plan_now, office, passed[-1], passed[-1] + dt.timedelta(days=1))
