"""What an access export must never contain: the tipping-off rule.

PMLA s.66 / FATF Recommendation 21 (and GDPR art. 23 restrictions) forbid telling a person
that a suspicious-transaction report was filed or that an investigation is open about them.
An access request therefore never discloses those records, nor the fact that they exist.

Apps declare here, by model label, what they hold that falls under the rule (``exclude``);
the export (and any future disclosure of a person's data) skips every declared model and
``is_disclosable`` answers for a record. tests/privacy/test_tipping_off.py checks that
every model named like a report, case or STR is declared.
"""

from __future__ import annotations

from typing import Any

_excluded: dict[str, str] = {}


def exclude(model_label: str, reason: str) -> None:
    """Declare a model (``"cases.case"``) never disclosed to the person it is about."""
    _excluded[model_label.lower()] = reason


def excluded() -> dict[str, str]:
    return dict(_excluded)


def is_disclosable(model_or_label: Any) -> bool:
    label = model_or_label if isinstance(model_or_label, str) else model_or_label._meta.label
    return label.lower() not in _excluded


# The investigation and reporting records of the cases app.
exclude("cases.case", "An investigation case: tipping-off is prohibited (PMLA s.66).")
exclude("cases.caseevent", "The timeline and notes of an investigation case (PMLA s.66).")
exclude("cases.suspicioustransactionreport", "An STR filed with FIU-IND (PMLA s.12, s.66).")
exclude("cases.cashtransactionreport", "A cash transaction report to FIU-IND (PMLA s.12).")
exclude(
    "transactions.alert",
    "A monitoring alert may lead to an STR: disclosing it could tip the person off.",
)
