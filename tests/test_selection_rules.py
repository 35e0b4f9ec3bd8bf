"""The rules of the deputies' vote and of a suggestion's status, as plain functions."""

import datetime as dt

from selection import rules


def test_a_ballot_with_more_in_favour_than_places_is_invalid():
    assert rules.ballot_is_valid(10, 10)
    assert rules.ballot_is_valid(0, 10)
    assert not rules.ballot_is_valid(11, 10)


def test_adoption_needs_more_than_half_of_all_deputies_not_of_those_voting():
    assert not rules.has_majority_of_all(60, 120)  # exactly half is not more than half
    assert rules.has_majority_of_all(61, 120)
    assert rules.has_majority_of_all(61, 121)
    assert not rules.has_majority_of_all(60, 121)


def test_a_tally_may_not_exceed_the_valid_ballots():
    assert rules.tally_fits(100, 10, 4, 114)
    assert not rules.tally_fits(100, 10, 5, 114)
    assert not rules.tally_fits(-1, 0, 0, 114)


def test_the_vote_needs_more_candidates_than_places():
    assert rules.enough_candidates(13, 10)
    assert not rules.enough_candidates(10, 10)
    assert not rules.enough_candidates(9, 10)
    assert not rules.enough_candidates(3, 0)


def test_ranks_are_by_votes_in_favour_and_ties_share_a_rank():
    assert rules.rank_by_votes({"a": 90, "b": 100, "c": 90, "d": 50}) == {"a": 2, "b": 1, "c": 2, "d": 4}


def test_the_most_voted_among_those_with_a_majority_are_adopted_up_to_the_places():
    votes = {"a": 110, "b": 100, "c": 90, "d": 80, "e": 59}
    decision = rules.decide(votes, 3, 120)
    assert decision.adopted == ["a", "b", "c"] and not decision.needs_another_round


def test_a_candidate_without_a_majority_is_not_adopted_even_with_places_left():
    decision = rules.decide({"a": 110, "b": 60, "c": 30}, 2, 120)
    assert decision.adopted == ["a"] and decision.tied == []


def test_a_tie_at_the_last_place_goes_to_a_second_round_for_the_places_left():
    decision = rules.decide({"a": 110, "b": 90, "c": 90, "d": 90, "e": 70}, 2, 120)
    assert decision.adopted == ["a"]
    assert sorted(decision.tied) == ["b", "c", "d"] and decision.places_left == 1
    assert decision.needs_another_round


def test_a_tie_that_fits_within_the_places_needs_no_second_round():
    decision = rules.decide({"a": 110, "b": 90, "c": 90, "d": 70}, 3, 120)
    assert sorted(decision.adopted) == ["a", "b", "c"] and not decision.needs_another_round


def test_the_second_round_decides_among_the_tied_only_with_the_same_majority_rule():
    first = {"a": 110, "b": 90, "c": 90, "d": 90, "e": 70}
    decision = rules.decide(first, 2, 120, [{"b": 70, "c": 80, "d": 40, "e": 119}])
    assert decision.adopted == ["a", "c"] and not decision.needs_another_round
    without_majority = rules.decide(first, 2, 120, [{"b": 50, "c": 60, "d": 40}])
    assert without_majority.adopted == ["a"] and not without_majority.needs_another_round
    tied_again = rules.decide(first, 2, 120, [{"b": 80, "c": 80, "d": 40}])
    assert tied_again.adopted == ["a"] and sorted(tied_again.tied) == ["b", "c"]


def test_a_suggestions_status_follows_its_dates():
    base = {"received_on": dt.date(2026, 8, 1), "merged_on": None, "declined_on": None}
    assert rules.suggestion_status(**base, listed_on=None, listed_year=None) == "已受理"
    merged = base | {"merged_on": dt.date(2026, 10, 1)}
    assert rules.suggestion_status(**merged, listed_on=None, listed_year=2027) == "已合并至候选项目"
    listed = {**merged, "listed_on": dt.date(2026, 11, 20), "listed_year": 2027}
    assert rules.suggestion_status(**listed) == "已列入2027年民生实事"
    assert rules.suggestion_status(**listed, as_of=dt.date(2026, 11, 1)) == "已合并至候选项目"
    assert rules.suggestion_status(**listed, as_of=dt.date(2026, 9, 1)) == "已受理"
    assert rules.suggestion_status(**listed, as_of=dt.date(2026, 7, 1)) == ""
    declined = base | {"declined_on": dt.date(2026, 9, 10)}
    assert rules.suggestion_status(**declined, listed_on=None, listed_year=None) == "未采纳"
