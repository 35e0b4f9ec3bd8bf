"""The office's forms for circulars: the day a draft is drawn up as of, and the draft's text."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.dates import validate_supported
from supervision.documents.models import Circular


class DraftForm(forms.Form):
    as_of = forms.DateField(
        label=_("截至日期"),
        required=False,
        validators=[validate_supported],
        widget=forms.DateInput(
            attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"
        ),
        help_text=_("留空为今天"),
        error_messages={"invalid": _("截至日期格式应为 YYYY-MM-DD")},
    )


class CircularForm(forms.ModelForm):
    """The text the office may edit before issuing; the tables follow the figures."""

    class Meta:
        model = Circular
        fields = ["title", "overview", "highlights", "problems", "requirements"]
        widgets = {
            "title": forms.TextInput(attrs={"class": "form-control"}),
            "overview": forms.Textarea(attrs={"rows": 6, "class": "form-control"}),
            "highlights": forms.Textarea(attrs={"rows": 6, "class": "form-control"}),
            "problems": forms.Textarea(attrs={"rows": 10, "class": "form-control"}),
            "requirements": forms.Textarea(attrs={"rows": 6, "class": "form-control"}),
        }
        help_texts = {"overview": _("每行一段；表格按截至日期的数据生成，不在此编辑。")}
