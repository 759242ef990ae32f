"""Tipping-off: the fact of an STR or an investigation is never disclosed to its subject."""

from __future__ import annotations

import re

from django.apps import apps

from clientdesk.privacy import disclosure

# Names of models that would record a suspicion reported or investigated.
SUSPICION = re.compile(r"(suspicious|\bstr\b|strreport|regulatoryreport|^case$|investigation)")


def test_every_suspicion_model_is_declared_excluded() -> None:
    for model in apps.get_models():
        name = model._meta.model_name
        if SUSPICION.search(name):
            assert not disclosure.is_disclosable(model), (
                f"{model._meta.label} looks like an STR or a case: declare it with "
                "privacy.disclosure.exclude(...)"
            )


def test_the_reserved_labels_are_excluded_and_ordinary_data_is_not() -> None:
    assert not disclosure.is_disclosable("cases.Case")
    assert not disclosure.is_disclosable("cases.SuspiciousTransactionReport")
    assert disclosure.is_disclosable("tickets.ticket")
    assert disclosure.is_disclosable(apps.get_model("customers", "Customer"))
    assert all(reason for reason in disclosure.excluded().values())
