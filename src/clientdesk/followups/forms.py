"""Forms only parse; ``services.clean_task_data`` validates."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from .models import Priority, TaskStatus

REMINDER_CHOICES = [
    (0, "At the due time"),
    (5, "5 minutes before"),
    (15, "15 minutes before"),
    (30, "30 minutes before"),
    (60, "1 hour before"),
    (120, "2 hours before"),
    (1440, "1 day before"),
]


class TaskForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    due_at = forms.DateTimeField(
        required=False,
        label="Due",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        empty_label="Me",
    )
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.MEDIUM)
    reminder_minutes_before = forms.TypedChoiceField(
        choices=REMINDER_CHOICES, coerce=int, initial=30, label="Reminder"
    )
    subject_type = forms.CharField(required=False, widget=forms.HiddenInput)
    subject_id = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            assignee = self.fields["assignee"]
            assert isinstance(assignee, forms.ModelChoiceField)
            assignee.empty_label = f"Me ({user.display_name})"
            # "Me" is the empty choice: the list itself leaves the user out (once, not twice).
            assignee.queryset = assignee.queryset.exclude(pk=user.pk)  # type: ignore[union-attr]
            if getattr(self.initial.get("assignee"), "pk", self.initial.get("assignee")) == user.pk:
                self.initial["assignee"] = None

    def service_data(self) -> dict[str, Any]:
        data = {
            k: v
            for k, v in self.cleaned_data.items()
            if k not in {"subject_type", "subject_id", "assignee"}
        }
        if self.cleaned_data.get("assignee") is not None:
            data["assignee"] = self.cleaned_data["assignee"]
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=TaskStatus.choices)
