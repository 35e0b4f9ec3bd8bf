"""Forms of the list import: upload a spreadsheet, then confirm what the preview showed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core import dates
from projects.models import Plan, Region
from projects.services.plan_import import MAX_FILE_BYTES


def _latest_region() -> str:
    return Plan.objects.order_by("-year", "-pk").values_list("region_name", flat=True).first() or ""


class PlanFieldsForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(
        label=_("清单名称"), max_length=200, required=False, help_text=_("留空则使用表格第一行的标题")
    )
    region = forms.CharField(label=_("地区"), max_length=100)
    region_code = forms.CharField(
        label=_("所属区划代码"),
        max_length=9,
        required=False,
        help_text=_(
            "GB/T 2260 代码，如 440100；单位在该区划的单位中查找、新建；清单含分解到下级区划的任务时必填"
        ),
    )

    def clean_region_code(self) -> str:
        code = self.cleaned_data["region_code"].strip()
        if code and not Region.objects.filter(code=code).exists():
            raise forms.ValidationError(_("没有代码为“%(code)s”的行政区划") % {"code": code})
        return code

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = dates.today().year + 1
        self.fields["region"].initial = _latest_region()
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")


class PlanUploadForm(PlanFieldsForm):
    file = forms.FileField(label=_("清单文件（.xlsx）"), help_text=_("不超过5MB"))

    field_order = ["file", "year", "title", "region", "region_code"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 Excel（.xlsx）文件。"))
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("文件过大（超过%(mb)sMB），请删去无关内容后重试。") % {"mb": MAX_FILE_BYTES // 1024 // 1024}
            )
        return upload


class PlanImportConfirmForm(PlanFieldsForm):
    token = forms.UUIDField(widget=forms.HiddenInput)
    create_units = forms.BooleanField(label=_("创建以下新单位"), required=False)
