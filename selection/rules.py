"""The rules of choosing the list, each one plain function (票决规则).

Counts are numbers of deputies or of ballots; nothing here reads the database.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

# What a suggestion's status reads as; the public status page and the API say these words.
RECEIVED = "已受理"
MERGED = "已合并至候选项目"
DECLINED = "未采纳"


def ballot_is_valid(votes_in_favour: int, seats: int) -> bool:
    """A ballot marking 赞成 for more candidates than there are places (应选数) is invalid."""
    return votes_in_favour <= seats


def has_majority_of_all(votes_for: int, deputies_total: int) -> bool:
    """A candidate may be adopted only with 赞成 from more than half of ALL deputies in office
    (全体代表的过半数) — not of those present or of the valid ballots."""
    return votes_for * 2 > deputies_total


def tally_fits(votes_for: int, votes_against: int, abstentions: int, valid_ballots: int) -> bool:
    """A candidate's 赞成 + 反对 + 弃权 cannot exceed the valid ballots counted."""
    return min(votes_for, votes_against, abstentions) >= 0 and (
        votes_for + votes_against + abstentions <= valid_ballots
    )


def enough_candidates(candidates: int, seats: int) -> bool:
    """The vote is competitive (差额): more candidates than places, and at least one place."""
    return seats >= 1 and candidates > seats


def rank_by_votes(votes_for: Mapping[Hashable, int]) -> dict[Hashable, int]:
    """Each candidate's rank by 赞成, ties sharing a rank (1, 2, 2, 4)."""
    return {
        key: 1 + sum(1 for other in votes_for.values() if other > votes) for key, votes in votes_for.items()
    }


@dataclass(frozen=True)
class Decision:
    """Who is adopted, in order; and, when a tie at the last place leaves places open, who is
    tied for them (a further round is needed)."""

    adopted: list = field(default_factory=list)
    tied: list = field(default_factory=list)
    places_left: int = 0

    @property
    def needs_another_round(self) -> bool:
        return bool(self.tied)


def decide(
    votes_for: Mapping[Hashable, int],
    seats: int,
    deputies_total: int,
    later_rounds: Sequence[Mapping[Hashable, int]] = (),
) -> Decision:
    """Adopt, among the candidates with 赞成 from more than half of all deputies, those with
    the most 赞成, up to ``seats``. When candidates tie at the last place and taking them all
    would pass ``seats``, the ones above the tie are adopted and the tied ones go to another
    round for the places left; ``later_rounds`` holds that round's 赞成 (and any after it),
    decided by the same rule among the tied candidates only."""
    eligible = {key: votes for key, votes in votes_for.items() if has_majority_of_all(votes, deputies_total)}
    ordered = sorted(eligible, key=lambda key: -eligible[key])
    if len(ordered) <= seats:
        return Decision(adopted=ordered)
    cutoff = eligible[ordered[seats - 1]]
    above = [key for key in ordered if eligible[key] > cutoff]
    at_cutoff = [key for key in ordered if eligible[key] == cutoff]
    if len(above) + len(at_cutoff) <= seats:
        return Decision(adopted=above + at_cutoff)
    places_left = seats - len(above)
    if not later_rounds:
        return Decision(adopted=above, tied=at_cutoff, places_left=places_left)
    runoff = {key: later_rounds[0].get(key, 0) for key in at_cutoff}
    rest = decide(runoff, places_left, deputies_total, later_rounds[1:])
    return Decision(adopted=above + rest.adopted, tied=rest.tied, places_left=rest.places_left)


def suggestion_status(
    *,
    received_on: date,
    merged_on: date | None,
    declined_on: date | None,
    listed_on: date | None,
    listed_year: int | None,
    as_of: date | None = None,
) -> str:
    """What a suggestion's sender is told on a day: 已受理 once received; 已合并至候选项目 once
    merged into a candidate; 未采纳 once declined; 已列入 N 年民生实事 once its candidate was
    put on year N's list. ``as_of`` None means today (every recorded step counts)."""

    def by(day: date | None) -> bool:
        return day is not None and (as_of is None or day <= as_of)

    if not by(received_on):
        return ""
    if by(declined_on):
        return DECLINED
    if by(merged_on):
        if by(listed_on):
            return f"已列入{listed_year}年民生实事"
        return MERGED
    return RECEIVED
