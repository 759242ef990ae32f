"""Forms only parse; the services validate."""

from __future__ import annotations

from django import forms

from .models import BreachStatus, ConsentSource, IdentityMethod, Kind, Purpose, Regime

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DataRequestForm(forms.Form):
    kind = forms.ChoiceField(choices=Kind.choices)
    regime = forms.ChoiceField(choices=Regime.choices, label="Law", initial=Regime.DPDP)
    client_id = forms.CharField(
        required=False, max_length=20, label="Customer (Client ID)", help_text="e.g. CL-000123"
    )
    lead = forms.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, label="Or lead (number)"
    )
    requester_name = forms.CharField(max_length=200, label="Requested by")
    details = forms.CharField(
        required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    received_at = forms.DateTimeField(required=False, label="Received", widget=DATETIME)


class VerifyForm(forms.Form):
    method = forms.ChoiceField(choices=IdentityMethod.choices)
    note = forms.CharField(required=False, max_length=500)


class StatusForm(forms.Form):
    status = forms.CharField(max_length=20)
    response = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea)
    evidence = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea)


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(choices=Purpose.choices)
    partner = forms.CharField(required=False, max_length=100, help_text="For data sharing only.")
    granted = forms.TypedChoiceField(
        choices=[("1", "Given"), ("0", "Withdrawn")], coerce=lambda v: v == "1", label="Consent"
    )
    notice_version = forms.CharField(max_length=40, label="Notice version", initial="v1")
    source = forms.ChoiceField(choices=ConsentSource.choices)
    note = forms.CharField(required=False, max_length=500)


class BreachForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(max_length=10_000, widget=forms.Textarea(attrs={"rows": 5}))
    detected_at = forms.DateTimeField(label="Detected", widget=DATETIME)
    detected_by = forms.CharField(max_length=200, label="Detected by")
    customer_filter = forms.CharField(
        required=False,
        max_length=1000,
        label="Affected customers (customer list filter)",
        help_text="Copy the query string of the Customers list, e.g. city=Pune&status=active.",
    )


class BreachStatusForm(forms.Form):
    status = forms.ChoiceField(choices=BreachStatus.choices)
