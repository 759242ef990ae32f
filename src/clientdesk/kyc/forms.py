from __future__ import annotations

from typing import Any

from django import forms

from .models import Decision, DocumentKind, ReasonCode


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="Document type", choices=[("", "Choose…"), *DocumentKind.choices]
    )
    file = forms.FileField(
        label="Files",
        required=False,  # the view reads every file itself (several at once)
        widget=MultipleFileInput(
            attrs={"accept": ".jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf"}
        ),
        help_text="JPEG, PNG or PDF; several at once.",
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    reason_code = forms.ChoiceField(
        label="Reason", required=False, choices=[("", "—"), *ReasonCode.choices]
    )
    comment = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
