"""Splitting a sub-item into shares for lower regions (分解下达): what a valid split is, and the
one operation that saves it. Views, the admin, the importer and the demo call ``save_shares``.

The shares of a quantified target add up to it (in the sub-item's unit), or the office states
why not in the sub-item's 分解说明; each share lies in a region below the plan's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from projects.completion import format_number
from projects.models import Plan, Region, SubItem, SubItemShare, Unit


@dataclass(frozen=True)
class ShareRow:
    """One share as entered: the region it falls to and what it must do."""

    region: Region
    responsible_unit: Unit
    target_value: Decimal | None = None
    first_responsible_person: str = ""
    planned_end: date | None = None


def split_errors(
    *,
    target: Decimal | None,
    unit_label: str,
    plan_region: Region | None,
    rows: Sequence[ShareRow],
    note: str,
) -> dict[str, list[str]]:
    """Chinese messages, by field, for a split that breaks a rule (empty when it is valid)."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if plan_region is None and rows:
        add("region", "清单未设所属区划，不能分解到下级区划")
    seen: set[str] = set()
    for row in rows:
        if plan_region is not None and (
            row.region.code == plan_region.code or not plan_region.contains(row.region)
        ):
            add(
                "region",
                f"“{row.region.name}”（{row.region.code}）不在本清单所属区划“{plan_region.name}”的下级范围内",
            )
        if row.region.code in seen:
            add("region", f"“{row.region.name}”分解了两次")
        seen.add(row.region.code)
        if target is None and row.target_value is not None:
            add("target_value", "本项没有量化目标，分解任务不能填写目标值")
        if target is not None and row.target_value is None:
            add("target_value", f"“{row.region.name}”未填写分解目标值")
        if row.target_value is not None and row.target_value <= 0:
            add("target_value", f"“{row.region.name}”的分解目标值必须大于0")
    if target is not None and rows and not note.strip():
        total = sum((row.target_value or Decimal("0") for row in rows), Decimal("0"))
        shown = f"各区划分解目标之和为{format_number(total)}{unit_label}，本项目标为{format_number(target)}{unit_label}"
        if total > target:
            add("share_note", f"{shown}，超出目标，须在“分解说明”中说明原因")
        elif total < target:
            add("share_note", f"{shown}，不足目标，须在“分解说明”中说明原因")
    return errors


@transaction.atomic
def save_shares(sub_item: SubItem, rows: Sequence[ShareRow], note: str = "") -> list[SubItemShare]:
    """Replace a sub-item's shares with ``rows`` (and its 分解说明 with ``note``); raises
    ValidationError with the messages of ``split_errors`` and saves nothing when the split is
    invalid. Shares already reported on are kept (their reports stay theirs) and updated."""
    plan = sub_item.item.plan
    errors = split_errors(
        target=sub_item.target_value,
        unit_label=sub_item.target_unit,
        plan_region=plan.region,
        rows=rows,
        note=note,
    )
    if errors:
        raise ValidationError(errors)
    existing = {share.region_id: share for share in sub_item.shares.all()}
    kept = []
    for row in rows:
        share = existing.pop(row.region.pk, None) or SubItemShare(sub_item=sub_item, region=row.region)
        share.responsible_unit = row.responsible_unit
        share.target_value = row.target_value
        share.first_responsible_person = row.first_responsible_person
        share.planned_end = row.planned_end
        share.save()
        kept.append(share)
    for share in existing.values():
        if share.reports.exists():
            raise ValidationError({"region": [f"“{share.region.name}”的分解任务已有填报，不能删除"]})
        share.delete()
    if sub_item.share_note != note:
        sub_item.share_note = note
        sub_item.save()
    return kept


def region_filter(plan: Plan, region: Region) -> Q:
    """The filter on a plan's SubItems for what falls to a region: a split sub-item when one
    of its shares lies in the region (or below it); an unsplit one when the plan is the
    region's own or a lower region's list."""
    in_region = Q(
        Exists(SubItemShare.objects.filter(sub_item=OuterRef("pk"), region__code__startswith=region.prefix))
    )
    if plan.region_id is not None and region.contains(plan.region):
        return in_region | ~Q(Exists(SubItemShare.objects.filter(sub_item=OuterRef("pk"))))
    return in_region


def lower_regions(plan: Plan) -> list[Region]:
    """The regions directly below a plan's own that hold shares of it (a city list's
    counties), in code order; none for a plan without a region."""
    if plan.region_id is None:
        return []
    codes = set(
        SubItemShare.objects.filter(sub_item__item__plan=plan)
        .values_list("region__code", flat=True)
        .distinct()
    )
    children = Region.objects.filter(parent_id=plan.region_id).order_by("code")
    return [child for child in children if any(code.startswith(child.prefix) for code in codes)]
