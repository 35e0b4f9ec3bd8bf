from django.urls import path

from supervision.followup.views import visits

urlpatterns = [
    path("visits/", visits.visit_list, name="visit_list"),
    path("visits/new/", visits.visit_create, name="visit_create"),
    path("visits/<int:visit_id>/", visits.visit_detail, name="visit_detail"),
    path("visits/<int:visit_id>/edit/", visits.visit_edit, name="visit_edit"),
    path("visits/<int:visit_id>/lock/", visits.visit_lock, name="visit_lock"),
]
