"""The office drafts candidates (with their estimated money by source) in 清单设置. Electronic
ballots and who voted are deliberately absent: nobody browses them."""

from django.contrib import admin

from selection.models import Candidate, CandidateFunding, Suggestion


class CandidateFundingInline(admin.TabularInline):
    model = CandidateFunding
    extra = 1


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "ballot_order", "lead_unit", "target_text", "item"]
    list_filter = ["year", "category"]
    search_fields = ["title", "content"]
    inlines = [CandidateFundingInline]
    readonly_fields = ["item", "listed_on"]
    autocomplete_fields = ["lead_unit"]


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["code", "year", "source", "category", "place", "state", "candidate", "received_on"]
    list_filter = ["year", "source", "state", "category"]
    search_fields = ["code", "text", "place", "name"]
    readonly_fields = [
        "code",
        "state",
        "candidate",
        "merged_on",
        "declined_on",
        "decline_reason",
        "deputy",
        "entered_by",
    ]
