"""Which units an office's follow-up reaches (issue 26): a supervision order (督办单), a
rectification (整改) or a reminder (催报、催办) goes only to a unit that has a part in the work
in question.

- A sub-item reaches its responsible unit, its cooperating units and the responsible units of
  its shares (分解任务).
- An item (a rectification or order raised on the item as a whole) reaches its lead unit and
  what its sub-items reach.
- A plan (a reminder about the list, a rectification raised on it as a whole) reaches the lead
  units of its items and what their sub-items reach.

An office acting on a higher list through its region (上级下达: it reviews and reminds the
shares that fall to it, ``permissions.can_remind_unit``) reaches only the responsible units of
the shares in its region: ``within``, as ``acting_within`` gives it.

Forms offer these units, services refuse any other with ``refusal``'s message; nothing else
decides it. ``issuer_code`` names the office that numbers a plan's orders and circulars.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from projects import permissions
from projects.models import Item, Plan, Region, SubItem, SubItemShare, Unit

_SHARE_PARTIES = "该子项的责任单位、配合单位或分解任务的责任单位"
_ITEM_PARTIES = "该实事的牵头单位，或其子项的责任单位、配合单位、分解任务的责任单位"
_PLAN_PARTIES = "该清单实事的牵头单位，或其子项的责任单位、配合单位、分解任务的责任单位"


def _units_of(sub_items: QuerySet[SubItem], within: Region | None, lead: Q | None = None) -> QuerySet[Unit]:
    """The units the given sub-items reach (and those ``lead`` names), as one query."""
    shares = SubItemShare.objects.filter(sub_item__in=sub_items)
    if within is not None:
        shares = shares.filter(region__code__startswith=within.prefix)
        return Unit.objects.filter(pk__in=shares.values("responsible_unit_id"))
    cooperating = SubItem.cooperating_units.through.objects.filter(subitem__in=sub_items)
    reached = (
        Q(pk__in=sub_items.values("responsible_unit_id"))
        | Q(pk__in=cooperating.values("unit_id"))
        | Q(pk__in=shares.values("responsible_unit_id"))
    )
    if lead is not None:
        reached |= lead
    return Unit.objects.filter(reached)


def units_in_reach(sub_item: SubItem, within: Region | None = None) -> QuerySet[Unit]:
    """The units a follow-up on a sub-item may go to: its responsible unit, its cooperating
    units and its shares' responsible units (within a region: only that region's shares')."""
    return _units_of(SubItem.objects.filter(pk=sub_item.pk), within)


def item_units_in_reach(item: Item, within: Region | None = None) -> QuerySet[Unit]:
    """The units a follow-up on an item as a whole may go to: its lead unit and every unit its
    sub-items reach (within a region: only that region's shares' units)."""
    return _units_of(SubItem.objects.filter(item_id=item.pk), within, Q(pk=item.lead_unit_id))


def plan_units_in_reach(plan: Plan, within: Region | None = None) -> QuerySet[Unit]:
    """The units a follow-up on a plan as a whole (a reminder) may go to: its items' lead units
    and every unit its sub-items reach (within a region: only that region's shares' units)."""
    lead = Q(pk__in=Item.objects.filter(plan_id=plan.pk).values("lead_unit_id"))
    return _units_of(SubItem.objects.filter(item__plan_id=plan.pk), within, lead)


def reach_of(
    plan: Plan, sub_item: SubItem | None = None, item: Item | None = None, within: Region | None = None
) -> QuerySet[Unit]:
    """The units in reach of the narrowest of a sub-item, an item or the plan given."""
    if sub_item is not None:
        return units_in_reach(sub_item, within)
    if item is not None:
        return item_units_in_reach(item, within)
    return plan_units_in_reach(plan, within)


def acting_within(user, plan: Plan) -> Region | None:
    """The region through which a user acts on a plan: None when the user manages the plan
    (everything in reach), else the user's own region (a higher list's shares that fall to it)."""
    if permissions.can_manage_plan(user, plan):
        return None
    return permissions.user_region(user)


def refusal(
    unit: Unit,
    role: str,
    *,
    plan: Plan,
    sub_item: SubItem | None = None,
    item: Item | None = None,
    within: Region | None = None,
) -> str | None:
    """Why ``unit`` may not be the ``role`` (督办单位, 整改单位 …) of a follow-up on the
    sub-item, item or plan, in Chinese; None when it is in reach (``reach_of``)."""
    if reach_of(plan, sub_item, item, within).filter(pk=unit.pk).exists():
        return None
    return out_of_reach(role, sub_item=sub_item, item=item, within=within)


def out_of_reach(
    role: str, *, sub_item: SubItem | None = None, item: Item | None = None, within: Region | None = None
) -> str:
    """What a follow-up's ``role`` must be, in Chinese, said to a unit out of reach."""
    if within is not None:
        return f"{role}须是本地区（{within.name}）分解任务的责任单位"
    if sub_item is not None:
        return f"{role}须是{_SHARE_PARTIES}"
    if item is not None:
        return f"{role}须是{_ITEM_PARTIES}"
    return f"{role}须是{_PLAN_PARTIES}"


def issuer_code(plan: Plan) -> str:
    """The office issuing a plan's numbered documents (督办单, 通报) is the plan's region's
    督查室: its region's code, "" for a plan with no region. Each issuer numbers its own
    documents, year by year."""
    return plan.region.code if plan.region_id else ""
