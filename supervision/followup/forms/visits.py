"""Forms for recording an inspection visit: the visit, the items seen (a formset) and photos."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from projects import roles
from projects.models import Item, Plan, SubItem, User
from supervision.followup.models import InspectionVisit, Satisfaction, VisitPhoto
from supervision.followup.services.visits import VisitDetails, VisitedRow
from supervision.photos.forms import MultipleFileInput, MultiplePhotoField


class DeputyChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class VisitForm(forms.ModelForm):
    participants = DeputyChoiceField(
        label=_("参加人员（人大代表）"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    photos = MultiplePhotoField(label=_("现场照片"), help_text=_("可多选，支持 JPG、PNG、WebP"))
    remove_photos = forms.ModelMultipleChoiceField(
        label=_("删除照片"),
        queryset=VisitPhoto.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    class Meta:
        model = InspectionVisit
        fields = ["date", "kind", "title", "organiser", "other_participants", "findings", "opinions"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "other_participants": forms.Textarea(
                attrs={"rows": 2, "placeholder": "如：区政协委员 张三、社区代表 李四"}
            ),
            "findings": forms.Textarea(attrs={"rows": 4}),
            "opinions": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["participants"].queryset = (
            User.objects.filter(groups__name=roles.DEPUTY, is_active=True).distinct().order_by("username")
        )
        if self.instance.pk:
            self.fields["participants"].initial = list(
                self.instance.participants.values_list("pk", flat=True)
            )
            self.fields["remove_photos"].queryset = self.instance.photos.all()
        else:
            del self.fields["remove_photos"]
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxSelectMultiple | MultipleFileInput):
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs.setdefault("class", css)

    def details(self) -> VisitDetails:
        data = self.cleaned_data
        return VisitDetails(
            plan=self.plan,
            date=data["date"],
            kind=data["kind"],
            title=data["title"],
            organiser=data["organiser"],
            other_participants=data["other_participants"],
            findings=data["findings"],
            opinions=data["opinions"],
        )


class SubItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: SubItem) -> str:
        return f"{obj.code} {obj.short_content}"


class VisitedItemForm(forms.Form):
    item = forms.ModelChoiceField(label=_("实事"), queryset=Item.objects.none())
    sub_item = SubItemChoiceField(
        label=_("子项"), queryset=SubItem.objects.none(), required=False, empty_label=_("（整件）")
    )
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=[("", _("未评价"))] + list(Satisfaction.choices), required=False
    )
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = Item.objects.filter(plan=plan).order_by("number")
        self.fields["sub_item"].queryset = (
            SubItem.objects.filter(item__plan=plan).select_related("item").order_by("item__number", "number")
        )
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)

    def clean(self):
        data = super().clean()
        item, sub_item = data.get("item"), data.get("sub_item")
        if item and sub_item and sub_item.item_id != item.pk:
            self.add_error("sub_item", _("所选子项不属于该实事。"))
        return data


class BaseVisitedItemFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            key = (form.cleaned_data["item"].pk, getattr(form.cleaned_data.get("sub_item"), "pk", None))
            if key in seen:
                raise ValidationError(_("同一实事（子项）不要重复填写。"))
            seen.add(key)

    def rows(self) -> list[VisitedRow]:
        return [
            VisitedRow(
                item=form.cleaned_data["item"],
                sub_item=form.cleaned_data.get("sub_item"),
                satisfaction=form.cleaned_data.get("satisfaction") or "",
                comment=form.cleaned_data.get("comment") or "",
            )
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


VisitedItemFormSet = forms.formset_factory(
    VisitedItemForm, formset=BaseVisitedItemFormSet, extra=2, can_delete=True, max_num=60
)


def visited_initial(visit: InspectionVisit) -> list[dict]:
    return [
        {"item": v.item_id, "sub_item": v.sub_item_id, "satisfaction": v.satisfaction, "comment": v.comment}
        for v in visit.visited_items.all()
    ]
