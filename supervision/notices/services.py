"""Issuing progress notices (进展公示), residents' objections to them and the office's answers.

An issued notice is a document: it keeps the figures ``notices.notice_figures`` gave as of its
day, so that what residents read does not move when later reports are accepted (the
consistency tests hold it to the live function as of that day). Only the office issues and
answers; anyone may object while the window is open.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import today
from projects import permissions
from projects.models import Plan
from supervision.notices.models import NoticeObjection, ProgressNotice
from supervision.notices.rules import (
    DEFAULT_OBJECTION_DAYS,
    notice_figures,
    objection_closes,
    objection_window_open,
)

NOTICE_STATUSES = (Plan.Status.PUBLISHED, Plan.Status.CLOSED)
MAX_OBJECTION_DAYS = 60


def default_title(plan: Plan, as_of: date) -> str:
    return f"{plan.title}进展情况公示（截至{as_of.year}年{as_of.month}月{as_of.day}日）"


@transaction.atomic
def issue_notice(
    plan: Plan,
    actor,
    *,
    as_of: date,
    title: str = "",
    objection_days: int = DEFAULT_OBJECTION_DAYS,
    issued_on: date | None = None,
) -> ProgressNotice:
    """Issue a notice on a published (or closed) list with its figures as of ``as_of``; the
    objection window opens on the day of issue."""
    if not permissions.can_manage_notices(actor):
        raise PermissionDenied
    permissions.require_manage_plan(actor, plan)
    issued_on = issued_on or today()
    errors = {}
    if plan.status not in NOTICE_STATUSES:
        errors["plan"] = _("清单尚未公布，不能发布进展公示。")
    if as_of > issued_on:
        errors["as_of"] = _("数据截至日期不能晚于公示日期。")
    if not 1 <= objection_days <= MAX_OBJECTION_DAYS:
        errors["objection_days"] = _("公示期须为1至%(n)s天。") % {"n": MAX_OBJECTION_DAYS}
    if errors:
        raise ValidationError(errors)
    return ProgressNotice.objects.create(
        plan=plan,
        title=(title or "").strip() or default_title(plan, as_of),
        as_of=as_of,
        issued_on=issued_on,
        objection_days=objection_days,
        figures=notice_figures(plan, as_of),
        issued_by=actor,
    )


def window_open(notice: ProgressNotice, on: date | None = None) -> bool:
    return objection_window_open(notice.issued_on, notice.objection_days, on or today())


def closes_on(notice: ProgressNotice) -> date:
    return objection_closes(notice.issued_on, notice.objection_days)


def send_objection(notice: ProgressNotice, text: str, contact: str = "") -> NoticeObjection:
    """A resident's opinion or objection; refused with a Chinese message when it says nothing
    or the window has closed."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写意见或异议的内容。")})
    if not window_open(notice):
        closed = closes_on(notice)
        raise ValidationError(
            _("本公示的意见反馈期已于%(day)s结束，不再受理意见。")
            % {"day": f"{closed.year}年{closed.month}月{closed.day}日"}
        )
    return NoticeObjection.objects.create(notice=notice, text=text, contact=(contact or "").strip()[:100])


@transaction.atomic
def answer_objection(objection: NoticeObjection, actor, answer: str) -> NoticeObjection:
    """The office's public answer to an objection (a later answer replaces the earlier one)."""
    if not permissions.can_manage_notices(actor):
        raise PermissionDenied
    permissions.require_manage_plan(actor, objection.notice.plan)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("请填写答复内容。")})
    objection.answer, objection.answered_by, objection.answered_at = answer, actor, timezone.now()
    objection.save(update_fields=["answer", "answered_by", "answered_at"])
    return objection
