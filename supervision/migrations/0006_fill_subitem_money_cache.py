"""Fill the sub-items' new money cache (projects 0005) from the ledger: the totals of each
sub-item's latest accepted report that stated money (``ledger.states_money``), as
``services.caches.refresh_sub_item`` keeps them from now on. ``verify_figures`` checks them."""

from decimal import Decimal

from django.db import migrations
from django.db.models import OuterRef, Q, Subquery


def fill(apps, schema_editor):
    SubItem = apps.get_model("projects", "SubItem")
    ProgressReport = apps.get_model("supervision", "ProgressReport")
    latest = (
        ProgressReport.objects.filter(sub_item=OuterRef("pk"), state="accepted")
        .filter(Q(funds_allocated__isnull=False) | Q(funds_paid__isnull=False))
        .order_by("-accepted_on", "-reviewed_at", "-id")
    )
    rows = SubItem.objects.annotate(
        allocated=Subquery(latest.values("funds_allocated")[:1]),
        paid=Subquery(latest.values("funds_paid")[:1]),
        has_money=Subquery(latest.values("id")[:1]),
    ).filter(has_money__isnull=False)
    batch = []
    for sub in rows.iterator(chunk_size=2000):
        sub.funds_allocated = sub.allocated or Decimal("0")
        sub.funds_paid = sub.paid or Decimal("0")
        batch.append(sub)
        if len(batch) >= 500:
            SubItem.objects.bulk_update(batch, ["funds_allocated", "funds_paid"])
            batch = []
    if batch:
        SubItem.objects.bulk_update(batch, ["funds_allocated", "funds_paid"])


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0005_subitem_money_cache"),
        ("supervision", "0005_plan_figures_version"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
