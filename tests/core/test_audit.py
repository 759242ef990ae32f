"""The hash-chained, append-only audit trail: chain, tamper detection, context stamping."""

from __future__ import annotations

import itertools
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from factories import make_customer

from clientdesk.core import audit
from clientdesk.core.models import AuditChainHead, AuditEvent
from clientdesk.customers import services
from clientdesk.customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(admin_user: Any) -> list[AuditEvent]:
    """A few records of different kinds: create, update, status change, reveal."""
    customer = make_customer(actor=admin_user)
    services.update_customer(customer, actor=admin_user, data={"city": "Pune"})
    services.change_status(customer, actor=admin_user, to_status="active", reason="KYC ok")
    services.reveal(customer, actor=admin_user, field="pan")
    audit.record(actor=None, action="login_failed", target=audit.Target("accounts.user", "", "x"))
    found = list(AuditEvent.objects.order_by("seq"))
    assert len(found) >= 5
    return found


def allow_tampering() -> None:
    """Switch off the database guard, as an attacker with DDL rights could (test-local)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks queued on the table block ALTER TABLE: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only"
            )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute("DROP TRIGGER core_auditevent_no_update")
            cursor.execute("DROP TRIGGER core_auditevent_no_delete")


def raw(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- chain -------------------------------------------------------------------------------


def test_chain_verifies(events: list[AuditEvent]) -> None:
    result = audit.verify()
    assert result.ok, result.problem
    assert result.checked == len(events)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash
    assert events[0].prev_hash == audit.GENESIS
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)


def test_verify_on_an_empty_trail() -> None:
    assert audit.verify().ok


def test_small_batches_verify_the_same(events: list[AuditEvent]) -> None:
    assert audit.verify(batch_size=2).checked == len(events)


def test_rolled_back_change_leaves_no_record_and_no_gap(admin_user: Any) -> None:
    make_customer(actor=admin_user)
    count = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=admin_user, action="export")
        raise RuntimeError
    assert AuditEvent.objects.count() == count
    audit.record(actor=admin_user, action="export")
    assert audit.verify().ok


# --- tamper detection --------------------------------------------------------------------


def test_database_refuses_update_and_delete(events: list[AuditEvent]) -> None:
    target = events[1]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=target.pk).update(object_repr="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        raw("DELETE FROM core_auditevent WHERE seq = %s", [target.seq])
    assert AuditEvent.objects.get(pk=target.pk).object_repr == target.object_repr
    assert audit.verify().ok


def test_model_refuses_save_and_delete_of_existing_rows(events: list[AuditEvent]) -> None:
    event = AuditEvent.objects.get(seq=2)
    event.object_repr = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.get(seq=2).object_repr != "changed"


@pytest.mark.parametrize(
    ("column", "value"),
    [("object_repr", "someone else"), ("changes", '{"city": "forged"}'), ("action", "export")],
)
def test_altered_record_is_reported(events: list[AuditEvent], column: str, value: str) -> None:
    allow_tampering()
    seq = events[2].seq
    raw(f"UPDATE core_auditevent SET {column} = %s WHERE seq = %s", [value, seq])
    result = audit.verify()
    assert not result.ok
    assert result.seq == seq
    assert result.problem == f"record #{seq} was altered"
    assert result.checked == seq - 1


def test_rehashed_record_breaks_the_next_link(events: list[AuditEvent]) -> None:
    """Recomputing the altered record's own hash is not enough: the next one points back."""
    allow_tampering()
    target = AuditEvent.objects.get(seq=2)
    target.object_repr = "forged"
    forged_hash = audit.compute_hash(target.prev_hash, target)
    raw(
        "UPDATE core_auditevent SET object_repr = %s, hash = %s WHERE seq = 2",
        ["forged", forged_hash],
    )
    result = audit.verify()
    assert (result.ok, result.seq) == (False, 3)
    assert "does not follow" in result.problem


def test_deleted_record_is_reported_missing(events: list[AuditEvent]) -> None:
    allow_tampering()
    raw("DELETE FROM core_auditevent WHERE seq = %s", [3])
    result = audit.verify()
    assert (result.ok, result.seq, result.problem) == (False, 3, "record #3 is missing")


def test_deleted_last_record_is_reported(events: list[AuditEvent]) -> None:
    allow_tampering()
    last = events[-1].seq
    raw("DELETE FROM core_auditevent WHERE seq = %s", [last])
    result = audit.verify()
    assert not result.ok
    assert result.seq == last
    assert f"after #{last - 1} are missing" in result.problem


def test_verify_audit_command_ok(events: list[AuditEvent]) -> None:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert f"OK: {len(events)} records verified" in out.getvalue()


def test_verify_audit_command_fails_on_tampering(events: list[AuditEvent]) -> None:
    allow_tampering()
    raw("UPDATE core_auditevent SET actor_label = %s WHERE seq = %s", ["mallory", 2])
    with pytest.raises(CommandError) as info:
        call_command("verify_audit", stdout=StringIO())
    assert info.value.returncode == 1
    assert "TAMPERED" in str(info.value)
    assert "record #2 was altered" in str(info.value)


# --- who, where, from what ---------------------------------------------------------------


def test_direct_service_calls_are_stamped_cli(admin_user: Any) -> None:
    customer = make_customer(actor=admin_user)
    event = AuditEvent.objects.get(action="create", object_id=str(customer.pk))
    assert event.source == "cli"
    assert event.ip_address is None
    assert event.actor_label == admin_user.username


def test_web_request_stamps_ip_and_request_id(
    client_for: Any, admin_user: Any, customer: Customer, settings: Any
) -> None:
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1"]  # the test client's REMOTE_ADDR
    client = client_for(admin_user)
    response = client.post(
        reverse("customers:status", args=[customer.pk]),
        {"status": "active", "reason": "Documents verified"},
        headers={"X-Request-ID": "req-0123456789", "X-Real-IP": "203.0.113.7"},
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-0123456789"
    event = AuditEvent.objects.get(action="status_change")
    assert (event.source, event.ip_address, event.request_id) == (
        "web",
        "203.0.113.7",
        "req-0123456789",
    )
    assert event.actor == admin_user


def test_real_ip_header_from_an_untrusted_peer_is_ignored(
    client_for: Any, admin_user: Any, customer: Customer
) -> None:
    client = client_for(admin_user)
    client.post(
        reverse("customers:status", args=[customer.pk]),
        {"status": "active", "reason": "Documents verified"},
        headers={"X-Real-IP": "203.0.113.7"},
    )
    assert AuditEvent.objects.get(action="status_change").ip_address == "127.0.0.1"


def test_web_request_without_header_gets_a_fresh_request_id(
    client_for: Any, admin_user: Any, customer: Customer
) -> None:
    client = client_for(admin_user)
    response = client.post(
        reverse("customers:status", args=[customer.pk]),
        {"status": "active", "reason": "Documents verified"},
        headers={"X-Request-ID": "bad id; drop table"},  # not a valid id: replaced
    )
    event = AuditEvent.objects.get(action="status_change")
    assert event.ip_address == "127.0.0.1"
    assert event.request_id == response["X-Request-ID"]
    assert len(event.request_id) == 32 and event.request_id != "bad id; drop table"


def test_api_request_is_stamped_api(
    api_client_for: Any, admin_user: Any, customer: Customer
) -> None:
    client = api_client_for(admin_user)
    response = client.post(
        f"/api/v1/customers/{customer.pk}/status/",
        {"status": "blocked", "reason": "AML alert"},
        format="json",
        headers={"X-Request-ID": "api-request-42"},
    )
    assert response.status_code == 200, response.content
    event = AuditEvent.objects.get(action="status_change")
    assert (event.source, event.request_id, event.ip_address) == (
        "api",
        "api-request-42",
        "127.0.0.1",
    )


def test_failed_login_is_audited(client_for: Any, admin_user: Any) -> None:
    client_for().post(reverse("login"), {"username": "admin1", "password": "wrong"})
    event = AuditEvent.objects.get(action="login_failed")
    assert event.object_repr == "admin1"
    assert event.actor is None
    assert "wrong" not in str(event.changes)
