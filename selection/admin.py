"""The office drafts candidates (with their estimated money by source) in 清单设置. Electronic
ballots and who voted are deliberately absent: nobody browses them.

An office lists the candidates and suggestions it may read (``projects.scope``) and changes
only those of a region it manages (``selection.regions``); what it drafts is for its own
region's selection."""

from django.contrib import admin

from projects import scope
from projects.models import Region
from selection import regions
from selection.models import Candidate, CandidateFunding, Suggestion


class WithinRegionAdmin:
    """Mixed into a ModelAdmin of a model with a ``region``: the list shows what the user may
    read; changing and deleting are for the regions the user manages."""

    def get_queryset(self, request):
        return scope.readable(request.user, super().get_queryset(request))

    def _manages(self, request, obj) -> bool:
        return obj is None or regions.can_manage(request.user, obj.region)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._manages(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._manages(request, obj)

    def save_model(self, request, obj, form, change):
        if not change and obj.region_id is None:
            obj.region = regions.selection_region(request.user, obj.year)
        super().save_model(request, obj, form, change)


class CandidateFundingInline(admin.TabularInline):
    model = CandidateFunding
    extra = 1

    def _manages(self, request, obj) -> bool:
        return obj is None or regions.can_manage(request.user, obj.region)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._manages(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._manages(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._manages(request, obj)


@admin.register(Candidate)
class CandidateAdmin(WithinRegionAdmin, admin.ModelAdmin):
    list_display = ["title", "region", "year", "ballot_order", "lead_unit", "target_text", "item"]
    list_filter = ["year", "region", "category"]
    search_fields = ["title", "content"]
    inlines = [CandidateFundingInline]
    readonly_fields = ["item", "listed_on"]
    autocomplete_fields = ["lead_unit"]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        own = regions.acting_region(request.user) or regions.default_region()
        if own is not None:
            initial.setdefault("region", own.pk)
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            own = regions.acting_region(request.user)
            if own is not None:
                # An office drafts for its own region's selection, or a lower region's.
                kwargs["queryset"] = Region.objects.within(own)
                kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Suggestion)
class SuggestionAdmin(WithinRegionAdmin, admin.ModelAdmin):
    list_display = [
        "code",
        "region",
        "year",
        "source",
        "category",
        "place",
        "state",
        "candidate",
        "received_on",
    ]
    list_filter = ["year", "region", "source", "state", "category"]
    search_fields = ["code", "text", "place", "name"]
    readonly_fields = [
        "code",
        "region",
        "state",
        "candidate",
        "merged_on",
        "declined_on",
        "decline_reason",
        "deputy",
        "entered_by",
    ]
