from django.urls import path

from ..views import photos

urlpatterns = [
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
