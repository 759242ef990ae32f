"""Pages: the messages list (filters, CSV), a message, the customer's Messages tab, the
send and preferences forms, the templates pages. Each page's query count is pinned."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import make_customer, profile_tab_counts

from clientdesk.comms import services
from clientdesk.comms.models import ChannelPreference, Message, MessageTemplate

pytestmark = pytest.mark.django_db

# Session, user, role access, the page's own queries, navigation badges, the bell's COUNT.
# "tab": the profile without its tab counts (+ factories.profile_tab_counts in the test).
# templates: +1 for the role's capabilities ("edits message templates"), read once per request
PINNED = {"list": 7, "export": 9, "detail": 8, "tab": 9, "templates": 8}


def fetch(client: Any, url: str) -> Any:
    response = client.get(url)
    if getattr(response, "streaming", False):
        response.content_bytes = b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return response


def queries_for(client: Any, url: str) -> int:
    fetch(client, url)  # warm-up
    with CaptureQueriesContext(connection) as ctx:
        fetch(client, url)
    return len(ctx.captured_queries)


def send_many(customer: Any, actor: Any, count: int) -> None:
    for n in range(count):
        channel = ("sms", "email", "whatsapp", "in_app")[n % 4]
        services.send_message(
            customer, actor=actor, channel=channel, subject=f"Subj{n}x", body=f"B{n}"
        )


@pytest.fixture
def web(client_for: Any, manager: Any) -> Any:
    return client_for(manager)


# --- the messages list -------------------------------------------------------------------


def test_list_page_shows_messages_and_filters(web, customer, manager):
    send_many(customer, manager, 4)
    other = make_customer(first_name="Ravi")
    services.send_message(other, actor=manager, channel="sms", subject="", body="For Ravi")
    page = fetch(web, "/messages/").content.decode()
    assert "For Ravi" in page and "Subj3x" in page and 'data-testid="export-csv"' in page
    page = fetch(web, "/messages/?channel=sms").content.decode()
    assert "For Ravi" in page and "Subj1x" not in page
    page = fetch(web, f"/messages/?customer={customer.client_id.lower()}").content.decode()
    assert "For Ravi" not in page and "Subj1x" in page
    page = fetch(web, f"/messages/?customer={other.pk}&status=queued").content.decode()
    assert "For Ravi" in page and "Subj1x" not in page
    page = fetch(web, "/messages/?event=kyc_approved").content.decode()
    assert "No messages match these filters." in page
    page = fetch(web, "/messages/?created_after=2999-01-01").content.decode()
    assert "No messages match these filters." in page


def test_list_page_bad_filter_shows_the_error(web):
    response = web.get("/messages/?status=nope&created_after=yesterday")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert "Enter a valid date" in response.content.decode()


def test_list_page_htmx_returns_the_results_only(web, customer, manager):
    send_many(customer, manager, 1)
    response = web.get("/messages/?channel=sms", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.content.decode() and "Subj0x" in response.content.decode()


def test_csv_export(web, customer, manager):
    send_many(customer, manager, 2)
    response = fetch(web, "/messages/?export=csv&channel=email")
    rows = list(csv.reader(io.StringIO(response.content_bytes.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Created", "Client ID", "Customer", "Channel"]
    assert len(rows) == 2
    assert rows[1][1] == customer.client_id and rows[1][3] == "Email" and rows[1][6] == "Subj1x"
    assert rows[1][7] == "Queued" and rows[1][13] == manager.username


def test_list_and_export_query_counts_do_not_grow(
    web, customer, manager, django_assert_num_queries
):
    send_many(customer, manager, 3)
    small = queries_for(web, "/messages/")
    for _ in range(5):
        send_many(make_customer(), manager, 6)
    assert queries_for(web, "/messages/") == small
    assert queries_for(web, "/messages/?channel=sms&status=queued&sort=-created") == small
    with django_assert_num_queries(PINNED["list"]):
        fetch(web, "/messages/")
    assert queries_for(web, "/messages/?export=csv") == PINNED["export"]


# --- one message -------------------------------------------------------------------------


def test_message_page_shows_the_delivery_history(
    web, customer, manager, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send_message(
            customer, actor=manager, channel="sms", subject="", body="Hello there"
        )
    url = f"/messages/{message.pk}/"
    page = fetch(web, url).content.decode()
    assert "Hello there" in page and "Delivery history" in page
    # The heading names the message, not the first words of its body.
    assert f'class="page-title">SMS to {customer.full_name} <' in page
    assert 'data-testid="message-status">Sent<' in page
    assert "via memory" in page
    fetch(web, url)
    with django_assert_num_queries(PINNED["detail"]):
        fetch(web, url)
    assert web.get("/messages/999999/").status_code == 404


# --- the customer's Messages tab ---------------------------------------------------------


def test_messages_tab(client_for, customer, sales_user, manager):
    send_many(customer, manager, 2)
    services.set_preferences(customer, actor=manager, opted_out={"whatsapp": True})
    page = fetch(client_for(sales_user), f"/customers/{customer.pk}/messages/").content.decode()
    assert 'class="tab active"' in page and 'Messages <span class="count">2</span>' in page
    assert "Subj0x" in page and "Subj1x" in page
    assert 'name="opted_out_whatsapp" checked' in page
    assert 'name="opted_out_sms">' in page
    assert f'action="/messages/customers/{customer.pk}/send/"' in page


def test_tab_hides_the_forms_from_who_may_not_contact(client_for, customer, sales_user2):
    page = fetch(client_for(sales_user2), f"/customers/{customer.pk}/messages/").content.decode()
    assert "Send message</h2>" not in page
    assert 'name="opted_out_sms" disabled' in page
    assert "No messages yet" in page


def test_tab_query_count_does_not_grow(web, customer, manager, django_assert_num_queries):
    url = f"/customers/{customer.pk}/messages/"
    send_many(customer, manager, 1)
    small = queries_for(web, url)
    send_many(customer, manager, 20)
    assert queries_for(web, url) == small
    with django_assert_num_queries(PINNED["tab"] + profile_tab_counts(manager)):
        fetch(web, url)


def test_send_from_the_tab(client_for, customer, sales_user):
    response = client_for(sales_user).post(
        f"/messages/customers/{customer.pk}/send/",
        {"channel": "sms", "subject": "", "body": "See you at 4."},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/messages/"
    message = Message.objects.get()
    assert message.body == "See you at 4." and message.created_by == sales_user


def test_send_errors_keep_what_was_typed(client_for, customer, sales_user):
    services.set_preferences(customer, actor=sales_user, opted_out={"sms": True})
    response = client_for(sales_user).post(
        f"/messages/customers/{customer.pk}/send/",
        {"channel": "sms", "subject": "", "body": "Typed text survives"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The customer opted out of SMS messages." in page
    assert "Typed text survives" in page
    assert not Message.objects.exists()


def test_send_page_get(client_for, customer, sales_user):
    page = fetch(client_for(sales_user), f"/messages/customers/{customer.pk}/send/?channel=email")
    assert 'value="email" selected' in page.content.decode()


@pytest.mark.parametrize("role, status", [("sales2", 403), ("compliance", 403), ("none", 403)])
def test_send_is_refused_by_role(client_for, customer, user_factory, roles, role, status):
    user = {
        "sales2": lambda: user_factory("sales", username="other-sales"),
        "compliance": lambda: user_factory("compliance", username="c2"),
        "none": lambda: user_factory(None, username="norole"),
    }[role]()
    url = f"/messages/customers/{customer.pk}/send/"
    response = client_for(user).post(url, {"channel": "sms", "body": "x"})
    assert response.status_code == status
    assert not Message.objects.exists()


def test_send_to_an_unknown_customer_is_404(web):
    assert web.post("/messages/customers/999999/send/", {"channel": "sms"}).status_code == 404


def test_preferences_form(client_for, customer, sales_user):
    client = client_for(sales_user)
    url = f"/messages/customers/{customer.pk}/preferences/"
    response = client.post(url, {"opted_out_sms": "on", "opted_out_push": "on"})
    assert response.status_code == 302
    assert set(
        ChannelPreference.objects.filter(opted_out=True).values_list("channel", flat=True)
    ) == {"sms", "push"}
    client.post(url, {"opted_out_push": "on"})
    assert set(
        ChannelPreference.objects.filter(opted_out=True).values_list("channel", flat=True)
    ) == {"push"}


def test_preferences_refused_for_another_users_customer(client_for, customer, sales_user2):
    url = f"/messages/customers/{customer.pk}/preferences/"
    assert client_for(sales_user2).post(url, {"opted_out_sms": "on"}).status_code == 403
    assert not ChannelPreference.objects.exists()


def test_login_required(client):
    response = client.get("/messages/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- templates ---------------------------------------------------------------------------


def test_templates_page(web, django_assert_num_queries):
    page = fetch(web, "/messages/templates/").content.decode()
    assert "Account status changed" in page and "Transaction alert" in page
    assert page.count(">Edit</a>") == MessageTemplate.objects.count()
    with django_assert_num_queries(PINNED["templates"]):
        fetch(web, "/messages/templates/")


def test_templates_are_read_only_for_sales(client_for, sales_user):
    client = client_for(sales_user)
    page = fetch(client, "/messages/templates/").content.decode()
    assert ">View</a>" in page and ">Edit</a>" not in page
    template = MessageTemplate.objects.get(event="kyc_approved", channel="sms")
    page = fetch(client, f"/messages/templates/{template.pk}/").content.decode()
    assert "disabled" in page.split('name="body"')[1].split(">")[0]
    assert "Save template" not in page
    response = client.post(f"/messages/templates/{template.pk}/", {"body": "Hacked"})
    assert response.status_code == 403
    template.refresh_from_db()
    assert template.body != "Hacked"


def test_template_edit_with_preview(web):
    template = MessageTemplate.objects.get(event="kyc_rejected", channel="sms")
    url = f"/messages/templates/{template.pk}/"
    page = fetch(web, url).content.decode()
    assert "ClientDesk: your KYC could not be approved. The address proof has expired." in page
    assert "customer.first_name" in page  # the variables list
    response = web.post(
        url, {"subject": "", "body": "Sorry {{ customer.first_name }}: {{ reason }}"}
    )
    assert response.status_code == 302
    page = fetch(web, url).content.decode()
    assert "Sorry Asha: The address proof has expired." in page


def test_template_edit_errors(web):
    template = MessageTemplate.objects.get(event="kyc_rejected", channel="sms")
    response = web.post(f"/messages/templates/{template.pk}/", {"body": "{% include 'x' %}"})
    assert response.status_code == 400
    assert "is not allowed in message templates" in response.content.decode()
    assert web.get("/messages/templates/999999/").status_code == 404
