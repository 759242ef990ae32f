"""/api/v1/messages/, the customer's in-app messages, receipts: codes, errors, roles."""

from __future__ import annotations

import pytest
from factories import make_customer

from clientdesk.comms import services
from clientdesk.comms.models import Message, MessageStatus

pytestmark = pytest.mark.django_db

STATUS = {"old_status": "Pending", "new_status": "Active", "new_status_code": "active"}


@pytest.fixture
def delivered(customer, manager, django_capture_on_commit_callbacks):
    """A status-change message on email, SMS and in-app, delivered to the providers."""
    with django_capture_on_commit_callbacks(execute=True):
        services.queue_customer_message(
            customer, actor=manager, event="customer_status_changed", context=STATUS
        )
    return {m.channel: m for m in Message.objects.all()}


def test_list_with_the_pages_filters(api_client_for, manager, delivered):
    client = api_client_for(manager)
    response = client.get("/api/v1/messages/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3
    response = client.get("/api/v1/messages/", {"channel": "sms", "status": "sent"})
    [row] = response.json()["results"]
    assert row["channel"] == "sms" and row["status"] == "sent"
    assert row["customer_client_id"] == delivered["sms"].customer.client_id
    response = client.get("/api/v1/messages/", {"status": "bogus"})
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_list_is_newest_first_and_cursor_paged(api_client_for, manager, customer):
    for n in range(3):
        services.send_message(customer, actor=manager, channel="sms", subject="", body=f"n{n}")
    client = api_client_for(manager)
    first = client.get("/api/v1/messages/", {"page_size": 2}).json()
    assert [r["body"] for r in first["results"]] == ["n2", "n1"]
    second = client.get(first["next"]).json()
    assert [r["body"] for r in second["results"]] == ["n0"]


def test_retrieve_and_404(api_client_for, manager, delivered):
    client = api_client_for(manager)
    message = delivered["email"]
    response = client.get(f"/api/v1/messages/{message.pk}/")
    assert response.status_code == 200
    assert response.json()["subject"] == message.subject
    assert client.get("/api/v1/messages/999999/").status_code == 404


def test_create_queues_a_free_text_message(api_client_for, sales_user, customer):
    response = api_client_for(sales_user, token=True).post(
        "/api/v1/messages/",
        {"customer": customer.pk, "channel": "whatsapp", "body": "Your card is ready."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "queued" and body["event"] == "manual"
    assert body["to_address"] == customer.mobile and body["created_by"] == sales_user.pk


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"channel": "sms", "body": "x"}, "customer"),
        ({"customer": 1, "body": "x"}, "channel"),
        ({"customer": 1, "channel": "fax", "body": "x"}, "channel"),
        ({"customer": 1, "channel": "sms"}, "body"),
        ({"customer": 1, "channel": "sms", "body": "x" * 5001}, "body"),
    ],
)
def test_create_bad_input_is_a_400_field_map(api_client_for, manager, customer, payload, field):
    if payload.get("customer") == 1:
        payload["customer"] = customer.pk
    response = api_client_for(manager).post("/api/v1/messages/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert not Message.objects.exists()


def test_create_for_an_unknown_customer(api_client_for, manager):
    response = api_client_for(manager).post(
        "/api/v1/messages/", {"customer": 999999, "channel": "sms", "body": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"customer": ["No such customer."]}


def test_create_on_an_opted_out_channel_is_refused(api_client_for, manager, customer):
    services.set_preferences(customer, actor=manager, opted_out={"sms": True})
    response = api_client_for(manager).post(
        "/api/v1/messages/", {"customer": customer.pk, "channel": "sms", "body": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["channel"] == ["The customer opted out of SMS messages."]


@pytest.mark.parametrize("role, status", [("compliance", 403), ("support", 403), ("sales", 201)])
def test_create_by_role_and_row_rule(api_client_for, users_by_role, customer, role, status):
    response = api_client_for(users_by_role[role]).post(
        "/api/v1/messages/", {"customer": customer.pk, "channel": "sms", "body": "x"}, format="json"
    )
    assert response.status_code == status


def test_sales_cannot_message_another_users_customer(api_client_for, sales_user2, customer):
    response = api_client_for(sales_user2).post(
        "/api/v1/messages/", {"customer": customer.pk, "channel": "sms", "body": "x"}, format="json"
    )
    assert response.status_code == 403
    assert "assigned to you" in response.json()["detail"]


def test_anonymous_and_roleless_users_are_refused(api_client_for, user_factory):
    assert api_client_for().get("/api/v1/messages/").status_code in (401, 403)
    assert api_client_for(user_factory(None)).get("/api/v1/messages/").status_code == 403


def test_compliance_reads_messages(api_client_for, compliance, delivered):
    assert api_client_for(compliance).get("/api/v1/messages/").status_code == 200


# --- provider receipts -------------------------------------------------------------------


def test_delivery_receipt(api_client_for, integration, delivered):
    sms = delivered["sms"]
    url = f"/api/v1/messages/{sms.pk}/delivered/"
    response = api_client_for(integration, token=True).post(
        url, {"provider_message_id": sms.provider_message_id}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "delivered" and response.json()["delivered_at"]
    assert api_client_for(integration).post(url, {}, format="json").status_code == 200


def test_receipt_with_the_wrong_provider_id(api_client_for, integration, delivered):
    response = api_client_for(integration).post(
        f"/api/v1/messages/{delivered['sms'].pk}/delivered/",
        {"provider_message_id": "nope"},
        format="json",
    )
    assert response.status_code == 400
    assert "provider_message_id" in response.json()["errors"]


def test_receipt_for_a_skipped_message_is_a_400(api_client_for, manager, integration):
    customer = make_customer(email="")
    [email] = services.queue_customer_message(
        customer, actor=manager, event="kyc_approved", context={}, channel="email"
    )
    response = api_client_for(integration).post(f"/api/v1/messages/{email.pk}/delivered/")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_transition"


def test_receipt_needs_write_access(api_client_for, compliance, delivered):
    response = api_client_for(compliance).post(f"/api/v1/messages/{delivered['sms'].pk}/delivered/")
    assert response.status_code == 403


# --- in-app messages for the customer's app ----------------------------------------------


def test_customer_in_app_messages_and_read(api_client_for, integration, customer, delivered):
    client = api_client_for(integration, token=True)
    response = client.get(f"/api/v1/customers/{customer.pk}/messages/", {"channel": "in_app"})
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row == {
        "id": delivered["in_app"].pk,
        "channel": "in_app",
        "event": "customer_status_changed",
        "subject": "Your account is now Active",
        "body": "The status of your account changed from Pending to Active.",
        "status": "delivered",
        "created_at": row["created_at"],
        "read_at": None,
    }
    response = client.post(f"/api/v1/messages/{row['id']}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    again = client.get(f"/api/v1/customers/{customer.pk}/messages/", {"channel": "in_app"})
    assert again.json()["results"][0]["read_at"] == response.json()["read_at"]


def test_customer_messages_show_only_that_customer(api_client_for, manager, delivered):
    other = make_customer()
    response = api_client_for(manager).get(f"/api/v1/customers/{other.pk}/messages/")
    assert response.status_code == 200 and response.json()["results"] == []
    assert api_client_for(manager).get("/api/v1/customers/999999/messages/").status_code == 404


def test_reading_an_email_message_is_a_400(api_client_for, integration, delivered):
    response = api_client_for(integration).post(f"/api/v1/messages/{delivered['email'].pk}/read/")
    assert response.status_code == 400
    assert "channel" in response.json()["errors"]


def test_reading_needs_write_access(api_client_for, compliance, delivered):
    response = api_client_for(compliance).post(f"/api/v1/messages/{delivered['in_app'].pk}/read/")
    assert response.status_code == 403
    assert Message.objects.get(pk=delivered["in_app"].pk).read_at is None


def test_query_count_of_the_api_list_is_flat(
    api_client_for, manager, customer, django_assert_num_queries
):
    from django.contrib.auth import get_user_model

    def fresh_client():  # a user without cached module access, as on a real request
        return api_client_for(get_user_model().objects.get(pk=manager.pk))

    for n in range(3):
        services.send_message(customer, actor=manager, channel="sms", subject="", body=f"{n}")
    client = fresh_client()
    with django_assert_num_queries(2):  # role access + one page of messages with customers
        client.get("/api/v1/messages/")
    for n in range(10):
        services.send_message(customer, actor=manager, channel="email", subject="s", body=f"{n}")
    client = fresh_client()
    with django_assert_num_queries(2):
        response = client.get("/api/v1/messages/")
    assert len(response.json()["results"]) == 13
    assert {r["status"] for r in response.json()["results"]} == {MessageStatus.QUEUED}


def test_openapi_schema_documents_the_endpoints(client, manager):
    client.force_login(manager)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/v1/messages/",
        "/api/v1/messages/{id}/delivered/",
        "/api/v1/messages/{id}/read/",
        "/api/v1/customers/{customer_id}/messages/",
        "/api/v1/notifications/",
        "/api/v1/notifications/read/",
    ):
        assert path in text, path
