from django.urls import path

from ..views import dashboard

urlpatterns = [
    path("plans/<int:plan_id>/dashboard/", dashboard.plan_dashboard, name="plan_dashboard"),
    path("public/", dashboard.public_plan_list, name="public_plans"),
    path("public/plans/<int:plan_id>/", dashboard.public_plan, name="public_plan"),
]
