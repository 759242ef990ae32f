"""Forms parse and present; ``services`` validate business rules and write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet

from clientdesk.accounts.models import RoleModuleAccess
from clientdesk.core.permissions import Access
from clientdesk.core.validators import normalize_phone

from .models import Priority, Source, Status, TicketSubject


def assignable_users() -> QuerySet[Any]:
    """Active users whose role may at least read tickets (superusers too)."""
    access = RoleModuleAccess.objects.filter(
        role=OuterRef("role"), module="tickets", level__gte=Access.READ
    )
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Exists(access))
        .select_related("role")
    )


def find_customer(user: Any, value: str) -> Any:
    """A visible customer by client ID or mobile number (exact), else None."""
    from clientdesk.customers.models import Customer

    value = (value or "").strip()
    if not value:
        return None
    visible = Customer.objects.visible_to(user)
    if value.isascii() and value.isdigit() and len(value) < 8:  # a plain id from ?customer=<id>
        return visible.filter(pk=int(value)).first()
    found = visible.filter(client_id__iexact=value).first()
    if found is None:
        try:
            mobile = normalize_phone(value, settings.DEFAULT_PHONE_REGION)
        except ValidationError:  # not a phone number: no match
            return None
        found = visible.filter(Q(mobile=mobile) | Q(alt_mobile=mobile)).first()
    return found


class TicketForm(forms.Form):
    customer = forms.CharField(
        label="Customer",
        max_length=40,
        help_text="Client ID (e.g. CD-000123) or mobile number.",
    )
    subject = forms.ModelChoiceField(
        queryset=TicketSubject.objects.filter(is_active=True), empty_label="Choose…"
    )
    source = forms.ChoiceField(choices=[("", "Choose…"), *Source.choices])
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.MEDIUM)
    assignees = forms.ModelMultipleChoiceField(
        queryset=assignable_users(),
        required=False,
        help_text="Leave empty to assign the next Support user automatically (round robin).",
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), required=False, max_length=10_000
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        cast(forms.ModelChoiceField, self.fields["assignees"]).queryset = assignable_users()
        subjects = TicketSubject.objects.filter(is_active=True)
        cast(forms.ModelChoiceField, self.fields["subject"]).queryset = subjects

    def clean_customer(self) -> Any:
        customer = find_customer(self.user, self.cleaned_data["customer"])
        if customer is None:
            raise forms.ValidationError("No customer with this client ID or mobile number.")
        return customer

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class TicketEditForm(forms.Form):
    subject = forms.ModelChoiceField(queryset=TicketSubject.objects.filter(is_active=True))
    source = forms.ChoiceField(choices=Source.choices)
    priority = forms.ChoiceField(choices=Priority.choices)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), required=False, max_length=10_000
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices, label="New status")
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        label="Note",
        help_text="Required when closing. The customer receives the status update.",
    )


class AssignForm(forms.Form):
    assignees = forms.ModelMultipleChoiceField(
        queryset=assignable_users(), widget=forms.SelectMultiple(attrs={"size": 6})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assignees"]).queryset = assignable_users()


class CommentForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "Internal note — @username to mention"}
        ),
        max_length=5000,
        label="Comment",
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        help_text="Images (PNG, JPEG, GIF, WebP), PDF or plain text; up to 10 MB.",
        allow_empty_file=True,  # the service answers "The file is empty." itself
    )


class BulkCloseForm(forms.Form):
    ticket = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    reason = forms.CharField(max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        raw = self.data.getlist("ticket") if hasattr(self.data, "getlist") else []
        field = cast(forms.TypedMultipleChoiceField, self.fields["ticket"])
        field.choices = [(v, v) for v in raw if str(v).isdigit()]


class SurveyForm(forms.Form):
    rating = forms.TypedChoiceField(
        coerce=int,
        choices=[(i, str(i)) for i in range(1, 6)],
        widget=forms.RadioSelect,
        label="How satisfied are you with how we handled your request?",
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
        label="Anything you would like to tell us? (optional)",
    )


class SubjectForm(forms.Form):
    name = forms.CharField(max_length=100)
    is_active = forms.BooleanField(required=False, initial=True, label="In use")


class SLAPolicyForm(forms.Form):
    priority = forms.ChoiceField(choices=Priority.choices)
    first_response_minutes = forms.IntegerField(min_value=1, label="First response (minutes)")
    resolution_minutes = forms.IntegerField(min_value=1, label="Resolution (minutes)")
