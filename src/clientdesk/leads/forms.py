from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from clientdesk.core.views import apply_errors
from clientdesk.customers.forms import COUNTRIES, ActivityForm

from .models import AccountType, LeadCategory, LeadSource, LeadStatus

__all__ = [
    "ActivityForm",
    "AssignForm",
    "BulkForm",
    "LeadForm",
    "SavedFilterForm",
    "StatusForm",
    "add_service_errors",
    "apply_lead_errors",
]

SECTIONS = (
    ("Lead information", ("first_name", "last_name", "source", "category", "account_type")),
    ("Contact details", ("mobile", "alt_mobile", "email")),
    ("Additional details", ("client_id", "referral_code", "pan", "aadhaar")),
    ("Address", ("address_line", "city", "state", "postal_code", "country")),
    ("Assignment", ("owner",)),
)


def _blank(choices: Any) -> list[tuple[str, str]]:
    return [("", "—"), *choices]


def _active_users() -> Any:
    return get_user_model().objects.filter(is_active=True)


class LeadForm(forms.Form):
    """Only parses input; the service validates, normalizes and writes."""

    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100, required=False)
    source = forms.ChoiceField(choices=_blank(LeadSource.choices), label="Lead source")
    category = forms.ChoiceField(
        choices=_blank(LeadCategory.choices), required=False, label="Lead category"
    )
    account_type = forms.ChoiceField(choices=_blank(AccountType.choices), required=False)
    mobile = forms.CharField(max_length=30, help_text="10-digit Indian mobile or +country code")
    alt_mobile = forms.CharField(max_length=30, required=False, label="Alternative mobile")
    email = forms.CharField(
        max_length=254, required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    client_id = forms.CharField(max_length=30, required=False, label="Client ID")
    referral_code = forms.CharField(max_length=30, required=False)
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
    address_line = forms.CharField(max_length=255, required=False, label="Street address")
    city = forms.CharField(max_length=100, required=False)
    state = forms.CharField(max_length=100, required=False, label="State / region")
    postal_code = forms.CharField(max_length=12, required=False)
    country = forms.ChoiceField(choices=COUNTRIES, initial="IN")
    owner = forms.ModelChoiceField(
        queryset=_active_users(), required=False, label="Lead owner", empty_label="Unassigned"
    )

    SENSITIVE_INPUTS = ("pan", "aadhaar")

    def __init__(
        self, *args: Any, editing: bool = False, can_assign: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.can_assign = can_assign
        if not can_assign:
            del self.fields["owner"]
        if editing:
            for name in self.SENSITIVE_INPUTS:
                self.fields[name].help_text = "Leave blank to keep the stored value."

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (title, [self[name] for name in names if name in self.fields])
            for title, names in SECTIONS
            if any(name in self.fields for name in names)
        ]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.editing:  # blank sensitive inputs mean "unchanged": they are never pre-filled
            for name in self.SENSITIVE_INPUTS:
                if data.get(name) in (None, ""):
                    data.pop(name, None)
        return data


def apply_lead_errors(form: forms.Form, error: ValidationError) -> None:
    """Like ``core.views.apply_errors``, but a duplicate's message links to the existing
    record. Only the URL the service built (``params["url"]``) goes into the markup."""
    if not hasattr(error, "error_dict"):
        apply_errors(form, error)
        return
    for field, errors in error.error_dict.items():
        target = field if field in form.fields else None
        for err in errors:
            params = err.params or {}
            if err.code == "duplicate" and params.get("url"):
                link = format_html(
                    '{} — <a href="{}">open the {}</a>.',
                    params["text"],
                    params["url"],
                    params.get("kind", "record"),
                )
                form.add_error(target, ValidationError(link, code="duplicate"))
            else:
                form.add_error(target, err)


def add_service_errors(form: LeadForm, clean: Callable[[dict[str, Any]], Any]) -> None:
    """When the form itself already failed, let the service name the other bad fields too,
    so one submit shows every problem."""
    try:
        clean(form.service_data())
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            rest = {f: e for f, e in exc.error_dict.items() if f not in form.errors}
            if rest:
                apply_lead_errors(form, ValidationError(rest))  # type: ignore[arg-type]


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=LeadStatus.choices)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=_active_users(), required=False, label="Lead owner", empty_label="Unassigned"
    )


class BulkForm(forms.Form):
    ACTIONS = (("status", "Change status"), ("assign", "Assign"))

    action = forms.ChoiceField(choices=ACTIONS)
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), label="Leads")
    status = forms.ChoiceField(choices=_blank(LeadStatus.choices), required=False)
    owner = forms.ModelChoiceField(
        queryset=_active_users(), required=False, label="Assign to", empty_label="Assign to…"
    )
    note = forms.CharField(max_length=2000, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any integer is acceptable here; the service checks each lead.
        posted = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(v, v) for v in posted if str(v).isdigit()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "status" and not data.get("status"):
            self.add_error("status", "Choose the new status.")
        if data.get("action") == "assign" and not data.get("owner"):
            self.add_error("owner", "Choose who gets the leads.")
        return data


class SavedFilterForm(forms.Form):
    name = forms.CharField(max_length=60)
    query = forms.CharField(max_length=2000, required=False)
