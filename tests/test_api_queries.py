"""Every API list costs the same number of queries whatever the page size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core import dates
from supervision.models import (
    Flag,
    InspectionVisit,
    ProgressReport,
    Rectification,
    RectificationEvent,
    ReportPhoto,
    VisitedItem,
    VisitPhoto,
)
from tests.factories import (
    FundingLineFactory,
    ItemFactory,
    MilestoneFactory,
    PlanFactory,
    ProgressReportFactory,
    SubItemFactory,
    UnitFactory,
    api_token,
    deputy_user,
    liaison_user,
    office_user,
)

pytestmark = pytest.mark.django_db

ROWS = 12
TODAY = dates.today()
LIST_PATHS = [
    "/api/plans/",
    "/api/items/",
    "/api/subitems/",
    "/api/units/",
    "/api/reports/",
    "/api/flags/",
    "/api/visits/",
    "/api/rectifications/",
]


@pytest.fixture
def county():
    """ROWS of everything, each row with the related rows its list shows."""
    unit = UnitFactory(code="housing")
    office, deputy, liaison = office_user(), deputy_user(), liaison_user(unit)
    for n in range(ROWS):
        plan = PlanFactory()
        sub_item = SubItemFactory(item=ItemFactory(plan=plan, lead_unit=unit))
        sub_item.cooperating_units.add(UnitFactory())
        MilestoneFactory(sub_item=sub_item)
        FundingLineFactory(sub_item=sub_item)
        Flag.objects.create(sub_item=sub_item, kind=Flag.Kind.YELLOW, raised_on=TODAY)
        report = ProgressReportFactory(
            sub_item=sub_item,
            created_by=liaison,
            state=ProgressReport.State.RETURNED,
            reviewed_by=office,
            return_reason="请补充照片",
        )
        ReportPhoto.objects.create(report=report, image=f"reports/{n}.jpg")
        visit = InspectionVisit.objects.create(
            plan=plan,
            date=TODAY,
            kind=InspectionVisit.Kind.DEPUTY_INSPECTION,
            title=f"视察{n}",
            recorded_by=deputy,
        )
        visit.participants.add(deputy)
        VisitedItem.objects.create(
            visit=visit, item=sub_item.item, sub_item=sub_item, satisfaction="satisfied"
        )
        VisitPhoto.objects.create(visit=visit, image=f"visits/{n}.jpg")
        rectification = Rectification.objects.create(
            plan=plan,
            source=Rectification.Source.VISIT,
            visit=visit,
            item=sub_item.item,
            sub_item=sub_item,
            unit=unit,
            title=f"问题{n}",
            required_action="整改",
            deadline=TODAY,
            created_by=office,
        )
        RectificationEvent.objects.create(rectification=rectification, action="created", actor=office)
    return {"office": office, "liaison": liaison, "deputy": deputy}


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def _count_queries(client: APIClient, path: str, page_size: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{path}?page_size={page_size}")
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


@pytest.mark.parametrize("path", LIST_PATHS)
def test_office_lists_cost_the_same_queries_for_5_or_50_rows(county, path):
    client = _token_client(county["office"])

    small, shown_small = _count_queries(client, path, 5)
    large, shown_large = _count_queries(client, path, 50)

    assert shown_small == 5 and shown_large >= ROWS
    assert small == large


@pytest.mark.parametrize("path", ["/api/items/", "/api/subitems/", "/api/reports/", "/api/rectifications/"])
def test_liaison_lists_cost_the_same_queries_for_5_or_50_rows(county, path):
    client = _token_client(county["liaison"])

    small, shown_small = _count_queries(client, path, 5)
    large, shown_large = _count_queries(client, path, 50)

    assert (shown_small, shown_large) == (5, ROWS)
    assert small == large


def test_session_and_token_lists_cost_the_same_queries_for_5_or_50_rows(county):
    client = APIClient()
    client.force_login(county["deputy"])

    assert _count_queries(client, "/api/subitems/", 5)[0] == _count_queries(client, "/api/subitems/", 50)[0]
