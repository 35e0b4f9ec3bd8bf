from django.urls import path

from ..views import regions

urlpatterns = [
    path("regions/<str:code>/", regions.region_detail, name="region_detail"),
]
