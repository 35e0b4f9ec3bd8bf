"""Registry edits (a deadline, a milestone, a weight, the plan's margins) change what the
ledger's figures mean: the pace rows and snapshots computed from them are refreshed in the
same transaction as the edit. The registry (projects) knows nothing of this; supervision
listens to its models.

A deletion drops the affected cached rows instead of recomputing them: during a cascade the
rows being recomputed may be on their way out too. The next pace check writes them again."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from projects.models import (
    Acceptance,
    CarryOver,
    ChangeRequest,
    FundingLine,
    Item,
    Milestone,
    Plan,
    SubItem,
    SubItemShare,
)
from supervision.figures import caches, tasks


def _restore_snapshots_after_commit(dropped: bool) -> None:
    """Snapshots a change made untrue were dropped with it; store them again once it commits."""
    if dropped:
        transaction.on_commit(tasks.take_monthly_snapshots.delay)


def _item_of(sub_item_id: int) -> Item | None:
    return Item.objects.select_related("plan").filter(sub_items__pk=sub_item_id).first()


@receiver(post_save, sender=Plan)
def plan_saved(sender, instance: Plan, created: bool, **kwargs) -> None:
    if created:
        # A new plan has no items, pace rows or snapshots yet: only its figures version starts.
        caches.bump_figures_version(instance)
        return
    _restore_snapshots_after_commit(caches.after_registry_change(instance))


@receiver(post_save, sender=Item)
def item_saved(sender, instance: Item, **kwargs) -> None:
    _restore_snapshots_after_commit(caches.after_registry_change(instance.plan, [instance.pk]))


@receiver(post_save, sender=SubItem)
def sub_item_saved(sender, instance: SubItem, **kwargs) -> None:
    # A form opened before a report was accepted saves the cached figures it read; they are
    # derived again from the ledger so that an edit of the registry never rolls them back.
    _restore_snapshots_after_commit(caches.after_sub_item_change(instance.pk))


@receiver(post_save, sender=Milestone)
@receiver(post_save, sender=FundingLine)
def sub_item_part_saved(sender, instance, **kwargs) -> None:
    item = _item_of(instance.sub_item_id)
    if item is not None:
        _restore_snapshots_after_commit(caches.after_registry_change(item.plan, [item.pk]))


@receiver(post_delete, sender=Item)
def item_deleted(sender, instance: Item, **kwargs) -> None:
    _restore_snapshots_after_commit(caches.forget_item(instance.plan_id, instance.pk))


@receiver(post_delete, sender=SubItem)
def sub_item_deleted(sender, instance: SubItem, **kwargs) -> None:
    plan_id = Item.objects.filter(pk=instance.item_id).values_list("plan_id", flat=True).first()
    if plan_id is not None:
        _restore_snapshots_after_commit(caches.forget_item(plan_id, instance.item_id))


@receiver(post_delete, sender=Milestone)
@receiver(post_delete, sender=FundingLine)
def sub_item_part_deleted(sender, instance, **kwargs) -> None:
    item = _item_of(instance.sub_item_id)
    if item is not None:
        _restore_snapshots_after_commit(caches.forget_item(item.plan_id, item.pk))


@receiver(post_save, sender=ChangeRequest)
@receiver(post_save, sender=Acceptance)
@receiver(post_save, sender=CarryOver)
def year_end_record_saved(sender, instance, **kwargs) -> None:
    """An approved change moves the promise (projects.changes); an acceptance or a carry-over
    moves what the pages show of a sub-item: refresh what was computed from them."""
    if sender is ChangeRequest and instance.state != ChangeRequest.State.APPROVED:
        return
    sub_item_id = instance.from_sub_item_id if sender is CarryOver else instance.sub_item_id
    item = _item_of(sub_item_id)
    if item is not None:
        _restore_snapshots_after_commit(caches.after_registry_change(item.plan, [item.pk]))


@receiver(post_save, sender=SubItemShare)
@receiver(post_delete, sender=SubItemShare)
def share_changed(sender, instance: SubItemShare, **kwargs) -> None:
    # A split sub-item's figures are rolled up from its shares: a new, changed or removed
    # share changes them (unless the sub-item itself is being deleted).
    if _item_of(instance.sub_item_id) is None:
        return
    _restore_snapshots_after_commit(caches.after_sub_item_change(instance.sub_item_id))
