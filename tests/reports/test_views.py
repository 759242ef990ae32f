"""Report pages, downloads and the API: permissions per role, exports parsed back, audit,
query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from factories import make_customer
from openpyxl import load_workbook
from pypdf import PdfReader

from clientdesk.core.models import AuditEvent
from clientdesk.reports.catalogue import catalogue

pytestmark = pytest.mark.django_db
MARCH = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}
READERS = {"manager", "compliance", "admin"}


@pytest.fixture
def march(settings: Any, admin_user: Any) -> None:
    settings.TIME_ZONE = "Asia/Kolkata"
    for day, city in ((3, "Pune"), (3, "Pune"), (20, "Mumbai")):
        when = dt.datetime(2026, 3, day, 6, 0, tzinfo=dt.UTC)
        make_customer(actor=admin_user, city=city, created_at=when)


@pytest.mark.parametrize("role", ["sales", "support", "manager", "compliance", "admin"])
def test_each_role(
    role: str, users_by_role: dict[str, Any], client_for: Any, api_client_for: Any
) -> None:
    user = users_by_role[role]
    want = 200 if role in READERS else 403
    assert client_for(user).get("/reports/").status_code == want
    for name in catalogue():
        assert client_for(user).get(f"/reports/{name}/").status_code == want
        assert client_for(user).get(f"/reports/{name}/export/csv/").status_code == want
        assert api_client_for(user).get(f"/api/v1/reports/{name}/").status_code == want


def test_the_sidebar_shows_reports_to_readers(
    client_for: Any, manager: Any, sales_user: Any
) -> None:
    assert b'href="/reports/"' in client_for(manager).get("/").content
    assert b'href="/reports/"' not in client_for(sales_user).get("/").content


def test_page_links_every_figure(march: None, client_for: Any, manager: Any) -> None:
    page = client_for(manager).get("/reports/registration/", {**MARCH, "group": "city"})
    body = page.content.decode()
    assert page.status_code == 200
    assert (
        "/customers/?created_after=2026-03-01&amp;created_before=2026-03-31&amp;city=Pune" in body
    )
    assert "<svg" in body


def test_an_invalid_range_is_explained(client_for: Any, manager: Any, api_client_for: Any) -> None:
    bad = {"period": "custom", "start": "2026-03-10", "end": "2026-03-01"}
    page = client_for(manager).get("/reports/registration/", bad)
    assert page.status_code == 200 and b"before the From date" in page.content
    assert client_for(manager).get("/reports/registration/export/csv/", bad).status_code == 400
    api = api_client_for(manager).get("/api/v1/reports/registration/", bad)
    assert api.status_code == 400 and "end" in str(api.json())
    long = {"period": "custom", "start": "2024-01-01", "end": "2025-12-31", "group": "day"}
    assert b"by week or month" in client_for(manager).get("/reports/activity/", long).content


def test_unknown_report_or_format(client_for: Any, manager: Any) -> None:
    assert client_for(manager).get("/reports/nope/").status_code == 404
    assert client_for(manager).get("/reports/registration/export/doc/").status_code == 404


def _download(client: Any, fmt: str, **extra: str) -> Any:
    response = client.get(f"/reports/registration/export/{fmt}/", {**MARCH, **extra})
    assert response.status_code == 200
    return response


def test_csv_export_parsed_back_and_audited(march: None, client_for: Any, manager: Any) -> None:
    response = _download(client_for(manager), "csv", group="city")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["City", "New customers"]
    assert rows[1][:2] == ["Pune", "2"] and rows[2][:2] == ["Mumbai", "1"]
    assert rows[-1][:2] == ["Total", "3"]
    event = AuditEvent.objects.filter(action="export").latest("seq")
    assert event.object_id == "registration"
    assert event.changes["rows"] == 2 and event.changes["format"] == "csv"
    assert event.changes["filters"]["start"] == "2026-03-01"


def test_xlsx_export_has_typed_cells(march: None, client_for: Any, manager: Any) -> None:
    response = _download(client_for(manager), "xlsx", group="week")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A4"].value == "Week" and sheet["B4"].value == "New customers"
    assert isinstance(sheet["A5"].value, dt.datetime)  # a real date cell
    assert sheet["A5"].value.date() == dt.date(2026, 3, 1)  # the week clamped to the period
    figures = [sheet.cell(row=r, column=2).value for r in range(5, sheet.max_row)]
    assert sum(figures) == 3 and all(isinstance(v, int | float) for v in figures)
    assert sheet.cell(row=sheet.max_row, column=1).value == "Total"
    assert sheet.cell(row=sheet.max_row, column=2).value == 3
    assert sheet.cell(row=sheet.max_row, column=2).number_format == "#,##0"


def test_pdf_export_reads_back(march: None, client_for: Any, manager: Any) -> None:
    response = _download(client_for(manager), "pdf", group="city")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Registration report" in text
    assert "Pune" in text and "Mumbai" in text
    assert "Page 1 of" in text
    assert "Generated by" in text


def test_api_returns_the_page_figures(march: None, api_client_for: Any, manager: Any) -> None:
    data = (
        api_client_for(manager)
        .get("/api/v1/reports/registration/", {**MARCH, "group": "city"})
        .json()
    )
    assert data["period"]["start"] == "2026-03-01" and data["grouping"] == "city"
    assert [c["key"] for c in data["columns"]][:1] == ["customers"]
    assert {r["label"]: r["cells"][0]["value"] for r in data["rows"]} == {"Pune": 2, "Mumbai": 1}
    assert data["totals"][0]["value"] == 3
    assert data["time_zone"] == "Asia/Kolkata"


@pytest.mark.parametrize(
    ("name", "queries"),
    # The request's own (session, user, role) then one GROUP BY per metric; the team report's
    # ticket columns add one total each (a ticket with two assignees counts once).
    [("registration", 9), ("activity", 11), ("compliance", 8), ("team", 14), ("engagement", 8)],
)
def test_report_page_query_count(
    name: str,
    queries: int,
    march: None,
    client_for: Any,
    manager: Any,
    django_assert_num_queries: Any,
) -> None:
    client = client_for(manager)
    client.get(f"/reports/{name}/")  # warm the session
    with django_assert_num_queries(queries):
        assert client.get(f"/reports/{name}/", MARCH).status_code == 200
