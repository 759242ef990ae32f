"""CSV formula injection: every export neutralises text a spreadsheet would run."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from factories import make_customer

from clientdesk.core.exports import safe_cell
from clientdesk.core.views import stream_csv
from clientdesk.customers.models import Customer


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-", "'-"),
        ("Asha Verma", "Asha Verma"),
        ("", ""),
        ("a=b", "a=b"),  # only the first character matters
        # Plain numbers stay numbers: an amount, a signed amount, a mobile in E.164.
        ("-500.00", "-500.00"),
        ("+919876543210", "+919876543210"),
        ("1234", "1234"),
        (Decimal("-500.00"), Decimal("-500.00")),
        (-3, -3),
        (None, None),
    ],
)
def test_safe_cell(value: Any, expected: Any) -> None:
    assert safe_cell(value) == expected


def _rows(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_stream_csv_quotes_formulas_and_keeps_numbers() -> None:
    response = stream_csv(
        "x.csv", ["Name", "Amount"], [["=1+1", Decimal("-500.00")], ["@A1", "-12.50"]]
    )
    assert _rows(response) == [["Name", "Amount"], ["'=1+1", "-500.00"], ["'@A1", "-12.50"]]


@pytest.mark.django_db
def test_customer_export_neutralises_names(admin_user: Any, client_for: Any) -> None:
    customer = make_customer(actor=admin_user, first_name="Evil")
    # As an import or an older version could have stored it: straight into the row.
    Customer.objects.filter(pk=customer.pk).update(
        first_name='=HYPERLINK("http://evil.example","Click")', last_name="@SUM(1+1)"
    )
    response = client_for(admin_user).get("/customers/", {"export": "csv"})
    rows = _rows(response)
    header, row = rows[0], next(r for r in rows[1:] if r[0] == customer.client_id)
    assert row[header.index("First name")] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row[header.index("Last name")] == "'@SUM(1+1)"
    assert row[header.index("Mobile")].startswith("+91")  # a number, left as it is
    assert row[header.index("Transaction volume")] == "0.00"
    assert not any(cell.startswith(("=", "@")) for r in rows for cell in r)


@pytest.mark.django_db
def test_every_list_export_goes_through_the_shared_writer(admin_user: Any, client_for: Any) -> None:
    """Each list page's export uses core.views.stream_csv (and so safe_row)."""
    from clientdesk.core import views as core_views

    calls: list[int] = []
    original = core_views.safe_row

    def counting(row: Any) -> list[Any]:
        calls.append(1)
        return original(row)

    core_views.safe_row = counting  # type: ignore[assignment]
    try:
        client = client_for(admin_user)
        for url in ("/customers/", "/leads/", "/tickets/", "/calls/", "/kyc/"):
            calls.clear()
            response = client.get(url, {"export": "csv"})
            assert response.status_code == 200, url
            b"".join(response.streaming_content)
            assert calls, f"{url} does not export through stream_csv"
    finally:
        core_views.safe_row = original  # type: ignore[assignment]
