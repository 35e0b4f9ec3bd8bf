"""Inspection visit pages: list, detail, record, edit, lock."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.dates import parse_as_of
from projects import permissions, scope
from projects.models import Plan
from supervision.followup import rectification_state
from supervision.followup.forms.visits import VisitedItemFormSet, VisitForm, visited_initial
from supervision.followup.models import InspectionVisit, Rectification, VisitedItem
from supervision.followup.services import visits as visit_service
from supervision.ledger.periods import Period
from supervision.photos.forms import drafts_to_show, posted_drafts


def _require_reader(user) -> None:
    if not permissions.can_view_visits(user):
        raise PermissionDenied


def _visible_plans(user):
    return permissions.visible_plans(user)


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request.user)
    plans = list(_visible_plans(request.user).order_by("-year", "title"))
    as_of = parse_as_of(request)
    raised = Q()
    if as_of is not None:
        # The visits made by then, with the rectifications they had raised by then.
        raised = Q(rectifications__created_at__lt=rectification_state.end_of(as_of))
    visits = (
        scope.readable(request.user, InspectionVisit.objects.all())
        .filter(**({"date__lte": as_of} if as_of else {}))
        .select_related("plan", "recorded_by")
        .annotate(rectification_count=Count("rectifications", filter=raised, distinct=True))
        .prefetch_related(
            Prefetch(
                "visited_items", queryset=VisitedItem.objects.select_related("item").order_by("item__number")
            )
        )
        .order_by("-date", "-id")
    )
    plan_id = request.GET.get("plan", "")
    if plan_id.isdigit():
        visits = visits.filter(plan_id=int(plan_id))
    kind = request.GET.get("kind", "")
    if kind in InspectionVisit.Kind.values:
        visits = visits.filter(kind=kind)
    page = Paginator(visits, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/visits/list.html",
        {
            "page": page,
            "plans": plans,
            "plan_id": plan_id,
            "kind": kind,
            "kinds": InspectionVisit.Kind.choices,
            "as_of": as_of,
            "can_record": permissions.can_record_visits(request.user),
        },
    )


def _visit_for(user, visit_id: int) -> InspectionVisit:
    return scope.readable_or_404(
        user, InspectionVisit.objects.select_related("plan", "recorded_by"), pk=visit_id
    )


@login_required
def visit_detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    _require_reader(request.user)
    visit = _visit_for(request.user, visit_id)
    visited = visit.visited_items.select_related("item__lead_unit", "sub_item__item").order_by(
        "item__number", "sub_item__number"
    )
    rectifications = scope.readable(
        request.user, Rectification.objects.filter(visit=visit).select_related("unit", "item")
    )
    return render(
        request,
        "supervision/visits/detail.html",
        {
            "visit": visit,
            "visited": visited,
            "participants": visit.participants.all(),
            "photos": visit.photos.all(),
            # A visit's photos should have been taken on the day of the visit.
            "visit_day": Period(visit.date, visit.date, visit.date),
            "rectifications": rectifications,
            "can_edit": permissions.can_edit_visit(request.user, visit),
            "can_lock": permissions.can_lock_visits(request.user)
            and permissions.can_manage_plan(request.user, visit.plan),
            "can_raise": permissions.can_manage_rectifications(request.user)
            and permissions.can_manage_plan(request.user, visit.plan),
        },
    )


def _plan_for_new_visit(request: HttpRequest) -> Plan:
    plans = _visible_plans(request.user)
    raw = request.POST.get("plan") or request.GET.get("plan") or ""
    if raw.isdigit():
        return get_object_or_404(plans, pk=int(raw))
    plan = plans.filter(status=Plan.Status.PUBLISHED).order_by("-year", "title").first()
    if plan is None:
        plan = get_object_or_404(plans.order_by("-year", "title")[:1])
    return plan


def _save(request, form, formset, save) -> HttpResponse | None:
    """Run the service with the forms' data; on a rule violation keep the user's input."""
    if not (form.is_valid() and formset.is_valid()):
        return None
    try:
        visit = save(form, formset)
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return None
    messages.success(request, "视察记录已保存。")
    return redirect("visit_detail", visit.pk)


@login_required
def visit_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_record_visits(request.user):
        raise PermissionDenied
    plan = _plan_for_new_visit(request)
    drafts = []
    if request.method == "POST":
        drafts = posted_drafts(request)
        draft_ids = [draft.pk for draft in drafts]
        form = VisitForm(request.POST, request.FILES, plan=plan)
        formset = VisitedItemFormSet(request.POST, form_kwargs={"plan": plan}, prefix="items")
        response = _save(
            request,
            form,
            formset,
            lambda f, fs: visit_service.create_visit(
                request.user,
                f.details(),
                f.cleaned_data["participants"],
                fs.rows(),
                [*drafts, *f.cleaned_data["photos"]],
            ),
        )
        if response:
            return response
        drafts = drafts_to_show(request, draft_ids)
    else:
        form = VisitForm(plan=plan)
        formset = VisitedItemFormSet(form_kwargs={"plan": plan}, prefix="items")
    return render(
        request,
        "supervision/visits/form.html",
        {
            "form": form,
            "formset": formset,
            "plan": plan,
            "plans": _visible_plans(request.user),
            "drafts": drafts,
        },
    )


@login_required
def visit_edit(request: HttpRequest, visit_id: int) -> HttpResponse:
    _require_reader(request.user)
    visit = _visit_for(request.user, visit_id)
    if not permissions.can_edit_visit(request.user, visit):
        raise PermissionDenied("该视察记录已锁定或不是您记录的，不能修改。")
    plan = visit.plan
    drafts = []
    if request.method == "POST":
        drafts = posted_drafts(request)
        draft_ids = [draft.pk for draft in drafts]
        form = VisitForm(request.POST, request.FILES, instance=visit, plan=plan)
        formset = VisitedItemFormSet(request.POST, form_kwargs={"plan": plan}, prefix="items")
        response = _save(
            request,
            form,
            formset,
            lambda f, fs: visit_service.update_visit(
                visit,
                request.user,
                f.details(),
                f.cleaned_data["participants"],
                fs.rows(),
                [*drafts, *f.cleaned_data["photos"]],
                remove_photo_ids=[p.pk for p in f.cleaned_data["remove_photos"]],
            ),
        )
        if response:
            return response
        drafts = drafts_to_show(request, draft_ids)
    else:
        form = VisitForm(instance=visit, plan=plan)
        formset = VisitedItemFormSet(
            initial=visited_initial(visit), form_kwargs={"plan": plan}, prefix="items"
        )
    return render(
        request,
        "supervision/visits/form.html",
        {"form": form, "formset": formset, "plan": plan, "visit": visit, "drafts": drafts},
    )


@login_required
@require_POST
def visit_lock(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit_for(request.user, visit_id)
    lock = request.POST.get("locked") == "1"
    visit_service.set_locked(visit, request.user, lock)
    messages.success(request, "视察记录已锁定。" if lock else "视察记录已解锁。")
    return redirect("visit_detail", visit.pk)
