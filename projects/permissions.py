"""Who may see and do what. Web views and the API both ask these functions; nothing else
decides access.

- Office administrators (督查室) and superusers: everything.
- Leaders (领导) and deputies (人大代表): read everything, write no reports.
- Liaisons (联络员): see and report on only the sub-items their unit is responsible for; other
  sub-items answer 404 to them, and another unit's drafts are never shown.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from . import roles
from .models import SubItem, User


def _group_names(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return cached


def is_office(user) -> bool:
    return user.is_authenticated and (user.is_superuser or roles.OFFICE in _group_names(user))


def is_liaison(user) -> bool:
    return user.is_authenticated and roles.LIAISON in _group_names(user) and user.unit_id is not None


def is_deputy(user) -> bool:
    return user.is_authenticated and roles.DEPUTY in _group_names(user)


def is_leader(user) -> bool:
    return user.is_authenticated and roles.LEADER in _group_names(user)


def can_view_registry(user) -> bool:
    """Any signed-in user with a role may read plans, items and progress."""
    return is_office(user) or bool(_group_names(user))


def sub_item_scope(user) -> Q | None:
    """The filter on SubItem a user's view of the registry is limited to (None = everything)."""
    if is_office(user) or is_leader(user) or is_deputy(user):
        return None
    if is_liaison(user):
        return Q(responsible_unit_id=user.unit_id)
    return Q(pk__in=[])


def item_scope(user) -> Q | None:
    """The filter on Item matching ``sub_item_scope``: items with at least one visible sub-item."""
    scope = sub_item_scope(user)
    if scope is None:
        return None
    if is_liaison(user):
        return Q(sub_items__responsible_unit_id=user.unit_id)
    return Q(pk__in=[])


def visible_sub_items(user, queryset: QuerySet[SubItem] | None = None) -> QuerySet[SubItem]:
    qs = SubItem.objects.all() if queryset is None else queryset
    scope = sub_item_scope(user)
    return qs if scope is None else qs.filter(scope)


def can_view_internal(user) -> bool:
    """Problems text, drafts across units, review queues: office, leaders and deputies."""
    return is_office(user) or is_leader(user) or is_deputy(user)


def can_manage_registry(user) -> bool:
    return is_office(user)


def can_review_reports(user) -> bool:
    return is_office(user)


def can_report_on(user: User, sub_item: SubItem) -> bool:
    """Only a liaison of the responsible unit reports on a sub-item."""
    return is_liaison(user) and sub_item.responsible_unit_id == user.unit_id


def reportable_sub_items(user: User, queryset: QuerySet[SubItem] | None = None) -> QuerySet[SubItem]:
    """The sub-items this user may report on (empty for everyone but liaisons)."""
    qs = SubItem.objects.all() if queryset is None else queryset
    if not is_liaison(user):
        return qs.none()
    return qs.filter(responsible_unit_id=user.unit_id)


def visible_reports_filter(user) -> Q:
    """Which progress reports a user may read: accepted ones for every role; drafts, pending
    and returned ones only for the office and for the liaisons of the responsible unit."""
    if is_office(user):
        return Q()
    accepted = Q(state="accepted")
    if is_liaison(user):
        return Q(sub_item__responsible_unit_id=user.unit_id)
    if can_view_registry(user):
        return accepted
    return Q(pk__in=[])


def can_record_visits(user) -> bool:
    return is_office(user) or is_deputy(user)


def can_export(user) -> bool:
    return is_office(user) or is_leader(user) or is_deputy(user)
