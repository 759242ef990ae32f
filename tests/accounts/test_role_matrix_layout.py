"""The role matrix is a grid: every row spans exactly the header's columns, so each control
sits under the role it belongs to (a row with one cell per role once shifted every role's
two-factor choice under its neighbour)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


class _Rows(HTMLParser):
    """Column count (sum of colspans) of each row, and each row's heading text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[Any]] = []  # [section, heading, width]
        self.section = ""
        self._in_th = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("thead", "tbody"):
            self.section = tag
        elif tag == "tr":
            self.rows.append([self.section, "", 0])
        elif tag in ("td", "th") and self.rows:
            self.rows[-1][2] += int(dict(attrs).get("colspan") or 1)
            self._in_th = tag == "th" and not self.rows[-1][1]

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self._in_th = False

    def handle_data(self, data: str) -> None:
        if self._in_th and data.strip():
            self.rows[-1][1] += data.strip()


def test_every_body_row_spans_module_plus_two_columns_per_role(
    client_for: Any, admin_user: Any, roles: dict[str, Any]
) -> None:
    page = client_for(admin_user).get(reverse("accounts:roles"))
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index('role-matrix">')
    table = html[start : html.index("</table>", start)]
    parser = _Rows()
    parser.feed(table)
    width = 1 + 2 * len(roles)
    body = [(heading, cells) for section, heading, cells in parser.rows if section == "tbody"]
    assert body, "the matrix has rows"
    assert "Two-factor sign-in" in dict(body)
    assert [(h, c) for h, c in body if c != width] == []
