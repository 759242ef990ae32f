"""/api/v1/calls/: list with the shared FilterSet, create, retrieve, the intake endpoint."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from clientdesk.calls import services
from clientdesk.calls.filtersets import period_range
from clientdesk.calls.models import CallLog

from .conftest import recent, row

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/calls/"
INTAKE_URL = "/api/v1/calls/intake/"


def log(actor: Any, **overrides: Any) -> CallLog:
    return services.log_call(actor=actor, data=row(**overrides))[0]


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {r["id"] for r in response.json()["results"]}


@pytest.fixture
def calls(sales_user, sales_user2, manager) -> dict[str, CallLog]:
    now = timezone.now()
    return {
        "mine": log(sales_user, to_number="9100000001", started_at=recent()),
        "mine_old": log(
            sales_user,
            direction="incoming",
            from_number="9100000002",
            to_number="",
            status="missed_call",
            started_at=now - dt.timedelta(days=40),
        ),
        "colleague": log(sales_user2, to_number="9100000003", status="busy"),
        "manager": log(manager, to_number="9100000001", started_at=recent()),
    }


def test_sales_users_list_only_their_own_calls(api_client_for, sales_user, manager, calls):
    mine = ids(api_client_for(sales_user).get(LIST_URL))
    assert mine == {calls["mine"].pk, calls["mine_old"].pk}
    assert ids(api_client_for(manager).get(LIST_URL)) == {c.pk for c in calls.values()}


def test_compliance_and_admin_see_every_call(api_client_for, compliance, admin_user, calls):
    for user in (compliance, admin_user):
        assert len(ids(api_client_for(user).get(LIST_URL))) == 4


def test_a_colleagues_call_is_not_found(api_client_for, sales_user, calls):
    client = api_client_for(sales_user)
    assert client.get(f"{LIST_URL}{calls['colleague'].pk}/").status_code == 404
    body = client.get(f"{LIST_URL}{calls['mine'].pk}/").json()
    assert body["party_number"] == "+919100000001" and body["status_display"] == "Completed"


def test_list_filters(api_client_for, manager, calls):
    client = api_client_for(manager)
    assert ids(client.get(LIST_URL, {"direction": "incoming"})) == {calls["mine_old"].pk}
    assert ids(client.get(LIST_URL, {"status": ["busy", "missed_call"]})) == {
        calls["colleague"].pk,
        calls["mine_old"].pk,
    }
    assert ids(client.get(LIST_URL, {"staff": calls["colleague"].staff_id})) == {
        calls["colleague"].pk
    }
    cold = ids(client.get(LIST_URL, {"is_cold_call": "true"}))
    assert cold == {calls["mine"].pk, calls["colleague"].pk}
    assert ids(client.get(LIST_URL, {"q": "91000 00001"})) == {
        calls["mine"].pk,
        calls["manager"].pk,
    }
    assert ids(client.get(LIST_URL, {"q": "00003"})) == {calls["colleague"].pk}
    assert ids(client.get(LIST_URL, {"period": "today"})) >= {calls["mine"].pk}
    assert calls["mine_old"].pk not in ids(client.get(LIST_URL, {"period": "this_week"}))
    old_day = timezone.localtime(calls["mine_old"].started_at).date().isoformat()
    custom = {"period": "custom", "started_after": old_day, "started_before": old_day}
    assert ids(client.get(LIST_URL, custom)) == {calls["mine_old"].pk}


def test_bad_filters_answer_400_with_field_names(api_client_for, manager, calls):
    response = api_client_for(manager).get(LIST_URL, {"period": "fortnight", "status": "x"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"period", "status"}


@pytest.mark.parametrize(
    ("period", "today", "start", "end"),
    [
        ("today", dt.date(2025, 3, 12), dt.date(2025, 3, 12), dt.date(2025, 3, 13)),
        ("yesterday", dt.date(2025, 3, 1), dt.date(2025, 2, 28), dt.date(2025, 3, 1)),
        ("this_week", dt.date(2025, 3, 12), dt.date(2025, 3, 10), dt.date(2025, 3, 17)),
        ("last_week", dt.date(2025, 3, 10), dt.date(2025, 3, 3), dt.date(2025, 3, 10)),
        ("this_month", dt.date(2024, 12, 31), dt.date(2024, 12, 1), dt.date(2025, 1, 1)),
    ],
)
def test_date_presets(period, today, start, end):
    got = period_range(period, today)
    assert tuple(timezone.localtime(x).date() for x in got) == (start, end)
    assert all(timezone.localtime(x).time() == dt.time.min for x in got)


def test_cursor_pages_walk_every_call(api_client_for, manager, calls):
    client = api_client_for(manager)
    seen: list[int] = []
    url: str | None = f"{LIST_URL}?page_size=1"
    while url:
        body = client.get(url).json()
        seen += [r["id"] for r in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(c.pk for c in calls.values()) and len(seen) == 4


def test_create_a_call(api_client_for, sales_user, customer):
    client = api_client_for(sales_user, token=True)
    response = client.post(
        LIST_URL,
        {
            "direction": "Outgoing",
            "to_number": "98765 43210",
            "started_at": timezone.now().isoformat(),
            "duration_seconds": 61,
            "status": "No Answer",
            "recording_url": "https://rec.example.com/1.mp3",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["customer"] == customer.pk and body["staff"] == sales_user.pk
    assert body["status"] == "no_answer" and body["source"] == "api"


def test_create_is_idempotent_by_device_call_id(api_client_for, manager):
    client = api_client_for(manager)
    data = row(device_call_id="x-1")
    assert client.post(LIST_URL, data, format="json").status_code == 201
    again = client.post(LIST_URL, data, format="json")
    assert again.status_code == 200 and CallLog.objects.count() == 1


def test_create_answers_400_with_a_field_map(api_client_for, manager):
    response = api_client_for(manager).post(
        LIST_URL, {"direction": "up", "to_number": "abc", "recording_url": "nope"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {
        "direction",
        "status",
        "to_number",
        "started_at",
        "recording_url",
    }


def test_read_only_and_anonymous_clients_cannot_write(api_client_for, compliance):
    assert api_client_for(compliance).post(LIST_URL, row(), format="json").status_code == 403
    assert api_client_for(compliance).post(INTAKE_URL, [row()], format="json").status_code == 403
    assert api_client_for(None).get(LIST_URL).status_code in (401, 403)
    assert api_client_for(None).post(INTAKE_URL, [row()], format="json").status_code in (401, 403)


def test_sales_user_cannot_log_a_colleagues_call(api_client_for, sales_user, sales_user2):
    response = api_client_for(sales_user).post(LIST_URL, row(staff=sales_user2.pk), format="json")
    assert response.status_code == 403


# ----------------------------------------------------------------------------- intake


def test_intake_reports_created_existing_and_errors(api_client_for, sales_user, customer):
    client = api_client_for(sales_user, token=True)
    rows = [row(to_number=customer.mobile), row(), row(to_number="123")]
    first = client.post(INTAKE_URL, rows, format="json")
    assert first.status_code == 200, first.content
    body = first.json()
    assert (
        body["received"],
        body["created_count"],
        body["existing_count"],
        body["error_count"],
    ) == (
        3,
        2,
        0,
        1,
    )
    assert body["errors"][0]["index"] == 2 and "to_number" in body["errors"][0]["errors"]
    again = client.post(INTAKE_URL, rows[:2], format="json").json()
    assert again["created_count"] == 0 and again["existing_count"] == 2
    assert [e["id"] for e in again["existing"]] == [e["id"] for e in body["created"]]
    assert CallLog.objects.count() == 2


def test_intake_refuses_a_body_that_is_not_a_list_or_too_long(api_client_for, manager):
    client = api_client_for(manager)
    not_list = client.post(INTAKE_URL, {"calls": []}, format="json")
    assert not_list.status_code == 400
    assert not_list.json()["code"] == "invalid_batch"
    too_long = client.post(INTAKE_URL, [{}] * (services.MAX_BATCH + 1), format="json")
    assert too_long.status_code == 400 and too_long.json()["code"] == "batch_too_large"


def test_intake_empty_batch_is_fine(api_client_for, manager):
    response = api_client_for(manager).post(INTAKE_URL, [], format="json")
    assert response.status_code == 200 and response.json()["received"] == 0


_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
_rows = st.one_of(
    _json_scalars,
    st.dictionaries(
        st.sampled_from(
            [
                "direction",
                "from_number",
                "to_number",
                "started_at",
                "duration_seconds",
                "status",
                "notes",
                "recording_url",
                "staff",
                "device_id",
                "device_call_id",
            ]
        ),
        st.one_of(_json_scalars, st.lists(_json_scalars, max_size=2)),
    ),
)


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(_rows, max_size=5))
def test_intake_never_answers_500(api_client_for, manager, batch):
    response = api_client_for(manager).post(INTAKE_URL, batch, format="json")
    if "\\u0000" in json.dumps(batch):  # NUL is refused for the whole body by the JSON parser
        assert response.status_code == 400, response.content
        assert response.json()["code"] == "parse_error"
        return
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created_count"] + body["existing_count"] + body["error_count"] == len(batch)


def test_schema_documents_the_endpoints(api_client_for, manager):
    response = api_client_for(manager).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/calls/" in paths and "/api/v1/calls/intake/" in paths
