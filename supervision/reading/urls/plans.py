from django.urls import path

from supervision.reading.views import plans

urlpatterns = [
    path("plans/", plans.plan_list, name="plan_list"),
    path("plans/<int:plan_id>/", plans.plan_detail, name="plan_detail"),
    path("items/<int:item_id>/", plans.item_detail, name="item_detail"),
    path("subitems/<int:sub_item_id>/", plans.subitem_detail, name="subitem_detail"),
]
