"""Deadline arithmetic with Indian working days, CTR aggregation, goAML structure."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from clientdesk.cases import calendar, goaml, services
from clientdesk.cases.models import CashTransactionReport

from .conftest import active, add_tx

IST = ZoneInfo("Asia/Kolkata")


# --- deadlines ---------------------------------------------------------------------------


def test_seven_working_days_skip_weekends():
    # Mon 7 Dec 2026 -> Tue 15 Dec 2026 (no holidays between)
    assert calendar.str_due_on(dt.date(2026, 12, 7)) == dt.date(2026, 12, 16)


def test_public_holidays_are_not_working_days():
    # Concluded Wed 20 Jan 2027: Republic Day (Tue 26 Jan) is skipped -> Fri 29 Jan... counted:
    # 21 Thu, 22 Fri, 25 Mon, 27 Wed, 28 Thu, 29 Fri, 1 Feb Mon
    assert not calendar.is_working_day(dt.date(2027, 1, 26))
    assert calendar.str_due_on(dt.date(2027, 1, 20)) == dt.date(2027, 2, 1)


def test_configured_extra_holidays_count(settings):
    settings.CASES_EXTRA_HOLIDAYS = ["2026-12-08"]
    assert calendar.str_due_on(dt.date(2026, 12, 7)) == dt.date(2026, 12, 17)


def test_christmas_and_weekend_around_year_end():
    # Thu 24 Dec 2026: 25 Fri holiday, 26-27 weekend; 28,29,30,31,1 Jan,4,5
    assert calendar.str_due_on(dt.date(2026, 12, 24)) == dt.date(2027, 1, 5)


def test_working_days_between_is_signed():
    assert calendar.working_days_between(dt.date(2026, 12, 7), dt.date(2026, 12, 16)) == 7
    assert calendar.working_days_between(dt.date(2026, 12, 16), dt.date(2026, 12, 7)) == -7


def test_ctr_is_due_the_fifteenth_of_next_month():
    assert calendar.ctr_due_on(dt.date(2026, 12, 1)) == dt.date(2027, 1, 15)
    assert calendar.ctr_due_on(dt.date(2026, 1, 1)) == dt.date(2026, 2, 15)


# --- CTR -----------------------------------------------------------------------------------


def at(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=IST)


@pytest.mark.django_db
def test_exactly_ten_lakh_is_not_above(admin_user):
    exact, above = active(admin_user), active(admin_user)
    add_tx(admin_user, exact, "1000000.00", at(dt.date(2026, 11, 10)))
    add_tx(admin_user, above, "1000000.01", at(dt.date(2026, 11, 10)))
    rows = services.compute_ctr(dt.date(2026, 11, 1))
    assert [r.customer_id for r in rows] == [above.pk]
    assert rows[0].single_above and rows[0].due_on == dt.date(2026, 12, 15)


@pytest.mark.django_db
def test_a_connected_series_in_the_month_adds_up(admin_user):
    who = active(admin_user)
    for day in (3, 12, 25):
        add_tx(admin_user, who, "400000.00", at(dt.date(2026, 11, day)))
    add_tx(admin_user, who, "900000.00", at(dt.date(2026, 11, 5)), channel="upi")  # not cash
    (row,) = services.compute_ctr(dt.date(2026, 11, 1))
    assert row.total == Decimal("1200000.00") and row.count == 3 and not row.single_above


@pytest.mark.django_db
def test_the_month_is_the_firms_time_zone(admin_user, settings):
    settings.TIME_ZONE = "Asia/Kolkata"
    who = active(admin_user)
    # 30 Nov 23:45 IST is 18:15 UTC, inside November; 1 Dec 00:15 IST is 30 Nov 18:45 UTC,
    # which a UTC month would put in November too.
    add_tx(admin_user, who, "600000.00", at(dt.date(2026, 11, 30), 23, 45))
    add_tx(admin_user, who, "600000.00", at(dt.date(2026, 12, 1), 0, 15))
    assert services.compute_ctr(dt.date(2026, 11, 1)) == []
    assert services.compute_ctr(dt.date(2026, 12, 1)) == []
    add_tx(admin_user, who, "500000.00", at(dt.date(2026, 11, 1), 0, 5))  # 31 Oct UTC
    (row,) = services.compute_ctr(dt.date(2026, 11, 1))
    assert row.total == Decimal("1100000.00")


@pytest.mark.django_db
def test_recompute_keeps_reviewed_rows(admin_user, compliance):
    who = active(admin_user)
    add_tx(admin_user, who, "1500000.00", at(dt.date(2026, 10, 2)))
    (row,) = services.compute_ctr(dt.date(2026, 10, 1))
    services.review_ctr(row, actor=compliance)
    assert services.compute_ctr(dt.date(2026, 10, 1)) == []
    row.refresh_from_db()
    assert row.status == "reviewed"
    services.file_ctr(row, actor=compliance, acknowledgement="CTR-ACK")
    assert CashTransactionReport.objects.get().status == "filed"


# --- goAML ----------------------------------------------------------------------------------

HEADER = [
    "rentity_id",
    "submission_code",
    "report_code",
    "entity_reference",
    "submission_date",
    "currency_code_local",
    "reporting_person",
    "principal_officer",
    "reason",
]
TRANSACTION = [
    "transactionnumber",
    "internal_ref_number",
    "transaction_location",
    "date_transaction",
    "transmode_code",
    "amount_local",
]


@pytest.mark.django_db
def test_str_xml_structure(admin_user, compliance):
    who = active(admin_user)
    deposit = add_tx(admin_user, who, "950000.00", at(dt.date(2026, 11, 3)))
    withdrawal = add_tx(
        admin_user, who, "100.00", at(dt.date(2026, 11, 4)), type="withdrawal", channel="atm"
    )
    case = services.open_case(who, actor=compliance)
    case.transactions.add(deposit, withdrawal)
    report = services.prepare_str(case, actor=compliance, grounds="Structuring below limits")
    txs = [deposit, withdrawal]
    root = ET.fromstring(goaml.str_xml(report, txs, [who]))
    assert root.tag == "report"
    assert [c.tag for c in root][: len(HEADER)] == HEADER
    assert root.findtext("report_code") == "STR"
    assert root.findtext("reason") == "Structuring below limits"
    assert [p.tag for p in root.find("reporting_person")] == [
        "first_name", "last_name", "email", "occupation",
    ]  # fmt: skip
    transactions = root.findall("transaction")
    assert len(transactions) == 2
    first, second = transactions
    assert [c.tag for c in first][: len(TRANSACTION)] == TRANSACTION
    assert [c.tag for c in first][len(TRANSACTION) :] == ["t_from", "t_to_my_client"]
    assert [c.tag for c in second][len(TRANSACTION) :] == ["t_from_my_client", "t_to"]
    account = first.find("t_to_my_client/to_account")
    assert [c.tag for c in account] == ["institution_name", "account", "currency_code", "signatory"]
    person = account.find("signatory/t_person")
    assert [c.tag for c in person] == ["first_name", "last_name", "identification"]
    assert first.findtext("transmode_code") == "K" and first.findtext("amount_local") == "950000.00"
    party = root.find("activity/report_parties/report_party")
    assert party.findtext("person/identification/number") == who.client_id
    # Data minimisation: none of the customer's identifiers or contact details.
    text = ET.tostring(root, encoding="unicode")
    for secret in (who.mobile, who.email):
        assert not secret or secret not in text
    assert "pan" not in {e.tag for e in root.iter()}


@pytest.mark.django_db
def test_ctr_xml_lists_every_reportable_transaction(admin_user, compliance):
    who = active(admin_user)
    add_tx(admin_user, who, "1100000.00", at(dt.date(2026, 9, 3)))
    rows = services.compute_ctr(dt.date(2026, 9, 1))
    root = ET.fromstring(goaml.ctr_xml(rows, compliance))
    assert root.findtext("report_code") == "CTR"
    assert root.findtext("entity_reference") == "CTR-2026-09"
    assert len(root.findall("transaction")) == 1
