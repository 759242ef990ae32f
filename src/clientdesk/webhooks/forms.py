from __future__ import annotations

from django import forms

from .models import EventType


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text="Where ClientDesk POSTs the events.",
    )
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(
        choices=EventType.choices, widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"})
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)
