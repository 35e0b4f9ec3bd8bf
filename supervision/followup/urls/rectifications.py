from django.urls import path

from supervision.followup.views import rectifications

urlpatterns = [
    path("rectifications/", rectifications.rectification_list, name="rectification_list"),
    path("rectifications/new/", rectifications.rectification_create, name="rectification_create"),
    path("rectifications/<int:pk>/", rectifications.rectification_detail, name="rectification_detail"),
    path(
        "rectifications/<int:pk>/respond/", rectifications.rectification_respond, name="rectification_respond"
    ),
    path("rectifications/<int:pk>/close/", rectifications.rectification_close, name="rectification_close"),
    path(
        "rectifications/<int:pk>/send-back/",
        rectifications.rectification_send_back,
        name="rectification_send_back",
    ),
]
