"""The progress report form a liaison fills in, and the office's return form.

Rules (DOMAIN.md, "Reporting"): progress 0–100; quantities and money not negative; paid above
allocated is only a warning; going below the last accepted figures needs an explanation;
"complete" needs the numeric target reached (actual ≥ target), or 100% without one.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from projects.completion import format_number
from projects.models import SubItem

from ..models import ProgressReport
from ..services.reports import REPORT_FIELDS
from .photos import MultiplePhotoField


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

    def __init__(self, *args, sub_item: SubItem, last_accepted: ProgressReport | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sub_item = sub_item
        self.last_accepted = last_accepted
        self.warnings: list[str] = []
        self.fields["progress_percent"].label = _("累计进度（%）")
        self.fields["marks_complete"].label = _("已全面完成")
        self.fields["marks_complete"].help_text = (
            _("勾选须累计完成量达到目标值") if sub_item.target_value else _("勾选须累计进度为100%")
        )
        if sub_item.target_value is None:
            self.fields["actual_value"].help_text = _("本子项无量化目标，可不填")
        for name, field in self.fields.items():
            if name == "marks_complete":
                field.widget.attrs.setdefault("class", "form-check-input")
            elif name != "version":
                field.widget.attrs.setdefault("class", "form-control")

    def clean_progress_percent(self):
        value = self.cleaned_data.get("progress_percent")
        if value is not None and not (0 <= value <= 100):
            raise ValidationError(_("累计进度须在0–100之间"), code="range")
        return value

    def clean(self):
        data = super().clean()
        progress: Decimal | None = data.get("progress_percent")
        actual: Decimal | None = data.get("actual_value")
        allocated, paid = data.get("funds_allocated"), data.get("funds_paid")
        target = self.sub_item.target_value

        if data.get("marks_complete"):
            if target is not None:
                if actual is None or actual < target:
                    self.add_error(
                        "marks_complete",
                        _("勾选“已全面完成”时，累计完成量须达到目标值%(target)s")
                        % {"target": self.sub_item.target_display},
                    )
            elif progress is not None and progress < 100:
                self.add_error("marks_complete", _("勾选“已全面完成”时，累计进度须为100%"))
            if not self.has_error("marks_complete") and progress is not None:
                # A completed sub-item is at 100% whatever the rounding of the typed figure.
                data["progress_percent"] = Decimal("100")

        last = self.last_accepted
        if last is not None and not (data.get("regression_explanation") or "").strip():
            if progress is not None and progress < last.progress_percent:
                self.add_error(
                    "regression_explanation",
                    _("累计进度低于上次审核通过的%(last)s%%，请说明原因")
                    % {"last": format_number(last.progress_percent)},
                )
            elif actual is not None and last.actual_value is not None and actual < last.actual_value:
                self.add_error(
                    "regression_explanation",
                    _("累计完成量低于上次审核通过的%(last)s，请说明原因")
                    % {"last": format_number(last.actual_value)},
                )

        if allocated is not None and paid is not None and paid > allocated:
            self.warnings.append(
                _("累计支付资金（%(paid)s万元）大于到位资金（%(allocated)s万元），请核实。")
                % {"paid": format_number(paid), "allocated": format_number(allocated)}
            )
        return data

    def report_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


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
