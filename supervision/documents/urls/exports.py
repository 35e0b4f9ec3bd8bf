from django.urls import path

from supervision.documents.views import exports

urlpatterns = [
    path("plans/<int:plan_id>/briefing.xlsx", exports.plan_briefing, name="plan_briefing_xlsx"),
    path("plans/<int:plan_id>/export.xlsx", exports.plan_table_export, name="plan_export_xlsx"),
    path("plans/<int:plan_id>/lagging.xlsx", exports.plan_lagging_export, name="plan_lagging_xlsx"),
    path("rectifications/export.xlsx", exports.rectifications_export, name="rectifications_export_xlsx"),
    path("exports/<int:job_id>/", exports.export_job, name="export_job"),
    path("exports/<int:job_id>/status.json", exports.export_job_status, name="export_job_status"),
    path("exports/<int:job_id>/download", exports.export_job_download, name="export_job_download"),
]
