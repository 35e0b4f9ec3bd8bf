from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import (
    Flag,
    InspectionVisit,
    Notification,
    PlanSnapshot,
    ProgressReport,
    Rectification,
    RectificationEvent,
    ReportFunding,
    ReportPhoto,
    VisitedItem,
    VisitPhoto,
)


class ReportFundingInline(admin.TabularInline):
    model = ReportFunding
    extra = 0
    readonly_fields = ("source", "allocated", "paid")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class PhotoInline(admin.TabularInline):
    """Photos are uploaded through the pages (supervision.photos.store_photo checks and renames
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
class ProgressReportAdmin(admin.ModelAdmin):
    """Read-only here: reports are written through the reporting pages, where the rules apply."""

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


class VisitedItemInline(admin.TabularInline):
    model = VisitedItem
    extra = 0
    autocomplete_fields = ("item",)


class VisitPhotoInline(PhotoInline):
    model = VisitPhoto
    url_name = "visit_photo_original"


@admin.register(InspectionVisit)
class InspectionVisitAdmin(admin.ModelAdmin):
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
class RectificationAdmin(admin.ModelAdmin):
    list_display = ("title", "unit", "deadline", "state", "is_overdue", "source")
    list_filter = ("state", "is_overdue", "source", "plan", "unit")
    search_fields = ("title", "required_action")
    inlines = [RectificationEventInline]


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ("sub_item", "kind", "raised_on", "cleared_on", "lag_points")
    list_filter = ("kind", "cleared_on")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "title", "created_at", "read_at")
    list_filter = ("kind",)


@admin.register(PlanSnapshot)
class PlanSnapshotAdmin(admin.ModelAdmin):
    list_display = ("plan", "as_of", "created_at")
    list_filter = ("plan",)
