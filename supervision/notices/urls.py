from django.urls import path

from supervision.notices import views as notices

urlpatterns = [
    path("public/plans/<int:plan_id>/notices/", notices.public_notices, name="public_notices"),
    path("public/plans/<int:plan_id>/notices/<int:notice_id>/", notices.public_notice, name="public_notice"),
    path(
        "public/plans/<int:plan_id>/notices/<int:notice_id>/qr.svg",
        notices.public_notice_qr,
        name="public_notice_qr",
    ),
    path("public/plans/<int:plan_id>/qr.svg", notices.public_plan_qr, name="public_plan_qr"),
    path("plans/<int:plan_id>/notices/", notices.plan_notices, name="plan_notices"),
    path("plans/<int:plan_id>/notices/<int:notice_id>/", notices.notice_manage, name="notice_manage"),
]
