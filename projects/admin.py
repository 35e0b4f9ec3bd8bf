"""Admin for the office to set up a plan: plan → items (件) → sub-items (项) with milestones
and funding. Every change is kept in the audit history (django-simple-history), and every
form carries the version it was opened at: a stale save is refused (``versioning``).

An office of a region lists what it may read and changes only the lists it manages
(``permissions.can_manage_plan``): a county office opens its city's list read-only."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.scoping import Reach
from projects import permissions, scope
from projects.models import (
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
from projects.versioning import VersionedForm


def _plan_along(obj, path: str) -> Plan:
    """The plan reached from ``obj`` along a lookup path ("" when ``obj`` is the plan)."""
    for name in path.split("__") if path else ():
        obj = getattr(obj, name)
    return obj


class WithinRegionAdmin:
    """Mixed into a ModelAdmin of something of a plan (``plan_path`` leads from it to its
    plan): the list shows what the user may read (``visible_plans``); changing and deleting
    are for the lists the user manages; the plans, items and sub-items offered in a form are
    those; a region is one of the user's own or below."""

    plan_path = "plan"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        if isinstance(getattr(qs.model, "reach", None), Reach):
            # What the user reads, as every page reads it.
            return scope.readable(request.user, qs)
        lookup = f"{self.plan_path}__in" if self.plan_path else "pk__in"
        return qs.filter(**{lookup: permissions.visible_plans(request.user).values("pk")})

    def _manages(self, request, obj) -> bool:
        return obj is None or permissions.can_manage_plan(request.user, _plan_along(obj, self.plan_path))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._manages(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._manages(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = _managed_choices(db_field.related_model, request.user)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Reverting to an old version is a change: only of a list the user manages.
        if request.method == "POST":
            current = self.get_object(request, unquote(object_id))
            if current is None or not self.has_change_permission(request, current):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


def _managed_choices(model, user):
    """What a form's foreign key to ``model`` may point at for this user (None: unlimited)."""
    if user.is_superuser:
        return None
    plans = permissions.manageable_plans(user)
    if model is Plan:
        return plans
    if model is Item:
        return Item.objects.filter(plan__in=plans)
    if model is SubItem:
        return SubItem.objects.filter(item__plan__in=plans)
    own = permissions.user_region(user)
    if model is Region and own is not None:
        return Region.objects.within(own)
    return None


class WithinRegionInline:
    """Mixed into an inline: its rows are added, changed and deleted only when the parent's
    plan (``plan_path`` from the parent) is one the user manages."""

    plan_path = "plan"

    def _manages(self, request, obj) -> bool:
        return obj is None or permissions.can_manage_plan(request.user, _plan_along(obj, self.plan_path))

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._manages(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._manages(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._manages(request, obj)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + ((_("单位与联系方式"), {"fields": ("unit", "phone")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("单位"), {"fields": ("unit",)}),)
    list_display = ("username", "__str__", "unit", "email", "is_active")
    list_filter = ("groups", "unit", "is_active", "is_staff")
    list_select_related = ("unit",)
    search_fields = ("username", "first_name", "last_name", "email", "unit__name")

    def get_queryset(self, request):
        # An office of a region keeps the accounts of its region's units, never a neighbour's.
        return scope.readable(request.user, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = scope.readable(request.user, Unit.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    # A name is unique within its region (the model's constraints, checked by the form: "本区划已有
    # 同名单位"), so the list shows the region beside it.
    list_display = (
        "name",
        "short_name",
        "code",
        "region",
        "kind",
        "contact_person",
        "contact_phone",
        "is_active",
    )
    list_filter = ("kind", "is_active")
    list_select_related = ("region",)
    search_fields = ("name", "short_name", "code", "contact_person", "region__name")

    def get_queryset(self, request):
        # Its region's units and below (a neighbour's contacts are not its to read or change).
        return scope.readable(request.user, super().get_queryset(request))


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "order")
    list_editable = ("order",)
    search_fields = ("name",)


class ItemInline(WithinRegionInline, admin.TabularInline):
    plan_path = ""
    model = Item
    form = VersionedForm
    fields = ("version", "number", "title", "category", "lead_unit", "responsible_leader")
    extra = 0
    show_change_link = True
    autocomplete_fields = ("lead_unit",)


@admin.register(Plan)
class PlanAdmin(WithinRegionAdmin, SimpleHistoryAdmin):
    plan_path = ""
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


class SubItemInline(WithinRegionInline, admin.StackedInline):
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
class ItemAdmin(WithinRegionAdmin, SimpleHistoryAdmin):
    form = VersionedForm
    list_display = ("__str__", "plan", "category", "lead_unit", "responsible_leader", "sub_item_count")
    list_filter = (("plan", admin.RelatedOnlyFieldListFilter), "category", "lead_unit")
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


class MilestoneInline(WithinRegionInline, admin.TabularInline):
    plan_path = "item__plan"
    model = Milestone
    form = VersionedForm
    extra = 1
    fields = ("version", "date", "planned_percent", "description")


class FundingLineInline(WithinRegionInline, admin.TabularInline):
    plan_path = "item__plan"
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
class SubItemAdmin(WithinRegionAdmin, SimpleHistoryAdmin):
    plan_path = "item__plan"
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
    list_filter = (
        ("item__plan", admin.RelatedOnlyFieldListFilter),
        "status",
        "responsible_unit",
        "item__category",
    )
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
class ChangeRequestAdmin(WithinRegionAdmin, ReadOnlyAdmin):
    plan_path = "sub_item__item__plan"
    list_display = ("sub_item", "kind", "state", "filed_by", "filed_at", "decided_on", "committee_document")
    list_filter = ("state", "kind", "sub_item__item__plan")
    list_select_related = ("sub_item__item", "filed_by")


@admin.register(Acceptance)
class AcceptanceAdmin(WithinRegionAdmin, ReadOnlyAdmin):
    plan_path = "sub_item__item__plan"
    list_display = ("sub_item", "accepted_on", "accepted_by", "recorded_by")
    list_filter = ("sub_item__item__plan",)
    list_select_related = ("sub_item__item", "recorded_by")


@admin.register(Stewardship)
class StewardshipAdmin(WithinRegionAdmin, ReadOnlyAdmin):
    plan_path = "sub_item__item__plan"
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
