from django.urls import path

from supervision.yearend.views import closing

urlpatterns = [
    path("subitems/<int:sub_item_id>/changes/new/", closing.change_create, name="change_create"),
    path("changes/", closing.change_list, name="change_list"),
    path("changes/<int:change_id>/", closing.change_detail, name="change_detail"),
    path(
        "changes/<int:change_id>/attachments/<int:attachment_id>/",
        closing.change_attachment,
        name="change_attachment",
    ),
    path("subitems/<int:sub_item_id>/acceptance/", closing.sub_item_acceptance, name="sub_item_acceptance"),
    path(
        "subitems/<int:sub_item_id>/acceptance/attachments/<int:attachment_id>/",
        closing.acceptance_attachment,
        name="acceptance_attachment",
    ),
    path("plans/<int:plan_id>/handover/", closing.plan_handover, name="plan_handover"),
    path("plans/<int:plan_id>/close/", closing.plan_close, name="plan_close"),
    path("plans/<int:plan_id>/year-report.docx", closing.plan_year_report_docx, name="plan_year_report_docx"),
]
