"""Reading a year's vote: the counts of every round (paper tallies plus electronic ballots)
and the decision ``rules.decide`` draws from them. Pages, the API and the list-making service
all read the result here; none counts on its own. A year's vote is one region's
(``selection.regions``): two counties vote their lists of the same year apart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from projects.models import Region
from selection import rules
from selection.models import Ballot, Candidate, Tally, VoteParticipation, VotingSession
from selection.regions import of as _of

# ``under_way``'s "whatever the region" (the dashboard's banner), as opposed to one region's.
ANY_REGION = object()


@dataclass(frozen=True)
class Counts:
    votes_for: int = 0
    votes_against: int = 0
    abstentions: int = 0


@dataclass(frozen=True)
class RoundCounts:
    session: VotingSession
    candidates: list[Candidate]
    ballots_issued: int
    ballots_returned: int
    ballots_valid: int
    electronic_ballots: int
    counts: dict[int, Counts]

    def votes_for(self) -> dict[int, int]:
        return {c.pk: self.counts[c.pk].votes_for for c in self.candidates}


@dataclass(frozen=True)
class CandidateRow:
    candidate: Candidate
    rank: int
    votes_for: int
    votes_against: int
    abstentions: int
    adopted: bool
    has_majority: bool
    runoff_votes_for: int | None


@dataclass(frozen=True)
class YearResult:
    year: int
    first: RoundCounts
    runoff: RoundCounts | None
    decision: rules.Decision
    rows: list[CandidateRow]
    as_of: date | None

    @property
    def session(self) -> VotingSession:
        return self.first.session

    @property
    def adopted(self) -> list[Candidate]:
        by_pk = {row.candidate.pk: row.candidate for row in self.rows}
        return [by_pk[pk] for pk in self.decision.adopted]

    @property
    def tied(self) -> list[Candidate]:
        by_pk = {row.candidate.pk: row.candidate for row in self.rows}
        return [by_pk[pk] for pk in self.decision.tied]

    @property
    def is_final(self) -> bool:
        return not self.decision.needs_another_round


def counted_by(session: VotingSession, as_of: date | None) -> bool:
    """Whether a session's count had been declared on a day (None: today)."""
    return session.state == VotingSession.State.COUNTED and (
        as_of is None or (session.counted_on is not None and session.counted_on <= as_of)
    )


def round_counts(session: VotingSession) -> RoundCounts:
    """A session's ballots and each candidate's 赞成/反对/弃权: the tellers' paper tallies plus
    the phone counts (every phone ballot is valid: one marking too many 赞成 is refused before
    it is cast)."""
    candidates = sorted(session.candidates.all(), key=lambda c: (c.ballot_order or 0, c.pk))
    sums = {
        row["candidate_id"]: Counts(row["f"] or 0, row["a"] or 0, row["ab"] or 0)
        for row in Tally.objects.filter(session=session)
        .values("candidate_id")
        .annotate(f=Sum("votes_for"), a=Sum("votes_against"), ab=Sum("abstentions"))
    }
    counts = {c.pk: sums.get(c.pk, Counts()) for c in candidates}
    # Counted along with the session by ``sessions_of``; else here.
    electronic = getattr(session, "electronic_ballots", None)
    if electronic is None:
        electronic = session.ballots.count()
    participants = getattr(session, "phone_participants", None)
    if participants is None:
        participants = session.participations.count()
    return RoundCounts(
        session=session,
        candidates=candidates,
        ballots_issued=session.paper_ballots_issued + participants,
        ballots_returned=session.paper_ballots_returned + electronic,
        ballots_valid=session.paper_ballots_valid + electronic,
        electronic_ballots=electronic,
        counts=counts,
    )


def _count_of(model) -> Coalesce:
    """How many rows of ``model`` a session has, as a subquery of the session's row."""
    rows = model.objects.filter(session=OuterRef("pk")).order_by().values("session")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), Value(0))


def sessions_of(year: int, region: Region | None) -> dict[int, VotingSession]:
    """The rounds of a region's vote of a year (of the votes without a region for None), each
    with its phone ballots and phone voters counted."""
    return {
        s.round: s
        for s in VotingSession.objects.filter(_of(region), year=year)
        .select_related("region")
        .annotate(electronic_ballots=_count_of(Ballot), phone_participants=_count_of(VoteParticipation))
        .prefetch_related("candidates")
    }


def year_result(year: int, as_of: date | None = None, *, region: Region | None) -> YearResult | None:
    """A region's result of the year as declared by ``as_of`` (None: today), or None before
    round 1 was counted. A second round counts once it was counted by then too."""
    sessions = sessions_of(year, region)
    first_session = sessions.get(1)
    if first_session is None or not counted_by(first_session, as_of):
        return None
    first = round_counts(first_session)
    runoff_session = sessions.get(2)
    runoff = round_counts(runoff_session) if runoff_session and counted_by(runoff_session, as_of) else None
    later = [runoff.votes_for()] if runoff else []
    decision = rules.decide(first.votes_for(), first_session.seats, first_session.deputies_total, later)
    ranks = rules.rank_by_votes(first.votes_for())
    adopted = set(decision.adopted)
    rows = [
        CandidateRow(
            candidate=c,
            rank=ranks[c.pk],
            votes_for=first.counts[c.pk].votes_for,
            votes_against=first.counts[c.pk].votes_against,
            abstentions=first.counts[c.pk].abstentions,
            adopted=c.pk in adopted,
            has_majority=rules.has_majority_of_all(
                first.counts[c.pk].votes_for, first_session.deputies_total
            ),
            runoff_votes_for=runoff.counts[c.pk].votes_for if runoff and c.pk in runoff.counts else None,
        )
        for c in first.candidates
    ]
    rows.sort(key=lambda row: (row.rank, row.candidate.ballot_order or 0))
    return YearResult(year=year, first=first, runoff=runoff, decision=decision, rows=rows, as_of=as_of)


@dataclass(frozen=True)
class UnderWay:
    """A list being chosen: its year and how far the choosing has got."""

    year: int
    stage: str


def under_way(on: date, region=ANY_REGION) -> UnderWay | None:
    """The list being chosen on ``on`` (this year's or a later one): the earliest such year
    with suggestions received or candidates drafted whose voted list is not yet published;
    what it has got to: suggestions, candidates, the vote, the vote counted. None when no list
    is being chosen. ``region``: that region's selection only (None: the rows without one);
    by default any region's."""
    from projects.models import Plan
    from selection.models import Suggestion

    mine = Q() if region is ANY_REGION else _of(region)
    candidate_of = Q() if region is ANY_REGION else Q(items__candidate__in=Candidate.objects.filter(mine))
    years = set(
        Suggestion.objects.filter(mine, year__gte=on.year, received_on__lte=on).values_list("year", flat=True)
    )
    years |= set(Candidate.objects.filter(mine, year__gte=on.year).values_list("year", flat=True))
    published = set(
        Plan.objects.filter(
            candidate_of,
            year__in=years,
            status__in=[Plan.Status.PUBLISHED, Plan.Status.CLOSED],
            published_on__lte=on,
            items__candidate__isnull=False,
        ).values_list("year", flat=True)
    )
    years -= published
    if not years:
        return None
    year = min(years)
    sessions = VotingSession.objects.filter(mine, year=year)
    session = sessions.filter(held_on__lte=on).order_by("-round").first()
    if session is None:
        session = sessions.order_by("round").first()
    if session is not None and session.counted_on is not None and session.counted_on <= on:
        stage = "人大代表已票决，清单待公布"
    elif session is not None:
        stage = f"人大代表票决中（{session.held_on.month}月{session.held_on.day}日表决）"
    elif Candidate.objects.filter(mine, year=year).exists():
        stage = "候选项目已拟定，待人大代表票决"
    else:
        stage = "正在征集民生实事建议"
    return UnderWay(year, stage)
