"""goAML-structured XML for STR and CTR (the UNODC goAML report schema, as FIU-IND uses it).

Only the elements the report needs are written (data minimisation): names and the client ID
of the subjects, their accounts (kind and currency, our internal number), the transactions'
dates, amounts, channel and counterparties. No PAN, Aadhaar, address, mobile or date of
birth. The mapping of every element to our fields is in docs/goaml.md; the structure is
pinned by tests/cases/test_goaml.py.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone

# Our channels -> goAML transmode codes (the FIU's lookup; "K" cash, "E" electronic ...).
TRANSMODE = {"branch": "K", "atm": "K", "upi": "E", "bank_transfer": "E", "card": "C"}
SUBMISSION_CODE = "E"  # electronic


def _sub(parent: ET.Element, tag: str, text: Any = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = str(text)
    return element


def _header(root: ET.Element, code: str, reference: str) -> None:
    _sub(root, "rentity_id", settings.REPORTING_ENTITY_ID)
    _sub(root, "submission_code", SUBMISSION_CODE)
    _sub(root, "report_code", code)
    _sub(root, "entity_reference", reference)
    _sub(root, "submission_date", timezone.localtime().replace(microsecond=0).isoformat())
    _sub(root, "currency_code_local", settings.BASE_CURRENCY)


def _person(parent: ET.Element, tag: str, customer: Any) -> None:
    person = _sub(parent, tag)
    _sub(person, "first_name", customer.first_name)
    _sub(person, "last_name", customer.last_name or "-")
    ident = _sub(person, "identification")
    _sub(ident, "type", "CLIENT_ID")
    _sub(ident, "number", customer.client_id)


def _reporting_person(root: ET.Element, officer: Any) -> None:
    person = _sub(root, "reporting_person")
    name = (getattr(officer, "display_name", "") or "").split(" ", 1) if officer else ["-"]
    _sub(person, "first_name", name[0] or "-")
    _sub(person, "last_name", name[1] if len(name) > 1 else "-")
    _sub(person, "email", getattr(officer, "email", "") or "-")
    _sub(person, "occupation", "Compliance officer")
    po = _sub(root, "principal_officer")  # FIU-IND asks for the principal officer too
    _sub(po, "name", settings.PRINCIPAL_OFFICER_NAME)
    _sub(po, "designation", settings.PRINCIPAL_OFFICER_DESIGNATION)
    _sub(po, "email", settings.PRINCIPAL_OFFICER_EMAIL)


def _account(parent: ET.Element, tag: str, tx: Any) -> None:
    account = _sub(parent, tag)
    _sub(account, "institution_name", settings.REPORTING_ENTITY_NAME)
    _sub(account, "account", f"{tx.customer.client_id}-{tx.account_id or 0}")
    _sub(account, "currency_code", tx.currency)
    signatory = _sub(account, "signatory")
    _sub(signatory, "is_primary", "true")
    _person(signatory, "t_person", tx.customer)


def _counterparty(parent: ET.Element, tag: str, tx: Any) -> None:
    side = _sub(parent, tag)
    if tx.channel in ("branch", "atm"):
        _sub(side, "funds_code", "K")  # cash
    elif tx.merchant_id:
        entity = _sub(side, "t_entity")
        _sub(entity, "name", tx.merchant.name or tx.merchant.merchant_id)
        _sub(entity, "commercial_name", tx.merchant.merchant_id)
    else:
        _sub(side, "funds_code", "O")  # other: a counterparty we do not hold
    _sub(side, "country", "IN")


def is_inflow(tx: Any) -> bool:
    return tx.type in ("deposit", "refund") or (tx.type == "transfer" and tx.direction == "in")


def _transaction(root: ET.Element, tx: Any) -> None:
    element = _sub(root, "transaction")
    _sub(element, "transactionnumber", tx.external_id)
    _sub(element, "internal_ref_number", tx.pk)
    _sub(element, "transaction_location", tx.get_channel_display() or "-")
    _sub(
        element,
        "date_transaction",
        timezone.localtime(tx.occurred_at).replace(microsecond=0).isoformat(),
    )
    _sub(element, "transmode_code", TRANSMODE.get(tx.channel, "O"))
    _sub(element, "amount_local", f"{tx.amount_base:.2f}")
    if is_inflow(tx):
        _counterparty(element, "t_from", tx)
        to = _sub(element, "t_to_my_client")
        _account(to, "to_account", tx)
        _sub(to, "to_country", "IN")
    else:
        source = _sub(element, "t_from_my_client")
        _account(source, "from_account", tx)
        _sub(source, "from_country", "IN")
        _counterparty(element, "t_to", tx)


def _involved(root: ET.Element, customers: Iterable[Any], role: str) -> None:
    activity = _sub(root, "activity")
    parties = _sub(activity, "report_parties")
    for customer in customers:
        party = _sub(parties, "report_party")
        _person(party, "person", customer)
        _sub(party, "significance", role)


def to_bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def str_xml(report: Any, transactions: list[Any], subjects: list[Any]) -> bytes:
    root = ET.Element("report")
    _header(root, "STR", report.number)
    _reporting_person(root, report.prepared_by)
    _sub(root, "reason", report.grounds)
    _sub(
        root,
        "action",
        f"Case {report.case.number}; suspicion concluded "
        f"{report.suspicion_concluded_on.isoformat()}",
    )
    for tx in transactions:
        _transaction(root, tx)
    _involved(root, subjects, "subject")
    indicators = _sub(root, "report_indicators")
    _sub(indicators, "indicator", "STR")
    return to_bytes(root)


def ctr_xml(rows: list[Any], officer: Any) -> bytes:
    """One CTR file for a month: every reportable customer's cash transactions."""
    root = ET.Element("report")
    month = rows[0].month if rows else timezone.localdate().replace(day=1)
    _header(root, "CTR", f"CTR-{month:%Y-%m}")
    _reporting_person(root, officer)
    _sub(
        root,
        "reason",
        f"Cash transactions above {settings.CTR_THRESHOLD} {settings.BASE_CURRENCY} "
        f"in {month:%B %Y}",
    )
    for row in rows:
        for tx in row.transactions.all():
            _transaction(root, tx)
    _involved(root, [row.customer for row in rows], "cash")
    indicators = _sub(root, "report_indicators")
    _sub(indicators, "indicator", "CTR")
    return to_bytes(root)
