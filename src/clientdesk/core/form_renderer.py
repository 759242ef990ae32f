"""Django's form renderer, with its most used widget templates written out in Python.

A list page renders a dozen filter widgets; through templates each ``<option>`` and each
checkbox is an ``{% include %}`` of two or three more templates, ~1.5 ms per widget and
~14 ms per ticket-list page. These functions produce the same markup as Django's own
templates (``tests/core/test_form_renderer.py`` compares them byte for byte) in a fraction of
the time. A widget whose template is not listed here, or whose options use another
template, is rendered by the templates as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

WIDGETS = "django/forms/widgets/"


def _e(value: Any) -> str:
    return str(conditional_escape(str(value)))


def _attrs(attrs: Mapping[str, Any]) -> str:
    return "".join(
        f" {_e(name)}" if value is True else f' {_e(name)}="{_e(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


# Each function returns what its template renders, the file's final newline included (the
# renderer strips only the outermost template's; included ones keep theirs).


def _input(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    shown = f' value="{_e(value)}"' if value is not None else ""
    return (
        f'<input type="{_e(widget["type"])}" name="{_e(widget["name"])}"{shown}'
        f"{_attrs(widget['attrs'])}>\n"
    )


def _input_kind(widget: Mapping[str, Any]) -> str:  # text.html, date.html ...: input.html
    return _input(widget) + "\n"


def _input_option(widget: Mapping[str, Any]) -> str:
    if not widget.get("wrap_label"):
        return _input(widget) + "\n"
    target = widget["attrs"].get("id")
    label_for = f' for="{_e(target)}"' if target else ""
    return f"<label{label_for}>{_input(widget)} {_e(widget['label'])}</label>\n"


def _choice_option(widget: Mapping[str, Any]) -> str:  # checkbox_option.html, radio_option.html
    return _input_option(widget) + "\n"


def _select_option(widget: Mapping[str, Any]) -> str:
    return (
        f'<option value="{_e(widget["value"])}"{_attrs(widget["attrs"])}>'
        f"{_e(widget['label'])}</option>\n"
    )


OPTION_RENDERERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    WIDGETS + "select_option.html": _select_option,
    WIDGETS + "checkbox_option.html": _choice_option,
    WIDGETS + "radio_option.html": _choice_option,
    WIDGETS + "input_option.html": _input_option,
}


def _option(option: Mapping[str, Any]) -> str:
    return OPTION_RENDERERS[option["template_name"]](option)


def _options_known(widget: Mapping[str, Any]) -> bool:
    return all(
        option["template_name"] in OPTION_RENDERERS
        for _group, options, _index in widget["optgroups"]
        for option in options
    )


def _select(widget: Mapping[str, Any]) -> str:
    parts = [f'<select name="{_e(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_e(group_name)}">')
        parts.extend(f"\n  {_option(option)}" for option in options)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def _multiple_input(widget: Mapping[str, Any]) -> str:
    attrs = widget["attrs"]
    box_id, css = attrs.get("id"), attrs.get("class")
    parts = [
        "<div",
        f' id="{_e(box_id)}"' if box_id else "",
        f' class="{_e(css)}"' if css else "",
        ">",
    ]
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{_e(group)}</label>")
        parts.extend(f"<div>\n    {_option(option)}</div>" for option in options)
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>\n")
    return "".join(parts)


def _choice_inputs(widget: Mapping[str, Any]) -> str:  # checkbox_select.html, radio.html
    return _multiple_input(widget) + "\n"


_INPUTS = [
    "checkbox",
    "color",
    "date",
    "datetime",
    "email",
    "hidden",
    "number",
    "password",
    "search",
    "tel",
    "text",
    "time",
    "url",
]

RENDERERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    **{f"{WIDGETS}{kind}.html": _input_kind for kind in _INPUTS},
    WIDGETS + "input.html": _input,
    WIDGETS + "select.html": _select,
    WIDGETS + "checkbox_select.html": _choice_inputs,
    WIDGETS + "radio.html": _choice_inputs,
    WIDGETS + "multiple_input.html": _multiple_input,
}
_WITH_OPTIONS = {
    WIDGETS + name
    for name in ("select.html", "checkbox_select.html", "radio.html", "multiple_input.html")
}


class FastRenderer(DjangoTemplates):
    """``FORM_RENDERER``: the widgets above in Python, everything else through templates."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        render = RENDERERS.get(template_name)
        widget = context.get("widget")
        if render is None or widget is None:
            return super().render(template_name, context, request)
        if template_name in _WITH_OPTIONS and not _options_known(widget):
            return super().render(template_name, context, request)
        # Every value is escaped above; like the templates' renderer, the outer whitespace goes.
        html: SafeString = mark_safe(render(widget).strip())  # noqa: S308
        return html
