"""Supervision serializers: progress reports, pace flags, inspection visits, rectifications."""

from __future__ import annotations

from rest_framework import serializers

from projects import permissions
from projects.models import FundingLine, SubItem

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
