from django.urls import path

from supervision.messaging import views as deliveries

urlpatterns = [
    path("deliveries/", deliveries.delivery_list, name="delivery_list"),
    path("deliveries/<int:delivery_id>/resend/", deliveries.delivery_resend, name="delivery_resend"),
    path("notifications/channels/", deliveries.channel_settings, name="channel_settings"),
]
