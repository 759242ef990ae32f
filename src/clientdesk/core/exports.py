"""What every CSV export writes into a cell: never a live spreadsheet formula.

OWASP's CSV-injection rule: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return is read by Excel, LibreOffice and Google Sheets as a formula (or DDE
command), so it is written with a leading single quote: ``=HYPERLINK(...)`` becomes
``'=HYPERLINK(...)``. The spreadsheet then shows the text as typed.

Numbers are not text: an ``int``, ``float`` or ``Decimal`` cell is written as it is, and so
is a string that is nothing but a plain signed decimal number (``-500.00``, ``+919876543210``
as a mobile number): such a cell cannot call a function or reach another cell, and quoting
it would turn an amount into text in every spreadsheet (decision of 2026-12-07,
docs/decisions.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER_RE = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def safe_cell(value: Any) -> Any:
    """The value as a CSV/XLSX cell: text that a spreadsheet would run gets a leading ``'``."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _PLAIN_NUMBER_RE.fullmatch(value):
        return value
    return "'" + value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]
