"""The selection's pages: the public suggestion form and status, the office's pool and triage,
the vote (phone ballots, tellers' tallies, counting, a second round), the result and making
next year's draft list. Views translate; ``services`` writes, ``results`` and ``rules`` decide.

Every record belongs to one region's selection (``selection.regions``). A page with a year reads
that year's selection of the user's region (``?region=`` names another one of theirs); a page of
one record finds it through ``projects.scope`` (a neighbour's is 404); only an office that may
manage the record's region acts on it (otherwise 403 with ``permissions.region_refusal``'s
reason)."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.dates import parse_as_of, today
from core.forms import apply_errors
from core.public_forms import TOO_OFTEN, sent_too_often
from projects import permissions, scope
from projects.models import Region
from selection import regions, results, rules, services
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


def _query(region: Region | None, as_of=None) -> str:
    """The query string keeping a page's region (and day) on the links it gives."""
    params = {}
    if region is not None:
        params["region"] = region.code
    if as_of is not None:
        params["as_of"] = as_of.isoformat()
    return f"?{urlencode(params)}" if params else ""


def _to(name: str, region: Region | None, **kwargs) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse(name, kwargs=kwargs) + _query(region))


def _region(request: HttpRequest, year: int) -> Region | None:
    """The region whose selection of ``year`` the page means (``regions.selection_region``)."""
    return regions.selection_region(request.user, year, request.GET.get("region", "").strip() or None)


def _public_region(request: HttpRequest) -> Region | None:
    """The region a public page is for: ``?region=`` if it names one, else the site's county."""
    code = request.GET.get("region", "").strip()
    if not code:
        return regions.default_region()
    return get_object_or_404(Region, code=code)


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
    """A resident's suggestion, for the site's county (``regions.default_region``) or the region
    the link names (``?region=``)."""
    year = suggestion_year()
    region = _public_region(request)
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
                    region=region,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return render(request, "selection/public/suggestion_sent.html", {"suggestion": suggestion})
    return render(
        request, "selection/public/suggestion_new.html", {"form": form, "year": year, "region": region}
    )


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
    region = _public_region(request)
    result = results.year_result(year, as_of, region=region)
    if result is None:
        raise Http404
    return render(
        request,
        "selection/public/result.html",
        {"result": result, "year": year, "as_of": as_of, "region": region, "query": _query(region)},
    )


# Signed-in pages ------------------------------------------------------------------------


def _require_viewer(user) -> None:
    if not permissions.can_view_selection(user):
        raise PermissionDenied


def _received_by(as_of) -> Q:
    return Q() if as_of is None else Q(received_on__lte=as_of)


@login_required
def selection_index(request: HttpRequest) -> HttpResponse:
    """The list being chosen (in January, this year's, though next year's suggestions may have
    started), else the latest year with a selection, else next year's."""
    user = request.user
    _require_viewer(user)
    # The user's region's selection; a user without a region, whichever region's (the year's
    # page then reads the region of that year's selection).
    own = regions.acting_region(user)
    mine = Q() if own is None else regions.of(own)
    choosing = results.under_way(today()) if own is None else results.under_way(today(), region=own)
    if choosing is not None:
        return redirect("selection_home", year=choosing.year)
    years = [
        *scope.readable(user, Suggestion.objects.filter(mine))
        .values_list("year", flat=True)
        .order_by("-year")[:1],
        *scope.readable(user, Candidate.objects.filter(mine))
        .values_list("year", flat=True)
        .order_by("-year")[:1],
    ]
    return redirect("selection_home", year=max(years, default=suggestion_year()))


@login_required
def selection_home(request: HttpRequest, year: int) -> HttpResponse:
    """The year's selection at a glance: the pool by field, place and source, the candidates
    with the 人次 behind each, the vote's rounds."""
    user = request.user
    _require_viewer(user)
    as_of = parse_as_of(request)
    region = _region(request, year)
    suggestions = list(
        scope.readable(
            user, Suggestion.objects.filter(regions.of(region), _received_by(as_of), year=year)
        ).select_related("category", "candidate")
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
        scope.readable(user, Candidate.objects.filter(regions.of(region), year=year))
        .select_related("lead_unit", "category")
        .annotate(
            people=Sum("suggestions__people", filter=merged_by), count=Count("suggestions", filter=merged_by)
        )
        .prefetch_related("funding")
    )
    sessions = scope.readable(user, VotingSession.objects.filter(regions.of(region), year=year)).order_by(
        "round"
    )
    return render(
        request,
        "selection/home.html",
        {
            "year": year,
            "region": region,
            "query": _query(region, as_of),
            "region_query": _query(region),
            "as_of": as_of,
            "total": len(suggestions),
            "people": sum(s.people for s in suggestions),
            "statuses": sorted(statuses.items()),
            "by_category": by_category.most_common(),
            "by_place": by_place.most_common(),
            "by_source": by_source.most_common(),
            "candidates": candidates,
            "sessions": sessions,
            "result": results.year_result(year, as_of, region=region),
            "can_manage": regions.can_manage(user, region),
            "session_form": SessionForm(initial={"title": "", "seats": 10}),
        },
    )


@login_required
def suggestion_pool(request: HttpRequest, year: int) -> HttpResponse:
    """The office's pool, filtered by field, place and source, with merge and decline."""
    user = request.user
    _require_viewer(user)
    as_of = parse_as_of(request)
    region = _region(request, year)
    filters = regions.of(region) & Q(year=year) & _received_by(as_of)
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
        scope.readable(user, Suggestion.objects.filter(filters))
        .select_related("category", "candidate", "deputy")
        .order_by("-received_on", "-id")
    )
    rows = [(s, status_of(s, as_of)) for s in suggestions]
    return render(
        request,
        "selection/pool.html",
        {
            "year": year,
            "region": region,
            "region_query": _query(region),
            "as_of": as_of,
            "rows": rows,
            "candidates": scope.readable(user, Candidate.objects.filter(regions.of(region), year=year)),
            "categories": Suggestion._meta.get_field("category").related_model.objects.all(),
            "sources": Suggestion.Source.choices,
            "selected": {"category": category, "place": place, "source": source},
            "can_manage": regions.can_manage(user, region),
        },
    )


@login_required
def suggestion_new(request: HttpRequest, year: int) -> HttpResponse:
    """A deputy files 代表建议 under their own name; the office enters ones received otherwise."""
    user = request.user
    deputy = permissions.can_vote(user) and not permissions.is_office(user)
    if not (deputy or permissions.can_manage_selection(user)):
        raise PermissionDenied
    region = _region(request, year)
    if not deputy:
        regions.require_manage(user, region)
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
                region=region,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"建议已登记，查询码 {suggestion.code}。")
            return _to("selection_suggestion_new", region, year=year)
    mine = (
        Suggestion.objects.filter(regions.of(region), year=year, deputy=user).select_related("candidate")
        if deputy
        else []
    )
    return render(
        request,
        "selection/suggestion_new.html",
        {
            "form": form,
            "year": year,
            "region": region,
            "region_query": _query(region),
            "deputy": deputy,
            "mine": [(s, status_of(s)) for s in mine],
        },
    )


@login_required
@require_POST
def suggestion_merge(request: HttpRequest, year: int) -> HttpResponse:
    user = request.user
    region = _region(request, year)
    regions.require_manage(user, region)
    # A suggestion or candidate the office cannot read is not even said to exist.
    asked = [pk for pk in request.POST.getlist("suggestions") if pk.isdigit()]
    if len(set(asked)) != scope.readable(user, Suggestion.objects.filter(pk__in=asked)).count():
        raise Http404
    candidate_id = request.POST.get("candidate", "")
    if (
        candidate_id.isdigit()
        and not scope.readable(user, Candidate.objects.filter(pk=candidate_id)).exists()
    ):
        raise Http404
    form = MergeForm(request.POST, year=year, region=region)
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
    return _to("selection_pool", region, year=year)


@login_required
@require_POST
def suggestion_decline(request: HttpRequest, year: int, suggestion_id: int) -> HttpResponse:
    suggestion = scope.readable_or_404(
        request.user, Suggestion.objects.select_related("region"), pk=suggestion_id, year=year
    )
    regions.require_manage(request.user, suggestion.region)
    form = DeclineForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["reason"][0])
        services.decline_suggestion(request.user, suggestion, form.cleaned_data["reason"], today())
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, f"建议 {suggestion.code} 已标记为未采纳。")
    return _to("selection_pool", suggestion.region, year=year)


@login_required
@require_POST
def session_open(request: HttpRequest, year: int) -> HttpResponse:
    region = _region(request, year)
    regions.require_manage(request.user, region)
    form = SessionForm(request.POST)
    if form.is_valid():
        try:
            session = services.open_session(request.user, year=year, region=region, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            return redirect("selection_session", session_id=session.pk)
    else:
        messages.error(request, "；".join(f"{form.fields[f].label}：{e[0]}" for f, e in form.errors.items()))
    return _to("selection_home", region, year=year)


def _session(request: HttpRequest, session_id: int) -> VotingSession:
    """A round the user may read (a neighbour's is 404)."""
    return scope.readable_or_404(request.user, VotingSession.objects.select_related("region"), pk=session_id)


def _managed_session(request: HttpRequest, session_id: int) -> VotingSession:
    """A round the user may read and manage (403 with the reason for one they only read)."""
    session = _session(request, session_id)
    regions.require_manage(request.user, session.region)
    return session


@login_required
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    """A round of the vote: a deputy who has not voted gets the phone ballot, one who has sees
    their own ballot (and nobody else's); the office sees the tellers' entry and counting."""
    _require_viewer(request.user)
    session = _session(request, session_id)
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
            "can_manage": regions.can_manage(request.user, session.region),
            "region_query": _query(session.region),
        },
    )


@login_required
def session_tally(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _managed_session(request, session_id)
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
    session = _managed_session(request, session_id)
    try:
        services.count_session(request.user, session, today())
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect("selection_session", session_id=session.pk)
    return _to("selection_result", session.region, year=session.year)


@login_required
@require_POST
def session_runoff(request: HttpRequest, year: int) -> HttpResponse:
    region = _region(request, year)
    regions.require_manage(request.user, region)
    try:
        runoff = services.open_runoff(request.user, year, today(), region=region)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return _to("selection_result", region, year=year)
    return redirect("selection_session", session_id=runoff.pk)


@login_required
def result_page(request: HttpRequest, year: int) -> HttpResponse:
    _require_viewer(request.user)
    as_of = parse_as_of(request)
    region = _region(request, year)
    result = results.year_result(year, as_of, region=region)
    if result is None:
        raise Http404("该年度票决尚未计票")
    plan_item = next((row.candidate.item_id for row in result.rows if row.candidate.item_id), None)
    return render(
        request,
        "selection/result.html",
        {
            "result": result,
            "year": year,
            "region": region,
            "region_query": _query(region),
            "as_of": as_of,
            "can_manage": regions.can_manage(request.user, region),
            "listed": plan_item is not None,
            "plan_form": DraftPlanForm(
                initial={
                    # Titles are unique within a year: name the county whose list it is.
                    "title": f"{year}年{region.name}民生实事" if region else f"{year}年区级民生实事",
                    "region": region.name if region else "",
                    "level": "区级",
                }
            ),
        },
    )


@login_required
@require_POST
def make_draft_plan(request: HttpRequest, year: int) -> HttpResponse:
    region = _region(request, year)
    regions.require_manage(request.user, region)
    form = DraftPlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(f"{form.fields[f].label}：{e[0]}" for f, e in form.errors.items()))
        return _to("selection_result", region, year=year)
    try:
        plan = services.create_draft_plan(
            request.user, year, on=today(), vote_region=region, **form.cleaned_data
        )
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return _to("selection_result", region, year=year)
    messages.success(request, f"已生成{plan.title}（草拟），请在清单设置中完善后公布。")
    return redirect("plan_detail", plan_id=plan.pk)


@login_required
def candidate_detail(request: HttpRequest, year: int, candidate_id: int) -> HttpResponse:
    """A candidate with its target, money and every suggestion merged into it (by ``as_of``)."""
    user = request.user
    _require_viewer(user)
    as_of = parse_as_of(request)
    merged = (
        scope.readable(user, Suggestion.objects.filter(merged_on__isnull=False))
        .select_related("category")
        .order_by("received_on")
    )
    if as_of is not None:
        merged = merged.filter(merged_on__lte=as_of)
    candidate = scope.readable_or_404(
        user,
        Candidate.objects.select_related("region", "lead_unit", "category", "item__plan").prefetch_related(
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
            "region_query": _query(candidate.region),
            "as_of": as_of,
            "suggestions": suggestions,
            "people": sum(s.people for s in suggestions),
            "funding_total": sum(f.amount for f in candidate.funding.all()),
        },
    )
