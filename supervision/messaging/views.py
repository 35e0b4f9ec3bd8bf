"""Message channels: each user's choice of channels, and the office's record of every outward
delivery with the failed ones to send again."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.dates import parse_as_of
from projects import permissions, scope
from supervision.messaging import channels
from supervision.messaging import deliveries as service
from supervision.messaging.forms import ChannelChoiceForm
from supervision.messaging.models import Delivery, UnitChannels, UserChannels

PAGE_ROWS = 200


@login_required
def delivery_list(request: HttpRequest) -> HttpResponse:
    """Outward deliveries (e-mail, SMS, group robots), newest first, filtered by state; with
    ``as_of``, the messages created up to that day (their state is today's)."""
    if not permissions.is_office(request.user):
        raise PermissionDenied
    as_of = parse_as_of(request)
    state = request.GET.get("state", "")
    if state and state not in Delivery.State.values:
        raise BadRequest(_("状态只能是：待发送、已发送、发送失败"))
    rows = scope.readable(request.user, Delivery.objects.exclude(channel=Delivery.Channel.IN_APP))
    if as_of:
        rows = rows.filter(created_at__date__lte=as_of)
    counts = dict(rows.values_list("state").annotate(n=Count("pk")).order_by())
    if state:
        rows = rows.filter(state=state)
    rows = rows.select_related("notification__recipient").order_by("-created_at", "-id")[:PAGE_ROWS]
    return render(
        request,
        "supervision/deliveries/list.html",
        {
            "rows": rows,
            "state": state,
            "as_of": as_of,
            "states": [(value, label, counts.get(value, 0)) for value, label in Delivery.State.choices],
            "total": sum(counts.values()),
        },
    )


@login_required
@require_POST
def delivery_resend(request: HttpRequest, delivery_id: int) -> HttpResponse:
    try:
        service.resend(delivery_id, request.user)
    except service.DeliveryError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已重新排队发送。"))
    return redirect(f"{reverse('delivery_list')}?state=failed")


@login_required
def channel_settings(request: HttpRequest) -> HttpResponse:
    """The user's channels: in-app always, e-mail, SMS (when a gateway is configured); and,
    for reading only, the group robots their unit set up."""
    user = request.user
    choice = UserChannels.objects.filter(user=user).first() or UserChannels(user=user)
    sms_available = bool(settings.SMS_GATEWAY_URL)
    initial = {"email": choice.email, "sms": choice.sms, "phone": user.phone}
    if request.method == "POST":
        form = ChannelChoiceForm(request.POST, initial=initial, sms_available=sms_available)
        if form.is_valid():
            with transaction.atomic():
                choice.email = form.cleaned_data["email"]
                choice.sms = bool(form.cleaned_data["sms"])
                choice.save()
                user.phone = form.cleaned_data["phone"]
                user.save(update_fields=["phone"])
            messages.success(request, _("消息渠道已保存。"))
            return redirect("channel_settings")
    else:
        form = ChannelChoiceForm(initial=initial, sms_available=sms_available)
    robots = UnitChannels.objects.filter(unit_id=user.unit_id).first() if user.unit_id else None
    return render(
        request,
        "supervision/deliveries/settings.html",
        {
            "form": form,
            "sms_available": sms_available,
            "robots": robots,
            "wecom": channels.describe_webhook(robots.wecom_webhook) if robots else "",
            "dingtalk": channels.describe_webhook(robots.dingtalk_webhook) if robots else "",
        },
    )
