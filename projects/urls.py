from django.urls import path

from projects import views, views_import

urlpatterns = [
    path("", views.home, name="home"),
    path("plans/import/", views_import.plan_import, name="plan_import"),
    path("plans/import/confirm/", views_import.plan_import_confirm, name="plan_import_confirm"),
    path("plans/import/template.xlsx", views_import.plan_import_template, name="plan_import_template"),
]
