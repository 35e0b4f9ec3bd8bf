from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from projects import scope
from projects.admin import WithinRegionAdmin, WithinRegionInline
from supervision.documents.models import Circular, RankingPublication
from supervision.figures.models import PlanSnapshot
from supervision.followup.models import (
    Flag,
    InspectionVisit,
    Rectification,
    RectificationEvent,
    ReminderLog,
    SupervisionOrder,
    SupervisionOrderEvent,
    VisitedItem,
    VisitPhoto,
)
from supervision.ledger.models import ProgressReport, ReportFunding, ReportPhoto
from supervision.messaging import channels
from supervision.messaging.models import Delivery, Notification, UnitChannels
from supervision.notices.models import NoticeObjection, ProgressNotice


class ReportFundingInline(admin.TabularInline):
    model = ReportFunding
    extra = 0
    readonly_fields = ("source", "allocated", "paid")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class PhotoInline(admin.TabularInline):
    """Photos are uploaded through the pages (supervision.photos.uploads.store_photo checks and renames
    them); here they are only listed, linked through the view that checks the reader."""

    extra = 0
    fields = readonly_fields = ("photo", "caption", "uploaded_at")
    url_name = ""

    @admin.display(description=_("照片"))
    def photo(self, obj) -> str:
        return format_html(
            '<a href="{}" target="_blank">{}</a>', reverse(self.url_name, args=[obj.pk]), _("查看原图")
        )

    def has_add_permission(self, request, obj=None):
        return False


class ReportPhotoInline(PhotoInline):
    model = ReportPhoto
    url_name = "report_photo_original"
    can_delete = False


@admin.register(ProgressReport)
class ProgressReportAdmin(WithinRegionAdmin, admin.ModelAdmin):
    """Read-only here: reports are written through the reporting pages, where the rules apply."""

    plan_path = "sub_item__item__plan"

    list_display = (
        "sub_item",
        "period_start",
        "state",
        "progress_percent",
        "actual_value",
        "created_by",
        "accepted_on",
    )
    list_filter = ("state", "sub_item__item__plan", "sub_item__responsible_unit")
    list_select_related = ("sub_item__item", "created_by")
    search_fields = ("sub_item__content", "work_done", "problems")
    inlines = [ReportFundingInline, ReportPhotoInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VisitedItemInline(WithinRegionInline, admin.TabularInline):
    model = VisitedItem
    extra = 0
    autocomplete_fields = ("item",)


class VisitPhotoInline(WithinRegionInline, PhotoInline):
    model = VisitPhoto
    url_name = "visit_photo_original"


@admin.register(InspectionVisit)
class InspectionVisitAdmin(WithinRegionAdmin, admin.ModelAdmin):
    list_display = ("date", "title", "kind", "plan", "recorded_by", "locked")
    list_filter = ("kind", "plan", "locked")
    search_fields = ("title", "findings", "opinions")
    inlines = [VisitedItemInline, VisitPhotoInline]


class RectificationEventInline(admin.TabularInline):
    model = RectificationEvent
    extra = 0
    readonly_fields = ("action", "actor", "text", "at")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Rectification)
class RectificationAdmin(WithinRegionAdmin, admin.ModelAdmin):
    list_display = ("title", "unit", "deadline", "state", "is_overdue", "source")
    list_filter = ("state", "is_overdue", "source", "plan", "unit")
    search_fields = ("title", "required_action")
    inlines = [RectificationEventInline]


@admin.register(Flag)
class FlagAdmin(WithinRegionAdmin, admin.ModelAdmin):
    plan_path = "sub_item__item__plan"
    list_display = ("sub_item", "kind", "raised_on", "cleared_on", "lag_points")
    list_filter = ("kind", "cleared_on")


class ReadableAdmin:
    """Mixed into a ModelAdmin of a record of no list (messages): the list shows what the user
    reads (``projects.scope``)."""

    def get_queryset(self, request):
        return scope.readable(request.user, super().get_queryset(request))


@admin.register(Notification)
class NotificationAdmin(ReadableAdmin, admin.ModelAdmin):
    list_display = ("recipient", "kind", "title", "created_at", "read_at")
    list_filter = ("kind",)


class NoticeObjectionInline(WithinRegionInline, admin.TabularInline):
    model = NoticeObjection
    extra = 0
    fields = ("sent_at", "text", "contact", "answer", "answered_at", "answered_by")
    readonly_fields = ("sent_at", "text", "contact", "answered_at", "answered_by")


@admin.register(ProgressNotice)
class ProgressNoticeAdmin(WithinRegionAdmin, admin.ModelAdmin):
    """An issued notice is a document: its figures are as issued, never edited here (issue a
    new notice instead); the office answers objections on the notice's page."""

    list_display = ("title", "plan", "as_of", "issued_on", "objection_days")
    list_filter = ("plan",)
    readonly_fields = ("plan", "as_of", "issued_on", "figures", "issued_by", "issued_at")
    inlines = [NoticeObjectionInline]

    def has_add_permission(self, request):
        return False


@admin.register(PlanSnapshot)
class PlanSnapshotAdmin(WithinRegionAdmin, admin.ModelAdmin):
    list_display = ("plan", "as_of", "created_at")
    list_filter = ("plan",)


SECRET_FIELDS = ("wecom_webhook", "dingtalk_webhook", "dingtalk_secret")
SECRET_INPUT = forms.PasswordInput(render_value=False, attrs={"size": 80, "autocomplete": "off"})


class UnitChannelsForm(forms.ModelForm):
    """Webhook addresses and the signing secret are written, never shown back: left blank, a
    field keeps what is stored; "清除" removes it."""

    wecom_webhook = forms.URLField(
        label=_("企业微信群机器人 Webhook"),
        required=False,
        assume_scheme="https",
        max_length=500,
        widget=SECRET_INPUT,
    )
    dingtalk_webhook = forms.URLField(
        label=_("钉钉群机器人 Webhook"),
        required=False,
        assume_scheme="https",
        max_length=500,
        widget=SECRET_INPUT,
    )
    clear = forms.MultipleChoiceField(
        label=_("清除"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("wecom_webhook", _("企业微信群机器人")),
            ("dingtalk_webhook", _("钉钉群机器人")),
            ("dingtalk_secret", _("钉钉加签密钥")),
        ],
    )

    class Meta:
        model = UnitChannels
        fields = ("unit", *SECRET_FIELDS)
        widgets = {"dingtalk_secret": SECRET_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            if getattr(self.instance, name):
                self.fields[name].help_text = _("已设置；留空则保持不变")

    def clean(self):
        cleaned = super().clean()
        for name in SECRET_FIELDS:
            if name in cleaned.get("clear", []):
                cleaned[name] = ""
            elif not cleaned.get(name) and name not in self.errors:
                cleaned[name] = getattr(self.instance, name)
        return cleaned


@admin.register(UnitChannels)
class UnitChannelsAdmin(admin.ModelAdmin):
    form = UnitChannelsForm
    list_display = ("unit", "wecom", "dingtalk", "signed")
    search_fields = ("unit__name",)
    autocomplete_fields = ("unit",)

    @admin.display(description=_("企业微信群机器人"))
    def wecom(self, obj):
        return channels.describe_webhook(obj.wecom_webhook) or "—"

    @admin.display(description=_("钉钉群机器人"))
    def dingtalk(self, obj):
        return channels.describe_webhook(obj.dingtalk_webhook) or "—"

    @admin.display(description=_("加签"), boolean=True)
    def signed(self, obj):
        return bool(obj.dingtalk_secret)


@admin.register(Delivery)
class DeliveryAdmin(ReadableAdmin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "notification",
        "channel",
        "shown_destination",
        "state",
        "attempts",
        "last_error",
    )
    list_filter = ("state", "channel")
    list_select_related = ("notification",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record the office's own pages write under their rules (numbering, state steps,
    history): the admin shows it and never edits it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SupervisionOrderEventInline(admin.TabularInline):
    model = SupervisionOrderEvent
    fields = ("at", "action", "actor", "text", "talk_on", "participants")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(WithinRegionAdmin, ReadOnlyAdmin):
    list_display = ("__str__", "plan", "unit", "source", "deadline", "state", "created_at")
    list_filter = ("state", "source", "year")
    search_fields = ("problem", "unit__name")
    list_select_related = ("plan", "unit")
    inlines = [SupervisionOrderEventInline]


@admin.register(Circular)
class CircularAdmin(WithinRegionAdmin, ReadOnlyAdmin):
    list_display = ("title", "plan", "as_of", "state", "year", "number", "issued_at")
    list_filter = ("state", "year")
    search_fields = ("title",)
    list_select_related = ("plan",)


@admin.register(RankingPublication)
class RankingPublicationAdmin(WithinRegionAdmin, ReadOnlyAdmin):
    list_display = ("plan", "month", "published_by", "published_at")
    list_select_related = ("plan", "published_by")


@admin.register(ReminderLog)
class ReminderLogAdmin(WithinRegionAdmin, ReadOnlyAdmin):
    list_display = ("sent_at", "plan", "unit", "kind", "period_start", "sent_by")
    list_filter = ("kind",)
    list_select_related = ("plan", "unit", "sent_by")
