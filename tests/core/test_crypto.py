"""Field encryption at rest, key rotation and keyed-hash exact search."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from factories import (
    SAMPLE_AADHAAR,
    SAMPLE_BANK_ACCOUNT,
    SAMPLE_PAN,
    SAMPLE_PASSPORT,
    make_customer,
)

from clientdesk.core import crypto
from clientdesk.core.models import AuditEvent
from clientdesk.customers.lookup import identifier_hashes
from clientdesk.customers.models import Customer
from clientdesk.customers.search import search_q

pytestmark = pytest.mark.django_db

CLEAR_VALUES = (SAMPLE_PAN, SAMPLE_AADHAAR, SAMPLE_PASSPORT, SAMPLE_BANK_ACCOUNT, "1990-01-01")
RAW_SQL = (
    "SELECT pan, aadhaar, id_number, bank_account_number, date_of_birth "
    "FROM customers_customer WHERE id = %s"
)


def raw_row(pk: int) -> tuple[str, ...]:
    with connection.cursor() as cursor:
        cursor.execute(RAW_SQL, [pk])
        return cursor.fetchone()


def test_round_trip() -> None:
    token = crypto.encrypt("ABCPE1234F")
    assert token != "ABCPE1234F" and "ABCPE1234F" not in token
    assert crypto.decrypt(token) == "ABCPE1234F"
    assert crypto.encrypt("ABCPE1234F") != token  # random IV: equal values look different


def test_raw_columns_hold_only_tokens(customer: Customer) -> None:
    row = raw_row(customer.pk)
    for stored, clear in zip(row, CLEAR_VALUES, strict=True):
        assert stored and stored.startswith("gAAAA"), stored
        assert clear not in stored
        assert crypto.decrypt(stored) == clear


def test_empty_values_stay_empty(admin_user: Any) -> None:
    customer = make_customer(
        actor=admin_user, aadhaar="", bank_account_number="", date_of_birth=None
    )
    pan, aadhaar, _, bank, dob = raw_row(customer.pk)
    assert pan.startswith("gAAAA")
    assert (aadhaar, bank, dob) == ("", "", None)
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.aadhaar, fresh.bank_account_number, fresh.date_of_birth) == ("", "", None)


def test_model_reads_clear_values(customer: Customer) -> None:
    fresh = Customer.objects.get(pk=customer.pk)
    assert fresh.pan == SAMPLE_PAN
    assert fresh.aadhaar == SAMPLE_AADHAAR
    assert fresh.id_number == SAMPLE_PASSPORT
    assert fresh.bank_account_number == SAMPLE_BANK_ACCOUNT
    assert fresh.date_of_birth == dt.date(1990, 1, 1)


def test_hash_columns_are_keyed(customer: Customer) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pan_hash, aadhaar_hash, id_number_hash FROM customers_customer WHERE id = %s",
            [customer.pk],
        )
        pan_hash, aadhaar_hash, id_hash = cursor.fetchone()
    assert pan_hash == crypto.keyed_hash("pan", SAMPLE_PAN)
    assert aadhaar_hash == crypto.keyed_hash("aadhaar", SAMPLE_AADHAAR)
    assert id_hash == crypto.keyed_hash("id_number", SAMPLE_PASSPORT)
    # Not a plain digest anyone could compute from a guessed PAN.
    assert pan_hash != hashlib.sha256(SAMPLE_PAN.encode()).hexdigest()
    assert pan_hash != hashlib.sha256(f"pan:{SAMPLE_PAN}".encode()).hexdigest()
    # The kind keeps equal values of different identifiers apart.
    assert crypto.keyed_hash("pan", "X") != crypto.keyed_hash("id_number", "X")


def _text_columns() -> list[tuple[str, str]]:
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table.startswith("customers_customer_fts"):
                # SQLite FTS shadow tables; their content is searched through the main one.
                continue
            for col in connection.introspection.get_table_description(cursor, table):
                found.append((table, col.name))
    return found


def test_no_table_holds_a_clear_identifier(customer: Customer, admin_user: Any) -> None:
    """Every column of every table (audit, activities, search index ...) stays clean."""
    from clientdesk.customers import services

    services.update_customer(customer, actor=admin_user, data={"pan": "ZZZPZ9876Y"})
    services.reveal(customer, actor=admin_user, field="aadhaar")
    qn = connection.ops.quote_name
    leaks = []
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            cursor.execute(f"SELECT {qn(column)} FROM {qn(table)}")
            for (value,) in cursor.fetchall():
                text = value if isinstance(value, str) else str(value)
                for clear in (*CLEAR_VALUES, "ZZZPZ9876Y"):
                    if clear in text:
                        leaks.append((table, column, clear))
    assert leaks == []


@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite dump: SQLite only",
)
def test_sqlite_dump_holds_no_clear_identifier(customer: Customer) -> None:
    """The whole (in-memory) test database as SQL text, FTS shadow tables included."""
    dump = "\n".join(connection.connection.iterdump())
    assert customer.client_id in dump  # the dump holds the test's own rows
    for clear in CLEAR_VALUES:
        assert clear not in dump, clear


@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="database file bytes: SQLite only",
)
def test_sqlite_database_file_holds_no_clear_identifier(
    customer: Customer, admin_user: Any, tmp_path: Path
) -> None:
    """The database as it would lie on disk (sqlite3_serialize): grep the file's bytes.

    The test database is in memory and inside the test's transaction, so VACUUM INTO and
    the backup API cannot copy it; serialize() gives the same bytes a file would hold.
    """
    from clientdesk.customers import services

    services.update_customer(customer, actor=admin_user, data={"pan": "ZZZPZ9876Y"})
    target = tmp_path / "copy.sqlite3"
    target.write_bytes(connection.connection.serialize())
    data = target.read_bytes()
    assert data.startswith(b"SQLite format 3")
    assert customer.client_id.encode() in data  # the file holds the test's own rows
    assert b"asha verma" in data
    for clear in (*CLEAR_VALUES, "ZZZPZ9876Y"):
        assert clear.encode() not in data, clear


# --- key rotation ------------------------------------------------------------------------


def test_key_rotation(customer: Customer, admin_user: Any, settings: Any) -> None:
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    other = make_customer(actor=admin_user)
    before = raw_row(customer.pk)

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    out = StringIO()
    call_command("rotate_field_keys", "--batch", "1", stdout=out)
    assert "customers.Customer: 2 rows re-encrypted" in out.getvalue()

    after = raw_row(customer.pk)
    new_only = Fernet(new_key.encode())
    for old_token, new_token, clear in zip(before, after, CLEAR_VALUES, strict=True):
        assert new_token != old_token
        assert new_only.decrypt(new_token.encode()).decode() == clear

    event = AuditEvent.objects.filter(action="key_rotation").get()
    assert event.changes == {"rows": 2, "file_keys": 0}  # no stored files here
    assert event.source == "cli"

    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key can now go
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.pan, fresh.aadhaar, fresh.date_of_birth) == (
        SAMPLE_PAN,
        SAMPLE_AADHAAR,
        dt.date(1990, 1, 1),
    )
    assert Customer.objects.get(pk=other.pk).pan == other.pan
    # Hashes do not depend on the encryption key: exact search still works.
    by_pan = search_q(SAMPLE_PAN, identifier_hashes(SAMPLE_PAN))
    assert list(Customer.objects.filter(by_pan)) == [fresh]


def test_missing_key_is_a_clear_configuration_error(customer: Customer, settings: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        Customer.objects.get(pk=customer.pk)


def test_new_writes_use_the_first_key(settings: Any, admin_user: Any) -> None:
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    customer = make_customer(actor=admin_user)
    Fernet(new_key.encode()).decrypt(raw_row(customer.pk)[0].encode())


# --- exact search through keyed hashes ---------------------------------------------------


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
def test_exact_search_by_identifier(customer: Customer, admin_user: Any, term: str) -> None:
    make_customer(actor=admin_user)
    assert list(Customer.objects.filter(search_q(term, identifier_hashes(term)))) == [customer]


def test_partial_identifier_finds_nothing(customer: Customer) -> None:
    partial = SAMPLE_PAN[:8]
    assert not Customer.objects.filter(search_q(partial, identifier_hashes(partial))).exists()
