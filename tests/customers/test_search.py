"""Customer search on both engines: prefixes, substrings, mobile suffix, client ID, hashes."""

from __future__ import annotations

from typing import Any

import pytest
from factories import SAMPLE_AADHAAR, SAMPLE_PAN, SAMPLE_PASSPORT, make_customer

from clientdesk.core.search import registry
from clientdesk.customers import services
from clientdesk.customers.lookup import identifier_hashes
from clientdesk.customers.models import Customer
from clientdesk.customers.search import CustomerSearch, filter_customers, search_q

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(admin_user: Any, customer: Customer) -> dict[str, Customer]:
    """The sample customer (Asha Verma, +919876543210) and three others."""
    return {
        "asha": customer,
        "ravi": make_customer(
            actor=admin_user,
            first_name="Ravi",
            last_name="Shankar",
            mobile="9812345678",
            email="ravi@example.org",
        ),
        "meera": make_customer(
            actor=admin_user, first_name="Meera", last_name="Ashok", email="meera.ashok@example.net"
        ),
        "vermaji": make_customer(actor=admin_user, first_name="Kamal", last_name="Vermani"),
    }


def found(term: str, hashes: list[str] | None = None) -> set[str]:
    query = search_q(term, hashes or ())
    names = Customer.objects.filter(query).values_list("first_name", flat=True)
    return {name.lower() for name in names}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("as", {"asha"}),  # 2 letters: name prefix only
        ("Ash", {"asha", "meera"}),  # prefix of Asha, inside "meera ashok"
        ("asha v", {"asha"}),
        ("ASHA VERMA", {"asha"}),
        ("verm", {"asha", "kamal"}),  # substring of the last name
        ("shank", {"ravi"}),
        ("ra sh", set()),
    ],
)
def test_name_prefix_and_substring(
    people: dict[str, Customer], term: str, expected: set[str]
) -> None:
    assert found(term) == expected


@pytest.mark.parametrize("term", ["3210", "43210", "98765 43210", "+91 98765 43210", "876"])
def test_mobile_digits(people: dict[str, Customer], term: str) -> None:
    assert found(term) == {"asha"}


def test_alternative_mobile(admin_user: Any, people: dict[str, Customer]) -> None:
    services.update_customer(people["ravi"], actor=admin_user, data={"alt_mobile": "9811122233"})
    assert found("2233") == {"ravi"}


def test_client_id(people: dict[str, Customer]) -> None:
    target = people["meera"]
    assert found(target.client_id) == {"meera"}
    assert found(target.client_id.lower()) == {"meera"}
    assert found(target.client_id[:3]) == {"asha", "ravi", "meera", "kamal"}


@pytest.mark.parametrize("term", ["ravi@example.org", "RAVI@EXAMPLE.ORG", "example.org", "ravi@"])
def test_email(people: dict[str, Customer], term: str) -> None:
    assert found(term) == {"ravi"}


@pytest.mark.parametrize(
    "term",
    [
        SAMPLE_PAN,
        SAMPLE_PAN.lower(),
        SAMPLE_AADHAAR,
        f"{SAMPLE_AADHAAR[:4]} {SAMPLE_AADHAAR[4:8]} {SAMPLE_AADHAAR[8:]}",
        SAMPLE_PASSPORT,
    ],
)
def test_exact_identifiers_through_hashes(people: dict[str, Customer], term: str) -> None:
    assert found(term, identifier_hashes(term)) == {"asha"}
    assert found(term) == set()  # without a lookup's hashes (a GET search): never


def test_identifier_fragments_find_nothing(people: dict[str, Customer]) -> None:
    assert found(SAMPLE_PAN[:9], identifier_hashes(SAMPLE_PAN[:9])) == set()
    assert found(SAMPLE_AADHAAR[:10], identifier_hashes(SAMPLE_AADHAAR[:10])) == set()


def test_index_follows_edits(admin_user: Any, people: dict[str, Customer]) -> None:
    services.update_customer(people["ravi"], actor=admin_user, data={"last_name": "Iyer"})
    assert found("shank") == set()
    assert found("iyer") == {"ravi"}
    assert found("ravi i") == {"ravi"}


@pytest.mark.parametrize(
    "term", ['"', '""', "a'b", "*", "OR", "NEAR(", "ash*", "%", "_", "\\", "-", "(((", "^as"]
)
def test_odd_terms_do_not_break(people: dict[str, Customer], term: str) -> None:
    list(Customer.objects.filter(search_q(term)))


def test_filter_customers_ignores_blank(people: dict[str, Customer]) -> None:
    queryset = Customer.objects.all()
    assert filter_customers(queryset, "   ").count() == 4


def test_universal_search_provider(people: dict[str, Customer], support_user: Any) -> None:
    hits = CustomerSearch().search(support_user, "verma", limit=8)
    assert [h.title for h in hits] == ["Asha Verma", "Kamal Vermani"]
    assert hits[0].matched == "Name"
    assert hits[0].url == f"/customers/{people['asha'].pk}/"
    assert hits[0].badge == "Pending"
    assert SAMPLE_PAN not in str(hits)

    by_id = CustomerSearch().search(support_user, people["ravi"].client_id, limit=8)
    assert [h.matched for h in by_id] == ["Client ID"]
    by_mobile = CustomerSearch().search(support_user, "3210", limit=8)
    assert [h.matched for h in by_mobile] == ["Mobile"]
    by_pan = CustomerSearch().search(
        support_user, SAMPLE_PAN, limit=8, hashes=identifier_hashes(SAMPLE_PAN)
    )
    assert [h.matched for h in by_pan] == ["Identifier"]
    assert CustomerSearch().search(support_user, SAMPLE_PAN, limit=8) == []


def test_universal_search_respects_access(people: dict[str, Customer], user_factory: Any) -> None:
    nobody = user_factory(None)
    assert registry.search(nobody, "verma") == []
    assert CustomerSearch().search(nobody, "verma", limit=8) == []


def test_universal_search_limit(admin_user: Any, support_user: Any) -> None:
    for _ in range(5):
        make_customer(actor=admin_user, first_name="Zara", last_name="Khan")
    hits = CustomerSearch().search(support_user, "zara", limit=3)
    assert len(hits) == 3
