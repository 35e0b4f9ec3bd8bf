from django.urls import path

from supervision.ledger import views as reports

urlpatterns = [
    path("my/tasks/", reports.my_tasks, name="my_tasks"),
    path("subitems/<int:sub_item_id>/report/", reports.subitem_report, name="subitem_report"),
    path("reports/review/", reports.review_queue, name="review_queue"),
    path("reports/<int:report_id>/", reports.report_detail, name="report_detail"),
    path("reports/<int:report_id>/accept/", reports.report_accept, name="report_accept"),
    path("reports/<int:report_id>/return/", reports.report_return, name="report_return"),
    path("notifications/", reports.notification_list, name="notifications"),
    path("notifications/read/", reports.notifications_read, name="notifications_read"),
]
