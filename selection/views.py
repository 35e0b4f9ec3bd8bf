"""The selection's pages: the public suggestion form and status, the office's pool and triage,
the vote (phone ballots, tellers' tallies, counting, a second round), the result and making
next year's draft list. Views translate; ``services`` writes, ``results`` and ``rules`` decide."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.dates import parse_as_of, today
from core.forms import apply_errors
from core.public_forms import TOO_OFTEN, sent_too_often
from projects import permissions
from selection import results, rules, services
from selection.forms import (
    DeclineForm,
    DraftPlanForm,
    MergeForm,
    PublicSuggestionForm,
    SessionForm,
    StaffSuggestionForm,
    TallyForm,
    VoteForm,
)
from selection.models import Candidate, Choice, Suggestion, Tally, VotingSession


def suggestion_year() -> int:
    """Suggestions collected now are for next year's list."""
    return today().year + 1


def status_of(suggestion: Suggestion, as_of=None) -> str:
    candidate = suggestion.candidate
    listed_on = candidate.listed_on if candidate else None
    return rules.suggestion_status(
        received_on=suggestion.received_on,
        merged_on=suggestion.merged_on,
        declined_on=suggestion.declined_on,
        listed_on=listed_on,
        listed_year=candidate.year if candidate else None,
        as_of=as_of,
    )


# The public side ------------------------------------------------------------------------


def public_suggestion_new(request: HttpRequest) -> HttpResponse:
    year = suggestion_year()
    form = PublicSuggestionForm(request.POST or None)
    if request.method == "POST":
        if sent_too_often(request, "suggestion"):
            form.add_error(None, TOO_OFTEN)
        elif form.is_valid():
            data = form.cleaned_data
            try:
                suggestion = services.submit_suggestion(
                    year=year,
                    source=Suggestion.Source.ONLINE,
                    text=data["text"],
                    category=data["category"],
                    place=data["place"],
                    name=data["name"],
                    phone=data["phone"],
                    received_on=today(),
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return render(request, "selection/public/suggestion_sent.html", {"suggestion": suggestion})
    return render(request, "selection/public/suggestion_new.html", {"form": form, "year": year})


def public_suggestion(request: HttpRequest, code: str) -> HttpResponse:
    """A suggestion's status for its sender: never the phone number or the sender's name."""
    as_of = parse_as_of(request)
    suggestion = get_object_or_404(
        Suggestion.objects.select_related("category", "candidate"), code=code.strip().upper()
    )
    status = status_of(suggestion, as_of)
    if not status:
        raise Http404
    return render(
        request,
        "selection/public/suggestion_status.html",
        {"suggestion": suggestion, "status": status, "as_of": as_of, "declined": status == rules.DECLINED},
    )


def public_result(request: HttpRequest, year: int) -> HttpResponse:
    as_of = parse_as_of(request)
    result = results.year_result(year, as_of)
    if result is None:
        raise Http404
    return render(request, "selection/public/result.html", {"result": result, "year": year, "as_of": as_of})


# Signed-in pages ------------------------------------------------------------------------


def _require_viewer(user) -> None:
    if not permissions.can_view_selection(user):
        raise PermissionDenied


def _require_office(user) -> None:
    if not permissions.can_manage_selection(user):
        raise PermissionDenied


def _received_by(as_of) -> Q:
    return Q() if as_of is None else Q(received_on__lte=as_of)


@login_required
def selection_index(request: HttpRequest) -> HttpResponse:
    """The list being chosen (in January, this year's, though next year's suggestions may have
    started), else the latest year with a selection, else next year's."""
    _require_viewer(request.user)
    choosing = results.under_way(today())
    if choosing is not None:
        return redirect("selection_home", year=choosing.year)
    years = [
        *Suggestion.objects.values_list("year", flat=True).order_by("-year")[:1],
        *Candidate.objects.values_list("year", flat=True).order_by("-year")[:1],
    ]
    return redirect("selection_home", year=max(years, default=suggestion_year()))


@login_required
def selection_home(request: HttpRequest, year: int) -> HttpResponse:
    """The year's selection at a glance: the pool by field, place and source, the candidates
    with the 人次 behind each, the vote's rounds."""
    _require_viewer(request.user)
    as_of = parse_as_of(request)
    suggestions = list(
        Suggestion.objects.filter(_received_by(as_of), year=year).select_related("category", "candidate")
    )
    statuses = Counter(status_of(s, as_of) for s in suggestions)
    by_category = Counter(s.category.name if s.category else "未分类" for s in suggestions)
    by_place = Counter(s.place or "未填写" for s in suggestions)
    source_labels = dict(Suggestion.Source.choices)
    by_source = Counter(str(source_labels[s.source]) for s in suggestions)
    merged_by = Q(suggestions__merged_on__isnull=False)
    if as_of is not None:
        merged_by &= Q(suggestions__merged_on__lte=as_of)
    candidates = (
        Candidate.objects.filter(year=year)
        .select_related("lead_unit", "category")
        .annotate(
            people=Sum("suggestions__people", filter=merged_by), count=Count("suggestions", filter=merged_by)
        )
        .prefetch_related("funding")
    )
    sessions = VotingSession.objects.filter(year=year).order_by("round")
    return render(
        request,
        "selection/home.html",
        {
            "year": year,
            "as_of": as_of,
            "total": len(suggestions),
            "people": sum(s.people for s in suggestions),
            "statuses": sorted(statuses.items()),
            "by_category": by_category.most_common(),
            "by_place": by_place.most_common(),
            "by_source": by_source.most_common(),
            "candidates": candidates,
            "sessions": sessions,
            "result": results.year_result(year, as_of),
            "can_manage": permissions.can_manage_selection(request.user),
            "session_form": SessionForm(initial={"title": "", "seats": 10}),
        },
    )


@login_required
def suggestion_pool(request: HttpRequest, year: int) -> HttpResponse:
    """The office's pool, filtered by field, place and source, with merge and decline."""
    _require_viewer(request.user)
    as_of = parse_as_of(request)
    filters = Q(year=year) & _received_by(as_of)
    category = request.GET.get("category", "")
    if category.isdigit():
        filters &= Q(category_id=int(category))
    place = request.GET.get("place", "").strip()
    if place:
        filters &= Q(place__contains=place)
    source = request.GET.get("source", "")
    if source in Suggestion.Source.values:
        filters &= Q(source=source)
    suggestions = list(
        Suggestion.objects.filter(filters)
        .select_related("category", "candidate", "deputy")
        .order_by("-received_on", "-id")
    )
    rows = [(s, status_of(s, as_of)) for s in suggestions]
    return render(
        request,
        "selection/pool.html",
        {
            "year": year,
            "as_of": as_of,
            "rows": rows,
            "candidates": Candidate.objects.filter(year=year),
            "categories": Suggestion._meta.get_field("category").related_model.objects.all(),
            "sources": Suggestion.Source.choices,
            "selected": {"category": category, "place": place, "source": source},
            "can_manage": permissions.can_manage_selection(request.user),
        },
    )


@login_required
def suggestion_new(request: HttpRequest, year: int) -> HttpResponse:
    """A deputy files 代表建议 under their own name; the office enters ones received otherwise."""
    user = request.user
    deputy = permissions.can_vote(user) and not permissions.is_office(user)
    if not (deputy or permissions.can_manage_selection(user)):
        raise PermissionDenied
    form = StaffSuggestionForm(request.POST or None, deputy=deputy, initial={"received_on": today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            suggestion = services.submit_suggestion(
                year=year,
                source=data.get("source", Suggestion.Source.DEPUTY),
                text=data["text"],
                category=data["category"],
                place=data["place"],
                name=data.get("name", ""),
                phone=data.get("phone", ""),
                people=data.get("people") or 1,
                received_on=data.get("received_on") or today(),
                by=user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"建议已登记，查询码 {suggestion.code}。")
            return redirect("selection_suggestion_new", year=year)
    mine = Suggestion.objects.filter(year=year, deputy=user).select_related("candidate") if deputy else []
    return render(
        request,
        "selection/suggestion_new.html",
        {"form": form, "year": year, "deputy": deputy, "mine": [(s, status_of(s)) for s in mine]},
    )


@login_required
@require_POST
def suggestion_merge(request: HttpRequest, year: int) -> HttpResponse:
    _require_office(request.user)
    form = MergeForm(request.POST, year=year)
    if form.is_valid():
        try:
            count = services.merge_suggestions(
                request.user, list(form.cleaned_data["suggestions"]), form.cleaned_data["candidate"], today()
            )
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(request, f"已将 {count} 条建议合并至「{form.cleaned_data['candidate']}」。")
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("selection_pool", year=year)


@login_required
@require_POST
def suggestion_decline(request: HttpRequest, year: int, suggestion_id: int) -> HttpResponse:
    _require_office(request.user)
    suggestion = get_object_or_404(Suggestion, pk=suggestion_id, year=year)
    form = DeclineForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["reason"][0])
        services.decline_suggestion(request.user, suggestion, form.cleaned_data["reason"], today())
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, f"建议 {suggestion.code} 已标记为未采纳。")
    return redirect("selection_pool", year=year)


@login_required
@require_POST
def session_open(request: HttpRequest, year: int) -> HttpResponse:
    _require_office(request.user)
    form = SessionForm(request.POST)
    if form.is_valid():
        try:
            session = services.open_session(request.user, year=year, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            return redirect("selection_session", session_id=session.pk)
    else:
        messages.error(request, "；".join(f"{form.fields[f].label}：{e[0]}" for f, e in form.errors.items()))
    return redirect("selection_home", year=year)


@login_required
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    """A round of the vote: a deputy who has not voted gets the phone ballot, one who has sees
    their own ballot (and nobody else's); the office sees the tellers' entry and counting."""
    _require_viewer(request.user)
    session = get_object_or_404(VotingSession, pk=session_id)
    candidates = sorted(session.candidates.all(), key=lambda c: (c.ballot_order or 0, c.pk))
    voted = session.participations.filter(deputy=request.user).exists()
    can_vote = permissions.can_vote(request.user) and not voted and session.state == VotingSession.State.OPEN
    form = VoteForm(request.POST or None, candidates=candidates)
    if request.method == "POST":
        if not permissions.can_vote(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.cast_ballot(request.user, session, form.choices())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "投票成功。")
                return redirect("selection_session", session_id=session.pk)
    own = services.own_ballot(session, request.user) if permissions.can_vote(request.user) else None
    labels = dict(Choice.choices)
    own_rows = [(c, labels.get(own.get(c.pk), "")) for c in candidates] if own else None
    return render(
        request,
        "selection/session.html",
        {
            "session": session,
            "candidates": candidates,
            "form": form,
            "can_vote": can_vote,
            "voted": voted,
            "own_rows": own_rows,
            "participants": session.participations.count(),
            "can_manage": permissions.can_manage_selection(request.user),
        },
    )


@login_required
def session_tally(request: HttpRequest, session_id: int) -> HttpResponse:
    _require_office(request.user)
    session = get_object_or_404(VotingSession, pk=session_id)
    candidates = sorted(session.candidates.all(), key=lambda c: (c.ballot_order or 0, c.pk))
    tallies = {t.candidate_id: t for t in Tally.objects.filter(session=session, method=Tally.Method.PAPER)}
    initial = {
        "paper_ballots_issued": session.paper_ballots_issued,
        "paper_ballots_returned": session.paper_ballots_returned,
        "paper_ballots_valid": session.paper_ballots_valid,
    }
    form = TallyForm(request.POST or None, initial=initial, candidates=candidates, tallies=tallies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_tally(
                request.user,
                session,
                issued=data["paper_ballots_issued"],
                returned=data["paper_ballots_returned"],
                valid=data["paper_ballots_valid"],
                rows=form.rows(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "纸质选票计票已保存。")
            return redirect("selection_session", session_id=session.pk)
    return render(request, "selection/tally.html", {"session": session, "form": form})


@login_required
@require_POST
def session_count(request: HttpRequest, session_id: int) -> HttpResponse:
    _require_office(request.user)
    session = get_object_or_404(VotingSession, pk=session_id)
    try:
        services.count_session(request.user, session, today())
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect("selection_session", session_id=session.pk)
    return redirect("selection_result", year=session.year)


@login_required
@require_POST
def session_runoff(request: HttpRequest, year: int) -> HttpResponse:
    _require_office(request.user)
    try:
        runoff = services.open_runoff(request.user, year, today())
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect("selection_result", year=year)
    return redirect("selection_session", session_id=runoff.pk)


@login_required
def result_page(request: HttpRequest, year: int) -> HttpResponse:
    _require_viewer(request.user)
    as_of = parse_as_of(request)
    result = results.year_result(year, as_of)
    if result is None:
        raise Http404("该年度票决尚未计票")
    plan_item = next((row.candidate.item_id for row in result.rows if row.candidate.item_id), None)
    return render(
        request,
        "selection/result.html",
        {
            "result": result,
            "year": year,
            "as_of": as_of,
            "can_manage": permissions.can_manage_selection(request.user),
            "listed": plan_item is not None,
            "plan_form": DraftPlanForm(initial={"title": f"{year}年区级民生实事", "level": "区级"}),
        },
    )


@login_required
@require_POST
def make_draft_plan(request: HttpRequest, year: int) -> HttpResponse:
    _require_office(request.user)
    form = DraftPlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(f"{form.fields[f].label}：{e[0]}" for f, e in form.errors.items()))
        return redirect("selection_result", year=year)
    try:
        plan = services.create_draft_plan(request.user, year, on=today(), **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect("selection_result", year=year)
    messages.success(request, f"已生成{plan.title}（草拟），请在清单设置中完善后公布。")
    return redirect("plan_detail", plan_id=plan.pk)


@login_required
def candidate_detail(request: HttpRequest, year: int, candidate_id: int) -> HttpResponse:
    """A candidate with its target, money and every suggestion merged into it (by ``as_of``)."""
    _require_viewer(request.user)
    as_of = parse_as_of(request)
    merged = (
        Suggestion.objects.filter(merged_on__isnull=False).select_related("category").order_by("received_on")
    )
    if as_of is not None:
        merged = merged.filter(merged_on__lte=as_of)
    candidate = get_object_or_404(
        Candidate.objects.select_related("lead_unit", "category", "item__plan").prefetch_related(
            "funding", Prefetch("suggestions", queryset=merged)
        ),
        pk=candidate_id,
        year=year,
    )
    suggestions = list(candidate.suggestions.all())
    return render(
        request,
        "selection/candidate.html",
        {
            "candidate": candidate,
            "year": year,
            "as_of": as_of,
            "suggestions": suggestions,
            "people": sum(s.people for s in suggestions),
            "funding_total": sum(f.amount for f in candidate.funding.all()),
        },
    )
