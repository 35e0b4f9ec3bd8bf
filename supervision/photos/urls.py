from django.urls import path

from supervision.photos import views as photos

urlpatterns = [
    path("photos/drafts/", photos.photo_draft_upload, name="photo_draft_upload"),
    path("photos/drafts/<int:draft_id>/", photos.photo_draft, name="photo_draft"),
    path("subitems/<int:sub_item_id>/photos/", photos.subitem_photos, name="subitem_photos"),
    path("reports/photos/<int:photo_id>/stage/", photos.report_photo_stage, name="report_photo_stage"),
    path("reports/photos/<int:photo_id>/", photos.photo, {"kind": "report"}, name="report_photo"),
    path(
        "reports/photos/<int:photo_id>/original/",
        photos.photo,
        {"kind": "report", "original": True},
        name="report_photo_original",
    ),
    path("visits/photos/<int:photo_id>/", photos.photo, {"kind": "visit"}, name="visit_photo"),
    path(
        "visits/photos/<int:photo_id>/original/",
        photos.photo,
        {"kind": "visit", "original": True},
        name="visit_photo_original",
    ),
    path(
        "rectifications/photos/<int:photo_id>/",
        photos.photo,
        {"kind": "rectification"},
        name="rectification_photo",
    ),
    path(
        "rectifications/photos/<int:photo_id>/original/",
        photos.photo,
        {"kind": "rectification", "original": True},
        name="rectification_photo_original",
    ),
]
