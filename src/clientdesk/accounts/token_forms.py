"""The form that issues an API token on a user's page: name, lifetime and scopes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings

from clientdesk.core.permissions import Access, Module

from .scopes import SPECIAL_SCOPES, module_scope

LIFETIMES = (7, 30, 90, 180, 365)


class TokenForm(forms.Form):
    """One select per module the role can reach (None / Read / Read & Write, never above the
    role), the special scopes as checkboxes. ``scopes()`` gives the chosen scope names.
    Missing values take the defaults (the role's level, ``API_TOKEN_DEFAULT_DAYS``)."""

    name = forms.CharField(
        max_length=80, required=False, help_text="What it is for, e.g. “Dialer, phone 7”."
    )
    expires_in_days = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Expires in"
    )
    rotate = forms.BooleanField(required=False, label="Revoke this person's other tokens")
    special = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Special scopes"
    )

    def __init__(self, *args: Any, role_access: Mapping[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        longest = settings.API_TOKEN_MAX_DAYS
        days = sorted({d for d in LIFETIMES if d <= longest} | {settings.API_TOKEN_DEFAULT_DAYS})
        field = self.fields["expires_in_days"]
        field.choices = [(d, f"{d} days") for d in days if d <= longest]  # type: ignore[attr-defined]
        field.initial = settings.API_TOKEN_DEFAULT_DAYS
        self.module_names: list[str] = []
        self.outside_role: list[str] = []
        for module in Module:
            allowed = role_access.get(module.value, Access.NONE)
            if allowed == Access.NONE:
                self.outside_role.append(module.label)
                continue
            self.module_names.append(f"scope_{module.value}")
            self.fields[f"scope_{module.value}"] = forms.TypedChoiceField(
                coerce=int,
                required=False,
                empty_value=None,
                label=module.label,
                choices=[(lvl.value, lvl.label) for lvl in Access if lvl <= allowed],
                initial=allowed,
            )
        self.fields["special"].choices = [  # type: ignore[attr-defined]
            (s.name, f"{s.name}: {s.description}") for s in SPECIAL_SCOPES.values()
        ]

    def module_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.module_names]

    def scopes(self) -> list[str] | None:
        """The chosen scope names; None when the form carried no scope at all (a bare POST),
        which issues the role's scopes."""
        data = self.cleaned_data
        if all(data.get(name) is None for name in self.module_names) and not data.get("special"):
            return None
        chosen = [
            module_scope(name.removeprefix("scope_"), data[name])
            for name in self.module_names
            if data.get(name)
        ]
        return chosen + list(data.get("special") or [])
