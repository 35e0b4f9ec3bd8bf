"""Every write of the selection: filing and triaging suggestions, opening a vote, casting and
counting ballots, and turning the result into next year's draft list. Each checks who may do it
and refuses bad input with a Chinese ``ValidationError`` before anything is saved.

Everything belongs to one region's selection (``selection.regions``): what is filed or opened
is recorded with the region it is for (by default the acting user's, see
``regions.selection_region``), and only an office that may manage that region acts on it (a
neighbour's office is refused with ``permissions.region_refusal``'s reason)."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import date

from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.crypto import salted_hmac

from projects import permissions
from projects.models import FundingLine, Item, Plan, Region, SubItem
from selection import regions, results, rules
from selection.models import Ballot, Candidate, Choice, Suggestion, Tally, VoteParticipation, VotingSession

# Tracking codes avoid letters and digits a resident could misread (0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8

# "The region of the selection the acting user works on" (``regions.selection_region``), as
# opposed to an explicit region (None: the rows without one).
OWN = object()


def _region_for(user, year: int, region) -> Region | None:
    return regions.selection_region(user, year) if region is OWN else region


def new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not Suggestion.objects.filter(code=code).exists():
            return code


def submit_suggestion(
    *,
    year: int,
    source: str,
    text: str,
    received_on: date,
    category=None,
    place: str = "",
    name: str = "",
    phone: str = "",
    people: int = 1,
    by=None,
    region=OWN,
) -> Suggestion:
    """File a suggestion. From the public form ``by`` is None and the source is 网上征集 (for
    the site's county, ``regions.default_region``, unless the form names one); a deputy files
    代表建议 under their own name; the office enters paper, phone and hotline ones, each for
    the region it manages."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "请填写建议内容。"})
    if source not in Suggestion.Source.values:
        raise ValidationError({"source": "请选择建议来源。"})
    deputy = None
    if by is None:
        if source != Suggestion.Source.ONLINE:
            raise PermissionDenied
    elif permissions.is_office(by):
        if source == Suggestion.Source.ONLINE:
            raise ValidationError({"source": "督查室录入的建议请选择书面来信、来电、12345热线或代表建议。"})
    elif permissions.is_deputy(by):
        source, deputy, name = Suggestion.Source.DEPUTY, by, str(by)
    else:
        raise PermissionDenied
    if source == Suggestion.Source.DEPUTY and not name.strip():
        raise ValidationError({"name": "代表建议须写明代表姓名。"})
    if by is None:
        region = regions.default_region() if region is OWN else region
    else:
        region = _region_for(by, year, region)
        if permissions.is_office(by):
            regions.require_manage(by, region)
        else:
            refusal = permissions.region_refusal(by, region)
            if refusal is not None:
                raise PermissionDenied(refusal)
    suggestion = Suggestion(
        code=new_code(),
        region=region,
        year=year,
        source=source,
        text=text,
        category=category,
        place=place.strip(),
        name=name.strip(),
        phone=phone.strip(),
        people=people,
        deputy=deputy,
        entered_by=by if by is not None and deputy is None else None,
        received_on=received_on,
    )
    suggestion.full_clean()
    suggestion.save()
    return suggestion


@transaction.atomic
def merge_suggestions(user, suggestions: list[Suggestion], candidate: Candidate, on: date) -> int:
    """Merge suggestions (duplicates of one another) into a candidate: each keeps its own link
    and its 人次, which the candidate's count adds up."""
    regions.require_manage(user, candidate.region)
    if not suggestions:
        raise ValidationError({"suggestions": "请至少选择一条建议。"})
    for suggestion in suggestions:
        regions.require_manage(user, suggestion.region)
        if suggestion.year != candidate.year:
            raise ValidationError({"candidate": f"建议 {suggestion.code} 与候选项目不属于同一年度。"})
        if suggestion.region_id != candidate.region_id:
            raise ValidationError({"candidate": f"建议 {suggestion.code} 与候选项目不属于同一地区。"})
        if suggestion.state == Suggestion.State.DECLINED:
            raise ValidationError({"suggestions": f"建议 {suggestion.code} 已不予采纳，不能合并。"})
    ids = [s.pk for s in suggestions]
    return Suggestion.objects.filter(pk__in=ids).update(
        state=Suggestion.State.MERGED, candidate=candidate, merged_on=on
    )


@transaction.atomic
def decline_suggestion(user, suggestion: Suggestion, reason: str, on: date) -> None:
    regions.require_manage(user, suggestion.region)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写未采纳的理由。"})
    if suggestion.state != Suggestion.State.RECEIVED:
        raise ValidationError({"reason": "只有已受理、尚未合并的建议可以不予采纳。"})
    suggestion.state = Suggestion.State.DECLINED
    suggestion.decline_reason = reason
    suggestion.declined_on = on
    suggestion.save(update_fields=["state", "decline_reason", "declined_on"])


@transaction.atomic
def open_session(
    user, *, year: int, title: str, held_on: date, deputies_total: int, seats: int, region=OWN
) -> VotingSession:
    """Open round 1 of a region's vote of a year on its candidates placed on the ballot (票面顺序)."""
    region = _region_for(user, year, region)
    regions.require_manage(user, region)
    candidates = list(
        Candidate.objects.filter(regions.of(region), year=year, ballot_order__isnull=False, item__isnull=True)
    )
    if not rules.enough_candidates(len(candidates), seats):
        raise ValidationError(
            {"seats": f"候选项目（{len(candidates)}个）须多于应选数（{seats}个），实行差额票决。"}
        )
    if VotingSession.objects.filter(regions.of(region), year=year, round=1).exists():
        raise ValidationError({"year": f"{year}年的票决已经开始，不能重复设立。"})
    session = VotingSession(
        region=region,
        year=year,
        round=1,
        title=title.strip(),
        held_on=held_on,
        deputies_total=deputies_total,
        seats=seats,
    )
    session.full_clean()
    session.save()
    _put_on_ballot(session, candidates)
    return session


def _put_on_ballot(session: VotingSession, candidates: list[Candidate]) -> None:
    """The session's candidates, each with its phone count starting at zero."""
    session.candidates.set(candidates)
    Tally.objects.bulk_create(
        Tally(session=session, candidate=c, method=Tally.Method.PHONE) for c in candidates
    )


def receipt_for(session: VotingSession, deputy) -> str:
    """The key a deputy's phone ballot is stored under: only the server, holding the secret
    key, can compute it from the deputy; the database alone does not link the two."""
    return salted_hmac("selection.ballot", f"{session.pk}:{deputy.pk}", algorithm="sha256").hexdigest()


def _seal(session: VotingSession, deputy) -> Fernet:
    """The cipher sealing a deputy's ballot, keyed like the receipt but apart from it."""
    key = salted_hmac("selection.ballot-seal", f"{session.pk}:{deputy.pk}", algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(key))


def own_ballot(session: VotingSession, deputy) -> dict[int, str] | None:
    """The choices of this deputy's own phone ballot, or None if they cast none (or the
    server's secret key changed since)."""
    ballot = Ballot.objects.filter(session=session, receipt=receipt_for(session, deputy)).first()
    if ballot is None:
        return None
    try:
        opened = json.loads(_seal(session, deputy).decrypt(ballot.sealed.encode()))
    except InvalidToken:
        return None
    return {int(pk): choice for pk, choice in opened.items()}


def cast_ballot(deputy, session: VotingSession, choices: dict[int, str]) -> None:
    """A deputy votes once per round on their phone: 赞成/反对/弃权 for every candidate, at most
    应选数 赞成. Who voted (the participation) is stored apart from what was voted: the choices
    go straight into the session's phone counts, and the ballot keeps them only sealed."""
    if not permissions.can_vote(deputy):
        raise PermissionDenied
    refusal = permissions.region_refusal(deputy, session.region)
    if refusal is not None:
        raise PermissionDenied(refusal)
    if session.state != VotingSession.State.OPEN:
        raise ValidationError({"__all__": "本轮投票已结束。"})
    candidate_ids = set(session.candidates.values_list("pk", flat=True))
    if set(choices) != candidate_ids or any(c not in Choice.values for c in choices.values()):
        raise ValidationError({"__all__": "请对每一个候选项目选择赞成、反对或弃权。"})
    in_favour = sum(1 for choice in choices.values() if choice == Choice.FOR)
    if not rules.ballot_is_valid(in_favour, session.seats):
        raise ValidationError(
            {"__all__": f"赞成票不能多于应选数：您选了{in_favour}个赞成，应选{session.seats}个。"}
        )
    sealed = _seal(session, deputy).encrypt(json.dumps({str(k): v for k, v in choices.items()}).encode())
    counted = {Choice.FOR: "votes_for", Choice.AGAINST: "votes_against", Choice.ABSTAIN: "abstentions"}
    try:
        with transaction.atomic():
            locked = VotingSession.objects.select_for_update().get(pk=session.pk)
            if locked.state != VotingSession.State.OPEN:
                raise ValidationError({"__all__": "本轮投票已结束。"})
            if locked.paper_ballots_issued + locked.participations.count() >= locked.deputies_total:
                if not locked.participations.filter(deputy=deputy).exists():
                    raise ValidationError({"__all__": "投票人数已达全体代表人数，不能再投票。"})
            VoteParticipation.objects.create(session=session, deputy=deputy)
            Ballot.objects.create(
                session=session, receipt=receipt_for(session, deputy), sealed=sealed.decode()
            )
            for choice, column in counted.items():
                marked = [pk for pk, c in choices.items() if c == choice]
                Tally.objects.filter(
                    session=session, method=Tally.Method.PHONE, candidate_id__in=marked
                ).update(**{column: F(column) + 1})
    except IntegrityError as exc:
        raise ValidationError({"__all__": "您已在本轮投票，不能重复投票。"}) from exc


@transaction.atomic
def record_tally(
    user,
    session: VotingSession,
    *,
    issued: int,
    returned: int,
    valid: int,
    rows: dict[int, tuple[int, int, int]],
) -> None:
    """The tellers enter the paper ballots: how many were issued, returned and valid, and each
    candidate's 赞成/反对/弃权 among the valid ones."""
    regions.require_manage(user, session.region)
    session = VotingSession.objects.select_for_update().get(pk=session.pk)
    if session.state != VotingSession.State.OPEN:
        raise ValidationError({"__all__": "本轮已计票，不能再修改票数。"})
    if min(issued, returned, valid) < 0:
        raise ValidationError({"__all__": "票数不能为负数。"})
    if returned > issued:
        raise ValidationError(
            {"paper_ballots_returned": f"收回票数（{returned}）不能多于发出票数（{issued}）。"}
        )
    if valid > returned:
        raise ValidationError({"paper_ballots_valid": f"有效票数（{valid}）不能多于收回票数（{returned}）。"})
    electronic = session.participations.count()
    if issued + electronic > session.deputies_total:
        raise ValidationError(
            {
                "paper_ballots_issued": f"纸质选票发出数（{issued}）加电子投票人数（{electronic}）"
                f"超过全体代表人数（{session.deputies_total}）。"
            }
        )
    candidates = {c.pk: c for c in session.candidates.all()}
    if set(rows) != set(candidates):
        raise ValidationError({"__all__": "请填写每一个候选项目的票数。"})
    for pk, (votes_for, against, abstain) in rows.items():
        if not rules.tally_fits(votes_for, against, abstain, valid):
            raise ValidationError(
                {
                    "__all__": f"「{candidates[pk].title}」的赞成、反对、弃权票数之和"
                    f"（{votes_for + against + abstain}）超过有效票数（{valid}）。"
                }
            )
    session.paper_ballots_issued, session.paper_ballots_returned, session.paper_ballots_valid = (
        issued,
        returned,
        valid,
    )
    session.save(update_fields=["paper_ballots_issued", "paper_ballots_returned", "paper_ballots_valid"])
    for pk, (votes_for, against, abstain) in rows.items():
        Tally.objects.update_or_create(
            session=session,
            candidate_id=pk,
            method=Tally.Method.PAPER,
            defaults={"votes_for": votes_for, "votes_against": against, "abstentions": abstain},
        )


@transaction.atomic
def count_session(user, session: VotingSession, on: date) -> None:
    """Close the round and declare its count; the result reads from this day on."""
    regions.require_manage(user, session.region)
    session = VotingSession.objects.select_for_update().get(pk=session.pk)
    if session.state != VotingSession.State.OPEN:
        raise ValidationError({"__all__": "本轮已经计票。"})
    session.state = VotingSession.State.COUNTED
    session.counted_on = on
    session.save(update_fields=["state", "counted_on"])


@transaction.atomic
def open_runoff(user, year: int, held_on: date, *, region=OWN) -> VotingSession:
    """Open the second round on the candidates tied at the last place, for the places left."""
    region = _region_for(user, year, region)
    regions.require_manage(user, region)
    result = results.year_result(year, region=region)
    if result is None or result.runoff is not None or not result.decision.needs_another_round:
        raise ValidationError({"__all__": "没有需要第二轮投票的并列项目。"})
    if VotingSession.objects.filter(regions.of(region), year=year, round=2).exists():
        raise ValidationError({"__all__": "第二轮投票已经设立。"})
    first = result.session
    runoff = VotingSession.objects.create(
        region=region,
        year=year,
        round=2,
        title=first.title,
        held_on=held_on,
        deputies_total=first.deputies_total,
        seats=result.decision.places_left,
    )
    _put_on_ballot(runoff, result.tied)
    return runoff


@transaction.atomic
def create_draft_plan(
    user, year: int, *, title: str, region: str, level: str, on: date, vote_region=OWN
) -> Plan:
    """Turn the adopted candidates of a region's vote into year's draft list of that region:
    one item per candidate in the order of the result, one sub-item with its target and lead
    unit, its estimated money as planned funding lines; each candidate keeps a link to its item
    (and so its suggestions). ``region`` is the name the list is headed with (地区)."""
    vote_region = _region_for(user, year, vote_region)
    regions.require_manage(user, vote_region)
    result = results.year_result(year, region=vote_region)
    if result is None:
        raise ValidationError({"__all__": f"{year}年的票决尚未计票。"})
    if not result.is_final:
        raise ValidationError({"__all__": "末位并列，须先完成第二轮投票。"})
    adopted = result.adopted
    if not adopted:
        raise ValidationError({"__all__": "没有获得通过的候选项目。"})
    if any(c.item_id for c in adopted):
        raise ValidationError({"__all__": "票决结果已经转为清单。"})
    title = title.strip()
    if not title:
        raise ValidationError({"title": "请填写清单名称。"})
    if Plan.objects.filter(year=year, title=title).exists():
        raise ValidationError({"title": f"{year}年已有名为「{title}」的清单。"})
    plan_region = vote_region
    if plan_region is None and region.strip():
        # A vote older than regions: the region whose name the office typed, when the tree has
        # it (issue 18's Region) and the office may manage it.
        plan_region = Region.objects.filter(name=region.strip()).first()
        refusal = permissions.region_refusal(user, plan_region)
        if refusal is not None:
            raise ValidationError({"region": refusal})
    plan = Plan(
        year=year,
        title=title,
        region_name=region.strip() or (plan_region.name if plan_region else ""),
        # The vote's region: the list belongs to the county whose congress voted it.
        region=plan_region,
        level=level.strip(),
        status=Plan.Status.DRAFT,
        # A list the deputies voted for: its later changes need the standing committee's approval.
        adopted_by_vote=True,
        summary=f"经{result.session.title}票决产生（{result.session.counted_on:%Y年%m月%d日}计票）。",
    )
    plan.full_clean()
    plan.save()
    for number, candidate in enumerate(adopted, start=1):
        item = Item.objects.create(
            plan=plan,
            number=number,
            title=candidate.title,
            category=candidate.category,
            lead_unit=candidate.lead_unit,
            summary=candidate.content,
        )
        sub = SubItem(
            item=item,
            number=1,
            content=candidate.target_text,
            target_value=candidate.target_value or None,
            target_unit=candidate.target_unit,
            target_at_least=candidate.target_at_least,
            responsible_unit=candidate.lead_unit,
            planned_start=date(year, 1, 1),
            planned_end=date(year, 12, 31),
        )
        sub.full_clean()
        sub.save()
        for line in candidate.funding.all():
            FundingLine.objects.create(sub_item=sub, source=line.source, planned=line.amount)
        Candidate.objects.filter(pk=candidate.pk).update(item=item, listed_on=on)
    return plan
