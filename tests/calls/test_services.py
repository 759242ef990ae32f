"""Call services: linking by number, the cold-call flag, idempotent intake, per-row errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from factories import make_customer

from clientdesk.activities.models import Activity, Kind
from clientdesk.calls import services
from clientdesk.calls.models import CallLog, CallSource, CallStatus, Direction
from clientdesk.core.models import AuditEvent

from .conftest import row

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def ago(minutes: int) -> str:
    return (NOW - dt.timedelta(minutes=minutes)).isoformat()


def e164(national: str) -> str:
    return "+91" + national


# ----------------------------------------------------------------------------- linking


def test_outgoing_call_to_a_customers_mobile_links_the_customer(manager, customer):
    call, created = services.log_call(
        actor=manager, data=row(to_number=customer.mobile, notes="Asked about the fees")
    )
    assert created
    assert call.customer_id == customer.pk and call.lead_id is None
    assert call.party_number == customer.mobile
    activity = Activity.objects.get(kind=Kind.CALL, customer=customer)
    assert activity.subject_type == "customers.customer"
    assert activity.data["call_id"] == call.pk
    assert "Outgoing call · Completed · 1:35" in activity.body
    assert "Asked about the fees" in activity.body
    customer.refresh_from_db()
    assert customer.last_activity_at == call.started_at


def test_incoming_call_from_an_alternative_mobile_links_the_customer(manager):
    customer = make_customer(alt_mobile="9988776655")
    call, _ = services.log_call(
        actor=manager,
        data=row(direction="incoming", from_number="099887 76655", to_number=""),
    )
    assert call.party_number == "+919988776655"
    assert call.customer_id == customer.pk


def test_a_mobile_match_beats_an_alternative_mobile_match(manager):
    first = make_customer(alt_mobile="9090909090")
    second = make_customer(mobile="9090909090")
    links = services.link_numbers(["+919090909090"])
    assert links["+919090909090"] == (second.pk, None)
    assert first.pk != second.pk


def test_links_a_lead_by_mobile_and_by_alternative_mobile(manager, lead_factory):
    lead = lead_factory(mobile=e164("9000000001"), alt_mobile=e164("9000000002"))
    by_mobile, _ = services.log_call(actor=manager, data=row(to_number="9000000001"))
    by_alt, _ = services.log_call(actor=manager, data=row(to_number="9000000002"))
    assert (by_mobile.customer_id, by_mobile.lead_id) == (None, lead.pk)
    assert (by_alt.customer_id, by_alt.lead_id) == (None, lead.pk)
    activities = Activity.objects.filter(subject_type="leads.lead", subject_id=str(lead.pk))
    assert activities.count() == 2
    assert activities.first().customer_id is None
    lead.refresh_from_db()
    assert lead.last_activity_at is not None


def test_a_converted_lead_links_its_customer(manager, lead_factory):
    customer = make_customer()
    lead = lead_factory(mobile=e164("9000000003"), customer=customer)
    call, _ = services.log_call(actor=manager, data=row(to_number="9000000003"))
    assert (call.customer_id, call.lead_id) == (customer.pk, lead.pk)
    activity = Activity.objects.get(kind=Kind.CALL, data__call_id=call.pk)
    assert activity.customer_id == customer.pk
    assert activity.subject_type == "customers.customer"


def test_customers_come_before_leads(manager, lead_factory):
    customer = make_customer(mobile="9000000004")
    lead_factory(mobile=e164("9000000005"), alt_mobile=e164("9000000004"))
    assert services.link_numbers([e164("9000000004")]) == {e164("9000000004"): (customer.pk, None)}


def test_an_unknown_number_is_stored_without_a_link_or_activity(manager):
    call, _ = services.log_call(actor=manager, data=row(to_number="9111111111"))
    assert call.customer_id is None and call.lead_id is None
    assert not Activity.objects.filter(kind=Kind.CALL).exists()


def test_the_profile_dialog_links_its_customer_whatever_the_number(manager, customer):
    call, _ = services.log_call(actor=manager, data=row(to_number="9222222222"), customer=customer)
    assert call.customer_id == customer.pk


# ----------------------------------------------------------------------------- cold calls


def test_the_first_outgoing_call_to_a_number_is_a_cold_call(manager):
    first, _ = services.log_call(
        actor=manager, data=row(to_number="9333333333", started_at=ago(30))
    )
    second, _ = services.log_call(
        actor=manager, data=row(to_number="9333333333", started_at=ago(20))
    )
    incoming, _ = services.log_call(
        actor=manager,
        data=row(direction="incoming", from_number="9444444444", to_number="", started_at=ago(10)),
    )
    after_incoming, _ = services.log_call(
        actor=manager, data=row(to_number="9444444444", started_at=ago(5))
    )
    assert first.is_cold_call and not second.is_cold_call
    assert not incoming.is_cold_call
    assert after_incoming.is_cold_call  # an incoming call is not an earlier outbound call


def test_an_earlier_call_arriving_late_takes_over_the_cold_flag(manager, make_row):
    services.intake_calls(
        actor=manager, rows=[make_row(to_number="9555555555", started_at=ago(10))]
    )
    services.intake_calls(
        actor=manager, rows=[make_row(to_number="9555555555", started_at=ago(60))]
    )
    calls = list(CallLog.objects.order_by("started_at"))
    assert [c.is_cold_call for c in calls] == [True, False]


def test_only_the_earliest_outgoing_call_of_a_batch_is_cold(manager, make_row):
    rows = [
        make_row(to_number="9666666666", started_at=ago(5)),
        make_row(to_number="9666666666", started_at=ago(50)),
        make_row(direction="incoming", from_number="9666666666", to_number="", started_at=ago(90)),
    ]
    services.intake_calls(actor=manager, rows=rows)
    cold = CallLog.objects.filter(is_cold_call=True)
    assert cold.count() == 1
    assert cold.get().started_at == dt.datetime.fromisoformat(rows[1]["started_at"])


# ----------------------------------------------------------------------------- intake


def _counts() -> tuple[int, int]:
    return CallLog.objects.count(), Activity.objects.filter(kind=Kind.CALL).count()


def test_intake_stores_a_batch_and_links_it(manager, customer, make_row):
    customer.__class__.objects.filter(pk=customer.pk).update(last_activity_at=None)
    rows = [make_row(to_number=customer.mobile) for _ in range(3)] + [make_row()]
    result = services.intake_calls(actor=manager, rows=rows)
    assert [c["index"] for c in result.created] == [0, 1, 2, 3]
    assert result.existing == [] and result.errors == []
    assert _counts() == (4, 3)
    stored = CallLog.objects.get(pk=result.created[0]["id"])
    assert stored.source == CallSource.DEVICE and stored.staff == manager
    assert stored.device_call_id == rows[0]["device_call_id"]
    customer.refresh_from_db()
    assert customer.last_activity_at == max(
        c.started_at for c in CallLog.objects.filter(customer=customer)
    )


def test_sending_the_same_batch_twice_changes_nothing(manager, customer, make_row):
    rows = [make_row(to_number=customer.mobile, started_at=ago(i)) for i in range(5)]
    first = services.intake_calls(actor=manager, rows=rows)
    snapshot = list(CallLog.objects.order_by("id").values())
    audits = AuditEvent.objects.count()
    second = services.intake_calls(actor=manager, rows=rows)
    assert second.created == []
    assert [(e["index"], e["id"]) for e in second.existing] == [
        (e["index"], e["id"]) for e in first.created
    ]
    assert list(CallLog.objects.order_by("id").values()) == snapshot
    assert _counts() == (5, 5)
    assert AuditEvent.objects.count() == audits


def test_a_batch_cut_off_and_sent_again_stores_each_call_once(manager, customer, make_row):
    rows = [make_row(to_number=customer.mobile, started_at=ago(10 - i)) for i in range(8)]
    partial = services.intake_calls(actor=manager, rows=rows[:3])
    assert len(partial.created) == 3
    again = services.intake_calls(actor=manager, rows=rows)
    assert [e["index"] for e in again.existing] == [0, 1, 2]
    assert [e["index"] for e in again.created] == [3, 4, 5, 6, 7]
    assert _counts() == (8, 8)
    assert CallLog.objects.filter(is_cold_call=True).count() == 1


def test_the_same_device_call_id_on_another_device_is_another_call(manager, make_row):
    rows = [
        make_row(device_id="phone-a", device_call_id="17"),
        make_row(device_id="phone-b", device_call_id="17"),
        make_row(device_id="phone-a", device_call_id="17"),
    ]
    result = services.intake_calls(actor=manager, rows=rows)
    assert [e["index"] for e in result.created] == [0, 1]
    assert result.existing == [{"index": 2, "device_call_id": "17", "of": 0}]


def test_bad_rows_are_reported_by_index_and_good_rows_stored(manager, make_row):
    future = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    rows = [
        make_row(),
        make_row(to_number="12345"),
        make_row(device_call_id=""),
        make_row(status="Exploded", direction="sideways"),
        "not an object",
        make_row(started_at=future, duration_seconds=-4),
        make_row(recording_url="ftp://example.com/a.mp3", started_at="yesterday"),
        make_row(direction="Incoming", from_number="", to_number="9123456780"),
        make_row(status="No Answer", started_at=int(NOW.timestamp() * 1000) - 60_000),
    ]
    result = services.intake_calls(actor=manager, rows=rows)
    errors = {e["index"]: e["errors"] for e in result.errors}
    assert [e["index"] for e in result.created] == [0, 8]
    assert set(errors) == {1, 2, 3, 4, 5, 6, 7}
    assert set(errors[1]) == {"to_number"}
    assert set(errors[2]) == {"device_call_id"}
    assert set(errors[3]) == {"status", "direction"}
    assert set(errors[4]) == {"non_field_errors"}
    assert set(errors[5]) == {"started_at", "duration_seconds"}
    assert set(errors[6]) == {"recording_url", "started_at"}
    assert set(errors[7]) == {"from_number"}  # the customer's side of an incoming call
    assert result.errors[0]["device_call_id"] == rows[1]["device_call_id"]
    assert CallLog.objects.get(pk=result.created[1]["id"]).status == CallStatus.NO_ANSWER
    assert CallLog.objects.count() == 2


def test_a_batch_must_be_a_list_of_at_most_the_limit(manager, make_row):
    with pytest.raises(ValidationError) as not_list:
        services.intake_calls(actor=manager, rows={"calls": []})
    assert not_list.value.error_dict["non_field_errors"][0].code == "invalid_batch"
    with pytest.raises(ValidationError) as too_big:
        services.intake_calls(actor=manager, rows=[{}] * (services.MAX_BATCH + 1))
    assert too_big.value.error_dict["non_field_errors"][0].code == "batch_too_large"


def test_sales_users_log_only_their_own_calls(sales_user, sales_user2, manager, make_row):
    result = services.intake_calls(
        actor=sales_user,
        rows=[make_row(), make_row(staff=sales_user2.pk), make_row(staff=sales_user.pk)],
    )
    assert [e["index"] for e in result.created] == [0, 2]
    assert result.errors == [
        {
            "index": 1,
            "device_call_id": result.errors[0]["device_call_id"],
            "errors": {"staff": ["You may log only your own calls."]},
        }
    ]
    by_manager = services.intake_calls(
        actor=manager, rows=[make_row(staff=sales_user2.pk), make_row(staff=999999)]
    )
    assert CallLog.objects.get(pk=by_manager.created[0]["id"]).staff == sales_user2
    assert by_manager.errors[0]["errors"] == {"staff": ["No active user has this id."]}
    with pytest.raises(PermissionDenied):
        services.log_call(actor=sales_user, data=row(staff=sales_user2.pk))


def test_read_only_roles_cannot_log_calls(compliance, make_row):
    with pytest.raises(PermissionDenied):
        services.intake_calls(actor=compliance, rows=[make_row()])
    with pytest.raises(PermissionDenied):
        services.log_call(actor=compliance, data=row())


def test_last_activity_only_moves_forward(manager, customer, make_row):
    later = timezone.now()
    customer.last_activity_at = later
    customer.save(update_fields=["last_activity_at"])
    services.intake_calls(
        actor=manager, rows=[make_row(to_number=customer.mobile, started_at=ago(600))]
    )
    customer.refresh_from_db()
    assert customer.last_activity_at == later


def test_intake_retries_when_another_request_stored_the_same_calls(manager, make_row, monkeypatch):
    rows = [make_row(), make_row()]
    services.intake_calls(actor=manager, rows=rows[:1])
    real = services._known_ids
    calls = {"n": 0}

    def stale_first_time(batch: list[Any]) -> dict[Any, int]:
        calls["n"] += 1
        return {} if calls["n"] == 1 else real(batch)

    monkeypatch.setattr(services, "_known_ids", stale_first_time)
    result = services.intake_calls(actor=manager, rows=rows)
    assert calls["n"] == 2
    assert [e["index"] for e in result.existing] == [0]
    assert [e["index"] for e in result.created] == [1]
    assert CallLog.objects.count() == 2


def test_intake_queries_do_not_grow_with_the_batch(
    manager, customer, lead_factory, make_row, django_assert_num_queries
):
    lead_factory(mobile=e164("9000000010"))

    def batch(n: int) -> list[dict[str, Any]]:
        numbers = [customer.mobile, "9000000010", "9123456789"]
        return [make_row(to_number=numbers[i % 3], started_at=ago(i + 1)) for i in range(n)]

    services.intake_calls(actor=manager, rows=batch(3))  # warm the user's access cache
    expected = INTAKE_QUERIES + (connection.vendor == "postgresql")  # + the number locks
    with django_assert_num_queries(expected):
        services.intake_calls(actor=manager, rows=batch(10))
    with django_assert_num_queries(expected):
        services.intake_calls(actor=manager, rows=batch(50))  # SQLite splits inserts past ~55 rows


# savepoint + release, known ids, customers, leads, cold-call firsts, cold-call unflag,
# insert calls, insert activities, move customers, move leads, audit (savepoint, head lock,
# insert, head update, release): the same for 10 calls as for 50.
INTAKE_QUERIES = 16


# ----------------------------------------------------------------------------- one call


def test_log_call_is_idempotent_by_device_call_id(manager):
    data = row(device_call_id="abc", device_id="dialer")
    first, created = services.log_call(actor=manager, data=data, source=CallSource.API)
    again, created_again = services.log_call(actor=manager, data=data, source=CallSource.API)
    assert created and not created_again
    assert first.pk == again.pk and CallLog.objects.count() == 1


def test_log_call_names_every_bad_field(manager):
    with pytest.raises(ValidationError) as error:
        services.log_call(actor=manager, data={"direction": "outgoing", "to_number": "x"})
    assert set(error.value.message_dict) == {"status", "to_number", "started_at"}
    assert CallLog.objects.count() == 0


def test_log_call_is_audited(manager, customer):
    call, _ = services.log_call(actor=manager, data=row(to_number=customer.mobile))
    event = AuditEvent.objects.get(object_type="calls.calllog", object_id=str(call.pk))
    assert event.action == "create"
    assert event.changes["customer_id"]["new"] == customer.pk


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("No Answer", CallStatus.NO_ANSWER),
        ("no-answer", CallStatus.NO_ANSWER),
        ("DID NOT PICK", CallStatus.DID_NOT_PICK),
        ("Missed Call", CallStatus.MISSED_CALL),
        ("cancelled", CallStatus.CANCELED),
        ("In Progress", CallStatus.IN_PROGRESS),
    ],
)
def test_status_labels_and_aliases_are_understood(given, expected):
    assert services.parse_call(row(status=given)).status == expected


def test_direction_labels_are_understood():
    call = services.parse_call(row(direction="Outbound"))
    assert call.direction == Direction.OUTGOING


# ----------------------------------------------------------------------------- WhatsApp


def test_whatsapp_quick_action_logs_once_per_two_minutes(sales_user, customer):
    first = services.log_whatsapp(customer, actor=sales_user)
    second = services.log_whatsapp(customer, actor=sales_user)
    assert first is not None and second is None
    assert first.kind == Kind.WHATSAPP and first.data["number"] == customer.mobile
    assert "WhatsApp chat opened" in first.body
    customer.refresh_from_db()
    assert customer.last_activity_at == first.created_at


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time")
@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_mark_one_cold_call(user_factory, make_row):
    import threading

    from django.db import connections

    actor = user_factory("manager", username="concurrent-manager")
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def send(i: int) -> None:
        try:
            barrier.wait()
            rows = [make_row(device_id=f"phone-{i}", to_number="9777777777", started_at=ago(i))]
            services.intake_calls(actor=actor, rows=rows)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i + 1,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    calls = list(CallLog.objects.order_by("started_at"))
    assert len(calls) == 4
    assert [c.is_cold_call for c in calls] == [True, False, False, False]


def test_a_large_batch_moves_last_activity_after_commit(
    manager, make_row, settings, django_capture_on_commit_callbacks
):
    settings.CALL_INTAKE_DEFER_LAST_ACTIVITY = 2
    people = [make_customer() for _ in range(3)]
    Customer = people[0].__class__
    Customer.objects.filter(pk__in=[p.pk for p in people]).update(last_activity_at=None)
    rows = [make_row(to_number=p.mobile, started_at=ago(i + 1)) for i, p in enumerate(people)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.intake_calls(actor=manager, rows=rows)
    # Stored and on the timeline at once; the customers' dates wait for the commit.
    assert _counts() == (3, 3)
    assert set(Customer.objects.filter(pk__in=[p.pk for p in people]).values_list(
        "last_activity_at", flat=True)) == {None}  # fmt: skip
    for callback in callbacks:
        callback()  # the test settings run tasks immediately
    for person in people:
        person.refresh_from_db()
        assert person.last_activity_at == CallLog.objects.get(customer=person).started_at
