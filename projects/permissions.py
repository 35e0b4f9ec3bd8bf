"""Who may see and do what. Web views and the API both ask these functions; nothing else
decides access.

- Office administrators (督查室) and superusers: everything.
- Leaders (领导) and deputies (人大代表): read everything, write no reports.
- Liaisons (联络员): see and report on only the sub-items their unit is responsible for (and the
  shares of split sub-items their unit answers for); other sub-items answer 404 to them, and
  another unit's drafts are never shown.
- Regions: a user whose unit belongs to a region (``user_region``) acts within that region and
  below. Offices, leaders and deputies see the lists of their region and of the regions below
  it, plus every higher list's shares that fall to their region (上级下达), read through
  their region (``reading_region``); lists with no region stay visible to all, as before.
  Writes follow the same line (``can_manage_plan``): an office changes only the lists of its
  region and below; on a higher list it acts only on the shares that fall to its region
  (reviews their reports, reminds their units: ``can_review_report``, ``can_remind_unit``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404

from projects import roles
from projects.models import Item, Plan, Region, SubItem, SubItemShare, User


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


def user_region(user) -> Region | None:
    """The region a user acts in: their unit's (None: no region, the whole registry)."""
    if not user.is_authenticated or user.unit_id is None:
        return None
    cached = getattr(user, "_region", False)
    if cached is False:
        cached = Region.objects.filter(units__pk=user.unit_id).first()
        user._region = cached
    return cached


def _plans_in_region(region: Region) -> Q:
    """Plans a user of a region reads: those with no region, its own and its lower regions'
    lists, and higher lists with a share falling to it."""
    handed_down = SubItemShare.objects.filter(region__code__startswith=region.prefix).values(
        "sub_item__item__plan_id"
    )
    return Q(region__isnull=True) | Q(region__code__startswith=region.prefix) | Q(pk__in=handed_down)


def _sub_items_in_region(region: Region) -> Q:
    shared = SubItemShare.objects.filter(region__code__startswith=region.prefix).values("sub_item_id")
    return (
        Q(item__plan__region__isnull=True)
        | Q(item__plan__region__code__startswith=region.prefix)
        | Q(pk__in=shared)
    )


def sub_item_scope(user) -> Q | None:
    """The filter on SubItem a user's view of the registry is limited to (None = everything)."""
    if is_office(user) or is_leader(user) or is_deputy(user):
        region = None if user.is_superuser else user_region(user)
        return None if region is None else _sub_items_in_region(region)
    if is_liaison(user):
        return Q(responsible_unit_id=user.unit_id) | Q(pk__in=_shared_sub_item_ids(user))
    return Q(pk__in=[])


def _shared_sub_item_ids(user) -> QuerySet:
    """The sub-items of which the liaison's unit answers for a share (分解任务)."""
    return SubItemShare.objects.filter(responsible_unit_id=user.unit_id).values("sub_item_id")


def item_scope(user) -> Q | None:
    """The filter on Item matching ``sub_item_scope``: items with at least one visible sub-item."""
    scope = sub_item_scope(user)
    if scope is None:
        return None
    if not is_liaison(user) and (is_office(user) or is_leader(user) or is_deputy(user)):
        return Q(pk__in=SubItem.objects.filter(scope).values("item_id"))
    if is_liaison(user):
        return Q(sub_items__responsible_unit_id=user.unit_id) | Q(
            pk__in=SubItem.objects.filter(pk__in=_shared_sub_item_ids(user)).values("item_id")
        )
    return Q(pk__in=[])


def visible_sub_items(user, queryset: QuerySet[SubItem] | None = None) -> QuerySet[SubItem]:
    qs = SubItem.objects.all() if queryset is None else queryset
    scope = sub_item_scope(user)
    return qs if scope is None else qs.filter(scope)


def can_view_internal(user) -> bool:
    """Problems text, drafts across units, review queues: office, leaders and deputies."""
    return is_office(user) or is_leader(user) or is_deputy(user)


def can_manage_registry(user) -> bool:
    """Whether a user is an office at all (menus, links); what it may change is limited to its
    region by ``can_manage_plan``."""
    return is_office(user)


def can_review_reports(user) -> bool:
    """Whether a user reviews reports at all (the queue); which ones: ``can_review_report``."""
    return is_office(user)


# --- Writes within a region -----------------------------------------------------------------


def _acting_region(user) -> Region | None:
    """The region a user's writes are limited to (None: everywhere); superusers act everywhere."""
    return None if user.is_superuser else user_region(user)


def _plan_within(region: Region, prefix: str = "") -> Q:
    """Plans (``prefix`` leads from another model to its plan) a user of ``region`` may change:
    its own region's and lower regions' lists, and lists with no region."""
    return Q(**{f"{prefix}region__isnull": True}) | Q(**{f"{prefix}region__code__startswith": region.prefix})


def region_refusal(user, region: Region | None) -> str | None:
    """Why a user may not manage a list of ``region``, in Chinese; None when the list has no
    region or it lies in the user's region or below."""
    own = _acting_region(user)
    if own is None or region is None or own.contains(region):
        return None
    return f"只能管理本地区（{own.name}）及下级区划的清单"


def plan_refusal(user, plan: Plan) -> str | None:
    """Why a user may not change a plan, as far as regions decide it (``region_refusal``): a
    county office may not change its city's or province's list."""
    return region_refusal(user, plan.region if plan.region_id else None)


def can_manage_plan(user, plan: Plan) -> bool:
    """An office changes a plan's registry and everything done to the plan as a whole (items,
    sub-items, shares, milestones, funding, publishing, closing, change decisions, acceptance,
    notices, circulars, orders, rectifications, the evaluation) only within its region."""
    return is_office(user) and plan_refusal(user, plan) is None


def require_manage_plan(user, plan: Plan) -> None:
    """PermissionDenied, saying why, unless ``can_manage_plan``."""
    if not can_manage_plan(user, plan):
        raise PermissionDenied(plan_refusal(user, plan) or "只有督查室可以管理清单")


def manageable_plans(user, queryset: QuerySet[Plan] | None = None) -> QuerySet[Plan]:
    """The plans ``can_manage_plan`` allows, as a queryset (none for users who are no office)."""
    qs = Plan.objects.all() if queryset is None else queryset
    if not is_office(user):
        return qs.none()
    own = _acting_region(user)
    return qs if own is None else qs.filter(_plan_within(own))


def _share_within(region: Region) -> Q:
    """Reports on a share falling to ``region`` or below."""
    return Q(share__region__code__startswith=region.prefix)


def can_review_report(user, report) -> bool:
    """An office reviews (accepts, returns, marks photos of) a report within its region: on a
    list it manages, or on a share of a higher list that falls to its region (上级下达); a
    report on a higher list's sub-item that is not its region's share is not its to review."""
    if can_manage_plan(user, report.sub_item.item.plan):
        return True
    own = _acting_region(user)
    return (
        is_office(user)
        and report.share_id is not None
        and own is not None
        and own.contains(report.share.region)
    )


def review_refusal(user, report) -> str | None:
    """Why a user may not review a report, in Chinese; None when ``can_review_report``."""
    if can_review_report(user, report):
        return None
    own = _acting_region(user) if is_office(user) else None
    return f"只能审核本地区（{own.name}）及下级区划的填报" if own else "只有督查室可以审核进度填报"


def require_review_report(user, report) -> None:
    """PermissionDenied, saying why, unless ``can_review_report``."""
    refusal = review_refusal(user, report)
    if refusal is not None:
        raise PermissionDenied(refusal)


def reviewable_reports_filter(user) -> Q:
    """The filter on ProgressReport matching ``can_review_report``."""
    if not is_office(user):
        return Q(pk__in=[])
    own = _acting_region(user)
    if own is None:
        return Q()
    return _plan_within(own, "sub_item__item__plan__") | _share_within(own)


def can_remind_unit(user, plan: Plan, unit) -> bool:
    """An office reminds (催报、催办) a unit about a list it manages, or about a higher list when
    the unit answers for one of the list's shares in the office's region."""
    if not can_send_reminders(user):
        return False
    if can_manage_plan(user, plan):
        return True
    own = _acting_region(user)
    return (
        own is not None
        and SubItemShare.objects.filter(
            sub_item__item__plan=plan, responsible_unit=unit, region__code__startswith=own.prefix
        ).exists()
    )


def can_report_on(user: User, sub_item: SubItem, share: SubItemShare | None = None) -> bool:
    """Only a liaison of the responsible unit reports on a sub-item; on a share of a split
    sub-item, only a liaison of the share's responsible unit (``share_refusal``)."""
    if not is_liaison(user):
        return False
    if share is not None:
        return share_refusal(user, sub_item, share) is None
    return sub_item.responsible_unit_id == user.unit_id


def share_refusal(user: User, sub_item: SubItem, share: SubItemShare | None) -> str | None:
    """Why a report on a sub-item (and a share of it) may not be written, as far as shares
    decide it, in Chinese; None when shares do not stand in the way. A split sub-item is
    reported on share by share, each by its own region's responsible unit."""
    if share is None:
        if sub_item.shares.exists():
            return "本项已分解到各区划，请按本地区的分解任务填报"
        return None
    if share.sub_item_id != sub_item.pk:
        return "所选分解任务不属于该子项"
    if share.responsible_unit_id != user.unit_id:
        return (
            f"不能填报其他地区的分解任务：“{share.region.name}”的分解任务由{share.responsible_unit}负责填报"
        )
    return None


def reportable_sub_items(user: User, queryset: QuerySet[SubItem] | None = None) -> QuerySet[SubItem]:
    """The sub-items this user may report on (empty for everyone but liaisons)."""
    qs = SubItem.objects.all() if queryset is None else queryset
    if not is_liaison(user):
        return qs.none()
    return qs.filter(responsible_unit_id=user.unit_id)


def report_state_filter(user) -> Q:
    """Which states of progress reports a user reads: accepted ones for every role; drafts,
    pending and returned ones only for the office (of a region: those it may review) and for
    the liaisons of the responsible unit. Which reports at all: ``projects.scope.readable``."""
    accepted = Q(state="accepted")
    if is_office(user):
        # An office of a region reads the unreviewed reports it may review, not its neighbours'.
        return Q() if _acting_region(user) is None else accepted | reviewable_reports_filter(user)
    if is_liaison(user):
        return Q(sub_item__responsible_unit_id=user.unit_id) | Q(share__responsible_unit_id=user.unit_id)
    if can_view_registry(user):
        return accepted
    return Q(pk__in=[])


def can_record_visits(user) -> bool:
    return is_office(user) or is_deputy(user)


def can_export(user) -> bool:
    return is_office(user) or is_leader(user) or is_deputy(user)


def can_manage_circulars(user) -> bool:
    """Only the office drafts, edits and issues circulars (通报) and publishes the 红黄榜."""
    return is_office(user)


def can_manage_notices(user) -> bool:
    """Only the office issues progress notices (公示), reads residents' contacts and answers."""
    return is_office(user)


def can_read_circulars(user) -> bool:
    """Issued circulars and the 红黄榜 name units' failings: the office, leaders and deputies."""
    return is_office(user) or is_leader(user) or is_deputy(user)


def can_view_visits(user) -> bool:
    """Visit findings are internal: the office, leaders and deputies read every visit."""
    return is_office(user) or is_leader(user) or is_deputy(user)


def can_edit_visit(user, visit) -> bool:
    """The office edits any visit on a list it manages (``can_manage_plan``); a deputy (or an
    office, on a list above it) only the visits they recorded, until the office locks it."""
    if is_office(user) and can_manage_plan(user, visit.plan):
        return True
    return (is_deputy(user) or is_office(user)) and visit.recorded_by_id == user.pk and not visit.locked


def can_lock_visits(user) -> bool:
    return is_office(user)


def can_view_rectifications(user) -> bool:
    return can_view_internal(user) or is_liaison(user)


def can_manage_rectifications(user) -> bool:
    """Only the office raises rectifications, verifies and closes them or sends them back."""
    return is_office(user)


def can_respond_to_rectification(user, rectification) -> bool:
    """Only a liaison of the unit a rectification was assigned to answers it."""
    return is_liaison(user) and rectification.unit_id == user.unit_id


def can_manage_orders(user) -> bool:
    """Only the office issues supervision orders (督办单), closes them or calls a talk (约谈)."""
    return is_office(user)


def can_issue_order(user, plan: Plan) -> bool:
    """A supervision order (督办单) on a plan is its own office's to issue: an office that
    manages the plan (an office of a lower region reads a higher list but does not order on it)."""
    return can_manage_orders(user) and can_manage_plan(user, plan)


def can_answer_order(user, order) -> bool:
    """Only a liaison of the unit a supervision order went to signs for it and answers it."""
    return is_liaison(user) and order.unit_id == user.unit_id


def can_send_reminders(user) -> bool:
    """Only the office sends one-click reminders (催报 / 催办) to units."""
    return is_office(user)


def can_manage_selection(user) -> bool:
    """Only the office triages suggestions, drafts candidates, runs the vote and makes the list."""
    return is_office(user)


def can_view_selection(user) -> bool:
    """The suggestion pool, candidates and the vote's pages: the office, leaders and deputies."""
    return is_office(user) or is_leader(user) or is_deputy(user)


def can_vote(user) -> bool:
    """Only deputies (人大代表) vote on the candidates and file 代表建议."""
    return is_deputy(user)


def published_plans_for(user) -> QuerySet[Plan]:
    """Plans whose supervision records (reports, visits, rectifications, orders …) a user may
    read, whatever units the plan's sub-items belong to: the lists of their region and below
    and the higher lists handed down to it (as ``visible_plans``), drafts only for the office.
    Which records of them: ``projects.scope.readable``."""
    plans = Plan.objects.all()
    if not can_manage_registry(user):
        plans = plans.exclude(status=Plan.Status.DRAFT)
    region = None if user.is_superuser else user_region(user)
    return plans if region is None else plans.filter(_plans_in_region(region))


def visible_plans(user, queryset: QuerySet[Plan] | None = None) -> QuerySet[Plan]:
    """Plans a user may read: drafts only for the office; for a liaison only plans holding at
    least one of their unit's sub-items."""
    qs = Plan.objects.all() if queryset is None else queryset
    if not can_manage_registry(user):
        qs = qs.exclude(status=Plan.Status.DRAFT)
    region = None if user.is_superuser or is_liaison(user) else user_region(user)
    if region is not None:
        return qs.filter(_plans_in_region(region))
    scope = item_scope(user)
    if scope is not None:
        qs = qs.filter(pk__in=Item.objects.filter(scope).values("plan_id"))
    return qs


def visible_items(user, queryset: QuerySet[Item] | None = None) -> QuerySet[Item]:
    """Items of readable plans with at least one sub-item the user may see (no duplicates)."""
    qs = Item.objects.all() if queryset is None else queryset
    qs = qs.filter(plan__in=visible_plans(user))
    scope = item_scope(user)
    return qs if scope is None else qs.filter(pk__in=Item.objects.filter(scope).values("pk"))


def readable_sub_items(user, queryset: QuerySet[SubItem] | None = None) -> QuerySet[SubItem]:
    """``visible_sub_items`` limited to plans the user may read (hides draft plans)."""
    return visible_sub_items(user, queryset).filter(item__plan__in=visible_plans(user))


def can_create_reports(user) -> bool:
    """Only liaisons write progress reports (each on their own unit's sub-items)."""
    return is_liaison(user)


def can_write_report(user: User, sub_item: SubItem, share: SubItemShare | None = None) -> bool:
    """Reports are written by a liaison of the responsible unit (of the share's, on a share),
    and only while the plan is published (not in a draft or a closed plan)."""
    return can_report_on(user, sub_item, share) and sub_item.item.plan.status == Plan.Status.PUBLISHED


def is_handed_down(plan: Plan, region: Region | None) -> bool:
    """A higher region's list as read from a lower region (上级下达): the plan belongs to a
    region above ``region``."""
    return (
        region is not None
        and plan.region_id is not None
        and plan.region_id != region.pk
        and plan.region.contains(region)
    )


def reading_region(user, plan: Plan, code: str | None = None) -> Region | None:
    """The region through which a user reads a plan's figures (None: the whole plan).

    ``code`` (a page's ``?region=``) asks for one region's shares: an unknown code answers
    404, a region outside the user's own 403. Without it, a user of a lower region reads a
    higher list through their own region: only the shares that fall to it."""
    own = None if user.is_superuser else user_region(user)
    if code:
        asked = Region.objects.filter(code=code).first()
        if asked is None:
            raise Http404(f"没有代码为“{code}”的行政区划")
        if own is not None and not own.contains(asked):
            raise PermissionDenied(f"只能查看本地区（{own.name}）及下级区划的情况")
        return asked
    return own if is_handed_down(plan, own) else None


# --- the satisfaction evaluation (满意度测评) ---


def can_read_evaluation(user) -> bool:
    """The evaluation's results before publication: the office, leaders and deputies."""
    return is_office(user) or is_leader(user) or is_deputy(user)


def can_manage_evaluation(user) -> bool:
    """Only the office opens an evaluation, enters paper tallies, closes and publishes it."""
    return is_office(user)


def can_vote_in_evaluation(user) -> bool:
    """Deputies rate the items, each on their own phone, once."""
    return is_deputy(user)


def current_plan(user) -> Plan | None:
    """The list a reader lands on: of the newest year's published lists they may read, one with
    items they answer for (我分管的), else their own region's, else the most local one (a
    county's before its city's); None when none is published."""
    plans = visible_plans(user, Plan.objects.filter(status=Plan.Status.PUBLISHED))
    own = user_region(user) if user.is_authenticated else None
    answers = (
        Exists(Item.objects.filter(plan=OuterRef("pk"), responsible_leader_account=user))
        if user.is_authenticated
        else Value(False)
    )
    depth = Case(
        *[When(region__level=level, then=Value(rank)) for rank, level in enumerate(Region.Level.values)],
        default=Value(-1),
    )
    return (
        plans.annotate(
            answers=answers,
            own_region=ExpressionWrapper(Q(region=own) if own else Value(False), output_field=BooleanField()),
            depth=depth,
        )
        .order_by("-year", "-answers", "-own_region", "-depth", "-published_on", "-pk")
        .first()
    )


def answered_items(user, plan: Plan) -> QuerySet[Item]:
    """The items of a plan a signed-in leader answers for (我分管的: they are its 责任领导)."""
    if not user.is_authenticated:
        return Item.objects.none()
    return visible_items(user, Item.objects.filter(plan=plan, responsible_leader_account=user))


# --- The year's end (changes, acceptance, handover, close) -----------------------------------


def can_file_change(user, sub_item: SubItem) -> bool:
    """A change request (调整申请) is filed by the responsible unit's liaison, or by an office
    that manages the plan on its behalf, while the plan is published."""
    plan = sub_item.item.plan
    return (
        can_report_on(user, sub_item) or can_manage_plan(user, plan)
    ) and plan.status == Plan.Status.PUBLISHED


def can_decide_changes(user) -> bool:
    """Only the office approves or rejects change requests."""
    return is_office(user)


def can_record_acceptance(user) -> bool:
    """The office records acceptances (验收) and the handover to a management unit (管护)."""
    return is_office(user)


def can_close_plans(user) -> bool:
    """Only the office closes a year's list and carries its unfinished work over."""
    return is_office(user)
