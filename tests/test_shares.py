"""A sub-item of a higher list split into shares for lower regions (分解下达): the split's
rules, reporting on a share, and the roll-up every surface reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from projects.models import SubItemShare
from projects.shares import ShareRow, save_shares, split_errors
from supervision.figures import caches
from supervision.followup.services.pace_check import check_plan
from supervision.ledger import rules as ledger
from supervision.ledger.services import ReportNotSaved, create_report
from supervision.models import ProgressReport
from supervision.reading import shares
from supervision.reading.progress import plan_progress, plan_summaries
from tests.factories import (
    ItemFactory,
    PlanFactory,
    SubItemFactory,
    UnitFactory,
    accepted_report,
    liaison_user,
    office_user,
    region,
)

YEAR = 2026
TODAY = dt.date(YEAR, 7, 15)


@pytest.fixture
def travel():
    with time_machine.travel(dt.datetime(YEAR, 7, 15, 10, 0), tick=False):
        yield


@pytest.fixture
def city(travel):
    """A city list whose 5G sub-item (120个以上) is split 40/40/40 across three districts."""
    province = region("440000", "示范省")
    city = region("440100", "示范市", province)
    districts = [
        region(code, name, city)
        for code, name in (("440105", "东湖区"), ("440106", "青山区"), ("440107", "西岭区"))
    ]
    plan = PlanFactory(year=YEAR, region=city, region_name="示范市")
    sub = SubItemFactory(
        item=ItemFactory(plan=plan),
        target_value=D("120"),
        target_unit="个",
        target_at_least=True,
        planned_start=dt.date(YEAR, 1, 1),
        planned_end=dt.date(YEAR, 12, 31),
    )
    units = [UnitFactory(name=f"{d.name}工信局", region=d) for d in districts]
    rows = [
        ShareRow(region=d, responsible_unit=u, target_value=D("40"))
        for d, u in zip(districts, units, strict=True)
    ]
    split = save_shares(sub, rows)
    return plan, sub, split, districts


def _rows(districts, targets):
    unit = UnitFactory()
    return [
        ShareRow(region=d, responsible_unit=unit, target_value=t)
        for d, t in zip(districts, targets, strict=True)
    ]


@pytest.mark.django_db
class TestSplitRules:
    def test_shares_that_exceed_the_target_without_a_reason_are_refused_in_chinese(self, city):
        _, sub, _, districts = city
        with pytest.raises(ValidationError) as exc:
            save_shares(sub, _rows(districts, [D("50"), D("50"), D("50")]))
        assert exc.value.message_dict == {
            "share_note": ["各区划分解目标之和为150个，本项目标为120个，超出目标，须在“分解说明”中说明原因"]
        }
        assert sorted(s.target_value for s in sub.shares.all()) == [D("40")] * 3

    def test_with_a_stated_reason_the_shares_may_differ_from_the_target(self, city):
        _, sub, _, districts = city
        save_shares(sub, _rows(districts, [D("50"), D("50"), D("50")]), "各区主动加压，超额分解")
        sub.refresh_from_db()
        assert sub.share_note == "各区主动加压，超额分解"
        assert sum(s.target_value for s in sub.shares.all()) == D("150")

    def test_a_share_for_a_region_outside_the_plans_region_is_refused(self, city):
        _, sub, _, districts = city
        elsewhere = region("450102", "他市某区", region("450100", "他市", region("450000", "他省")))
        with pytest.raises(ValidationError) as exc:
            save_shares(sub, _rows([*districts[:2], elsewhere], [D("40")] * 3))
        assert exc.value.message_dict["region"] == [
            "“他市某区”（450102）不在本清单所属区划“示范市”的下级范围内"
        ]
        assert {s.region for s in sub.shares.all()} == set(districts)

    def test_a_plan_without_a_region_cannot_be_split(self):
        county = region("440106", "青山区", region("440100", "示范市", region("440000", "示范省")))
        errors = split_errors(
            target=D("10"),
            unit_label="个",
            plan_region=None,
            rows=[ShareRow(region=county, responsible_unit=UnitFactory.build(), target_value=D("10"))],
            note="",
        )
        assert errors == {"region": ["清单未设所属区划，不能分解到下级区划"]}


class TestRollUp:
    def _part(self, target, progress, actual=None, complete=False, scheduled="50"):
        status = "completed" if complete else ("in_progress" if D(progress) > 0 else "not_started")
        figures = ledger.SubItemFigures(status, D(progress), actual, None, None)
        return shares.ShareState(target, figures, D(scheduled))

    def test_actuals_are_summed_and_progress_is_weighted_by_target(self):
        rolled = shares.roll_up(
            [self._part(D("30"), "100", D("30"), True), self._part(D("10"), "20", D("2"))]
        )
        assert rolled.figures.actual_value == D("32")
        assert rolled.figures.progress_percent == D("80.00")  # (30×100 + 10×20) / 40
        assert rolled.figures.status == "in_progress"
        assert rolled.target == D("40")

    def test_the_sub_item_is_complete_only_when_every_share_is(self):
        rolled = shares.roll_up(
            [self._part(D("1"), "100", None, True), self._part(D("1"), "100", None, True)]
        )
        assert rolled.figures.is_complete and rolled.figures.progress_percent == D("100.00")

    def test_without_targets_the_shares_weigh_alike(self):
        rolled = shares.roll_up([self._part(None, "90"), self._part(None, "30", scheduled="70")])
        assert (rolled.figures.progress_percent, rolled.scheduled) == (D("60.00"), D("60.00"))
        assert rolled.figures.actual_value is None and rolled.target is None


@pytest.mark.django_db
class TestEverySurfaceAgrees:
    def _report_all(self, split):
        on = dt.date(YEAR, 7, 3)
        for share, actual in zip(split, ("200", "153", "100"), strict=False):
            accepted_report(share.sub_item, share=share, on=on, progress="100", actual=actual, complete=True)

    def test_the_completion_rate_is_computed_on_the_summed_actuals(self, city):
        plan, sub, split, _ = city
        self._report_all(split)
        state = plan_progress(plan).sub_states[0]
        assert state.actual_value == D("453")
        assert state.completion_rate == D("3.7750")  # 377.5%, as before the split
        assert state.is_complete and state.progress_percent == D("100.00")

    def test_progress_is_weighted_by_share_and_the_caches_and_check_agree(self, city):
        plan, sub, split, _ = city
        east, green, _west = split
        accepted_report(sub, share=east, on=dt.date(YEAR, 7, 3), progress="90", actual="30")
        accepted_report(sub, share=green, on=dt.date(YEAR, 7, 3), progress="30", actual="12")
        state = plan_progress(plan).sub_states[0]
        assert state.progress_percent == D("40.00")  # (40×90 + 40×30 + 40×0) / 120
        assert state.actual_value == D("42")
        assert state.status == "in_progress"
        sub.refresh_from_db()
        assert (sub.progress_percent, sub.actual_value, sub.status) == (D("40.00"), D("42.00"), "in_progress")
        assert caches.sub_item_drift(plan) == [] and caches.pace_drift(plan) == []
        assert check_plan(plan).sub_items == 1
        assert sub.pace.progress_percent == D("40.00") and sub.pace.light == state.light
        ((_, summary),) = plan_summaries([plan])
        assert summary.subitems_completed == 0

    def test_a_region_reads_only_its_own_share(self, city):
        plan, sub, split, districts = city
        self._report_all(split[:2])
        green = plan_progress(plan, region=districts[1]).sub_states[0]
        assert (green.target_value, green.actual_value) == (D("40"), D("153"))
        assert green.completion_rate == D("3.8250")
        assert green.is_complete
        west = plan_progress(plan, region=districts[2]).sub_states[0]
        assert west.actual_value is None and west.status == "not_started"
        whole = plan_progress(plan).sub_states[0]
        assert not whole.is_complete and whole.actual_value == D("353")


@pytest.mark.django_db
class TestReportingOnShares:
    def _post(self, user, sub, share, **extra):
        api = APIClient()
        api.force_login(user)
        data = {"sub_item": sub.pk, "progress_percent": "50", "actual_value": "20", **extra}
        if share is not None:
            data["share"] = share.pk
        return api.post("/api/reports/", data, format="json")

    def test_a_liaison_reports_on_their_regions_share(self, city):
        _, sub, split, _ = city
        green = split[1]
        response = self._post(liaison_user(green.responsible_unit), sub, green, submit=True)
        assert response.status_code == 201, response.content
        assert ProgressReport.objects.get(pk=response.json()["id"]).share == green

    def test_a_liaison_reporting_on_another_regions_share_is_refused_in_chinese(self, city):
        _, sub, split, _ = city
        east, green, _ = split
        response = self._post(liaison_user(green.responsible_unit), sub, east)
        assert response.status_code == 403
        assert "不能填报其他地区的分解任务" in response.json()["detail"]
        assert not ProgressReport.objects.exists()
        with pytest.raises(ReportNotSaved, match="东湖区"):
            create_report(
                sub,
                liaison_user(green.responsible_unit),
                {"progress_percent": D("10")},
                period_start=TODAY.replace(day=1),
                submit=False,
                share=east,
            )

    def test_a_split_sub_item_is_not_reported_on_as_a_whole(self, city):
        _, sub, _, _ = city
        response = self._post(liaison_user(sub.responsible_unit), sub, None)
        assert response.status_code == 403
        assert response.json()["detail"] == "本项已分解到各区划，请按本地区的分解任务填报"

    def test_completing_a_share_needs_the_shares_target_not_the_whole(self, city):
        _, sub, split, _ = city
        green = split[1]
        response = self._post(
            liaison_user(green.responsible_unit), sub, green, actual_value="45", marks_complete=True
        )
        assert response.status_code == 201, response.content

    def test_the_web_form_reports_on_a_share_and_refuses_another_regions(self, city, client):
        _, sub, split, _ = city
        east, green, _ = split
        client.force_login(liaison_user(green.responsible_unit))
        url = f"/subitems/{sub.pk}/report/"
        page = client.get(url, {"share": green.pk})
        assert page.status_code == 200 and "青山区" in page.content.decode()
        assert client.get(url, {"share": east.pk}).status_code == 403
        posted = client.post(
            url, {"share": green.pk, "progress_percent": "20", "actual_value": "8", "action": "submit"}
        )
        assert posted.status_code == 302, posted.content.decode()[:2000]
        report = ProgressReport.objects.get()
        assert (report.share, report.state) == (green, "submitted")

    def test_shares_are_kept_per_region(self, city):
        _, sub, split, _ = city
        assert [s.region.name for s in SubItemShare.objects.filter(sub_item=sub)] == [
            "东湖区",
            "青山区",
            "西岭区",
        ]


@pytest.mark.django_db
def test_reminders_for_a_split_sub_item_go_to_the_units_of_the_shares_that_owe_a_report(city):
    from supervision.followup.services.pace_check import reminders_due

    plan, sub, split, _ = city
    east, green, west = split
    accepted_report(sub, share=east, on=dt.date(YEAR, 7, 3), progress="60", period_start=dt.date(YEAR, 6, 1))
    after = [r for r in reminders_due(plan, TODAY) if r.kind == "after"]
    assert after, "mid-July is past June's due day"
    assert after[0].unit_ids == {green.responsible_unit_id, west.responsible_unit_id}
    assert sub.responsible_unit_id not in after[0].unit_ids


@pytest.mark.django_db
def test_a_liaisons_tasks_list_their_regions_share_and_not_the_split_sub_item_as_a_whole(city, client):
    _, sub, split, _ = city
    green = split[1]
    accepted_report(sub, share=green, on=dt.date(YEAR, 7, 3), progress="25", actual="10")
    client.force_login(liaison_user(green.responsible_unit))
    page = client.get("/my/tasks/")
    (task,) = page.context["tasks"]
    assert task.share == green
    assert (task.state.target_value, task.state.actual_value) == (D("40"), D("10"))
    assert f"?share={green.pk}" in page.content.decode() and "青山区分解任务" in page.content.decode()
    client.force_login(liaison_user(sub.responsible_unit))
    assert client.get("/my/tasks/").context["tasks"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("pace_rows", [False, True], ids=["from-ledger", "from-pace-rows"])
def test_the_dashboards_one_click_reminder_names_and_reaches_the_shares_units(city, client, pace_rows):
    from supervision.models import Notification

    plan, sub, split, districts = city
    east, green, west = split
    accepted_report(sub, share=east, on=dt.date(YEAR, 7, 3), progress="60", period_start=dt.date(YEAR, 6, 1))
    if pace_rows:
        caches.refresh_pace(plan)
    client.force_login(office_user())
    page = client.get(f"/plans/{plan.pk}/dashboard/")
    owing = {entry.unit.pk for entry in page.context["overdue_units"]}
    assert owing == {green.responsible_unit_id, west.responsible_unit_id}
    assert f'value="{plan.pk}:{green.responsible_unit_id}"' in page.content.decode()
    # Read through one district, only its own unit is named.
    page = client.get(f"/plans/{plan.pk}/dashboard/", {"region": districts[2].code})
    assert [entry.unit.pk for entry in page.context["overdue_units"]] == [west.responsible_unit_id]

    liaison = liaison_user(green.responsible_unit)
    response = client.post(
        "/reminders/",
        {"kind": "report", "target": [f"{plan.pk}:{green.responsible_unit_id}"], "message": "请尽快报送。"},
    )
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=liaison, kind=Notification.Kind.REPORT_REMINDER).count() == 1


@pytest.mark.django_db
def test_the_lagging_list_offers_reminders_to_a_split_sub_items_share_units(city, client):
    plan, sub, split, _ = city
    east, green, west = split
    for share in split:  # all three far behind the scheduled pace
        accepted_report(
            sub, share=share, on=dt.date(YEAR, 7, 3), progress="5", period_start=dt.date(YEAR, 6, 1)
        )
    client.force_login(office_user())
    page = client.get(f"/plans/{plan.pk}/lagging/")
    (row,) = page.context["rows"]
    assert [unit.pk for unit, _ in row.answering] == [s.responsible_unit_id for s in split]
    html = page.content.decode()
    for share in split:
        assert f'value="{plan.pk}:{share.responsible_unit_id}"' in html
    assert f'value="{plan.pk}:{sub.responsible_unit_id}"' not in html


@pytest.mark.django_db
def test_a_lagging_row_of_a_sub_item_split_over_many_regions_names_the_five_furthest_behind(travel, client):
    province = region("450000", "示范省")
    cities = [region(f"45{n:02d}00", f"第{n}市", province) for n in range(1, 8)]
    plan = PlanFactory(year=YEAR, region=province, region_name="示范省")
    sub = SubItemFactory(
        item=ItemFactory(plan=plan),
        target_value=D("70"),
        planned_start=dt.date(YEAR, 1, 1),
        planned_end=dt.date(YEAR, 12, 31),
    )
    units = [UnitFactory(name=f"{c.name}发改委", region=c) for c in cities]
    split = save_shares(
        sub,
        [
            ShareRow(region=c, responsible_unit=u, target_value=D("10"))
            for c, u in zip(cities, units, strict=True)
        ],
    )
    for n, share in enumerate(split):  # the last cities furthest behind
        accepted_report(
            sub,
            share=share,
            on=dt.date(YEAR, 7, 3),
            progress=str(30 - 4 * n),
            period_start=dt.date(YEAR, 6, 1),
        )
    client.force_login(office_user())
    page = client.get(f"/plans/{plan.pk}/lagging/")
    (row,) = page.context["rows"]
    assert [unit.pk for unit, _ in row.answering] == [u.pk for u in reversed(units)][:5]
    assert row.more_units == 2
    assert "等另2个单位" in page.content.decode()


@pytest.mark.django_db
def test_a_share_with_a_later_deadline_is_the_deadline_of_the_verdict_the_lagging_list_and_the_reasons(
    travel,
):
    """A split sub-item answers by its latest share's deadline: past the sub-item's own
    deadline but not its share's, it is not overdue; finished by the share's, it is on time."""
    from supervision.reading import dashboard
    from supervision.reading.lagging import lagging_rows

    city = region("450100", "示范市", region("450000", "示范省"))
    east, west = region("450102", "东区", city), region("450103", "西区", city)
    plan = PlanFactory(year=YEAR, region=city, region_name="示范市")
    sub = SubItemFactory(
        item=ItemFactory(plan=plan),
        target_value=D("20"),
        planned_start=dt.date(YEAR, 1, 1),
        planned_end=dt.date(YEAR, 6, 30),
    )
    save_shares(
        sub,
        [
            ShareRow(region=east, responsible_unit=UnitFactory(region=east), target_value=D("10")),
            ShareRow(
                region=west,
                responsible_unit=UnitFactory(region=west),
                target_value=D("10"),
                planned_end=dt.date(YEAR, 9, 30),
            ),
        ],
    )
    east_share, west_share = sub.shares.order_by("region__code")
    accepted_report(
        sub, share=east_share, on=dt.date(YEAR, 6, 20), progress="100", actual="10", complete=True
    )
    accepted_report(sub, share=west_share, on=dt.date(YEAR, 7, 5), progress="30", actual="3")

    state = plan_progress(plan, TODAY).sub_states[0]
    assert state.deadline == dt.date(YEAR, 9, 30)
    assert not any("已超过完成时限" in reason for reason in dashboard._reasons(state, TODAY))
    assert all(row.days_past_deadline == 0 for row in lagging_rows(plan_progress(plan, TODAY), {}))

    accepted_report(
        sub, share=west_share, on=dt.date(YEAR, 7, 14), progress="100", actual="10", complete=True
    )
    done = plan_progress(plan, TODAY).sub_states[0]
    assert done.is_complete and done.closing_verdict == ledger.Verdict.ON_TIME
