"""FastRenderer writes exactly what Django's widget templates write."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from clientdesk.core.form_renderer import FastRenderer

TEMPLATES = DjangoTemplates()
FAST = FastRenderer()

GROUPED = [("Fruit", [("a", "Apple"), ("b", "Banana & <Bread>")]), ("c", 'Cherry "quoted"')]


def both(widget: forms.Widget, name: str, value: Any, attrs: dict[str, Any] | None = None):
    return (
        widget.render(name, value, attrs=attrs, renderer=TEMPLATES),
        widget.render(name, value, attrs=attrs, renderer=FAST),
    )


CASES = [
    (forms.TextInput(), "q", "kumar & <sons>", {"id": "id_q", "placeholder": "Name"}),
    (forms.TextInput(attrs={"required": True, "disabled": False}), "q", None, None),
    (forms.DateInput(attrs={"type": "date"}), "day", dt.date(2026, 1, 31), {"id": "id_day"}),
    (forms.NumberInput(), "n", 12.5, {"step": "any"}),
    (forms.EmailInput(), "e", "a@b.c", None),
    (forms.HiddenInput(), "h", 'x"y', None),
    (forms.PasswordInput(render_value=True), "p", "secret", None),
    (forms.CheckboxInput(), "flag", True, {"id": "id_flag"}),
    (forms.Select(choices=[("", "Any"), ("1", "One"), ("2", "Two")]), "s", "2", {"id": "id_s"}),
    (forms.Select(choices=GROUPED), "g", "b", {"id": "id_g", "class": "x"}),
    (forms.SelectMultiple(choices=GROUPED), "m", ["a", "c"], {"id": "id_m"}),
    (forms.NullBooleanSelect(), "nb", True, None),
    (forms.CheckboxSelectMultiple(choices=GROUPED, attrs={"class": "chips"}), "c", ["b"], None),
    (
        forms.CheckboxSelectMultiple(choices=[("open", "Open"), ("closed", "Closed")]),
        "status",
        ["open"],
        {"id": "id_status"},
    ),
    (forms.RadioSelect(choices=[("x", "X"), ("y", "Y <b>")]), "r", "y", {"id": "id_r"}),
    (forms.Select(choices=[(mark_safe("<i>s</i>"), mark_safe("<i>safe</i>"))]), "ms", None, None),
]


@pytest.mark.parametrize(("widget", "name", "value", "attrs"), CASES)
def test_same_markup_as_the_templates(widget, name, value, attrs):
    expected, fast = both(widget, name, value, attrs)
    assert fast == expected


text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.tuples(text, text), min_size=0, max_size=5),
    picked=st.integers(min_value=0, max_value=5),
    css=text,
)
def test_same_markup_for_any_choices(labels, picked, css):
    choices = list(dict(labels).items())
    value = choices[picked][0] if picked < len(choices) else None
    for widget in (
        forms.Select(choices=choices, attrs={"class": css}),
        forms.CheckboxSelectMultiple(choices=choices, attrs={"class": css}),
        forms.RadioSelect(choices=choices),
    ):
        chosen = [value] if isinstance(widget, forms.CheckboxSelectMultiple) else value
        expected, fast = both(widget, "field", chosen, {"id": "id_field"})
        assert fast == expected


def test_unknown_templates_fall_back_to_the_templates():
    widget = forms.ClearableFileInput()
    expected, fast = both(widget, "file", None, {"id": "id_file"})
    assert fast == expected
    assert "file" in fast


def test_the_project_uses_it(settings):
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FastRenderer)
