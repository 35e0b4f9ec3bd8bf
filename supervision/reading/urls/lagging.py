from django.urls import path

from supervision.reading.views import lagging as pace

urlpatterns = [
    path("plans/<int:plan_id>/lagging/", pace.plan_lagging, name="plan_lagging"),
]
