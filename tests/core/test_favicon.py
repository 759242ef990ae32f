"""Every page, signed in or public, names the icon; /favicon.ico leads to it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pdf_templates import PDF_ONLY

HEAD = re.compile(r"<head[\s>]")
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "clientdesk" / "templates"


def _documents() -> list[Path]:
    return [
        p
        for p in TEMPLATES.rglob("*.html")
        if HEAD.search(p.read_text(encoding="utf-8"))
        and str(p.relative_to(TEMPLATES)) not in PDF_ONLY
    ]


@pytest.mark.parametrize("path", _documents(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_html_document_template_has_an_icon(path: Path) -> None:
    assert 'rel="icon"' in path.read_text(encoding="utf-8") or "core/_favicon.html" in (
        path.read_text(encoding="utf-8")
    )


@pytest.mark.django_db
def test_favicon_ico_redirects_anonymous_visitors_to_the_svg(client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith(".svg")


@pytest.mark.django_db
def test_the_public_survey_page_names_the_icon(client) -> None:
    from django.template.loader import render_to_string

    html = render_to_string("tickets/_public_base.html", {})
    assert 'rel="icon"' in html and "favicon" in html
