"""Test data: users with a default role, and customers registered through the service.

Customers are never made with ``Customer.objects.create``: ``make_customer`` goes through
``services.register_customer`` so every test customer has a client ID, hashes, an audit
record and a "created" activity, exactly like a real one.
"""

from __future__ import annotations

import datetime as dt
import itertools
import string
from typing import Any

import factory
from django.contrib.auth import get_user_model
from stdnum import verhoeff

from clientdesk.accounts.models import Role
from clientdesk.customers import services
from clientdesk.customers.models import Customer, Status

PASSWORD = "correct horse battery staple"

_numbers = itertools.count(1)


def with_verhoeff(base: str) -> str:
    """``base`` followed by its Verhoeff check digit (a valid Aadhaar for an 11-digit base)."""
    return base + str(verhoeff.calc_check_digit(base))


# The one fixed, valid Indian customer used by tests that need exact values.
SAMPLE_MOBILE = "9876543210"
SAMPLE_MOBILE_E164 = "+919876543210"
SAMPLE_PAN = "ABCPE1234F"  # 4th character P: an individual
SAMPLE_AADHAAR = with_verhoeff("23412341234")
SAMPLE_PASSPORT = "J8369854"
SAMPLE_BANK_ACCOUNT = "123456789012"
SAMPLE_DOB = dt.date(1990, 1, 1)


def valid_customer_data() -> dict[str, Any]:
    """A complete, valid registration for an Indian individual."""
    return {
        "first_name": "Asha",
        "last_name": "Verma",
        "date_of_birth": SAMPLE_DOB,
        "gender": "female",
        "marital_status": "single",
        "mobile": SAMPLE_MOBILE,
        "alt_mobile": "",
        "email": "asha.verma@example.com",
        "address_line": "12 MG Road",
        "city": "Bengaluru",
        "state": "Karnataka",
        "postal_code": "560001",
        "country": "IN",
        "id_type": "passport",
        "id_number": SAMPLE_PASSPORT,
        "pan": SAMPLE_PAN,
        "aadhaar": SAMPLE_AADHAAR,
        "bank_account_number": SAMPLE_BANK_ACCOUNT,
        "bank_ifsc": "HDFC0001234",
        "bank_name": "HDFC Bank",
        "income_band": "5l_10l",
        "occupation": "Engineer",
        "source_of_funds": "salary",
    }


def _letters(n: int, width: int) -> str:
    out = ""
    for _ in range(width):
        n, rest = divmod(n, 26)
        out = string.ascii_uppercase[rest] + out
    return out


def unique_identifiers(n: int) -> dict[str, str]:
    """Mobile, email, PAN, Aadhaar and passport number that no other ``n`` produces."""
    serial, block = n % 9999 + 1, n // 9999
    return {
        "mobile": f"98{n:08d}",
        "email": f"customer{n}@example.com",
        "pan": f"{_letters(block, 3)}PK{serial:04d}Z",
        "aadhaar": with_verhoeff(f"{50000000000 + n:011d}"),
        "id_type": "passport",
        "id_number": f"K{n:07d}",
    }


def next_number() -> int:
    return next(_numbers)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@clientdesk.test")
    password = factory.django.Password(PASSWORD)
    is_active = True
    is_superuser = False
    is_staff = False
    role = None

    @classmethod
    def with_role(cls, slug: str, **kwargs: Any) -> Any:
        return cls(role=Role.objects.get(slug=slug), **kwargs)


def factory_admin() -> Any:
    """An Admin-role user (not a superuser) used as the default actor."""
    return UserFactory.with_role("admin", username="factory-admin")


_STATUS_PATHS = {
    Status.PENDING: [],
    Status.ACTIVE: [Status.ACTIVE],
    Status.SUSPENDED: [Status.ACTIVE, Status.SUSPENDED],
    Status.BLOCKED: [Status.BLOCKED],
    Status.CLOSED: [Status.CLOSED],
}


def move_to(customer: Customer, status: str, *, actor: Any = None) -> Customer:
    """Walk a fresh (Pending) customer along the transition table to ``status``."""
    actor = actor or factory_admin()
    for step in _STATUS_PATHS[Status(status)]:
        customer = services.change_status(
            customer, actor=actor, to_status=step, reason=f"Test: to {step}"
        )
    return customer


def make_customer(
    *,
    actor: Any = None,
    status: str | None = None,
    created_at: dt.datetime | None = None,
    **overrides: Any,
) -> Customer:
    """Register a valid customer with unique identifiers; ``overrides`` replace fields."""
    actor = actor or factory_admin()
    n = next_number()
    data = valid_customer_data()
    data.update(unique_identifiers(n))
    data["first_name"] = overrides.pop("first_name", f"Test{_letters(n, 4).title()}")
    data.update(overrides)
    customer = services.register_customer(actor=actor, data=data, created_at=created_at)
    if status:
        customer = move_to(customer, status, actor=actor)
    return customer


def profile_tab_counts(user: Any) -> int:
    """Queries the customer profile spends on tab counts for this user: one per visible tab
    that shows a count. Profile query pins add this, so a module that adds a tab moves them
    all at once and on purpose."""
    from clientdesk.customers import tabs

    return sum(1 for tab in tabs.visible_tabs(user) if tab.count is not None)
