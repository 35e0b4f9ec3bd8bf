"""Admin for the office to set up a plan: plan → items (件) → sub-items (项) with milestones
and funding. Every change is kept in the audit history (django-simple-history), and every
form carries the version it was opened at: a stale save is refused (``versioning``)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Acceptance,
    CarryOver,
    Category,
    ChangeRequest,
    FundingLine,
    Item,
    Milestone,
    Plan,
    Region,
    Stewardship,
    SubItem,
    SubItemShare,
    Unit,
    User,
)
from .versioning import VersionedForm


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + ((_("单位与联系方式"), {"fields": ("unit", "phone")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("单位"), {"fields": ("unit",)}),)
    list_display = ("username", "__str__", "unit", "email", "is_active")
    list_filter = ("groups", "unit", "is_active", "is_staff")
    list_select_related = ("unit",)
    search_fields = ("username", "first_name", "last_name", "email", "unit__name")


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ("name", "short_name", "code", "kind", "contact_person", "contact_phone", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "short_name", "code", "contact_person")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "order")
    list_editable = ("order",)
    search_fields = ("name",)


class ItemInline(admin.TabularInline):
    model = Item
    form = VersionedForm
    fields = ("version", "number", "title", "category", "lead_unit", "responsible_leader")
    extra = 0
    show_change_link = True
    autocomplete_fields = ("lead_unit",)


@admin.register(Plan)
class PlanAdmin(SimpleHistoryAdmin):
    form = VersionedForm
    list_display = (
        "title",
        "year",
        "region_name",
        "region",
        "level",
        "status",
        "yellow_margin",
        "red_margin",
        "report_cadence",
    )
    list_filter = ("status", "year", "report_cadence")
    search_fields = ("title", "region_name", "region__name")
    inlines = [ItemInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "version",
                    "year",
                    "title",
                    "region_name",
                    "region",
                    "level",
                    "status",
                    "published_on",
                    "adopted_by_vote",
                    "summary",
                )
            },
        ),
        (_("序时进度预警"), {"fields": ("yellow_margin", "red_margin")}),
        (_("填报要求"), {"fields": ("report_cadence", "report_due_day")}),
    )


class SubItemInline(admin.StackedInline):
    model = SubItem
    form = VersionedForm
    extra = 0
    show_change_link = True
    autocomplete_fields = ("responsible_unit", "cooperating_units")
    fields = (
        "version",
        ("number", "weight"),
        "content",
        ("target_value", "target_unit", "target_at_least"),
        ("responsible_unit", "first_responsible_person"),
        "cooperating_units",
        ("planned_start", "planned_end"),
        "location",
    )


@admin.register(Item)
class ItemAdmin(SimpleHistoryAdmin):
    form = VersionedForm
    list_display = ("__str__", "plan", "category", "lead_unit", "responsible_leader", "sub_item_count")
    list_filter = ("plan", "category", "lead_unit")
    list_select_related = ("plan", "category", "lead_unit")
    search_fields = ("title", "summary", "responsible_leader", "sub_items__content")
    autocomplete_fields = ("lead_unit",)
    inlines = [SubItemInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_sub_item_count=Count("sub_items"))

    @admin.display(description=_("子项数"), ordering="_sub_item_count")
    def sub_item_count(self, obj):
        return obj._sub_item_count


class MilestoneInline(admin.TabularInline):
    model = Milestone
    form = VersionedForm
    extra = 1
    fields = ("version", "date", "planned_percent", "description")


class FundingLineInline(admin.TabularInline):
    model = FundingLine
    form = VersionedForm
    extra = 1
    fields = ("version", "source", "planned")


class SubItemShareInline(admin.TabularInline):
    """Shares are shown here; they are split with ``projects.shares.save_shares`` (the import,
    the demo), whose rule that they add up to the target a row-by-row edit could not keep."""

    model = SubItemShare
    extra = 0
    can_delete = False
    fields = ("region", "target_value", "responsible_unit", "first_responsible_person", "planned_end")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)


@admin.register(SubItem)
class SubItemAdmin(SimpleHistoryAdmin):
    form = VersionedForm
    list_display = (
        "code",
        "short_content",
        "item",
        "responsible_unit",
        "target_display",
        "planned_end",
        "status",
        "progress_percent",
    )
    list_filter = ("item__plan", "status", "responsible_unit", "item__category")
    list_select_related = ("item", "item__plan", "responsible_unit")
    search_fields = ("content", "item__title", "first_responsible_person", "location")
    autocomplete_fields = ("responsible_unit", "cooperating_units")
    inlines = [MilestoneInline, FundingLineInline, SubItemShareInline]
    readonly_fields = ("status", "progress_percent", "actual_value", "completed_on", "last_accepted_on")
    fieldsets = (
        (None, {"fields": ("version", "item", ("number", "weight"), "content", "location")}),
        (_("量化目标"), {"fields": (("target_value", "target_unit", "target_at_least"),)}),
        (_("责任"), {"fields": ("responsible_unit", "cooperating_units", "first_responsible_person")}),
        (_("工期"), {"fields": (("planned_start", "planned_end"),)}),
        (
            _("当前进度（由审核通过的填报更新）"),
            {"fields": ("status", "progress_percent", "actual_value", "completed_on", "last_accepted_on")},
        ),
    )

    @admin.display(description=_("序号"))
    def code(self, obj):
        return obj.code

    @admin.display(description=_("目标任务"))
    def short_content(self, obj):
        return obj.short_content

    @admin.display(description=_("目标值"))
    def target_display(self, obj):
        return obj.target_display


# --- The year's end: recorded through its pages (/changes/, /subitems/<id>/acceptance/,
# /plans/<id>/close/), whose services check every rule; the admin only shows the records.


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnlyAdmin):
    list_display = ("sub_item", "kind", "state", "filed_by", "filed_at", "decided_on", "committee_document")
    list_filter = ("state", "kind", "sub_item__item__plan")
    list_select_related = ("sub_item__item", "filed_by")


@admin.register(Acceptance)
class AcceptanceAdmin(ReadOnlyAdmin):
    list_display = ("sub_item", "accepted_on", "accepted_by", "recorded_by")
    list_filter = ("sub_item__item__plan",)
    list_select_related = ("sub_item__item", "recorded_by")


@admin.register(Stewardship)
class StewardshipAdmin(ReadOnlyAdmin):
    list_display = ("sub_item", "management_unit", "responsible_person", "assigned_on")
    list_filter = ("sub_item__item__plan",)
    list_select_related = ("sub_item__item",)


@admin.register(CarryOver)
class CarryOverAdmin(admin.ModelAdmin):
    list_display = ("from_sub_item", "to_sub_item", "carried_on")
    list_select_related = ("from_sub_item__item", "to_sub_item__item")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
