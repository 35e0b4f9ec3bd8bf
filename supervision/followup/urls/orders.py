from django.urls import path

from supervision.followup.views import orders, reminders

urlpatterns = [
    path("orders/", orders.order_list, name="order_list"),
    path("orders/new/", orders.order_create, name="order_create"),
    path("orders/<int:pk>/", orders.order_detail, name="order_detail"),
    path("orders/<int:pk>.docx", orders.order_document, name="order_docx"),
    path("orders/<int:pk>/sign/", orders.order_sign, name="order_sign"),
    path("orders/<int:pk>/answer/", orders.order_answer, name="order_answer"),
    path("orders/<int:pk>/close/", orders.order_close, name="order_close"),
    path("orders/<int:pk>/escalate/", orders.order_escalate, name="order_escalate"),
    path("reminders/", reminders.remind, name="remind"),
]
