"""Control characters are refused in every text field of every form and API serializer
(core.textsafety); newline and tab only in multi-line fields."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from rest_framework import serializers

import clientdesk
from clientdesk.core.validators import validate_plain_text

BAD = [
    "Asha\x1b[31m",  # ANSI escape
    "As\x00ha",
    "As\x07ha",
    "Asha\x7f",
    "Asha\x85",  # C1 next line
    "Asha\u202eamreV",  # right-to-left override
    "Asha\u2066x\u2069",  # isolates
    "Asha\u2028Verma",
]
LINE = ["Asha\nVerma", "Asha\tVerma", "Asha\rVerma"]


@pytest.mark.parametrize("value", BAD)
def test_refused_everywhere(value: str) -> None:
    for multiline in (False, True):
        with pytest.raises(ValidationError) as caught:
            validate_plain_text(value, multiline=multiline)
        assert caught.value.code == "control_characters"


@pytest.mark.parametrize("value", LINE)
def test_line_controls_only_in_multiline(value: str) -> None:
    with pytest.raises(ValidationError):
        validate_plain_text(value)
    assert validate_plain_text(value, multiline=True) == value


@pytest.mark.parametrize(
    "value", ["Asha Verma", "Ré-Ñoño O'Brien", "आशा वर्मा", "=SUM(1)", "₹20,000", ""]
)
def test_ordinary_text_passes(value: str) -> None:
    assert validate_plain_text(value) == value


# --- every form and every serializer of the project -----------------------------------------


def _import_project() -> None:
    for module in pkgutil.walk_packages(clientdesk.__path__, "clientdesk."):
        if ".migrations" in module.name or module.name.endswith(("demo", "wsgi")):
            continue
        if module.name.split(".")[-1] in {"forms", "serializers", "views", "filtersets"}:
            importlib.import_module(module.name)


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return [c for c in found if c.__module__.startswith("clientdesk.")]


def test_every_form_text_field_refuses_control_characters() -> None:
    _import_project()
    checked: set[str] = set()
    for form_class in _subclasses(forms.BaseForm):
        for name, field in getattr(form_class, "base_fields", {}).items():
            if not isinstance(field, forms.CharField):
                continue
            with pytest.raises(ValidationError):
                field.clean("a\x1bb")
            multiline = isinstance(field.widget, forms.Textarea)
            if multiline:
                try:
                    field.clean("line one\nline two")
                except ValidationError as exc:  # another rule (length, format) may refuse it
                    assert exc.code != "control_characters"
            checked.add(f"{form_class.__module__}.{form_class.__name__}.{name}")
    apps = {label.split(".")[1] for label in checked}
    assert {"customers", "leads", "tickets", "calls", "followups", "comms"} <= apps, apps


def test_every_serializer_text_field_refuses_control_characters() -> None:
    _import_project()
    checked: set[str] = set()
    for serializer_class in _subclasses(serializers.Serializer):
        try:
            fields = serializer_class().fields
        except Exception:  # a serializer needing context or arguments
            continue
        for name, field in fields.items():
            if not isinstance(field, serializers.CharField) or field.read_only:
                continue
            with pytest.raises(serializers.ValidationError):
                field.run_validation("a\x1bb")
            checked.add(f"{serializer_class.__module__}.{serializer_class.__name__}.{name}")
    apps = {label.split(".")[1] for label in checked}
    assert {"customers", "leads", "tickets", "calls", "followups", "comms"} <= apps, apps


# --- end to end: pages and API --------------------------------------------------------------


@pytest.mark.django_db
def test_customer_form_names_the_field_and_keeps_the_input(
    client_for: Any, admin_user: Any, valid_data: dict
) -> None:
    data = {**valid_data, "first_name": "Asha\u202eamreV"}
    data["date_of_birth"] = data["date_of_birth"].isoformat()
    response = client_for(admin_user).post("/customers/new/", data)
    html = response.content.decode()
    assert response.status_code == 400 or "control character" in html
    assert "Remove the control character (U+202E)" in html
    from clientdesk.customers.models import Customer

    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_customer_api_refuses_control_characters(api_client_for: Any, admin_user: Any) -> None:
    response = api_client_for(admin_user).post(
        "/api/v1/customers/",
        {"first_name": "Asha\x07", "mobile": "9876500001", "country": "IN"},
        format="json",
    )
    assert response.status_code == 400
    assert "first_name" in response.json()["errors"]


@pytest.mark.django_db
def test_lead_api_refuses_control_characters(api_client_for: Any, admin_user: Any) -> None:
    response = api_client_for(admin_user).post(
        "/api/v1/leads/",
        {"first_name": "Ravi\x1b[2J", "mobile": "9876500002"},
        format="json",
    )
    assert response.status_code == 400
    assert "first_name" in response.json()["errors"]


@pytest.mark.django_db
def test_ticket_description_keeps_lines_but_not_escapes(
    api_client_for: Any, manager: Any, customer: Any
) -> None:
    from clientdesk.tickets.models import TicketSubject

    body = {
        "customer": customer.pk,
        "subject": TicketSubject.objects.get(name="Fund transfer").pk,
        "source": "whatsapp",
        "priority": "high",
    }
    client = api_client_for(manager)
    ok = client.post(
        "/api/v1/tickets/", {**body, "description": "Line one\n\tLine two"}, format="json"
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["description"] == "Line one\n\tLine two"
    bad = client.post(
        "/api/v1/tickets/", {**body, "description": "Line one\x1b]8;;http://x\x07"}, format="json"
    )
    assert bad.status_code == 400 and "description" in bad.json()["errors"]
