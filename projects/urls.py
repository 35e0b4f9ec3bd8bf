from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("items/<int:item_id>/", views.item_detail, name="item_detail"),
    path("subitems/<int:sub_item_id>/", views.subitem_detail, name="subitem_detail"),
]
