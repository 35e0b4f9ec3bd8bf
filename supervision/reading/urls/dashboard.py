from django.urls import path

from supervision.reading.views import dashboard, screen

urlpatterns = [
    path("plans/<int:plan_id>/dashboard/", dashboard.plan_dashboard, name="plan_dashboard"),
    path("plans/<int:plan_id>/screen/", screen.plan_screen, name="plan_screen"),
    path("plans/<int:plan_id>/screen.json", screen.plan_screen_data, name="plan_screen_data"),
    path("public/", dashboard.public_plan_list, name="public_plans"),
    path("public/plans/<int:plan_id>/", dashboard.public_plan, name="public_plan"),
]
