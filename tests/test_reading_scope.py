"""Each region reads its own (issue 26): every URL pattern walked as users of 青山区 and of
西岭区 (an office, a deputy, a liaison), with the other district's records planted in every
kind the scope covers. A neighbour's record is never read: its pages answer 403 or 404, list
pages and exports never show its marks, and a POST to it changes nothing.

The neighbour's records are found here by their own region (the list's, the unit's, the
share's), not by the product's scope function: the test states the rule, the product keeps it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from projects.models import Item, Plan, Region, SubItem, SubItemShare, Unit, User
from selection.models import Candidate, Suggestion, VotingSession
from supervision.models import (
    Circular,
    Delivery,
    Flag,
    InspectionVisit,
    Notification,
    ProgressReport,
    Rectification,
    ReportPhoto,
    SupervisionOrder,
    VisitPhoto,
)
from tests import clock
from tests.factories import ProgressReportFactory

# The smallest JPEG: a photo's page serves whatever file it has.
_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f"
    "141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100"
    "ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000"
    "017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a"
    "3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a9293949596"
    "9798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2"
    "f3f4f5f6f7f8f9faffda0008010100003f00fbd3ffd9"
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

QINGSHAN, XILING = "990102", "990104"
MARK = {QINGSHAN: "青山区内部标记", XILING: "西岭区内部标记"}
# Users of each district: an office, a deputy and a liaison (and 青山区's leader).
READERS = {
    XILING: ("xiling-office", "xiling-deputy", "liaison-xiling-edu"),
    QINGSHAN: ("deputy", "leader", "liaison-edu"),
}

# URL patterns that are not a user's reading of the registry: sign-in, public pages (public by
# design), the API's schema, captcha images.
SKIPPED = re.compile(
    r"^(login|logout|password_|healthz|captcha-|api-schema|api-docs|api-redoc|api-token|api-logout|"
    r"api-root|public_|home$|notifications_read|channel_settings|photo_draft|plan_import)"
)
# Each URL keyword's record, where the keyword alone says it; "pk" and "photo_id" by the URL's name.
KWARG_MODELS = {
    "plan_id": "projects.Plan",
    "item_id": "projects.Item",
    "sub_item_id": "projects.SubItem",
    "report_id": "supervision.ProgressReport",
    "visit_id": "supervision.InspectionVisit",
    "circular_id": "supervision.Circular",
    "notice_id": "supervision.ProgressNotice",
    "change_id": "projects.ChangeRequest",
    "delivery_id": "supervision.Delivery",
    "suggestion_id": "selection.Suggestion",
    "candidate_id": "selection.Candidate",
    "session_id": "selection.VotingSession",
    "job_id": "supervision.ExportJob",
    "code": "projects.Region",
}
BY_NAME = (
    ("rectification_photo", "supervision.RectificationPhoto"),
    ("visit_photo", "supervision.VisitPhoto"),
    ("report_photo", "supervision.ReportPhoto"),
    ("rectification", "supervision.Rectification"),
    ("order", "supervision.SupervisionOrder"),
    ("change_attachment", "projects.ChangeAttachment"),
    ("acceptance_attachment", "projects.AcceptanceAttachment"),
    ("api-plan", "projects.Plan"),
    ("api-item", "projects.Item"),
    ("api-subitem", "projects.SubItem"),
    ("api-report", "supervision.ProgressReport"),
    ("api-flag", "supervision.Flag"),
    ("api-visit", "supervision.InspectionVisit"),
    ("api-rectification", "supervision.Rectification"),
    ("api-change", "projects.ChangeRequest"),
    ("evaluation_tally", "projects.Item"),
)
# Patterns whose keyword is no record of a region: the year of a selection (read as "my
# region's selection of that year") and the API's units (a directory of every unit).
NOT_A_RECORD = {"api-unit-detail", "api-token-own-detail"}


def _patterns(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name and not SKIPPED.match(pattern.name):
            keys = list(pattern.pattern.regex.groupindex)
            if "format" in keys:
                continue
            yield pattern.name, keys


def _model_of(name: str, keys: list[str]) -> type[Model] | None:
    """The record a pattern is about: its last keyword's (the leaf: a circular of a plan)."""
    leaf = keys[-1]
    if leaf in ("pk", "photo_id", "attachment_id") or name == "evaluation_tally":
        label = next((label for start, label in BY_NAME if name.startswith(start)), None)
    else:
        label = KWARG_MODELS.get(leaf)
    return apps.get_model(label) if label else None


def _region_code_of(obj: Model) -> str | None:
    """A record's own region, most specific first: its share's, its unit's, its list's."""
    for path in ("share", "report__share"):
        share = _follow(obj, path)
        if share is not None:
            return share.region.code
    if isinstance(obj, Region):
        return obj.code
    if isinstance(obj, Plan):
        return obj.region.code if obj.region_id else None
    if getattr(obj, "region_id", None):
        return obj.region.code
    for path in ("unit", "event__rectification__unit", "notification__recipient__unit", "recipient__unit"):
        unit = _follow(obj, path)
        if unit is not None and unit.region_id:
            return unit.region.code
    for path in (
        "plan",
        "item__plan",
        "sub_item__item__plan",
        "report__sub_item__item__plan",
        "visit__plan",
        "notice__plan",
        "change__sub_item__item__plan",
        "acceptance__sub_item__item__plan",
    ):
        plan = _follow(obj, path)
        if plan is not None:
            return plan.region.code if plan.region_id else None
    return None


def _follow(obj, path: str):
    for name in path.split("__"):
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


def _kwargs(name: str, keys: list[str], obj: Model) -> dict:
    """The URL keywords for a leaf record: the leaf's key, the others read off it."""
    values = {}
    for key in keys:
        if key == keys[-1]:
            values[key] = obj.code if key == "code" else obj.pk
        elif key == "plan_id":
            values[key] = obj.plan_id if hasattr(obj, "plan_id") else _follow(obj, "notice__plan").pk
        elif key == "change_id":
            values[key] = obj.change_id
        elif key == "sub_item_id":
            values[key] = obj.acceptance.sub_item_id
        elif key == "year":
            values[key] = obj.year
        else:
            raise AssertionError(f"{name}: no way to fill {key} from {obj!r}")
    return values


def _foreign(model: type[Model], region: str, limit: int = 2) -> list[Model]:
    """Up to ``limit`` records of ``model`` whose own region lies in the other district."""
    found = []
    for obj in model._default_manager.order_by("-pk")[:400]:
        code = _region_code_of(obj)
        if code and code.startswith(region):
            found.append(obj)
            if len(found) == limit:
                break
    return found


def _unit_of(region_code: str, code: str) -> Unit:
    unit = Unit.objects.get(code=code)
    assert unit.region.code.startswith(region_code)
    return unit


@pytest.fixture
def planted(demo):
    """In each district's own list (and in its share of the city's list), one record of every
    kind carrying the district's mark."""
    office = User.objects.get(username="office")
    lists = {QINGSHAN: demo["plan_now"], XILING: demo["plan_xiling"]}
    units = {QINGSHAN: _unit_of(QINGSHAN, "edu"), XILING: _unit_of(XILING, "xiling-edu")}
    liaisons = {
        QINGSHAN: User.objects.get(username="liaison-edu"),
        XILING: User.objects.get(username="liaison-xiling-edu"),
    }
    today = clock.TODAY
    for code, plan in lists.items():
        mark = MARK[code]
        sub = (
            SubItem.objects.filter(item__plan=plan, responsible_unit=units[code]).first()
            or SubItem.objects.filter(item__plan=plan).first()
        )
        visit = InspectionVisit.objects.create(
            plan=plan,
            date=today,
            kind=InspectionVisit.Kind.values[0],
            title=f"{mark}视察",
            findings=f"{mark}发现问题",
            recorded_by=office,
        )
        rect = Rectification.objects.create(
            plan=plan,
            source=Rectification.Source.values[0],
            visit=visit,
            item=sub.item,
            sub_item=sub,
            unit=sub.responsible_unit,
            title=f"{mark}整改",
            required_action=f"{mark}整改要求",
            deadline=today + dt.timedelta(days=30),
            created_by=office,
        )
        SupervisionOrder.objects.create(
            plan=plan,
            year=plan.year,
            number=900 + int(code[-1]),
            source=SupervisionOrder.Source.values[0],
            sub_item=sub,
            rectification=rect,
            unit=sub.responsible_unit,
            problem=f"{mark}督办事项",
            requirement=f"{mark}督办要求",
            deadline=today + dt.timedelta(days=10),
            created_by=office,
        )
        Circular.objects.create(
            plan=plan, as_of=today, title=f"{mark}通报", problems=f"{mark}存在问题", created_by=office
        )
        note = Notification.objects.create(
            recipient=liaisons[code],
            kind=Notification.Kind.values[0],
            title=f"{mark}通知",
            body=f"{mark}正文",
        )
        Delivery.objects.create(
            notification=note,
            channel=Delivery.Channel.EMAIL,
            destination=f"secret-{code}@example.invalid",
            state=Delivery.State.FAILED,
        )
        report = _pending(
            SubItem.objects.filter(item__plan=plan, shares__isnull=True), None, f"{mark}填报问题"
        )
        ReportPhoto.objects.create(
            report=report, image=SimpleUploadedFile("p.jpg", _JPEG, "image/jpeg"), caption=f"{mark}照片"
        )
        VisitPhoto.objects.create(visit=visit, image=SimpleUploadedFile("v.jpg", _JPEG, "image/jpeg"))
        Flag.objects.create(sub_item=sub, kind=Flag.Kind.values[0], raised_on=today, lag_points=10)
        region = Region.objects.get(code=code)
        candidate = Candidate.objects.create(
            region=region,
            year=plan.year + 1,
            title=f"{mark}候选项目",
            content=f"{mark}建设内容",
            category=sub.item.category,
            target_text="新建1个",
            lead_unit=sub.responsible_unit,
            ballot_order=90,
        )
        Suggestion.objects.create(
            code=f"SCOPE{code[-2:]}",
            region=region,
            year=plan.year + 1,
            source=Suggestion.Source.values[0],
            text=f"{mark}建议内容",
            phone=f"secret-{code}",
            received_on=today,
        )
        session = VotingSession.objects.create(
            region=region,
            year=plan.year + 1,
            round=9,
            title=f"{mark}票决",
            held_on=today,
            deputies_total=100,
            seats=1,
        )
        session.candidates.add(candidate)
    # 青山区's share of the city's list: read by the city, never by 西岭区.
    shares = SubItemShare.objects.filter(sub_item__item__plan=demo["plan_city"], region__code=QINGSHAN)
    _pending(None, shares, f"{MARK[QINGSHAN]}分解任务问题")
    return demo


def _pending(subs, shares, problems: str) -> ProgressReport:
    """A report awaiting review (the ledger's accepted rows are never rewritten) on the first
    sub-item (or share) with no open report, carrying ``problems``."""
    open_states = ("draft", "submitted", "returned")
    for target in shares if shares is not None else subs:
        share = target if shares is not None else None
        sub = target.sub_item if share else target
        if not ProgressReport.objects.filter(sub_item=sub, share=share, state__in=open_states).exists():
            return ProgressReportFactory(
                sub_item=sub,
                share=share,
                state=ProgressReport.State.SUBMITTED,
                submitted_at=timezone.now(),
                problems=problems,
            )
    raise AssertionError("no sub-item without an open report")


def _fingerprint(other: str) -> list:
    """Every state of the other district's records: a POST by a neighbour must change none."""
    rows = []
    for label in (
        "supervision.ProgressReport",
        "supervision.Delivery",
        "supervision.Rectification",
        "supervision.SupervisionOrder",
        "supervision.Circular",
        "supervision.InspectionVisit",
        "supervision.ProgressNotice",
        "supervision.Evaluation",
        "projects.Plan",
        "projects.SubItem",
        "projects.ChangeRequest",
        "selection.Suggestion",
        "selection.Candidate",
        "selection.VotingSession",
    ):
        model = apps.get_model(label)
        for obj in _foreign(model, other, limit=50):
            rows.append(
                (
                    label,
                    obj.pk,
                    tuple(sorted((k, str(v)) for k, v in vars(obj).items() if not k.startswith("_"))),
                )
            )
    return rows


WALKED: list[str] = []


def _walk(client, user: User, other: str) -> list[str]:
    leaks = []
    mark = MARK[other]
    client.force_login(user)
    for name, keys in _patterns():
        if not keys:
            url = reverse(name)
            response = client.get(url)
            body = response.content.decode(errors="replace") if response.status_code == 200 else ""
            if response.status_code >= 500:
                leaks.append(f"{user.username} GET {url}: {response.status_code}")
            elif mark in body or f"secret-{other}" in body:
                leaks.append(f"{user.username} GET {url}: shows {mark}")
            continue
        if name in NOT_A_RECORD or keys == ["year"]:
            continue
        model = _model_of(name, keys)
        assert model is not None, f"URL {name} {keys}: say in KWARG_MODELS/BY_NAME what record it reads"
        for obj in _foreign(model, other):
            url = reverse(name, kwargs=_kwargs(name, keys, obj))
            WALKED.append(url)
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                if response.status_code == 200 or response.status_code >= 500:
                    leaks.append(
                        f"{user.username} {method.upper()} {url} ({model.__name__}): {response.status_code}"
                    )
    return leaks


def _readable_plans_pages(client, user: User, other: str) -> list[str]:
    """The user's own lists' pages (and the city's, handed down): none shows the neighbour's marks."""
    leaks = []
    mark = MARK[other]
    plans = Plan.objects.exclude(region__code__startswith=other)
    for name, keys in _patterns():
        if keys != ["plan_id"] or re.search(r"(xlsx|docx|pdf|qr)$", name):
            continue  # files are zipped or drawn: their figures are the pages' (test_consistency)
        for plan in plans:
            url = reverse(name, kwargs={"plan_id": plan.pk})
            response = client.get(url)
            if response.status_code == 200 and mark in response.content.decode(errors="replace"):
                leaks.append(f"{user.username} GET {url}: shows {mark}")
    return leaks


@pytest.mark.parametrize("home,other", [(XILING, QINGSHAN), (QINGSHAN, XILING)])
def test_no_page_reads_a_neighbours_records(planted, client, home, other):
    leaks = []
    for username in READERS[home]:
        user = User.objects.get(username=username)
        assert user.unit is not None and user.unit.region.code.startswith(home), username
        before = _fingerprint(other)
        leaks += _walk(client, user, other)
        leaks += _readable_plans_pages(client, user, other)
        assert _fingerprint(other) == before, f"{username} changed {other}'s records"
    # The walk reached a neighbour's record through most patterns (a silent walk proves nothing).
    assert len(set(WALKED)) > 100, len(set(WALKED))
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("home,other", [(XILING, QINGSHAN), (QINGSHAN, XILING)])
def test_the_admin_lists_none_of_a_neighbours_records(planted, client, home, other):
    office = User.objects.get(username="xiling-office" if home == XILING else "city-office")
    if home == QINGSHAN:
        # 青山区's office of a region: the demo's `office` acts everywhere; one of 青山区's own.
        unit = Unit.objects.create(
            name="青山区督查室", code="qingshan-office", region=Region.objects.get(code=QINGSHAN)
        )
        office = User.objects.create(username="qingshan-office", unit=unit, is_staff=True)
        office.groups.add(*User.objects.get(username="xiling-office").groups.all())
        office.user_permissions.add(*User.objects.get(username="xiling-office").user_permissions.all())
    client.force_login(office)
    leaks = []
    for model in admin.site._registry:
        if model._meta.app_label not in ("projects", "supervision", "selection") or model is Region:
            continue  # the region tree (GB/T 2260) is public reference data
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = client.get(changelist)
        if response.status_code == 200 and MARK[other] in response.content.decode():
            leaks.append(f"{changelist} shows {MARK[other]}")
        for obj in _foreign(model, other):
            page = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
            if page.status_code == 200:
                leaks.append(f"admin {opts.model_name} {obj.pk}: 200")
    assert not leaks, "\n".join(leaks)


def test_the_walk_covers_every_kind_it_plants(planted):
    """The planted records are found by the walk's own rule, so a silent fixture fails here."""
    for model in (
        InspectionVisit,
        Rectification,
        SupervisionOrder,
        Circular,
        Delivery,
        ProgressReport,
        Plan,
        Item,
    ):
        assert _foreign(model, QINGSHAN) and _foreign(model, XILING), model.__name__
    assert timezone.now()
