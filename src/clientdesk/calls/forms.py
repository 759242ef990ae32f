"""Forms only parse; ``services.parse_call`` validates and normalizes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from .models import CallStatus, Direction


def parse_duration(text: str) -> int:
    """ "4:05" -> 245 s, "1:02:03" -> 3723 s, "7" -> 7 minutes (420 s)."""
    text = text.strip()
    if not text:
        return 0
    parts = text.split(":")
    if not all(p.isdigit() for p in parts) or len(parts) > 3:
        raise forms.ValidationError("Enter minutes, or m:ss, e.g. 4:05.")
    numbers = [int(p) for p in parts]
    if len(numbers) == 1:
        return numbers[0] * 60
    if any(n >= 60 for n in numbers[1:]):
        raise forms.ValidationError("Seconds and minutes after a colon go up to 59.")
    seconds = 0
    for n in numbers:
        seconds = seconds * 60 + n
    return seconds


class DurationField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "m:ss"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int:  # type: ignore[override]
        return parse_duration(super().clean(value) or "")


class CallForm(forms.Form):
    """The call form page: any number, any direction."""

    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.OUTGOING)
    number = forms.CharField(
        max_length=30, label="Customer's number", help_text="10-digit Indian mobile or +country"
    )
    status = forms.ChoiceField(choices=CallStatus.choices, initial=CallStatus.COMPLETED)
    started_at = forms.DateTimeField(
        required=False,
        label="Started",
        help_text="Leave empty for a call that just ended.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    duration = DurationField(label="Duration", help_text="Minutes, or m:ss")
    notes = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    recording_url = forms.CharField(required=False, max_length=500, label="Recording link")

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        number = data.pop("number")
        duration = data.pop("duration")
        outgoing = data["direction"] == Direction.OUTGOING
        started = data.pop("started_at") or timezone.now() - dt.timedelta(seconds=duration)
        return {
            **data,
            "from_number": "" if outgoing else number,
            "to_number": number if outgoing else "",
            "duration_seconds": duration,
            "started_at": started,
        }


class CustomerCallForm(forms.Form):
    """The log-a-call dialog on a customer's profile (the number is one of theirs)."""

    number = forms.ChoiceField(choices=())
    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.OUTGOING)
    status = forms.ChoiceField(choices=CallStatus.choices, initial=CallStatus.COMPLETED)
    duration = DurationField(label="Duration", help_text="Minutes, or m:ss")
    notes = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, numbers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        number = self.fields["number"]
        assert isinstance(number, forms.ChoiceField)
        number.choices = [(n, n) for n in numbers if n]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        number, duration = data.pop("number"), data.pop("duration")
        outgoing = data["direction"] == Direction.OUTGOING
        return {
            **data,
            "from_number": "" if outgoing else number,
            "to_number": number if outgoing else "",
            "duration_seconds": duration,
            "started_at": timezone.now() - dt.timedelta(seconds=duration),
        }
