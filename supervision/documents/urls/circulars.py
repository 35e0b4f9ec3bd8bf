from django.urls import path

from supervision.documents.views import circulars, ranking

urlpatterns = [
    path("plans/<int:plan_id>/circular.docx", circulars.plan_circular_docx, name="plan_circular_docx"),
    path("plans/<int:plan_id>/circular.pdf", circulars.plan_circular_pdf, name="plan_circular_pdf"),
    path("plans/<int:plan_id>/circulars/", circulars.circular_list, name="circular_list"),
    path("plans/<int:plan_id>/circulars/new/", circulars.circular_create, name="circular_create"),
    path(
        "plans/<int:plan_id>/circulars/<int:circular_id>/", circulars.circular_detail, name="circular_detail"
    ),
    path(
        "plans/<int:plan_id>/circulars/<int:circular_id>/issue/",
        circulars.circular_issue,
        name="circular_issue",
    ),
    path(
        "plans/<int:plan_id>/circulars/<int:circular_id>/delete/",
        circulars.circular_delete,
        name="circular_delete",
    ),
    path(
        "plans/<int:plan_id>/circulars/<int:circular_id>.docx",
        circulars.circular_document_docx,
        name="circular_docx",
    ),
    path(
        "plans/<int:plan_id>/circulars/<int:circular_id>.pdf",
        circulars.circular_document_pdf,
        name="circular_pdf",
    ),
    path("plans/<int:plan_id>/ranking/", ranking.plan_ranking, name="plan_ranking"),
    path("plans/<int:plan_id>/ranking.docx", ranking.plan_ranking_docx, name="plan_ranking_docx"),
    path("plans/<int:plan_id>/ranking/publish/", ranking.plan_ranking_publish, name="plan_ranking_publish"),
]
