"""Supervision serializers: items and sub-items with their pace, a plan's summary figures,
progress reports, pace flags, inspection visits, rectifications."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.lights import Light
from projects import permissions
from projects.api.serializers import FundingLineSerializer, MilestoneSerializer
from projects.models import FundingLine, Item, SubItem

from .. import ledger
from ..models import (
    Flag,
    InspectionVisit,
    ProgressReport,
    Rectification,
    RectificationEvent,
    ReportFunding,
    ReportPhoto,
    VisitedItem,
    VisitPhoto,
)
from ..services.reports import REPORT_FIELDS, funding_sources, latest_accepted_report


def current_pace(obj):
    """The last pace check's row for an item or sub-item, or None before any check ran."""
    try:
        return obj.pace
    except ObjectDoesNotExist:
        return None


class PaceFieldsMixin(serializers.Serializer):
    """Light, scheduled pace and lag from the last daily pace check (null before the first)."""

    light = serializers.SerializerMethodField()
    scheduled_percent = serializers.SerializerMethodField()
    lag_points = serializers.SerializerMethodField()
    checked_on = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=Light.choices, allow_null=True))
    def get_light(self, obj) -> str | None:
        pace = current_pace(obj)
        return pace.light if pace else None

    @extend_schema_field(serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True))
    def get_scheduled_percent(self, obj) -> str | None:
        pace = current_pace(obj)
        return None if pace is None else f"{pace.scheduled_percent:.2f}"

    @extend_schema_field(serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True))
    def get_lag_points(self, obj) -> str | None:
        pace = current_pace(obj)
        return None if pace is None else f"{pace.lag_points:.2f}"

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_checked_on(self, obj) -> str | None:
        pace = current_pace(obj)
        return None if pace is None else pace.checked_on.isoformat()


class ItemSerializer(PaceFieldsMixin, serializers.ModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True, allow_null=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True)
    sub_items = serializers.SerializerMethodField(help_text="本人可见的子项ID")

    class Meta:
        model = Item
        fields = [
            "id",
            "plan",
            "number",
            "title",
            "category",
            "category_name",
            "lead_unit",
            "lead_unit_name",
            "responsible_leader",
            "summary",
            "sub_items",
            "light",
            "scheduled_percent",
            "lag_points",
            "checked_on",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_sub_items(self, obj: Item) -> list[int]:
        return [sub.pk for sub in obj.visible_sub_items]


class SubItemSerializer(PaceFieldsMixin, serializers.ModelSerializer):
    code = serializers.CharField(read_only=True, help_text="如 3.2：第3件第2项")
    plan = serializers.IntegerField(source="item.plan_id", read_only=True)
    responsible_unit_name = serializers.CharField(source="responsible_unit.name", read_only=True)
    target_display = serializers.CharField(read_only=True)
    completion_rate = serializers.DecimalField(
        max_digits=24,
        decimal_places=4,
        read_only=True,
        allow_null=True,
        help_text="完成值/目标值，小数（3.775 即 377.5%）",
    )
    overdue_report = serializers.SerializerMethodField()
    milestones = MilestoneSerializer(many=True, read_only=True)
    funding_lines = FundingLineSerializer(many=True, read_only=True)

    class Meta:
        model = SubItem
        fields = [
            "id",
            "code",
            "plan",
            "item",
            "number",
            "content",
            "target_value",
            "target_unit",
            "target_at_least",
            "target_display",
            "responsible_unit",
            "responsible_unit_name",
            "cooperating_units",
            "first_responsible_person",
            "planned_start",
            "planned_end",
            "weight",
            "location",
            "status",
            "progress_percent",
            "actual_value",
            "completion_rate",
            "completed_on",
            "last_accepted_on",
            "light",
            "scheduled_percent",
            "lag_points",
            "overdue_report",
            "checked_on",
            "milestones",
            "funding_lines",
        ]

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_overdue_report(self, obj: SubItem) -> bool | None:
        pace = current_pace(obj)
        return None if pace is None else pace.overdue_report


class LightCountsSerializer(serializers.Serializer):
    blue = serializers.IntegerField()
    green = serializers.IntegerField()
    yellow = serializers.IntegerField()
    red = serializers.IntegerField()


class FundingFiguresSerializer(serializers.Serializer):
    planned = serializers.FloatField(help_text="计划投资（万元）")
    allocated = serializers.FloatField(help_text="到位资金（万元）")
    paid = serializers.FloatField(help_text="已支付（万元）")
    allocation_rate = serializers.FloatField(allow_null=True, help_text="资金到位率，小数")
    payment_rate = serializers.FloatField(allow_null=True, help_text="支付率，小数")


class PlanSummarySerializer(serializers.Serializer):
    """Documents ``supervision.summary.plan_figures``; the view returns that dict as is."""

    as_of = serializers.DateField()
    headline = serializers.CharField()
    items_total = serializers.IntegerField()
    subitems_total = serializers.IntegerField()
    items_completed = serializers.IntegerField()
    subitems_completed = serializers.IntegerField()
    item_completion_rate = serializers.FloatField(help_text="小数：0.6 即 60%")
    subitem_completion_rate = serializers.FloatField(help_text="小数")
    lights = LightCountsSerializer()
    overdue_report = serializers.IntegerField(help_text="超期未报子项数")
    average_progress = serializers.FloatField()
    average_scheduled = serializers.FloatField()
    funding = FundingFiguresSerializer()


def person_name(user) -> str | None:
    return None if user is None else str(user)


class ReportPhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportPhoto
        fields = ["id", "image", "caption", "uploaded_at"]


class ReportFundingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportFunding
        fields = ["source", "allocated", "paid"]


class ReportSerializer(serializers.ModelSerializer):
    sub_item_code = serializers.CharField(source="sub_item.code", read_only=True)
    plan = serializers.IntegerField(source="sub_item.item.plan_id", read_only=True)
    unit = serializers.IntegerField(source="sub_item.responsible_unit_id", read_only=True)
    created_by_name = serializers.SerializerMethodField()
    reviewed_by_name = serializers.SerializerMethodField()
    photos = ReportPhotoSerializer(many=True, read_only=True)
    funding = ReportFundingSerializer(
        many=True, read_only=True, help_text="按资金来源的累计到位、支付（万元）"
    )

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "sub_item",
            "sub_item_code",
            "plan",
            "unit",
            "period_start",
            "state",
            "progress_percent",
            "actual_value",
            "funds_allocated",
            "funds_paid",
            "funding",
            "work_done",
            "problems",
            "next_steps",
            "regression_explanation",
            "marks_complete",
            "created_by",
            "created_by_name",
            "created_at",
            "updated_at",
            "submitted_at",
            "reviewed_by",
            "reviewed_by_name",
            "reviewed_at",
            "accepted_on",
            "return_reason",
            "version",
            "photos",
        ]
        read_only_fields = fields

    def get_created_by_name(self, obj: ProgressReport) -> str:
        return str(obj.created_by)

    def get_reviewed_by_name(self, obj: ProgressReport) -> str | None:
        return person_name(obj.reviewed_by)


class FlagSerializer(serializers.ModelSerializer):
    sub_item_code = serializers.CharField(source="sub_item.code", read_only=True)
    plan = serializers.IntegerField(source="sub_item.item.plan_id", read_only=True)
    unit = serializers.IntegerField(source="sub_item.responsible_unit_id", read_only=True)
    unit_name = serializers.CharField(source="sub_item.responsible_unit.name", read_only=True)
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = Flag
        fields = [
            "id",
            "sub_item",
            "sub_item_code",
            "plan",
            "unit",
            "unit_name",
            "kind",
            "raised_on",
            "cleared_on",
            "is_open",
            "lag_points",
        ]

    def get_is_open(self, obj: Flag) -> bool:
        return obj.cleared_on is None


class VisitedItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitedItem
        fields = ["item", "sub_item", "satisfaction", "comment"]


class VisitPhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitPhoto
        fields = ["id", "image", "caption", "uploaded_at"]


class VisitSerializer(serializers.ModelSerializer):
    visited_items = VisitedItemSerializer(many=True, read_only=True)
    photos = VisitPhotoSerializer(many=True, read_only=True)
    recorded_by_name = serializers.SerializerMethodField()

    class Meta:
        model = InspectionVisit
        fields = [
            "id",
            "plan",
            "date",
            "kind",
            "title",
            "organiser",
            "participants",
            "other_participants",
            "findings",
            "opinions",
            "visited_items",
            "photos",
            "recorded_by",
            "recorded_by_name",
            "locked",
            "created_at",
            "updated_at",
        ]

    def get_recorded_by_name(self, obj: InspectionVisit) -> str:
        return str(obj.recorded_by)


class RectificationEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = RectificationEvent
        fields = ["action", "actor", "actor_name", "text", "at"]

    def get_actor_name(self, obj: RectificationEvent) -> str | None:
        return person_name(obj.actor)


class RectificationSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    events = RectificationEventSerializer(many=True, read_only=True)

    class Meta:
        model = Rectification
        fields = [
            "id",
            "plan",
            "source",
            "visit",
            "item",
            "sub_item",
            "unit",
            "unit_name",
            "title",
            "required_action",
            "deadline",
            "state",
            "is_overdue",
            "created_at",
            "closed_at",
            "events",
        ]


class FundingInputSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=FundingLine.Source.choices, help_text="资金来源")
    allocated = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, help_text="累计到位资金（万元）"
    )
    paid = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, help_text="累计支付资金（万元）"
    )


# The rules on these figures (0–100, not negative) are ``ledger.check_report``'s, with its
# messages; the model's own validators would answer the same thing in other words.
RULED_FIELDS = ("progress_percent", "actual_value", "funds_allocated", "funds_paid")


class ReportWriteSerializer(serializers.ModelSerializer):
    """What a liaison sends to save a report. The figures are checked by ``ledger.check_report``,
    the rule the web form also runs, so both accept the same reports with the same messages."""

    sub_item = serializers.PrimaryKeyRelatedField(
        queryset=SubItem.objects.none(), help_text="子项ID（创建时必填，之后不能更改）"
    )
    funding = FundingInputSerializer(
        many=True,
        required=False,
        write_only=True,
        help_text="有多个资金来源的子项按来源填报资金；合计（funds_allocated/funds_paid）由各来源相加",
    )
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="修改时必填：读取该填报时的版本号（乐观锁）"
    )
    submit = serializers.BooleanField(
        default=False, write_only=True, help_text="true：保存后直接提交督查室审核"
    )

    class Meta:
        model = ProgressReport
        fields = ["sub_item", *REPORT_FIELDS, "funding", "version", "submit"]
        extra_kwargs = {name: {"validators": []} for name in RULED_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["sub_item"].queryset = permissions.readable_sub_items(request.user).select_related(
                "item__plan"
            )
        if self.instance is not None:
            self.fields["sub_item"].read_only = True

    def validate(self, attrs: dict) -> dict:
        if self.instance is not None and "version" not in attrs:
            raise serializers.ValidationError({"version": ["请提供读取该填报时的版本号（version）"]})
        sub_item = self.instance.sub_item if self.instance is not None else attrs["sub_item"]
        figures = {}
        if self.instance is not None and self.partial:
            figures = report_figures(self.instance)
        figures.update({name: attrs[name] for name in REPORT_FIELDS if name in attrs})
        if "funding" in attrs:
            figures["funding"] = {
                row["source"]: (row.get("allocated"), row.get("paid")) for row in attrs["funding"]
            }
        attrs["report_data"] = checked_report_data(sub_item, figures)
        return attrs


def report_figures(report: ProgressReport) -> dict:
    """A saved report's figures in the shape ``ledger.check_report`` reads."""
    figures = {name: getattr(report, name) for name in REPORT_FIELDS}
    figures["funding"] = {row.source: (row.allocated, row.paid) for row in report.funding.all()}
    return figures


def checked_report_data(sub_item: SubItem, figures: dict) -> dict:
    """The figures as they will be stored, or a 400 naming each field with the rule's Chinese
    message. A single source's money may also come as one ``funding`` row."""
    sources = funding_sources(sub_item)
    funding = figures.get("funding") or {}
    if len(sources) <= 1 and funding:
        unknown = sorted(set(funding) - set(sources))
        if unknown:
            raise serializers.ValidationError({"funding": [f"资金来源不属于本子项：{'、'.join(unknown)}"]})
        ((allocated, paid),) = funding.values()
        figures = {**figures, "funds_allocated": allocated, "funds_paid": paid}
    check = ledger.check_report(sub_item, latest_accepted_report(sub_item.pk), figures, sources)
    if not check.is_valid:
        raise serializers.ValidationError(check.errors)
    return check.figures


class ReportVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="读取该填报时的版本号（乐观锁）")


class ReportReturnSerializer(ReportVersionSerializer):
    reason = serializers.CharField(help_text="退回理由，联络员据此修改")
