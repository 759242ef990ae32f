from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from clientdesk.activities.models import MANUAL_KINDS, Kind

from .models import Gender, IdType, IncomeBand, MaritalStatus, SourceOfFunds, Status

COUNTRIES = [
    ("IN", "India"),
    ("US", "United States"),
    ("GB", "United Kingdom"),
    ("AE", "United Arab Emirates"),
    ("SG", "Singapore"),
    ("CA", "Canada"),
    ("AU", "Australia"),
    ("DE", "Germany"),
    ("FR", "France"),
]

SECTIONS = (
    (
        "Personal information",
        ("first_name", "last_name", "date_of_birth", "gender", "marital_status"),
    ),
    ("Contact details", ("mobile", "alt_mobile", "email")),
    ("Address", ("address_line", "city", "state", "postal_code", "country", "nationality")),
    ("Identification", ("id_type", "id_number", "pan", "aadhaar")),
    (
        "Financial information",
        (
            "bank_account_number",
            "bank_ifsc",
            "bank_name",
            "income_band",
            "occupation",
            "source_of_funds",
        ),
    ),
    ("Relationship", ("assigned_to",)),
)


def _blank(choices: Any) -> list[tuple[str, str]]:
    return [("", "—"), *choices]


class CustomerForm(forms.Form):
    """Only parses input; the service validates, normalizes and writes."""

    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100, required=False)
    date_of_birth = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    gender = forms.ChoiceField(choices=_blank(Gender.choices), required=False)
    marital_status = forms.ChoiceField(choices=_blank(MaritalStatus.choices), required=False)
    mobile = forms.CharField(max_length=30, help_text="10-digit Indian mobile or +country code")
    alt_mobile = forms.CharField(max_length=30, required=False, label="Alternative mobile")
    email = forms.CharField(
        max_length=254, required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    address_line = forms.CharField(max_length=255, required=False, label="Street address")
    city = forms.CharField(max_length=100, required=False)
    state = forms.CharField(max_length=100, required=False, label="State / region")
    postal_code = forms.CharField(max_length=12, required=False)
    country = forms.ChoiceField(choices=COUNTRIES, initial="IN")
    nationality = forms.ChoiceField(
        choices=[("", "Same as the country"), *COUNTRIES],
        required=False,
        help_text="Citizenship, for sanctions screening.",
    )
    id_type = forms.ChoiceField(choices=_blank(IdType.choices), required=False, label="ID type")
    id_number = forms.CharField(max_length=30, required=False, label="ID number")
    pan = forms.CharField(
        max_length=10,
        required=False,
        label="PAN",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    aadhaar = forms.CharField(
        max_length=14,
        required=False,
        label="Aadhaar",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    bank_account_number = forms.CharField(
        max_length=24, required=False, label="Bank account number"
    )
    bank_ifsc = forms.CharField(max_length=11, required=False, label="IFSC / routing code")
    bank_name = forms.CharField(max_length=100, required=False)
    income_band = forms.ChoiceField(
        choices=_blank(IncomeBand.choices), required=False, label="Annual income"
    )
    occupation = forms.CharField(max_length=100, required=False)
    source_of_funds = forms.ChoiceField(choices=_blank(SourceOfFunds.choices), required=False)
    assigned_to = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        label="Assigned user",
        empty_label="—",
    )

    SENSITIVE_INPUTS = ("pan", "aadhaar", "id_number", "bank_account_number", "date_of_birth")

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            for name in self.SENSITIVE_INPUTS:
                self.fields[name].help_text = "Leave blank to keep the stored value."

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in SECTIONS]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.editing:  # blank sensitive inputs mean "unchanged": they are never pre-filled
            for name in self.SENSITIVE_INPUTS:
                if data.get(name) in (None, ""):
                    data.pop(name, None)
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ReviewForm(forms.Form):
    """The profile-review SOP of the broker guide: the three verification points."""

    contact_verified = forms.BooleanField(required=False, label="Contact info verified")
    no_pending_tickets = forms.BooleanField(required=False, label="No pending tickets")
    recent_activity_logged = forms.BooleanField(required=False, label="Recent activity logged")
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        label="Notes for the team",
    )


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(k.value, k.label) for k in MANUAL_KINDS], initial=Kind.NOTE, label="Type"
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label="Details"
    )
