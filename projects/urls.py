from django.urls import path

from . import views, views_import

urlpatterns = [
    path("", views.home, name="home"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("plans/import/", views_import.plan_import, name="plan_import"),
    path("plans/import/confirm/", views_import.plan_import_confirm, name="plan_import_confirm"),
    path("plans/import/template.xlsx", views_import.plan_import_template, name="plan_import_template"),
    path("items/<int:item_id>/", views.item_detail, name="item_detail"),
    path("subitems/<int:sub_item_id>/", views.subitem_detail, name="subitem_detail"),
]
