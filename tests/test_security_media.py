"""Uploaded photos: served only through a view that checks the reader (with debug off, and by
nginx when the X-Accel-Redirect prefix is set), stored under random names of their real format,
refused when not JPEG/PNG/WebP or too many pixels, and shown on pages as a reduced copy."""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zlib
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core import dates
from supervision.followup.services import rectifications as rectification_service
from supervision.followup.services import visits as visit_service
from supervision.ledger.services import add_photos
from supervision.models import InspectionVisit, Rectification, RectificationPhoto, Satisfaction, VisitPhoto
from tests.factories import (
    ItemFactory,
    PlanFactory,
    ProgressReportFactory,
    SubItemFactory,
    UnitFactory,
    accepted_report,
    deputy_user,
    liaison_user,
    office_user,
)

RANDOM_NAME = re.compile(r"^[0-9a-f]{32}\.png$")


def picture(name: str, fmt: str = "PNG", size=(8, 8)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue())


def svg(name: str = "x.svg") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )


def huge_png(width: int = 12000, height: int = 12000) -> SimpleUploadedFile:
    """A valid black-and-white PNG of width x height pixels, written row by row so the test never
    holds the decoded picture (the compressed file is a few dozen kilobytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\0" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj()
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    body = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    return SimpleUploadedFile("航拍.png", body)


def size_of(content: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(content)) as image:
        return image.size


class SignedUrlStorage(InMemoryStorage):
    """A remote storage as the photo view sees S3: no local path, and url() gives a signed,
    expiring address (what django-storages' S3Storage.url returns), without any network."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        query = {**(parameters or {}), "X-Amz-Expires": "300", "X-Amz-Signature": "5" * 64}
        return f"https://oss.example.gov.cn/livelihood/{quote(name)}?{urlencode(query)}"


REMOTE = {"BACKEND": "tests.test_security_media.SignedUrlStorage"}


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def world(db):
    plan = PlanFactory()
    unit = UnitFactory(code="housing", name="区住建局")
    other = UnitFactory(code="water", name="区水利局")
    item = ItemFactory(plan=plan, lead_unit=unit)
    sub = SubItemFactory(item=item, responsible_unit=unit)
    return {
        "plan": plan,
        "item": item,
        "sub": sub,
        "office": office_user(username="office1"),
        "deputy": deputy_user(username="deputy1"),
        "liaison": liaison_user(unit, username="liaison-housing"),
        "other_liaison": liaison_user(other, username="liaison-water"),
    }


def visit_with_photo(world, upload=None) -> InspectionVisit:
    return visit_service.create_visit(
        world["office"],
        visit_service.VisitDetails(
            plan=world["plan"],
            date=dt.date(2023, 10, 27),
            kind=InspectionVisit.Kind.DEPUTY_INSPECTION,
            title="视察",
        ),
        rows=[visit_service.VisitedRow(item=world["item"], satisfaction=Satisfaction.SATISFIED)],
        photos=[upload or picture("site.jpg", "JPEG")],
    )


def open_rectification(world) -> Rectification:
    return rectification_service.create_rectification(
        world["office"],
        plan=world["plan"],
        unit=world["sub"].responsible_unit,
        title="资金未到位",
        required_action="落实资金",
        deadline=dates.today() + dt.timedelta(days=30),
        source=Rectification.Source.PACE,
        sub_item=world["sub"],
    )


def answered_rectification(world, upload=None) -> RectificationPhoto:
    rectification = open_rectification(world)
    rectification_service.respond(
        rectification, world["liaison"], "已复工", photos=[upload or picture("done.png")]
    )
    return RectificationPhoto.objects.get(event__rectification=rectification)


def test_photos_of_visits_rectifications_and_reports_open_from_their_pages_with_debug_off(
    world, client, login, settings
):
    settings.DEBUG = False
    visit = visit_with_photo(world)
    visit_photo = visit.photos.get()
    rectification_photo = answered_rectification(world)
    report = accepted_report(world["sub"], on=dates.today(), progress="40")
    (report_photo,) = add_photos(report, [picture("现场.jpg", "JPEG")])
    login(world["office"])

    pages = {
        f"/visits/{visit.pk}/": f"/visits/photos/{visit_photo.pk}/",
        f"/rectifications/{rectification_photo.event.rectification_id}/": (
            f"/rectifications/photos/{rectification_photo.pk}/"
        ),
        f"/items/{world['item'].pk}/": f"/reports/photos/{report_photo.pk}/",
    }
    for page_url, photo_url in pages.items():
        page = client.get(page_url).text
        assert f'src="{photo_url}"' in page and f'href="{photo_url}original/"' in page, page_url
        assert "/media/" not in page
        for url in (photo_url, f"{photo_url}original/"):
            response = client.get(url)
            assert response.status_code == 200 and response["Content-Type"].startswith("image/")
            assert size_of(body_of(response)) == (8, 8)


def test_only_readers_of_the_record_get_its_photo_and_nothing_is_served_from_media(world, client, login):
    visit_photo = visit_with_photo(world).photos.get()
    rectification_photo = answered_rectification(world)
    draft = ProgressReportFactory(sub_item=world["sub"])
    (draft_photo,) = add_photos(draft, [picture("草稿.png")])

    login(world["liaison"])
    assert client.get(f"/visits/photos/{visit_photo.pk}/original/").status_code in (403, 404)
    assert client.get(f"/rectifications/photos/{rectification_photo.pk}/").status_code == 200
    assert client.get(f"/reports/photos/{draft_photo.pk}/").status_code == 200

    login(world["other_liaison"])
    assert client.get(f"/rectifications/photos/{rectification_photo.pk}/original/").status_code in (403, 404)
    assert client.get(f"/reports/photos/{draft_photo.pk}/original/").status_code in (403, 404)

    login(world["deputy"])
    assert client.get(f"/visits/photos/{visit_photo.pk}/").status_code == 200
    assert client.get(f"/reports/photos/{draft_photo.pk}/").status_code in (403, 404)

    login(world["office"])
    assert client.get(f"/media/{visit_photo.image.name}").status_code == 404


def test_with_the_accel_prefix_the_proxy_sends_the_file_and_django_sends_no_body(
    world, client, login, settings
):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    photo = visit_with_photo(world).photos.get()
    login(world["deputy"])

    original = client.get(f"/visits/photos/{photo.pk}/original/")
    display = client.get(f"/visits/photos/{photo.pk}/")

    assert original.status_code == 200 and original["Content-Type"] == "image/jpeg"
    assert original["X-Accel-Redirect"] == f"/protected-media/{photo.image.name}"
    assert display["X-Accel-Redirect"] == f"/protected-media/{photo.display.name}"
    assert original.content == b"" and display.content == b""


def test_a_png_named_evil_html_or_svg_is_stored_under_a_random_png_name(world, client, login):
    login(world["deputy"])
    client.post(
        reverse("visit_create"),
        {
            "plan": world["plan"].pk,
            "date": "2023-10-27",
            "kind": "inspection",
            "title": "视察",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
            "items-0-item": world["item"].pk,
            "items-0-sub_item": "",
            "items-0-satisfaction": "satisfied",
            "items-0-comment": "",
            "photos": [picture("evil.html"), picture("x.svg")],
        },
    )
    rectification = open_rectification(world)
    login(world["liaison"])
    client.post(
        reverse("rectification_respond", args=[rectification.pk]),
        {"text": "已复工", "photos": [picture("evil.html")]},
    )

    stored = [p.image.name.rsplit("/", 1)[1] for p in VisitPhoto.objects.all()]
    stored += [p.image.name.rsplit("/", 1)[1] for p in RectificationPhoto.objects.all()]
    assert len(stored) == 3 and len(set(stored)) == 3
    assert all(RANDOM_NAME.match(name) for name in stored), stored


def test_svg_and_gif_are_refused_by_the_page_and_by_every_service(world, client, login):
    rectification = open_rectification(world)
    login(world["liaison"])
    page = client.post(
        reverse("rectification_respond", args=[rectification.pk]),
        {"text": "已复工", "photos": [svg(), picture("动图.gif", "GIF")]},
    ).text
    assert "“x.svg”不是有效的图片文件，只能上传 JPEG、PNG 或 WebP 格式的照片" in page
    assert "“动图.gif”是 GIF 格式，只能上传 JPEG、PNG 或 WebP 格式的照片" in page

    with pytest.raises(ValidationError):
        visit_with_photo(world, picture("动图.gif", "GIF"))
    with pytest.raises(ValidationError):
        rectification_service.respond(rectification, world["liaison"], "已复工", photos=[svg()])
    with pytest.raises(ValidationError):
        add_photos(ProgressReportFactory(sub_item=world["sub"]), [svg()])
    assert not VisitPhoto.objects.exists() and not RectificationPhoto.objects.exists()


def test_a_12000_by_12000_picture_is_refused_with_a_chinese_message(world, client, login):
    rectification = open_rectification(world)
    login(world["liaison"])

    page = client.post(
        reverse("rectification_respond", args=[rectification.pk]), {"text": "已复工", "photos": [huge_png()]}
    ).text

    assert "“航拍.png”像素过多，每张照片不能超过4000万像素，请缩小后再上传" in page
    assert not RectificationPhoto.objects.exists()


def test_pages_show_a_reduced_copy_and_the_link_opens_the_untouched_original(world, client, login):
    buffer = io.BytesIO()
    Image.effect_noise((3000, 2000), 60).convert("RGB").save(buffer, "JPEG", quality=95)
    upload = SimpleUploadedFile("现场.jpg", buffer.getvalue())
    photo = answered_rectification(world, upload)
    login(world["office"])

    shown = body_of(client.get(f"/rectifications/photos/{photo.pk}/"))
    original = body_of(client.get(f"/rectifications/photos/{photo.pk}/original/"))

    assert size_of(shown) == (1600, 1067) and len(shown) < len(original)
    assert original == buffer.getvalue()


@pytest.fixture
def remote_storage(settings):
    settings.STORAGES = {**settings.STORAGES, "default": REMOTE}
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"  # not used for a remote storage


def test_with_a_remote_storage_a_reader_is_sent_to_a_short_lived_signed_url(
    world, client, login, remote_storage
):
    photo = visit_with_photo(world).photos.get()
    login(world["deputy"])

    for url, name in (
        (f"/visits/photos/{photo.pk}/", photo.display.name),
        (f"/visits/photos/{photo.pk}/original/", photo.image.name),
    ):
        response = client.get(url)
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        query = parse_qs(location.query)
        assert location.netloc == "oss.example.gov.cn" and location.path == f"/livelihood/{name}"
        assert query["X-Amz-Signature"] and query["X-Amz-Expires"] == ["300"]
        # The bucket answers with the picture's type, shown inline, whatever the object says.
        assert query["ResponseContentType"] == ["image/jpeg"]
        assert query["ResponseContentDisposition"] == ["inline"]
        assert response["Cache-Control"] == "private, no-store"
        assert "X-Accel-Redirect" not in response


def test_with_a_remote_storage_others_get_no_signed_url(world, client, login, remote_storage):
    visit_photo = visit_with_photo(world).photos.get()
    draft = ProgressReportFactory(sub_item=world["sub"])
    (draft_photo,) = add_photos(draft, [picture("草稿.png")])

    anonymous = client.get(f"/visits/photos/{visit_photo.pk}/")
    assert anonymous.status_code == 302 and "oss.example.gov.cn" not in anonymous["Location"]

    login(world["liaison"])
    refused = client.get(f"/visits/photos/{visit_photo.pk}/original/")
    assert refused.status_code in (403, 404) and not refused.has_header("Location")

    login(world["deputy"])
    refused = client.get(f"/reports/photos/{draft_photo.pk}/")
    assert refused.status_code in (403, 404) and not refused.has_header("Location")
    assert client.get("/visits/photos/999999/").status_code == 404

    login(world["liaison"])
    own_draft = client.get(f"/reports/photos/{draft_photo.pk}/original/")
    assert own_draft.status_code == 302 and own_draft["Location"].startswith("https://oss.example.gov.cn/")
