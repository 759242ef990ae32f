from __future__ import annotations

from django import forms

from clientdesk.customers.models import RiskLevel

from .models import HitStatus


class DecisionForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (HitStatus.CONFIRMED, "Confirm: same person"),
            (HitStatus.DISMISSED, "Dismiss: not the same person"),
        ],
        widget=forms.RadioSelect,
        label="Decision",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        max_length=2000,
        help_text="What you compared (date of birth, nationality, documents) and what you found.",
    )


class OverrideForm(forms.Form):
    level = forms.ChoiceField(
        choices=[("", "No override (use the computed level)"), *RiskLevel.choices],
        required=False,
        label="Risk level",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        max_length=2000,
        help_text="Recorded in the audit trail with your name.",
    )
