"""Call pages: the list (filters, export, visibility), the profile tab, the quick actions."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.utils import timezone
from factories import make_customer, profile_tab_counts

from clientdesk.activities.models import Activity, Kind
from clientdesk.calls import services
from clientdesk.calls.models import CallLog

from .conftest import row

pytestmark = pytest.mark.django_db

LIST_URL = "/calls/"


def log(actor: Any, **overrides: Any) -> CallLog:
    return services.log_call(actor=actor, data=row(**overrides))[0]


def many_calls(actor: Any, customer: Any, n: int) -> None:
    """n calls, half linked to the customer, with staff set: what the rows display."""
    rows = [
        row(to_number=customer.mobile if i % 2 else f"91{i:08d}", notes=f"note {i}")
        for i in range(n)
    ]
    services.intake_calls(actor=actor, rows=rows)


# ----------------------------------------------------------------------------- list


def test_call_list_shows_calls_with_their_customer(client_for, manager, customer):
    log(manager, to_number=customer.mobile, notes="Wants a demat account")
    response = client_for(manager).get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert customer.full_name in html and "Wants a demat account" in html
    assert "Cold call" in html and "Export CSV" in html and "Log a call" in html


def test_sales_users_see_only_their_own_calls_on_the_page(
    client_for, sales_user, sales_user2, customer
):
    log(sales_user, to_number=customer.mobile, notes="mine")
    log(sales_user2, to_number=customer.mobile, notes="colleague's")
    html = client_for(sales_user).get(LIST_URL).content.decode()
    assert "mine" in html and "colleague&#x27;s" not in html
    assert 'name="staff"' not in html  # no staff filter for own-scope users


def test_call_list_filters_and_htmx_partial(client_for, manager, customer):
    log(manager, to_number=customer.mobile, notes="outgoing one")
    log(manager, direction="incoming", from_number="9100000009", to_number="", notes="incoming one")
    client = client_for(manager)
    response = client.get(
        LIST_URL, {"direction": "incoming", "period": "today"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "incoming one" in html and "outgoing one" not in html
    invalid = client.get(LIST_URL, {"period": "someday"}).content.decode()
    assert "alert-error" in invalid and "outgoing one" not in invalid


def test_call_list_export_csv_is_audited(client_for, manager, customer):
    log(manager, to_number=customer.mobile, notes="exported")
    response = client_for(manager).get(LIST_URL, {"export": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Started" and len(rows) == 2
    assert rows[1][6] == customer.full_name and rows[1][11] == "exported"
    from clientdesk.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="export", object_type="calls.calllog").exists()


def test_call_list_query_count_is_pinned(client_for, manager, customer, django_assert_num_queries):
    client = client_for(manager)
    many_calls(manager, customer, 4)
    client.get(LIST_URL)
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(LIST_URL).status_code == 200
    many_calls(manager, customer, 30)
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(LIST_URL).status_code == 200


# session, user, role access, role (edit scope), the page of calls (customer, lead and staff
# joined), nav badge (tasks due), unread notifications, staff filter choices: the same for 4
# calls as for 34.
LIST_QUERIES = 8


def test_no_calls_access_is_forbidden(client_for, user_factory):
    nobody = user_factory(None, username="norole")
    assert client_for(nobody).get(LIST_URL).status_code == 403
    assert client_for(None).get(LIST_URL).status_code == 302


# ----------------------------------------------------------------------------- log a call page


def test_log_a_call_by_number(client_for, sales_user, customer):
    client = client_for(sales_user)
    assert client.get("/calls/new/").status_code == 200
    response = client.post(
        "/calls/new/",
        {
            "direction": "outgoing",
            "number": "98765 43210",
            "status": "completed",
            "duration": "2:30",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/calls/"
    call = CallLog.objects.get()
    assert call.duration_seconds == 150 and call.staff == sales_user and call.customer == customer


def test_log_a_call_form_keeps_input_and_names_the_bad_field(client_for, sales_user):
    response = client_for(sales_user).post(
        "/calls/new/",
        {"direction": "outgoing", "number": "12", "status": "completed", "duration": "9:75"},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "duration" in form.errors
    response = client_for(sales_user).post(
        "/calls/new/",
        {"direction": "outgoing", "number": "12", "status": "completed", "duration": "3"},
    )
    assert response.status_code == 400
    assert "number" in response.context["form"].errors
    assert 'value="12"' in response.content.decode()
    assert CallLog.objects.count() == 0


def test_read_only_roles_cannot_open_the_log_form(client_for, compliance):
    assert client_for(compliance).get("/calls/new/").status_code == 403


# ----------------------------------------------------------------------------- profile


def test_profile_quick_actions_open_the_dialog_and_log_whatsapp(client_for, sales_user, customer):
    html = client_for(sales_user).get(f"/customers/{customer.pk}/").content.decode()
    assert f'href="tel:{customer.mobile}" data-log-call' in html
    assert f'href="https://wa.me/{customer.mobile[1:]}"' in html
    assert 'id="log-call-dialog"' in html
    assert f"/calls/customer/{customer.pk}/whatsapp/" in html


def test_read_only_calls_role_gets_no_log_dialog(client_for, compliance, customer):
    html = client_for(compliance).get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="log-call-dialog"' not in html and "data-log-call" in html


def test_log_call_dialog_posts_a_call_for_the_customer(client_for, sales_user):
    customer = make_customer(alt_mobile="9811111111")
    client = client_for(sales_user)
    response = client.post(
        f"/calls/customer/{customer.pk}/log/",
        {
            "number": customer.alt_mobile,
            "direction": "outgoing",
            "status": "did_not_pick",
            "duration": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/calls/"
    call = CallLog.objects.get()
    assert (call.customer, call.to_number, call.status) == (
        customer,
        customer.alt_mobile,
        "did_not_pick",
    )
    assert Activity.objects.filter(customer=customer, kind=Kind.CALL).count() == 1


def test_log_call_dialog_refuses_a_number_that_is_not_the_customers(
    client_for, sales_user, customer
):
    response = client_for(sales_user).post(
        f"/calls/customer/{customer.pk}/log/",
        {"number": "+919999999999", "direction": "outgoing", "status": "completed"},
        follow=True,
    )
    assert CallLog.objects.count() == 0
    assert "Number:" in response.content.decode()


def test_whatsapp_quick_action_logs_an_activity(client_for, sales_user, customer):
    client = client_for(sales_user)
    url = f"/calls/customer/{customer.pk}/whatsapp/"
    assert client.post(url, {"number": customer.mobile}).status_code == 201
    assert client.post(url, {"number": customer.mobile}).status_code == 200  # deduplicated
    assert client.get(url).status_code == 405
    activity = Activity.objects.get(kind=Kind.WHATSAPP)
    assert activity.customer == customer and activity.actor == sales_user


def test_calls_tab_counts_and_lists_what_the_user_may_see(
    client_for, sales_user, sales_user2, manager, customer
):
    log(sales_user, to_number=customer.mobile, notes="mine")
    log(sales_user2, to_number=customer.mobile, notes="theirs")
    sales_html = client_for(sales_user).get(f"/customers/{customer.pk}/calls/").content.decode()
    assert "mine" in sales_html and "theirs" not in sales_html
    assert 'Call logs <span class="count">1</span>' in sales_html
    manager_html = client_for(manager).get(f"/customers/{customer.pk}/calls/").content.decode()
    assert "theirs" in manager_html and 'Call logs <span class="count">2</span>' in manager_html


def test_calls_tab_empty_state(client_for, manager, customer):
    html = client_for(manager).get(f"/customers/{customer.pk}/calls/").content.decode()
    assert "No calls yet" in html and 'data-open-dialog="log-call-dialog"' in html


def test_calls_tab_query_count_is_pinned(client_for, manager, customer, django_assert_num_queries):
    client = client_for(manager)
    url = f"/customers/{customer.pk}/calls/"
    many_calls(manager, customer, 4)
    client.get(url)
    pinned = TAB_QUERIES + profile_tab_counts(manager)
    with django_assert_num_queries(pinned):
        assert client.get(url).status_code == 200
    many_calls(manager, customer, 30)
    with django_assert_num_queries(pinned):
        assert client.get(url).status_code == 200


# The customer profile (session, user, role access, customer, role, nav badge, unread
# notifications; + one count per visible tab) plus the page of calls (staff and lead joined;
# its count is the tab's): the same for 2 calls as for 17.
TAB_QUERIES = 8


def test_started_at_is_shown_in_local_time(client_for, manager, customer):
    when = timezone.make_aware(dt.datetime(2025, 1, 31, 9, 5))
    log(manager, to_number=customer.mobile, started_at=when.isoformat())
    html = client_for(manager).get(f"/customers/{customer.pk}/calls/").content.decode()
    assert "31 Jan 2025, 09:05" in html


@pytest.mark.parametrize("sort", ["started_at", "-started_at", "party", "-duration", "status"])
def test_every_sortable_column_is_a_valid_sort(client_for, manager, customer, sort):
    log(manager, to_number=customer.mobile, notes="sorted")
    response = client_for(manager).get(LIST_URL, {"sort": sort})
    html = response.content.decode()
    assert response.status_code == 200 and "alert-error" not in html and "sorted" in html


def test_log_call_dialog_keeps_errors_and_input_in_the_dialog(client_for, sales_user, customer):
    """Sent by htmx: a refused call answers 422 with the form (errors beside their fields,
    what was typed kept), which htmx swaps into the still-open dialog; nothing is stored."""
    response = client_for(sales_user).post(
        f"/calls/customer/{customer.pk}/log/",
        {
            "number": customer.mobile,
            "direction": "outgoing",
            "status": "completed",
            "duration": "soon",
            "notes": "Asked about the margin call",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith("<form") and 'data-testid="log-call-form"' in html
    assert "The call was not logged." in html
    duration = re.search(r'<div class="field[^"]*has-error[^"]*">.*?</div>\s*</div>', html, re.S)
    assert duration and 'name="duration"' in duration.group(0)
    assert "Asked about the margin call" in html and 'value="soon"' in html
    assert CallLog.objects.count() == 0


def test_log_call_dialog_success_reloads_the_calls_tab(client_for, sales_user, customer):
    response = client_for(sales_user).post(
        f"/calls/customer/{customer.pk}/log/",
        {"number": customer.mobile, "direction": "outgoing", "status": "completed",
         "duration": "2:30"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/customers/{customer.pk}/calls/"
    assert CallLog.objects.get().duration_seconds == 150
