"""PDF of an STR or a month's CTR for the file (WeasyPrint; fonts and CSS are local)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=None).write_pdf()  # type: ignore[no-any-return]
