"""The item page's trend chart is read from the read model at each month-end: it ends exactly
where the item stands, a split sub-item rolled up over its shares (it once counted each share's
report as the whole sub-item: 示范市's item 1 stood at 92.75% while its chart ended at 75%)."""

from __future__ import annotations

import pytest

from projects.models import Item, User
from supervision.figures import snapshots
from supervision.reading.progress import plan_progress
from tests import clock

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.mark.parametrize("plan_key", ["plan_2023", "plan_now", "plan_city"])
def test_each_items_chart_states_the_read_models_figures_at_every_month_end_and_ends_where_it_stands(
    demo, client, plan_key
):
    plan = demo[plan_key]
    client.force_login(User.objects.get(username="office"))
    progress = plan_progress(plan)
    month_ends = {day for day in snapshots.month_ends(plan.year, clock.TODAY) if day < progress.as_of}
    for state in progress.items:
        points = client.get(f"/items/{state.item.pk}/").context["item_chart"]["points"]
        assert points[-1]["progress"] == float(state.progress_percent), state.item
        assert points[-1]["scheduled"] == float(state.scheduled_percent), state.item
        items = Item.objects.filter(pk=state.item.pk)
        for point in points[:-1]:
            day = next(d for d in month_ends if d.isoformat() == point["as_of"])
            then = plan_progress(plan, day, items=items).items[0]
            assert (point["progress"], point["scheduled"]) == (
                float(then.progress_percent),
                float(then.scheduled_percent),
            ), (state.item, day)


def test_a_split_items_chart_ends_at_its_shares_roll_up(demo, client):
    item = Item.objects.get(plan=demo["plan_city"], number=1)
    state = plan_progress(demo["plan_city"], items=Item.objects.filter(pk=item.pk)).items[0]
    client.force_login(User.objects.get(username="office"))
    page = client.get(f"/items/{item.pk}/")
    assert page.context["item_chart"]["points"][-1]["progress"] == float(state.progress_percent)
