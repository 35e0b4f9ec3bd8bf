from django.urls import path

from supervision.reading.views import regions

urlpatterns = [
    path("regions/<str:code>/", regions.region_detail, name="region_detail"),
]
