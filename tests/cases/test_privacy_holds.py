"""An open case or an unfiled STR holds off erasure; the records are never disclosed."""

from __future__ import annotations

import pytest

from clientdesk.cases import services
from clientdesk.privacy import disclosure, holds

pytestmark = pytest.mark.django_db


def codes(customer) -> set[str]:
    return {h.code for h in holds.erasure_holds(customer)}


def test_an_open_case_and_an_unfiled_str_hold_off_erasure(officer, officer2, subject):
    assert not codes(subject) & {"open_case", "open_regulatory_report"}
    case = services.open_case(subject, actor=officer, priority="low")
    assert "open_case" in codes(subject)
    report = services.prepare_str(case, actor=officer, grounds="Cash structuring")
    assert {"open_case", "open_regulatory_report"} <= codes(subject)
    services.close_case(case, actor=officer, outcome="reported", conclusion="Filed", report=report)
    assert "open_case" not in codes(subject)
    assert "open_regulatory_report" in codes(subject)  # until the STR is filed


def test_case_records_are_never_disclosed():
    for label in (
        "cases.case",
        "cases.caseevent",
        "cases.suspicioustransactionreport",
        "cases.cashtransactionreport",
    ):
        assert not disclosure.is_disclosable(label), label
