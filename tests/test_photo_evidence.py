"""Photos that survive a form's error and prove when and where they were taken: drafts on the
report, visit and rectification forms, EXIF capture time and place, the reviewer's marks, and a
sub-item's photo timeline with its before/after pairs."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from core import dates
from supervision.followup.services import rectifications as rectification_service
from supervision.ledger.periods import Period
from supervision.ledger.services import accept_report, create_report
from supervision.models import (
    InspectionVisit,
    PhotoDraft,
    PhotoStage,
    ProgressReport,
    Rectification,
    ReportPhoto,
    VisitPhoto,
)
from supervision.photos.uploads import before_after_pairs, photo_marks, read_facts
from supervision.tasks import remove_abandoned_photo_drafts

from .factories import (
    ItemFactory,
    PlanFactory,
    SubItemFactory,
    UnitFactory,
    deputy_user,
    liaison_user,
    office_user,
)

pytestmark = pytest.mark.django_db
TODAY = dates.today()


def photo(
    name="site.jpg", *, taken: str | None = None, gps: tuple | None = None, exif: bool = True
) -> SimpleUploadedFile:
    """A real JPEG; with ``exif`` it carries a camera model, and the capture time
    ("YYYY:MM:DD HH:MM:SS") and GPS place ((lat, lon) in degrees, S/W negative) when given."""
    buffer = io.BytesIO()
    image = Image.new("RGB", (32, 24), (30, 120, 200))
    if not exif:
        image.save(buffer, "JPEG")
        return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
    data = Image.Exif()
    data[0x0110] = "TestCam"
    if taken:
        data.get_ifd(0x8769)[36867] = taken
    if gps:
        lat, lon = gps

        def dms(value):
            value = abs(value)
            degrees = int(value)
            minutes = int((value - degrees) * 60)
            seconds = round(((value - degrees) * 60 - minutes) * 60, 2)
            return (IFDRational(degrees), IFDRational(minutes), IFDRational(int(seconds * 100), 100))

        data.get_ifd(0x8825).update(
            {1: "N" if lat >= 0 else "S", 2: dms(lat), 3: "E" if lon >= 0 else "W", 4: dms(lon)}
        )
    image.save(buffer, "JPEG", exif=data)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def exif_time(day: dt.date, hour: int = 10) -> str:
    return f"{day:%Y:%m:%d} {hour:02d}:15:00"


@pytest.fixture
def world():
    plan = PlanFactory()
    unit = UnitFactory(code="housing", name="区住建局")
    sub = SubItemFactory(item=ItemFactory(plan=plan, lead_unit=unit), content="改造老旧小区")
    return {
        "plan": plan,
        "sub": sub,
        "unit": unit,
        "liaison": liaison_user(unit, username="liaison-housing"),
        "colleague": liaison_user(unit, username="liaison-housing-2"),
        "office": office_user(username="office"),
        "deputy": deputy_user(username="deputy"),
    }


def report_post(**overrides) -> dict:
    data = {
        "progress_percent": "45",
        "actual_value": "",
        "funds_allocated": "",
        "funds_paid": "",
        "work_done": "完成45%",
        "problems": "",
        "next_steps": "",
        "regression_explanation": "",
        "action": "draft",
    }
    data.update(overrides)
    return data


# --- What a photo says about itself -------------------------------------------------------


def test_capture_time_and_gps_place_are_read_from_exif():
    facts = read_facts(photo(taken="2023:05:10 10:11:12", gps=(30.255, 120.51)))
    assert facts.has_exif
    assert timezone.localtime(facts.taken_at).replace(tzinfo=None) == dt.datetime(2023, 5, 10, 10, 11, 12)
    assert facts.latitude == Decimal("30.255000")
    assert facts.longitude == Decimal("120.510000")


def test_southern_and_western_places_are_negative():
    facts = read_facts(photo(gps=(-33.5, -70.25)))
    assert (facts.latitude, facts.longitude) == (Decimal("-33.500000"), Decimal("-70.250000"))
    assert facts.taken_at is None


def test_a_photo_without_exif_says_nothing_and_is_marked_but_kept():
    facts = read_facts(photo(exif=False))
    assert facts.has_exif is False and facts.taken_at is None and facts.latitude is None
    stored = ReportPhoto(has_exif=False)
    assert photo_marks(stored, Period(TODAY, TODAY, TODAY)) == ["无EXIF信息，无法核实拍摄时间和地点"]


def test_marks_for_no_capture_time_and_for_a_time_outside_the_period():
    period = Period(dt.date(2023, 5, 1), dt.date(2023, 5, 31), dt.date(2023, 6, 5))
    inside = timezone.make_aware(dt.datetime(2023, 5, 31, 23, 0))
    outside = timezone.make_aware(dt.datetime(2023, 4, 30, 9, 0))
    assert photo_marks(ReportPhoto(has_exif=True, taken_at=inside), period) == []
    assert photo_marks(ReportPhoto(has_exif=True, taken_at=None), period) == ["无拍摄时间"]
    assert photo_marks(ReportPhoto(has_exif=True, taken_at=outside), period) == [
        "拍摄于2023年4月30日，不在填报周期2023年5月内"
    ]


def test_before_and_after_photos_pair_in_capture_order_and_a_missing_partner_is_none():
    def at(day, stage, pk):
        return ReportPhoto(
            pk=pk,
            stage=stage,
            taken_at=timezone.make_aware(dt.datetime(2023, 5, day)),
            uploaded_at=timezone.now(),
        )

    late_before, early_before = at(9, PhotoStage.BEFORE, 1), at(2, PhotoStage.BEFORE, 2)
    after, unmarked = at(20, PhotoStage.AFTER, 3), at(21, "", 4)
    pairs = before_after_pairs([late_before, after, unmarked, early_before])
    assert pairs == [(early_before, after), (late_before, None)]


# --- The report form keeps a chosen photo across an error -----------------------------------


def test_report_form_with_an_error_keeps_the_photo_as_a_draft_and_saves_it_next_time(world, client, login):
    login(world["liaison"])
    url = reverse("subitem_report", args=[world["sub"].pk])
    taken = exif_time(TODAY)
    response = client.post(
        url, {**report_post(progress_percent="abc"), "photos": [photo("工地.jpg", taken=taken)]}
    )

    assert response.status_code == 400
    draft = PhotoDraft.objects.get(owner=world["liaison"])
    page = response.content.decode()
    assert f'name="draft" value="{draft.pk}"' in page
    assert reverse("photo_draft", args=[draft.pk]) in page
    assert "累计进度须为数字" in page
    assert not ProgressReport.objects.exists()
    assert client.get(reverse("photo_draft", args=[draft.pk])).status_code == 200

    response = client.post(
        url,
        {
            **report_post(),
            "draft": [draft.pk],
            f"draft_caption_{draft.pk}": "3号楼外墙",
            f"draft_stage_{draft.pk}": "before",
        },
    )
    assert response.status_code == 302
    saved = ReportPhoto.objects.get()
    assert saved.caption == "3号楼外墙"
    assert saved.stage == PhotoStage.BEFORE
    assert timezone.localdate(saved.taken_at) == TODAY
    assert saved.image.name == draft.image.name and saved.display.name
    assert not PhotoDraft.objects.exists()


def test_a_draft_photo_ticked_for_removal_is_gone_and_not_saved(world, client, login):
    login(world["liaison"])
    url = reverse("subitem_report", args=[world["sub"].pk])
    client.post(url, {**report_post(progress_percent=""), "photos": [photo("a.jpg"), photo("b.jpg")]})
    first, second = PhotoDraft.objects.order_by("pk")

    response = client.post(
        url,
        {
            **report_post(progress_percent="x"),
            "draft": [first.pk, second.pk],
            f"draft_remove_{first.pk}": "1",
        },
    )
    assert response.status_code == 400
    assert list(PhotoDraft.objects.values_list("pk", flat=True)) == [second.pk]
    assert not first.image.storage.exists(first.image.name)
    assert f'name="draft" value="{first.pk}"' not in response.content.decode()

    client.post(url, {**report_post(), "draft": [first.pk, second.pk]})
    assert ReportPhoto.objects.count() == 1
    assert ReportPhoto.objects.get().caption == "b.jpg"


def test_a_draft_is_its_owners_alone(world, client, login):
    login(world["liaison"])
    client.post(
        reverse("subitem_report", args=[world["sub"].pk]),
        {**report_post(progress_percent="x"), "photos": [photo()]},
    )
    draft = PhotoDraft.objects.get()

    login(world["colleague"])
    assert client.get(reverse("photo_draft", args=[draft.pk])).status_code == 404
    client.post(reverse("subitem_report", args=[world["sub"].pk]), {**report_post(), "draft": [draft.pk]})
    assert not ReportPhoto.objects.exists()
    assert PhotoDraft.objects.filter(pk=draft.pk).exists()


def test_editing_a_report_with_an_error_keeps_the_new_photo(world, client, login):
    report = create_report(
        world["sub"], world["liaison"], {"progress_percent": Decimal("20")}, period_start=TODAY, submit=False
    )
    login(world["liaison"])
    url = reverse("report_detail", args=[report.pk])
    response = client.post(
        url, {**report_post(progress_percent="101", version=report.version), "photos": [photo("c.jpg")]}
    )
    assert response.status_code == 400
    draft = PhotoDraft.objects.get()
    client.post(url, {**report_post(version=report.version), "draft": [draft.pk]})
    assert list(report.photos.values_list("caption", flat=True)) == ["c.jpg"]


def test_a_file_that_is_not_a_photo_is_refused_while_the_good_one_is_kept(world, client, login):
    login(world["liaison"])
    fake = SimpleUploadedFile("假照片.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(
        reverse("subitem_report", args=[world["sub"].pk]),
        {**report_post(), "photos": [fake, photo("ok.jpg")]},
    )
    assert response.status_code == 400
    assert "不是有效的图片文件" in response.content.decode()
    assert list(PhotoDraft.objects.values_list("caption", flat=True)) == ["ok.jpg"]


# --- The reviewer sees what to check ----------------------------------------------------------


def _submitted_with(world, *uploads) -> ProgressReport:
    return create_report(
        world["sub"],
        world["liaison"],
        {"progress_percent": Decimal("30")},
        list(uploads),
        period_start=TODAY.replace(day=1),
        submit=True,
    )


def test_review_page_marks_photos_without_exif_or_taken_outside_the_period_and_shows_the_place(
    world, client, login
):
    report = _submitted_with(
        world,
        photo("good.jpg", taken=exif_time(TODAY), gps=(30.25, 120.5)),
        photo("old.jpg", taken="2023:05:10 10:00:00"),
        photo("plain.jpg", exif=False),
        photo("notime.jpg"),
    )
    assert report.photos.count() == 4  # none refused for its EXIF
    login(world["office"])
    page = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert "拍摄于2023年5月10日，不在填报周期" in page
    assert "无EXIF信息，无法核实拍摄时间和地点" in page
    assert "无拍摄时间" in page
    assert "30.25000, 120.50000" in page
    assert page.count("photo-mark") == 3


# --- Visit and rectification forms --------------------------------------------------------------


def visit_post(world, **overrides) -> dict:
    data = {
        "plan": world["plan"].pk,
        "date": TODAY.isoformat(),
        "kind": "inspection",
        "title": "人大代表视察",
        "organiser": "",
        "other_participants": "",
        "findings": "",
        "opinions": "",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-item": world["sub"].item.pk,
        "items-0-sub_item": "",
        "items-0-satisfaction": "satisfied",
        "items-0-comment": "",
    }
    data.update(overrides)
    return data


def test_visit_form_says_what_is_wrong_and_keeps_the_photo(world, client, login):
    login(world["deputy"])
    response = client.post(
        reverse("visit_create"),
        {**visit_post(world, title=""), "photos": [photo("v.jpg", taken=exif_time(TODAY))]},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "已选的照片都已保留" in page
    draft = PhotoDraft.objects.get(owner=world["deputy"])
    assert f'name="draft" value="{draft.pk}"' in page

    response = client.post(
        reverse("visit_create"),
        {**visit_post(world), "draft": [draft.pk], f"draft_caption_{draft.pk}": "现场"},
    )
    assert response.status_code == 302
    visit = InspectionVisit.objects.get()
    saved = VisitPhoto.objects.get(visit=visit)
    assert saved.caption == "现场" and saved.taken_at is not None
    page = client.get(reverse("visit_detail", args=[visit.pk])).content.decode()
    assert "photo-mark" not in page  # taken on the visit's day


def test_rectification_response_with_an_error_keeps_the_photo(world, client, login):
    rectification = rectification_service.create_rectification(
        world["office"],
        plan=world["plan"],
        unit=world["unit"],
        title="资金未到位",
        required_action="落实资金",
        deadline=TODAY + dt.timedelta(days=10),
        source=Rectification.Source.PACE,
        sub_item=world["sub"],
    )
    login(world["liaison"])
    url = reverse("rectification_respond", args=[rectification.pk])
    response = client.post(url, {"text": "", "photos": [photo("整改后.jpg")]})
    assert response.status_code == 400
    draft = PhotoDraft.objects.get()
    assert f'name="draft" value="{draft.pk}"' in response.content.decode()

    assert client.post(url, {"text": "已整改", "draft": [draft.pk]}).status_code == 302
    event = rectification.events.get(action="responded")
    assert list(event.photos.values_list("caption", flat=True)) == ["整改后.jpg"]
    page = client.get(reverse("rectification_detail", args=[rectification.pk])).content.decode()
    assert "无拍摄时间" in page


# --- The sub-item's photo timeline and before/after pairs ---------------------------------------


def test_timeline_orders_accepted_photos_by_capture_time_and_the_office_pairs_before_and_after(
    world, client, login, django_assert_max_num_queries
):
    report = _submitted_with(
        world,
        photo("后.jpg", taken=exif_time(TODAY, 15)),
        photo("前.jpg", taken=exif_time(TODAY, 8)),
    )
    accept_report(report, world["office"])
    create_report(
        world["sub"],
        world["colleague"],
        {"progress_percent": Decimal("50")},
        [photo("x.jpg")],
        period_start=TODAY,
        submit=False,
    )
    after, before = report.photos.order_by("pk")

    login(world["office"])
    url = reverse("subitem_photos", args=[world["sub"].pk])
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert page.index("前.jpg") < page.index("后.jpg")
    assert "x.jpg" not in page  # not on the record
    assert "尚无标注" in page

    client.post(reverse("report_photo_stage", args=[before.pk]), {"stage": "before"})
    client.post(reverse("report_photo_stage", args=[after.pk]), {"stage": "after"})
    page = client.get(url).content.decode()
    assert page.count('class="row g-2 mb-3 photo-pair"') == 1

    earlier = client.get(url, {"as_of": (TODAY - dt.timedelta(days=1)).isoformat()}).content.decode()
    assert "前.jpg" not in earlier


def test_only_the_office_marks_before_and_after(world, client, login):
    report = _submitted_with(world, photo("a.jpg"))
    accept_report(report, world["office"])
    login(world["liaison"])
    response = client.post(reverse("report_photo_stage", args=[report.photos.get().pk]), {"stage": "after"})
    assert response.status_code == 403
    assert report.photos.get().stage == ""


def test_drafts_never_saved_are_removed_with_their_files_after_two_days(world, client, login):
    login(world["liaison"])
    client.post(
        reverse("subitem_report", args=[world["sub"].pk]),
        {**report_post(progress_percent="x"), "photos": [photo()]},
    )
    draft = PhotoDraft.objects.get()
    storage, names = draft.image.storage, [draft.image.name, draft.display.name]
    assert all(storage.exists(name) for name in names)

    assert remove_abandoned_photo_drafts.apply().get() == 0
    PhotoDraft.objects.update(uploaded_at=timezone.now() - dt.timedelta(days=2, minutes=1))
    assert remove_abandoned_photo_drafts.apply().get() == 1
    assert not PhotoDraft.objects.exists()
    assert not any(storage.exists(name) for name in names)


def test_review_queue_counts_the_photos_to_check(world, client, login):
    _submitted_with(
        world, photo("good.jpg", taken=exif_time(TODAY)), photo("plain.jpg", exif=False), photo("x.jpg")
    )
    login(world["office"])
    page = client.get(reverse("review_queue")).content.decode()
    assert "2张待核" in page


def test_a_chosen_photo_is_stored_at_once_as_a_draft_by_the_forms_script(world, client, login):
    login(world["liaison"])
    fake = SimpleUploadedFile("假.jpg", b"not an image", content_type="image/jpeg")
    answer = client.post(
        reverse("photo_draft_upload"), {"photos": [photo("现场.jpg", taken=exif_time(TODAY)), fake]}
    )
    assert answer.status_code == 200
    draft = PhotoDraft.objects.get(owner=world["liaison"])
    body = answer.json()
    assert f'name="draft" value="{draft.pk}"' in body["html"]
    assert any("不是有效的图片文件" in message for message in body["errors"])

    refused = client.post(reverse("photo_draft_upload"), {"photos": [fake]})
    assert refused.status_code == 400 and refused.json()["html"].strip() == ""


def test_only_those_who_attach_photos_may_store_drafts(client, login):
    from .factories import leader_user

    login(leader_user(username="leader"))
    assert client.post(reverse("photo_draft_upload"), {"photos": [photo()]}).status_code == 403
    assert not PhotoDraft.objects.exists()


def test_timeline_shows_the_visits_and_rectifications_photos_to_those_who_may_read_them(world, client, login):
    from supervision.followup.services import visits as visit_service

    visit_service.create_visit(
        world["deputy"],
        visit_service.VisitDetails(
            plan=world["plan"], date=TODAY, kind=InspectionVisit.Kind.DEPUTY_INSPECTION, title="代表视察"
        ),
        rows=[visit_service.VisitedRow(item=world["sub"].item, sub_item=world["sub"])],
        photos=[photo("视察.jpg", taken=exif_time(TODAY, 9))],
    )
    rectification = rectification_service.create_rectification(
        world["office"],
        plan=world["plan"],
        unit=world["unit"],
        title="外墙脱落",
        required_action="修复",
        deadline=TODAY + dt.timedelta(days=10),
        source=Rectification.Source.PACE,
        sub_item=world["sub"],
    )
    rectification_service.respond(rectification, world["liaison"], "已修复", [photo("整改.jpg")])
    url = reverse("subitem_photos", args=[world["sub"].pk])

    login(world["office"])
    page = client.get(url).content.decode()
    assert "视察：代表视察" in page and "整改：外墙脱落" in page
    assert reverse("visit_photo", args=[VisitPhoto.objects.get().pk]) in page
    assert page.count("photo-entry") == 2

    login(world["liaison"])  # a liaison reads the unit's rectifications, not the visits
    page = client.get(url).content.decode()
    assert "整改：外墙脱落" in page and "视察：代表视察" not in page
