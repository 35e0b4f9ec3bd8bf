"""Supervision URLs, one module per area so each can grow on its own."""

from django.urls import include, path

urlpatterns = [
    path("", include("supervision.reading.urls.plans")),
    path("", include("supervision.ledger.urls")),
    path("", include("supervision.reading.urls.lagging")),
    path("", include("supervision.followup.urls.visits")),
    path("", include("supervision.followup.urls.rectifications")),
    path("", include("supervision.followup.urls.orders")),
    path("", include("supervision.reading.urls.dashboard")),
    path("", include("supervision.documents.urls.exports")),
    path("", include("supervision.documents.urls.circulars")),
    path("", include("supervision.photos.urls")),
    path("", include("supervision.messaging.urls")),
    path("", include("supervision.yearend.urls.evaluation")),
    path("", include("supervision.notices.urls")),
    path("", include("supervision.yearend.urls.closing")),
    path("", include("supervision.reading.urls.regions")),
]
