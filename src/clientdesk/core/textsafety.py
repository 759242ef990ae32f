"""Every text field of every form and API serializer refuses control characters.

Installed once by ``CoreConfig.ready``: it wraps ``django.forms.CharField.to_python`` and
``rest_framework.serializers.CharField.to_internal_value`` so that each text value is checked
by ``validators.validate_plain_text`` before the field's own validators and the services see
it. One place covers the customers', leads', tickets', activities', tasks', calls' and
messages' forms and serializers, and any added later, instead of a mixin on ~110 classes
(docs/decisions.md). The error is the field's own, so forms show it beside the field
and the API answers 400 with it under the field's name.

Multi-line fields keep newline, carriage return and tab: a form field whose widget is a
``Textarea``; a serializer field styled as a textarea (DRF does that for model
``TextField``s) or without a length limit up to 255 (free text such as reasons and bodies).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from rest_framework import serializers

from .validators import validate_plain_text

_MARK = "_clientdesk_text_safety"


def _form_multiline(field: forms.CharField) -> bool:
    return isinstance(field.widget, forms.Textarea)


def _api_multiline(field: serializers.CharField) -> bool:
    if field.style.get("base_template") == "textarea.html":
        return True
    return field.max_length is None or field.max_length > 255


def install() -> None:
    if getattr(forms.CharField, _MARK, False):
        return
    form_to_python = forms.CharField.to_python
    api_to_internal = serializers.CharField.to_internal_value

    def to_python(self: forms.CharField, value: Any) -> Any:
        value = form_to_python(self, value)
        if isinstance(value, str) and value:
            validate_plain_text(value, multiline=_form_multiline(self))
        return value

    def to_internal_value(self: serializers.CharField, data: Any) -> str:
        value = api_to_internal(self, data)
        if value:
            try:
                validate_plain_text(value, multiline=_api_multiline(self))
            except ValidationError as exc:  # DRF's own error, so nested fields report it too
                raise serializers.ValidationError(exc.messages, code=exc.code) from exc
        return value

    forms.CharField.to_python = to_python  # type: ignore[method-assign]
    serializers.CharField.to_internal_value = to_internal_value  # type: ignore[method-assign,assignment]
    setattr(forms.CharField, _MARK, True)
