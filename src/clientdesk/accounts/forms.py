from __future__ import annotations

from typing import Any

from django import forms

from .models import Role


class UserForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="Letters, digits and @ . + - _ only.")
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=20, required=False)
    team = forms.CharField(
        max_length=64,
        required=False,
        help_text="People with the same team name read each other's records where their "
        "role's read scope is Team.",
        widget=forms.TextInput(attrs={"list": "team-names", "autocomplete": "off"}),
    )
    role = forms.ModelChoiceField(queryset=Role.objects.all(), empty_label="Choose a role")
    is_active = forms.BooleanField(required=False, initial=True, label="Active (may sign in)")
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        help_text="The initial password; share it privately.",
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["username"]
            del self.fields["password"]


class PasswordForm(forms.Form):
    password = forms.CharField(
        label="New password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
