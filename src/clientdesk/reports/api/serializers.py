"""The report as JSON: the same figures the page shows (``figures.compute``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..exports import plain
from ..figures import Result


@extend_schema_field(
    {
        # anyOf: an integer is a number too, and oneOf wants exactly one to match.
        "anyOf": [{"type": "integer"}, {"type": "number"}, {"type": "string"}],
        "nullable": True,
        "description": "A count (integer), a rate (number, percent or ratio) or money "
        "(string with two decimals, base currency); null where the figure does not apply.",
    }
)
class ReportValueField(serializers.Field):  # type: ignore[type-arg]
    def to_representation(self, value: Any) -> Any:
        return plain(value)


class ReportCellSerializer(serializers.Serializer):  # type: ignore[type-arg]
    value = ReportValueField()
    url = serializers.CharField(help_text="The list that makes up the figure; empty if none.")


class ReportColumnSerializer(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    kind = serializers.ChoiceField(choices=["int", "money", "percent", "number"])


class ReportRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField(help_text="Bucket start date (ISO) or the group's value.")
    label = serializers.CharField()  # type: ignore[assignment]
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    cells = ReportCellSerializer(many=True)


class ReportPeriodSerializer(serializers.Serializer):  # type: ignore[type-arg]
    preset = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    label = serializers.CharField()  # type: ignore[assignment]


class ReportResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    title = serializers.CharField()
    period = ReportPeriodSerializer()
    grouping = serializers.CharField()
    grouping_label = serializers.CharField()
    time_zone = serializers.CharField()
    currency = serializers.CharField()
    columns = ReportColumnSerializer(many=True)
    rows = ReportRowSerializer(many=True)
    totals = ReportCellSerializer(many=True)


def payload(result: Result) -> dict[str, Any]:
    from django.conf import settings

    return {
        "name": result.name,
        "title": result.title,
        "period": result.period,
        "grouping": result.grouping,
        "grouping_label": result.grouping_label,
        "time_zone": settings.TIME_ZONE,
        "currency": settings.BASE_CURRENCY,
        "columns": result.columns,
        "rows": result.rows,
        "totals": result.totals,
    }
