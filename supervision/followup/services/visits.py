"""Inspection visits (视察 / 督查 / 暗访): recorded by the office or by deputies; a deputy may
change only the visits they recorded, and only until the office locks them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from projects import permissions
from projects.models import Item, Plan, SubItem, User
from supervision.followup.models import InspectionVisit, VisitedItem, VisitPhoto
from supervision.photos.uploads import store_photo


@dataclass(frozen=True)
class VisitedRow:
    """One item (optionally one sub-item) seen on the visit, with its rating and comment."""

    item: Item
    sub_item: SubItem | None = None
    satisfaction: str = ""
    comment: str = ""


@dataclass(frozen=True)
class VisitDetails:
    plan: Plan
    date: date
    kind: str
    title: str
    organiser: str = ""
    other_participants: str = ""
    findings: str = ""
    opinions: str = ""


def _check_rows(plan: Plan, rows: Sequence[VisitedRow]) -> None:
    seen = set()
    for row in rows:
        if row.item.plan_id != plan.pk:
            raise ValidationError(f"“{row.item}”不属于该清单。")
        if row.sub_item is not None and row.sub_item.item_id != row.item.pk:
            raise ValidationError(f"子项“{row.sub_item.code}”不属于“{row.item}”。")
        key = (row.item.pk, row.sub_item.pk if row.sub_item else None)
        if key in seen:
            raise ValidationError(f"“{row.item}”重复填写。")
        seen.add(key)


def _write(
    visit: InspectionVisit,
    details: VisitDetails,
    participants: Iterable[User],
    rows: Sequence[VisitedRow],
    photos: Sequence,
) -> InspectionVisit:
    _check_rows(details.plan, rows)
    for field, value in vars(details).items():
        setattr(visit, field, value)
    visit.full_clean(exclude=["recorded_by"])
    visit.save()
    visit.participants.set(participants)
    # The rows are the form's whole list: what the user removed from it is removed here.
    visit.visited_items.all().delete()
    VisitedItem.objects.bulk_create(
        [
            VisitedItem(
                visit=visit,
                item=row.item,
                sub_item=row.sub_item,
                satisfaction=row.satisfaction,
                comment=row.comment,
            )
            for row in rows
        ]
    )
    for upload in photos:
        store_photo(VisitPhoto(visit=visit), upload)
    return visit


@transaction.atomic
def create_visit(
    actor: User,
    details: VisitDetails,
    participants: Iterable[User] = (),
    rows: Sequence[VisitedRow] = (),
    photos: Sequence = (),
) -> InspectionVisit:
    if not permissions.can_record_visits(actor):
        raise PermissionDenied("只有督查室和人大代表可以记录视察。")
    return _write(InspectionVisit(recorded_by=actor), details, participants, rows, photos)


@transaction.atomic
def update_visit(
    visit: InspectionVisit,
    actor: User,
    details: VisitDetails,
    participants: Iterable[User] = (),
    rows: Sequence[VisitedRow] = (),
    photos: Sequence = (),
    remove_photo_ids: Iterable[int] = (),
) -> InspectionVisit:
    visit = InspectionVisit.objects.select_for_update().get(pk=visit.pk)
    if not permissions.can_edit_visit(actor, visit):
        raise PermissionDenied("该视察记录已锁定，不能修改。" if visit.locked else "只能修改本人记录的视察。")
    if details.plan.pk != visit.plan_id and visit.rectifications.exists():
        raise ValidationError("该视察已交办整改事项，不能改到其他清单。")
    VisitPhoto.objects.filter(visit=visit, pk__in=list(remove_photo_ids)).delete()
    return _write(visit, details, participants, rows, photos)


@transaction.atomic
def set_locked(visit: InspectionVisit, actor: User, locked: bool) -> InspectionVisit:
    """The office locks a visit once its record is final; deputies can no longer edit it."""
    if not permissions.can_lock_visits(actor):
        raise PermissionDenied("只有督查室可以锁定或解锁视察记录。")
    permissions.require_manage_plan(actor, visit.plan)
    visit.locked = locked
    visit.save(update_fields=["locked", "updated_at"])
    return visit
