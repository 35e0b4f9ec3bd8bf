from django.urls import path

from ..views import pace

urlpatterns = [
    path("plans/<int:plan_id>/lagging/", pace.plan_lagging, name="plan_lagging"),
]
