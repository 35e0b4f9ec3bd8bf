from django.urls import path

from ..views import deliveries

urlpatterns = [
    path("deliveries/", deliveries.delivery_list, name="delivery_list"),
    path("deliveries/<int:delivery_id>/resend/", deliveries.delivery_resend, name="delivery_resend"),
    path("notifications/channels/", deliveries.channel_settings, name="channel_settings"),
]
