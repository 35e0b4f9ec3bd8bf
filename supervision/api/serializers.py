"""Supervision serializers: items and sub-items with their pace, a plan's summary figures,
progress reports, pace flags, inspection visits, rectifications."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.lights import Light, Verdict
from projects import permissions
from projects.api.serializers import MilestoneSerializer
from projects.models import FundingLine, SubItem, SubItemShare
from supervision.followup import rectification_state
from supervision.followup.models import (
    Flag,
    InspectionVisit,
    Rectification,
    RectificationEvent,
    VisitedItem,
    VisitPhoto,
)
from supervision.ledger import rules as ledger
from supervision.ledger.models import ProgressReport, ReportFunding, ReportPhoto
from supervision.ledger.services import REPORT_FIELDS, funding_sources, latest_accepted_report


def _decimal(max_digits: int = 14, **kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=max_digits, decimal_places=2, read_only=True, **kwargs)


class ItemStateSerializer(serializers.Serializer):
    """An item as of a date: the registry's entry and its progress rolled up from the sub-items
    the reader may see (``supervision.reading.progress.ItemState``)."""

    id = serializers.IntegerField(source="item.pk")
    plan = serializers.IntegerField(source="item.plan_id")
    number = serializers.IntegerField(source="item.number")
    title = serializers.CharField(source="item.title")
    category = serializers.IntegerField(source="item.category_id", allow_null=True)
    category_name = serializers.CharField(source="item.category.name", allow_null=True, default=None)
    lead_unit = serializers.IntegerField(source="item.lead_unit_id")
    lead_unit_name = serializers.CharField(source="item.lead_unit.name")
    responsible_leader = serializers.CharField(source="item.responsible_leader")
    summary = serializers.CharField(source="item.summary")
    sub_items = serializers.SerializerMethodField(help_text="本人可见的子项ID")
    is_complete = serializers.BooleanField(help_text="所含子项全部完成")
    light = serializers.ChoiceField(choices=Light.choices)
    scheduled_percent = _decimal(5, help_text="序时进度（%，按权重汇总）")
    progress_percent = _decimal(5, help_text="实际进度（%，按权重汇总）")
    lag_points = _decimal(6, help_text="滞后百分点（正数为落后）")
    as_of = serializers.DateField(help_text="数字截至日期")

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_sub_items(self, state) -> list[int]:
        return [s.sub_item.pk for s in state.sub_states]


class SubItemFundingSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="资金来源；空字符串为未列来源")
    planned = _decimal(help_text="计划投资（万元）")
    allocated = _decimal(help_text="累计到位（万元，截至该日审核通过的填报）")
    paid = _decimal(help_text="累计支付（万元，截至该日审核通过的填报）")


class SubItemStateSerializer(serializers.Serializer):
    """A sub-item as of a date: the registry's entry, and its figures from the ledger (the
    reports accepted by then), its scheduled pace, light and overdue-to-report flag
    (``supervision.reading.progress.SubItemState``)."""

    id = serializers.IntegerField(source="sub_item.pk")
    code = serializers.CharField(source="sub_item.code", help_text="如 3.2：第3件第2项")
    plan = serializers.IntegerField(source="sub_item.item.plan_id")
    item = serializers.IntegerField(source="sub_item.item_id")
    number = serializers.IntegerField(source="sub_item.number")
    content = serializers.CharField(source="sub_item.content")
    target_value = _decimal(allow_null=True)
    target_unit = serializers.CharField(source="sub_item.target_unit")
    target_at_least = serializers.BooleanField(source="sub_item.target_at_least")
    target_display = serializers.CharField()
    responsible_unit = serializers.IntegerField(source="sub_item.responsible_unit_id")
    responsible_unit_name = serializers.CharField(source="sub_item.responsible_unit.name")
    cooperating_units = serializers.SerializerMethodField()
    first_responsible_person = serializers.CharField(source="sub_item.first_responsible_person")
    planned_start = serializers.DateField(source="sub_item.planned_start", allow_null=True)
    planned_end = serializers.DateField(source="sub_item.planned_end", allow_null=True)
    weight = _decimal(6, source="sub_item.weight")
    location = serializers.CharField(source="sub_item.location")
    status = serializers.ChoiceField(choices=SubItem.Status.choices)
    progress_percent = _decimal(5)
    actual_value = _decimal(allow_null=True)
    completion_rate = serializers.DecimalField(
        max_digits=24,
        decimal_places=4,
        read_only=True,
        allow_null=True,
        help_text="完成值/目标值，小数（3.775 即 377.5%）",
    )
    completed_on = serializers.DateField(allow_null=True)
    last_accepted_on = serializers.DateField(allow_null=True)
    light = serializers.ChoiceField(choices=Light.choices)
    scheduled_percent = _decimal(5)
    lag_points = _decimal(6)
    overdue_report = serializers.BooleanField(help_text="超期未报")
    verdict = serializers.ChoiceField(
        choices=Verdict.choices, allow_null=True, help_text="已结束清单的最终结论"
    )
    funds_planned = _decimal(source="planned_money", help_text="计划投资（万元）")
    funds_allocated = _decimal(source="money.allocated", help_text="累计到位资金（万元，账本截至该日）")
    funds_paid = _decimal(source="money.paid", help_text="累计支付资金（万元，账本截至该日）")
    as_of = serializers.DateField(help_text="数字截至日期")
    milestones = MilestoneSerializer(source="sub_item.milestone_list", many=True, read_only=True)
    funding_lines = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_cooperating_units(self, state) -> list[int]:
        return [unit.pk for unit in state.sub_item.cooperating_units.all()]

    @extend_schema_field(SubItemFundingSerializer(many=True))
    def get_funding_lines(self, state) -> list[dict]:
        sources = sorted(set(state.planned_by_source) | set(state.money_by_source))
        rows = []
        for source in sources:
            money = state.money_by_source.get(source, ledger.NO_MONEY)
            rows.append(
                {
                    "source": source,
                    "planned": state.planned_by_source.get(source, Decimal("0")),
                    "allocated": money.allocated,
                    "paid": money.paid,
                }
            )
        return SubItemFundingSerializer(rows, many=True).data


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


class VerdictCountsSerializer(serializers.Serializer):
    on_time = serializers.IntegerField(help_text="按期完成")
    late = serializers.IntegerField(help_text="逾期完成")
    unfinished = serializers.IntegerField(help_text="未完成")


class PlanSummarySerializer(serializers.Serializer):
    """Documents ``supervision.reading.summary.plan_figures``; the view returns that dict as is."""

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
    is_final = serializers.BooleanField(help_text="已结束清单截至结束日期：以最终结论代替灯色")
    verdicts = VerdictCountsSerializer()
    funding = FundingFiguresSerializer()


def person_name(user) -> str | None:
    return None if user is None else str(user)


class PhotoLinksSerializer(serializers.ModelSerializer):
    """A photo's links go through the view that checks the reader's permission, never MEDIA_URL:
    ``image`` is the original as uploaded, ``display`` the reduced copy pages show."""

    url_name = ""
    image = serializers.SerializerMethodField()
    display = serializers.SerializerMethodField()

    def _link(self, name: str, photo) -> str:
        url = reverse(name, args=[photo.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    @extend_schema_field(serializers.URLField)
    def get_image(self, photo) -> str:
        return self._link(f"{self.url_name}_original", photo)

    @extend_schema_field(serializers.URLField)
    def get_display(self, photo) -> str:
        return self._link(self.url_name, photo)


class ReportPhotoSerializer(PhotoLinksSerializer):
    url_name = "report_photo"

    class Meta:
        model = ReportPhoto
        fields = ["id", "image", "display", "caption", "uploaded_at"]


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


class VisitPhotoSerializer(PhotoLinksSerializer):
    url_name = "visit_photo"

    class Meta:
        model = VisitPhoto
        fields = ["id", "image", "display", "caption", "uploaded_at"]


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
    """A rectification; from the list, as it stood on the day asked for (its state, whether it
    was overdue, and the steps taken by then)."""

    unit_name = serializers.CharField(source="unit.name", read_only=True)
    state = serializers.ChoiceField(choices=Rectification.State.choices, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    events = serializers.SerializerMethodField()

    @extend_schema_field(RectificationEventSerializer(many=True))
    def get_events(self, obj) -> list[dict]:
        events = obj.events.all()
        day = getattr(obj, "day", None)
        if day is not None:
            events = [e for e in events if e.at < rectification_state.end_of(day)]
        return RectificationEventSerializer(events, many=True).data

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


class PercentField(serializers.DecimalField):
    """A percentage with two decimal places. A figure outside 0–100 is passed on as typed, so
    that ``ledger.check_report`` refuses it with its own message (100.001 is above 100 before it
    has too many decimal places)."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=5, decimal_places=2, **kwargs)

    def validate_precision(self, value):
        return super().validate_precision(value) if ledger.ZERO <= value <= ledger.HUNDRED else value

    def quantize(self, value):
        return super().quantize(value) if ledger.ZERO <= value <= ledger.HUNDRED else value


class ReportWriteSerializer(serializers.ModelSerializer):
    """What a liaison sends to save a report. The figures are checked by ``ledger.check_report``,
    the rule the web form also runs, so both accept the same reports with the same messages
    (the figure fields are declared without the model's range validators, whose messages
    would say the same thing in other words)."""

    sub_item = serializers.PrimaryKeyRelatedField(
        queryset=SubItem.objects.none(), help_text="子项ID（创建时必填，之后不能更改）"
    )
    share = serializers.PrimaryKeyRelatedField(
        queryset=SubItemShare.objects.select_related("region", "responsible_unit"),
        required=False,
        allow_null=True,
        help_text="分解任务ID：已分解到各区划的子项，按本地区的分解任务填报（创建时填写）",
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
    progress_percent = PercentField(help_text="累计进度（%，0–100）")
    actual_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, help_text="累计完成量"
    )
    funds_allocated = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, help_text="累计到位资金（万元）"
    )
    funds_paid = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, help_text="累计支付资金（万元）"
    )

    class Meta:
        model = ProgressReport
        fields = ["sub_item", "share", *REPORT_FIELDS, "funding", "version", "submit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["sub_item"].queryset = permissions.readable_sub_items(request.user).select_related(
                "item__plan"
            )
        if self.instance is not None:
            self.fields["sub_item"].read_only = True
            self.fields["share"].read_only = True

    def validate(self, attrs: dict) -> dict:
        if self.instance is not None and "version" not in attrs:
            raise serializers.ValidationError({"version": ["请提供读取该填报时的版本号（version）"]})
        sub_item = self.instance.sub_item if self.instance is not None else attrs["sub_item"]
        share = self.instance.share if self.instance is not None else attrs.get("share")
        figures = {}
        if self.instance is not None and self.partial:
            figures = report_figures(self.instance)
        figures.update({name: attrs[name] for name in REPORT_FIELDS if name in attrs})
        if "funding" in attrs:
            figures["funding"] = {
                row["source"]: (row.get("allocated"), row.get("paid")) for row in attrs["funding"]
            }
        attrs["report_data"] = checked_report_data(sub_item, figures, share)
        return attrs


def report_figures(report: ProgressReport) -> dict:
    """A saved report's figures in the shape ``ledger.check_report`` reads."""
    figures = {name: getattr(report, name) for name in REPORT_FIELDS}
    figures["funding"] = {row.source: (row.allocated, row.paid) for row in report.funding.all()}
    return figures


def checked_report_data(sub_item: SubItem, figures: dict, share: SubItemShare | None = None) -> dict:
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
    check = ledger.check_report(
        sub_item, latest_accepted_report(sub_item.pk, share=share), figures, sources, share=share
    )
    if not check.is_valid:
        raise serializers.ValidationError(check.errors)
    return check.figures


class ReportVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="读取该填报时的版本号（乐观锁）")


class ReportReturnSerializer(ReportVersionSerializer):
    reason = serializers.CharField(help_text="退回理由，联络员据此修改")
