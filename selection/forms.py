"""Forms of the selection pages: they translate fields; ``selection.services`` decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.dates import validate_supported
from core.public_forms import PublicForm
from projects.models import Category, Region
from selection import regions
from selection.models import Candidate, Choice, Suggestion

TEXT_REQUIRED = {"required": _("请填写建议内容。")}


class Styled:
    """Bootstrap's classes on every plain widget (the captcha and radio buttons style themselves)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if name == "captcha" or isinstance(widget, forms.RadioSelect):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)


class PublicSuggestionForm(Styled, PublicForm):
    category = forms.ModelChoiceField(Category.objects.all(), label=_("领域"), required=False)
    place = forms.CharField(
        label=_("地点"), max_length=100, required=False, help_text=_("如：城关镇东街社区")
    )
    text = forms.CharField(
        label=_("建议内容"), widget=forms.Textarea(attrs={"rows": 5}), error_messages=TEXT_REQUIRED
    )
    name = forms.CharField(label=_("称呼（选填）"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("联系电话（选填）"), max_length=30, required=False, help_text=_("仅供工作人员回访，不会公开")
    )

    field_order = ["category", "place", "text", "name", "phone", "captcha"]


class StaffSuggestionForm(Styled, forms.Form):
    """A deputy's 代表建议, or one the office received on paper, by phone or from 12345."""

    source = forms.ChoiceField(
        label=_("来源"), choices=[c for c in Suggestion.Source.choices if c[0] != Suggestion.Source.ONLINE]
    )
    category = forms.ModelChoiceField(Category.objects.all(), label=_("领域"), required=False)
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    text = forms.CharField(
        label=_("建议内容"), widget=forms.Textarea(attrs={"rows": 5}), error_messages=TEXT_REQUIRED
    )
    name = forms.CharField(label=_("建议人"), max_length=50, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    people = forms.IntegerField(label=_("人次"), min_value=1, initial=1)
    received_on = forms.DateField(label=_("受理日期"), validators=[validate_supported])

    def __init__(self, *args, deputy: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if deputy:
            for name in ("source", "name", "phone", "people", "received_on"):
                del self.fields[name]


class DeclineForm(Styled, forms.Form):
    reason = forms.CharField(
        label=_("未采纳理由"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写未采纳的理由。")},
    )


class MergeForm(forms.Form):
    suggestions = forms.ModelMultipleChoiceField(
        Suggestion.objects.none(), error_messages={"required": _("请至少选择一条建议。")}
    )
    candidate = forms.ModelChoiceField(
        Candidate.objects.none(),
        label=_("合并至候选项目"),
        error_messages={"required": _("请选择候选项目。")},
    )

    def __init__(self, *args, year: int, region: Region | None, **kwargs):
        super().__init__(*args, **kwargs)
        mine = regions.of(region)  # one region's selection of the year
        self.fields["suggestions"].queryset = Suggestion.objects.filter(mine, year=year)
        self.fields["candidate"].queryset = Candidate.objects.filter(mine, year=year)


class SessionForm(Styled, forms.Form):
    title = forms.CharField(label=_("会议名称"), max_length=200)
    held_on = forms.DateField(label=_("表决日期"), validators=[validate_supported])
    deputies_total = forms.IntegerField(label=_("全体代表人数"), min_value=1)
    seats = forms.IntegerField(label=_("应选数"), min_value=1, max_value=999)


class TallyForm(Styled, forms.Form):
    """The paper ballots: issued, returned, valid; then 赞成/反对/弃权 for every candidate."""

    paper_ballots_issued = forms.IntegerField(label=_("纸质选票发出"), min_value=0)
    paper_ballots_returned = forms.IntegerField(label=_("纸质选票收回"), min_value=0)
    paper_ballots_valid = forms.IntegerField(label=_("纸质有效票"), min_value=0)

    KINDS = (("for", _("赞成")), ("against", _("反对")), ("abstain", _("弃权")))

    def __init__(self, *args, candidates, tallies, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        for candidate in candidates:
            tally = tallies.get(candidate.pk)
            values = (tally.votes_for, tally.votes_against, tally.abstentions) if tally else (0, 0, 0)
            for (kind, label), value in zip(self.KINDS, values, strict=True):
                self.fields[f"c{candidate.pk}_{kind}"] = forms.IntegerField(
                    label=f"{candidate.title} {label}",
                    min_value=0,
                    initial=value,
                    widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
                )

    def rows(self) -> dict[int, tuple[int, int, int]]:
        data = self.cleaned_data
        return {c.pk: tuple(data[f"c{c.pk}_{kind}"] for kind, _ in self.KINDS) for c in self.candidates}

    def candidate_rows(self):
        return [(c, [self[f"c{c.pk}_{kind}"] for kind, _ in self.KINDS]) for c in self.candidates]


class VoteForm(forms.Form):
    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        for candidate in candidates:
            self.fields[f"c{candidate.pk}"] = forms.ChoiceField(
                label=candidate.title,
                choices=Choice.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("请选择赞成、反对或弃权。")},
            )

    def choices(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data[f"c{c.pk}"] for c in self.candidates}


class DraftPlanForm(Styled, forms.Form):
    title = forms.CharField(label=_("清单名称"), max_length=200)
    region = forms.CharField(label=_("地区"), max_length=100)
    level = forms.CharField(label=_("层级"), max_length=20, required=False)
