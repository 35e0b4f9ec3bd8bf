"""The supervision panel of an item page: its visits with the ratings given, and its
rectifications, in a fixed number of queries."""

from __future__ import annotations

from collections import Counter
from datetime import date

from django import template
from django.db.models import Q

from projects import permissions, scope
from projects.models import Item
from supervision.followup import rectification_state
from supervision.followup.models import InspectionVisit, Rectification, Satisfaction, VisitedItem

register = template.Library()


@register.inclusion_tag("supervision/visits/_item_panel.html", takes_context=True)
def item_supervision_panel(context, item: Item, day: date) -> dict:
    """Visits made and rectifications assigned by ``day``, each rectification as it stood then."""
    user = context["request"].user
    show_visits = permissions.can_view_visits(user)
    visited = []
    if show_visits:
        visited = list(
            VisitedItem.objects.filter(
                item=item,
                visit__date__lte=day,
                visit__in=scope.readable(user, InspectionVisit.objects.all()),
            )
            .select_related("visit", "sub_item__item")
            .order_by("-visit__date", "-visit__id", "sub_item__number")
        )
    ratings = Counter(v.satisfaction for v in visited if v.satisfaction)
    rectifications = scope.readable(
        user,
        Rectification.objects.filter(
            Q(item=item) | Q(sub_item__item=item), created_at__lt=rectification_state.end_of(day)
        ).select_related("unit", "item", "sub_item__item"),
    )
    return {
        "item": item,
        "show_visits": show_visits,
        "visited": visited,
        "ratings": [
            (choice.label, ratings[choice.value]) for choice in Satisfaction if ratings[choice.value]
        ],
        "rectifications": sorted(
            rectification_state.as_of(rectifications, day), key=lambda r: (not r.is_overdue, r.deadline, r.pk)
        ),
        "can_raise": permissions.can_manage_rectifications(user),
    }
