"""Office actions within their reach (issue 26, point 3). A supervision order (督办单), a
reminder (催报、催办) and a rectification (整改) go only to a unit with a part in the work: the
sub-item's responsible unit, its cooperating units and its shares' responsible units (on an
item as a whole, also the item's lead unit), never a unit of another district; the review of a
share's report compares it with that share's last accepted report and names the share's unit;
and every issuing office numbers its own orders and circulars, year by year."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from core import dates
from projects import reach
from projects.models import Plan, Region, SubItem, SubItemShare, Unit, User
from supervision.documents import circular as circulars
from supervision.followup.services import orders as order_service
from supervision.followup.services import rectifications
from supervision.ledger.services import accept_report, latest_accepted_report
from supervision.models import (
    Circular,
    Notification,
    ProgressReport,
    Rectification,
    ReminderLog,
    SupervisionOrder,
)
from tests.factories import (
    ItemFactory,
    PlanFactory,
    ProgressReportFactory,
    SubItemFactory,
    UnitFactory,
    office_user,
    region,
)

ORDER_REFUSAL = "督办单位须是该子项的责任单位、配合单位或分解任务的责任单位"
RECTIFICATION_REFUSAL = "整改单位须是该子项的责任单位、配合单位或分解任务的责任单位"


@pytest.fixture
def county(demo):
    """青山区's list of this year: its water mains (split across four townships), its old
    housing estates (a township cooperating) and a health sub-item of 区卫健局; and 西岭水务,
    a unit of another district."""
    plan = Plan.objects.get(status=Plan.Status.PUBLISHED, level="区级", region__code="990102")
    subs = SubItem.objects.filter(item__plan=plan).select_related("item", "responsible_unit")
    return {
        "plan": plan,
        "water": subs.get(content__startswith="新建改造供水管网"),
        "housing": subs.get(content__startswith="改造老旧小区"),
        "health": subs.filter(responsible_unit__code="health").order_by("item__number", "number").first(),
        "stranger": Unit.objects.get(code="xiling-water"),
    }


@pytest.fixture
def city(demo):
    """The city's list, its first split sub-item and that sub-item's shares by region code."""
    plan = Plan.objects.get(level="市级", status=Plan.Status.PUBLISHED)
    sub = (
        SubItem.objects.filter(item__plan=plan, shares__isnull=False)
        .distinct()
        .order_by("item__number", "number")
        .first()
    )
    shares = {s.region.code: s for s in sub.shares.select_related("region", "responsible_unit")}
    return {"plan": plan, "sub": sub, "shares": shares}


def _select(html: str, name: str) -> tuple[set[int], set[int]]:
    """The options of a form's <select name=…> and the selected ones, as primary keys."""
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    options = re.findall(r'<option value="(\d+)"( selected)?', select)
    return {int(pk) for pk, _ in options}, {int(pk) for pk, chosen in options if chosen}


def _order_post(plan: Plan, sub: SubItem, unit: Unit, **extra) -> dict:
    return {
        "plan": plan.pk,
        "source": "red",
        "sub_item": sub.pk,
        "unit": unit.pk,
        "problem": "序时进度滞后",
        "requirement": "倒排工期，按期赶上序时进度",
        "deadline": (dates.today() + dt.timedelta(days=7)).isoformat(),
        **extra,
    }


def _parties(sub: SubItem) -> set[int]:
    """A sub-item's parties as the registry states them, read without ``projects.reach``."""
    return (
        {sub.responsible_unit_id}
        | set(sub.cooperating_units.values_list("pk", flat=True))
        | set(sub.shares.values_list("responsible_unit_id", flat=True))
    )


# --- supervision orders (督办单) --------------------------------------------------------------


class TestOrders:
    @pytest.mark.parametrize("which", ["water", "housing", "health"])
    def test_the_form_offers_only_the_sub_items_parties_with_the_responsible_unit_chosen(
        self, county, login, client, which
    ):
        sub = county[which]
        login("office")
        page = client.get(reverse("order_create"), {"sub_item": sub.pk, "source": "red"}).content.decode()
        offered, selected = _select(page, "unit")
        assert offered == _parties(sub)
        assert selected == {sub.responsible_unit_id}
        assert county["stranger"].pk not in offered
        assert Unit.objects.filter(is_active=True).count() > len(offered)

    def test_a_split_sub_items_form_offers_its_townships(self, county, login, client):
        login("office")
        page = client.get(reverse("order_create"), {"sub_item": county["water"].pk}).content.decode()
        offered, _ = _select(page, "unit")
        townships = set(county["water"].shares.values_list("responsible_unit_id", flat=True))
        assert len(townships) == 4 and townships < offered

    def test_an_order_to_a_unit_out_of_reach_is_refused_and_nothing_is_made(self, county, login, client):
        login("office")
        response = client.post(
            reverse("order_create"), _order_post(county["plan"], county["health"], county["stranger"])
        )
        assert response.status_code == 200
        assert ORDER_REFUSAL in response.content.decode()
        assert not SupervisionOrder.objects.exists()
        assert not Notification.objects.filter(recipient__username="liaison-xiling-water").exists()
        # The page offers the sub-item's parties again, not every unit.
        offered, _ = _select(response.content.decode(), "unit")
        assert offered == _parties(county["health"])

    def test_the_service_gives_the_same_refusal(self, county):
        office = User.objects.get(username="office")
        with pytest.raises(Exception) as refused:
            order_service.issue(
                office,
                plan=county["plan"],
                unit=county["stranger"],
                source=SupervisionOrder.Source.RED,
                sub_item=county["health"],
                problem="滞后",
                requirement="整改",
                deadline=dates.today(),
            )
        assert refused.value.message_dict == {"unit": [f"{ORDER_REFUSAL}。"]}
        assert not SupervisionOrder.objects.exists()

    def test_there_is_no_api_to_issue_orders_around_the_rule(self, county, client, login):
        login("office")
        assert client.post("/api/orders/", {}, content_type="application/json").status_code == 404

    def test_a_cooperating_unit_and_a_share_unit_may_be_ordered_and_only_its_liaisons_sign(
        self, county, login, client
    ):
        chengguan = Unit.objects.get(code="chengguan")
        login("office")
        for sub in (county["housing"], county["water"]):  # cooperating on one, a share of the other
            response = client.post(reverse("order_create"), _order_post(county["plan"], sub, chengguan))
            assert response.status_code == 302
        orders = list(SupervisionOrder.objects.order_by("number"))
        assert [o.unit for o in orders] == [chengguan, chengguan]
        asked = set(
            Notification.objects.filter(title__startswith="督办单：").values_list(
                "recipient__unit__code", flat=True
            )
        )
        assert asked == {"chengguan"}

        login("liaison-water")  # the responsible unit's liaison neither sees nor signs it
        assert client.post(reverse("order_sign", args=[orders[1].pk])).status_code == 404
        login("liaison-chengguan")
        assert client.post(reverse("order_sign", args=[orders[1].pk])).status_code == 302
        orders[1].refresh_from_db()
        assert orders[1].state == SupervisionOrder.State.SIGNED

    def test_an_order_following_up_a_rectification_on_an_item_reaches_the_items_units(self, county):
        office = User.objects.get(username="office")
        item = county["housing"].item
        rect = rectifications.create_rectification(
            office,
            plan=county["plan"],
            unit=item.lead_unit,
            title="整件推进缓慢",
            required_action="加快推进",
            deadline=dates.today() - dt.timedelta(days=1),
            item=item,
        )
        assert set(order_service.units_in_reach(county["plan"], None, rect)) == set(
            reach.item_units_in_reach(item)
        )
        assert item.lead_unit in reach.item_units_in_reach(item)
        assert county["stranger"] not in reach.item_units_in_reach(item)


# --- reminders (催报、催办) -------------------------------------------------------------------


class TestReminders:
    def test_a_reminder_to_a_unit_with_no_part_in_the_list_is_refused(self, county, login, client):
        login("office")
        target = f"{county['plan'].pk}:{county['stranger'].pk}"
        for send in (
            lambda: client.get(reverse("remind"), {"kind": "report", "target": target}),
            lambda: client.post(
                reverse("remind"), {"kind": "action", "target": target, "message": "请抓紧办理。"}
            ),
        ):
            refused = send()
            assert refused.status_code == 403
            assert "催报、催办的单位须是该清单" in refused.content.decode()
        assert not ReminderLog.objects.filter(unit=county["stranger"], kind__startswith="manual").exists()

    def test_a_unit_in_reach_is_still_reminded(self, county, login, client):
        login("office")
        hexi = Unit.objects.get(code="hexi")  # a township holding a share of the water mains
        target = f"{county['plan'].pk}:{hexi.pk}"
        assert client.get(reverse("remind"), {"kind": "report", "target": target}).status_code == 200

    def test_the_city_office_reminds_no_township_about_the_city_list(self, city, login, client):
        login("city-office")
        chengguan = Unit.objects.get(code="chengguan")  # a 青山区 township: no part in the city list
        target = f"{city['plan'].pk}:{chengguan.pk}"
        refused = client.get(reverse("remind"), {"kind": "report", "target": target})
        assert refused.status_code == 403 and "催报、催办的单位须是该清单" in refused.content.decode()
        share_unit = city["shares"]["990102"].responsible_unit
        target = f"{city['plan'].pk}:{share_unit.pk}"
        assert client.get(reverse("remind"), {"kind": "report", "target": target}).status_code == 200

    def test_a_district_office_on_the_city_list_reaches_only_its_own_shares_units(self, city, demo):
        xiling_office = User.objects.get(username="xiling-office")
        within = reach.acting_within(xiling_office, city["plan"])
        assert within == Region.objects.get(code="990104")
        reached = set(reach.plan_units_in_reach(city["plan"], within))
        own = {
            s.responsible_unit
            for s in SubItemShare.objects.filter(sub_item__item__plan=city["plan"], region=within)
        }
        assert reached == own
        assert reach.acting_within(User.objects.get(username="city-office"), city["plan"]) is None


# --- rectifications (整改) --------------------------------------------------------------------


class TestRectifications:
    def _post(self, county, **overrides) -> dict:
        sub = county["health"]
        data = {
            "plan": county["plan"].pk,
            "source": "pace",
            "item": sub.item_id,
            "sub_item": sub.pk,
            "unit": sub.responsible_unit_id,
            "title": "进度严重滞后",
            "required_action": "倒排工期",
            "deadline": (dates.today() + dt.timedelta(days=30)).isoformat(),
        }
        data.update(overrides)
        return data

    def test_the_form_offers_only_the_sub_items_parties(self, county, login, client):
        login("office")
        sub = county["water"]
        page = client.get(reverse("rectification_create"), {"sub_item": sub.pk}).content.decode()
        offered, selected = _select(page, "unit")
        assert offered == _parties(sub) and selected == {sub.responsible_unit_id}

    def test_a_rectification_for_a_unit_out_of_reach_is_refused(self, county, login, client):
        login("office")
        response = client.post(
            reverse("rectification_create"), self._post(county, unit=county["stranger"].pk)
        )
        assert response.status_code == 200
        assert RECTIFICATION_REFUSAL in response.content.decode()
        assert not Rectification.objects.filter(title="进度严重滞后").exists()
        assert client.post(reverse("rectification_create"), self._post(county)).status_code == 302
        assert Rectification.objects.get(title="进度严重滞后").unit == county["health"].responsible_unit

    def test_on_an_item_without_a_sub_item_it_reaches_the_lead_unit_and_the_sub_items_units(
        self, county, login, client
    ):
        item = county["water"].item
        login("office")
        offered, _ = _select(
            client.get(reverse("rectification_create"), {"plan": county["plan"].pk}).content.decode(), "unit"
        )
        assert county["stranger"].pk not in offered  # the plan's parties only
        data = self._post(county, source="other", item=item.pk, sub_item="", unit=county["stranger"].pk)
        refused = client.post(reverse("rectification_create"), data)
        assert "整改单位须是该实事的牵头单位" in refused.content.decode()
        offered, _ = _select(refused.content.decode(), "unit")
        assert offered == {item.lead_unit_id} | _parties(county["water"])
        hexi = Unit.objects.get(code="hexi")
        for unit in (item.lead_unit, hexi):
            data = self._post(
                county, source="other", item=item.pk, sub_item="", unit=unit.pk, title=unit.code
            )
            assert client.post(reverse("rectification_create"), data).status_code == 302
        assert Rectification.objects.filter(title__in=[item.lead_unit.code, "hexi"]).count() == 2


# --- reviewing a share's report -----------------------------------------------------------


class TestReviewingAShare:
    def test_the_review_compares_with_the_shares_own_last_report_and_names_its_unit(
        self, city, login, client
    ):
        sub, qingshan, xiling = city["sub"], city["shares"]["990102"], city["shares"]["990104"]
        own_last = latest_accepted_report(sub.pk, share=qingshan)
        assert own_last is not None and own_last.progress_percent != 75
        # 西岭区's share was accepted last, at 75%: not what 青山区's report is compared with.
        neighbours = ProgressReportFactory(
            sub_item=sub,
            share=xiling,
            progress_percent=75,
            actual_value=None,
            state=ProgressReport.State.SUBMITTED,
            submitted_at=timezone.now(),
        )
        accept_report(neighbours, User.objects.get(username="city-office"))
        pending = ProgressReportFactory(
            sub_item=sub,
            share=qingshan,
            progress_percent=98,
            actual_value=None,
            state=ProgressReport.State.SUBMITTED,
            submitted_at=timezone.now(),
        )
        login("city-office")

        queue = client.get(reverse("review_queue"))
        row = next(r for r in queue.context["reports"] if r.pk == pending.pk)
        assert row.previous_progress == own_last.progress_percent
        html = queue.content.decode()
        tr = re.search(rf"<tr>(?:(?!</tr>).)*?/reports/{pending.pk}/.*?</tr>", html, re.S).group(0)
        assert "98%" in tr and "原 75%" not in tr
        assert f"原 {own_last.progress_percent.normalize():f}%" in tr
        assert str(qingshan.responsible_unit) in tr and "青山区分解任务" in tr
        assert str(sub.responsible_unit) not in tr

        detail = client.get(reverse("report_detail", args=[pending.pk]))
        assert detail.context["last_accepted"] == own_last
        unit = re.search(r'<span id="report-unit">(.*?)</span>', detail.content.decode()).group(1)
        assert unit == str(qingshan.responsible_unit)

    def test_a_report_on_an_unsplit_sub_item_still_compares_with_its_own_last_one(
        self, county, login, client
    ):
        sub = county["health"]
        last = latest_accepted_report(sub.pk)
        pending = ProgressReportFactory(
            sub_item=sub, state=ProgressReport.State.SUBMITTED, submitted_at=timezone.now()
        )
        login("office")
        row = next(r for r in client.get(reverse("review_queue")).context["reports"] if r.pk == pending.pk)
        assert row.previous_progress == (last.progress_percent if last else None)


# --- numbers per issuing office -------------------------------------------------------------


def _issue_circular(client, plan: Plan) -> Circular:
    created = client.post(f"/plans/{plan.pk}/circulars/new/", {"as_of": dates.today().isoformat()})
    assert created.status_code == 302, created.content.decode()[:500]
    pk = int(re.search(r"/circulars/(\d+)/", created.url).group(1))
    assert client.post(f"/plans/{plan.pk}/circulars/{pk}/issue/").status_code == 302
    return Circular.objects.get(pk=pk)


class TestNumbersPerOffice:
    def test_the_city_and_the_county_number_their_circulars_each_from_one(self, county, city, login, client):
        year = dates.today().year
        numbers = []
        for username, plan in [
            ("city-office", city["plan"]),
            ("office", county["plan"]),
            ("city-office", city["plan"]),
            ("office", county["plan"]),
            ("office", county["plan"]),
        ]:
            login(username)
            numbers.append((plan.region.code, _issue_circular(client, plan).number_text))
        assert numbers == [
            ("990100", f"〔{year}〕1号"),
            ("990102", f"〔{year}〕1号"),
            ("990100", f"〔{year}〕2号"),
            ("990102", f"〔{year}〕2号"),
            ("990102", f"〔{year}〕3号"),
        ]
        page = client.get(f"/plans/{county['plan'].pk}/circulars/").content.decode()
        assert f"〔{year}〕3号" in page

    def test_a_list_with_no_region_numbers_its_own_circulars(self, county, login, client):
        plan = PlanFactory(title="无区划的清单")
        SubItemFactory(item=ItemFactory(plan=plan))
        login("office")
        _issue_circular(client, county["plan"])
        assert _issue_circular(client, plan).number == 1
        assert _issue_circular(client, plan).number == 2
        assert _issue_circular(client, county["plan"]).number == 2

    def test_the_city_and_the_county_number_their_orders_each_from_one(self, county, city, login, client):
        year = dates.today().year
        codes = []
        for username, plan, sub in [
            ("office", county["plan"], county["health"]),
            ("city-office", city["plan"], city["sub"]),
            ("office", county["plan"], county["housing"]),
        ]:
            login(username)
            response = client.post(reverse("order_create"), _order_post(plan, sub, sub.responsible_unit))
            assert response.status_code == 302
            codes.append(SupervisionOrder.objects.get(pk=response.url.rstrip("/").split("/")[-1]).code)
        assert codes == [f"督办〔{year}〕1号", f"督办〔{year}〕1号", f"督办〔{year}〕2号"]
        assert set(SupervisionOrder.objects.values_list("issuer", flat=True)) == {"990100", "990102"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_offices_issuing_at_the_same_moment_get_their_own_numbers_without_gaps_or_repeats():
    """Four threads at once, two per office (a county and its city, each its own issuer), each
    issuing an order and a circular: every office's numbers run 1, 2 with neither gap nor repeat."""
    province = region("980000", "测试省")
    city_region = region("980100", "测试市", province)
    county_region = region("980102", "测试区", city_region)
    office = office_user()
    subs = []
    for place in (city_region, county_region):
        plan = PlanFactory(region=place, region_name=place.name)
        subs.append(SubItemFactory(item=ItemFactory(plan=plan, lead_unit=UnitFactory())))
    drafts = {sub.pk: [circulars.create_draft(office, sub.item.plan) for _ in range(2)] for sub in subs}
    barrier = threading.Barrier(4)
    errors = []

    def issue(sub, draft):
        try:
            barrier.wait()
            order_service.issue(
                office,
                plan=sub.item.plan,
                unit=sub.responsible_unit,
                source=SupervisionOrder.Source.RED,
                sub_item=sub,
                problem="滞后",
                requirement="整改",
                deadline=dates.today(),
            )
            circulars.issue(office, draft)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(sub, draft)) for sub in subs for draft in drafts[sub.pk]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    for model in (SupervisionOrder, Circular):
        numbers = sorted(model.objects.values_list("issuer", "number"))
        assert numbers == [("980100", 1), ("980100", 2), ("980102", 1), ("980102", 2)]
