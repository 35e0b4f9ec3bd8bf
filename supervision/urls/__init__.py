"""Supervision URLs, one module per area so each can grow on its own."""

from django.urls import include, path

urlpatterns = [
    path("", include("supervision.urls.plans")),
    path("", include("supervision.urls.reports")),
    path("", include("supervision.urls.pace")),
    path("", include("supervision.urls.visits")),
    path("", include("supervision.urls.rectifications")),
    path("", include("supervision.urls.orders")),
    path("", include("supervision.urls.dashboard")),
    path("", include("supervision.urls.exports")),
    path("", include("supervision.urls.circulars")),
    path("", include("supervision.urls.photos")),
    path("", include("supervision.urls.deliveries")),
    path("", include("supervision.urls.evaluation")),
    path("", include("supervision.urls.notices")),
    path("", include("supervision.urls.closing")),
    path("", include("supervision.urls.regions")),
]
