"""The progress report form a liaison fills in, and the office's return form.

What a report may say is ``ledger.check_report``; this form only reads the typed values and
shows that check's messages under the fields they concern (the API shows the same messages).
A sub-item funded from several sources asks for each source's money.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from projects.models import FundingLine, SubItem
from supervision.ledger import rules as ledger
from supervision.ledger.models import ProgressReport
from supervision.ledger.services import REPORT_FIELDS
from supervision.photos.forms import MultiplePhotoField


def _decimal_widget(**attrs) -> forms.NumberInput:
    return forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal", **attrs})


class ProgressReportForm(forms.ModelForm):
    """``last_accepted`` is the sub-item's latest accepted report (the baseline for the
    "progress went down" rule); ``version`` is the report version the user started from."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    photos = MultiplePhotoField(
        label=_("现场照片"),
        help_text=_("可多选；仅限 JPEG、PNG、WebP 格式"),
    )

    class Meta:
        model = ProgressReport
        fields = list(REPORT_FIELDS)
        widgets = {
            "progress_percent": _decimal_widget(min="0", max="100"),
            "actual_value": _decimal_widget(min="0"),
            "funds_allocated": _decimal_widget(min="0"),
            "funds_paid": _decimal_widget(min="0"),
            "work_done": forms.Textarea(attrs={"rows": 3}),
            "problems": forms.Textarea(attrs={"rows": 2}),
            "next_steps": forms.Textarea(attrs={"rows": 2}),
            "regression_explanation": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {
            "progress_percent": {
                "required": _("请填写累计进度"),
                "invalid": _("累计进度须为数字"),
                "min_value": _("累计进度须在0–100之间"),
                "max_value": _("累计进度须在0–100之间"),
            },
            "actual_value": {"invalid": _("完成量须为数字"), "min_value": _("完成量不能为负数")},
            "funds_allocated": {"invalid": _("金额须为数字"), "min_value": _("到位资金不能为负数")},
            "funds_paid": {"invalid": _("金额须为数字"), "min_value": _("支付资金不能为负数")},
        }

    def __init__(
        self,
        *args,
        sub_item: SubItem,
        last_accepted: ProgressReport | None,
        sources: list[str],
        share=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.sub_item = sub_item
        self.share = share
        target = share.target_value if share is not None else sub_item.target_value
        self.last_accepted = last_accepted
        self.sources = sources
        self.warnings: list[str] = []
        self.checked: dict = {}
        self.fields["progress_percent"].label = _("累计进度（%）")
        self.fields["marks_complete"].label = _("已全面完成")
        self.fields["marks_complete"].help_text = (
            _("勾选须累计完成量达到目标值") if target else _("勾选须累计进度为100%")
        )
        if target is None:
            self.fields["actual_value"].help_text = _("本子项无量化目标，可不填")
        if len(sources) > 1:
            self._add_source_fields(kwargs.get("initial") or {})
        for name, field in self.fields.items():
            if name == "marks_complete":
                field.widget.attrs.setdefault("class", "form-check-input")
            elif name != "version":
                field.widget.attrs.setdefault("class", "form-control")

    def _add_source_fields(self, initial: dict) -> None:
        """Several sources: money is entered per source and the totals are their sums."""
        del self.fields["funds_allocated"], self.fields["funds_paid"]
        labels = dict(FundingLine.Source.choices)
        for source in self.sources:
            for kind, label in (("allocated", _("到位资金")), ("paid", _("支付资金"))):
                self.fields[ledger.funding_field(kind, source)] = forms.DecimalField(
                    label=f"{labels.get(source, source)} · {label}",
                    required=False,
                    max_digits=14,
                    decimal_places=2,
                    widget=_decimal_widget(min="0"),
                    error_messages={"invalid": _("金额须为数字")},
                    initial=initial.get(ledger.funding_field(kind, source)),
                )

    @property
    def source_fields(self) -> list[tuple]:
        """(allocated field, paid field) per source, for the template."""
        return [
            (self[ledger.funding_field("allocated", s)], self[ledger.funding_field("paid", s)])
            for s in self.sources
            if len(self.sources) > 1
        ]

    def clean(self):
        data = super().clean()
        figures = {name: data.get(name) for name in REPORT_FIELDS}
        if len(self.sources) > 1:
            funding = {}
            for source in self.sources:
                allocated = data.get(ledger.funding_field("allocated", source))
                paid = data.get(ledger.funding_field("paid", source))
                if allocated is not None or paid is not None:
                    funding[source] = (allocated, paid)
            figures["funding"] = funding
        check = ledger.check_report(
            self.sub_item, self.last_accepted, figures, self.sources, share=self.share
        )
        for name, messages in check.errors.items():
            field = name if name in self.fields else None
            if field is not None and self.has_error(field):
                continue  # the field's own message (e.g. not a number) already says it
            for message in messages:
                self.add_error(field, message)
        self.warnings = check.warnings
        self.checked = check.figures
        return data

    def report_data(self) -> dict:
        """The figures as they will be stored (complete at 100%, totals of the sources)."""
        return self.checked


class ReturnReportForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("退回理由"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        error_messages={"required": _("请填写退回理由，联络员将据此修改")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("请填写退回理由，联络员将据此修改"))
        return reason


class AcceptReportForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
