"""The report parameters (period, custom range, grouping), one form for page, exports and API."""

from __future__ import annotations

from typing import Any

from django import forms

from . import periods
from .figures import MAX_DAY_BUCKETS, Report

MAX_RANGE_DAYS = 366 * 5


class ReportForm(forms.Form):
    period = forms.ChoiceField(choices=periods.PRESETS, required=False, initial=periods.DEFAULT)
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    group = forms.ChoiceField(label="Group by", required=False)

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.report = report
        self.fields["group"].choices = list(report.groupings.items())  # type: ignore[attr-defined]
        self.fields["group"].initial = report.default_grouping

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        preset = data.get("period") or periods.DEFAULT
        start, end = data.get("start"), data.get("end")
        if preset == "custom":
            if not start or not end:
                raise forms.ValidationError("A custom range needs both a From and a To date.")
            if end < start:
                self.add_error("end", "The To date is before the From date.")
            elif (end - start).days >= MAX_RANGE_DAYS:
                self.add_error("end", "Choose a range of at most five years.")
        data["period"] = preset
        data["group"] = data.get("group") or self.report.default_grouping
        if not self.errors:
            period = periods.resolve(preset, start, end)
            if data["group"] == "day" and period.days > MAX_DAY_BUCKETS:
                self.add_error("group", "Group a range this long by week or month.")
            data["resolved"] = period
        return data

    @property
    def chosen_period(self) -> periods.Period:
        return self.cleaned_data["resolved"]  # type: ignore[no-any-return]

    @property
    def grouping(self) -> str:
        return str(self.cleaned_data["group"])

    def filters(self) -> dict[str, Any]:
        """What the audit record keeps: the parameters as the user chose them."""
        p = self.chosen_period
        return {
            "period": p.preset,
            "start": p.start.isoformat(),
            "end": p.end.isoformat(),
            "group": self.grouping,
        }
