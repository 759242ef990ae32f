"""Customer pages: list, export, add/edit forms, status, reveal, activities, history."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from factories import SAMPLE_AADHAAR, SAMPLE_PAN, make_customer, move_to

from clientdesk.activities.models import Activity
from clientdesk.core.models import AuditEvent
from clientdesk.customers.models import Customer, Status
from clientdesk.customers.views import EXPORT_HEADER

pytestmark = pytest.mark.django_db

LIST = reverse("customers:list")
CREATE = reverse("customers:create")


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "first_name": "Asha",
        "last_name": "Verma",
        "date_of_birth": "1990-01-01",
        "gender": "female",
        "marital_status": "single",
        "mobile": "98765 43210",
        "alt_mobile": "",
        "email": "asha.verma@example.com",
        "address_line": "12 MG Road",
        "city": "Bengaluru",
        "state": "Karnataka",
        "postal_code": "560001",
        "country": "IN",
        "id_type": "passport",
        "id_number": "J8369854",
        "pan": SAMPLE_PAN,
        "aadhaar": SAMPLE_AADHAAR,
        "bank_account_number": "123456789012",
        "bank_ifsc": "HDFC0001234",
        "bank_name": "HDFC Bank",
        "income_band": "5l_10l",
        "occupation": "Engineer",
        "source_of_funds": "salary",
        "assigned_to": "",
    }
    data.update(overrides)
    return data


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def listed(admin_user: Any) -> list[Customer]:
    people = [
        make_customer(actor=admin_user, first_name="Zoya", last_name="Mirza", city="Delhi"),
        make_customer(actor=admin_user, first_name="Arjun", last_name="Rao", city="Pune"),
        make_customer(actor=admin_user, first_name="Meena", last_name="Iyer", city="Pune"),
    ]
    move_to(people[1], Status.ACTIVE, actor=admin_user)
    return people


# --- list and export ---------------------------------------------------------------------


def test_list_renders_rows(client_for: Any, support_user: Any, listed: list[Customer]) -> None:
    response = client_for(support_user).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    for customer in listed:
        assert customer.client_id in html
    assert SAMPLE_PAN not in html


def test_list_filters(client_for: Any, support_user: Any, listed: list[Customer]) -> None:
    response = client_for(support_user).get(LIST, {"status": "active"})
    html = response.content.decode()
    assert listed[1].client_id in html
    assert listed[0].client_id not in html and listed[2].client_id not in html

    response = client_for(support_user).get(LIST, {"city": "pune", "q": "meena"})
    html = response.content.decode()
    assert listed[2].client_id in html
    assert listed[1].client_id not in html


@pytest.mark.parametrize(("sort", "order"), [("name", [1, 2, 0]), ("-name", [0, 2, 1])])
def test_list_sort(
    client_for: Any, support_user: Any, listed: list[Customer], sort: str, order: list[int]
) -> None:
    html = client_for(support_user).get(LIST, {"sort": sort}).content.decode()
    positions = [html.index(listed[i].client_id) for i in order]
    assert positions == sorted(positions)


def test_list_htmx_returns_the_results_fragment(
    client_for: Any, support_user: Any, listed: list[Customer]
) -> None:
    response = client_for(support_user).get(LIST, {"q": "zoya"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    names = [t.name for t in response.templates]
    assert "core/_list_results.html" in names
    assert "base.html" not in names
    assert listed[0].client_id in response.content.decode()


def test_invalid_filter_shows_nothing_not_an_error(
    client_for: Any, support_user: Any, listed: list[Customer]
) -> None:
    response = client_for(support_user).get(LIST, {"status": "bogus"})
    assert response.status_code == 200
    assert listed[0].client_id not in response.content.decode()


def test_csv_export_is_masked_and_audited(
    client_for: Any, compliance: Any, listed: list[Customer]
) -> None:
    response = client_for(compliance).get(LIST, {"export": "csv", "city": "pune"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == EXPORT_HEADER
    assert len(rows) == 3  # header and the two customers in Pune
    by_id = {row[0]: dict(zip(EXPORT_HEADER, row, strict=True)) for row in rows[1:]}
    row = by_id[listed[1].client_id]
    assert row["PAN"] == f"XXXXXX{listed[1].pan[-4:]}"
    assert row["Aadhaar"] == f"XXXX XXXX {listed[1].aadhaar[-4:]}"
    assert row["Date of birth"] == "XX/XX/XXXX"
    assert row["Status"] == "Active"
    for customer in listed:
        assert customer.pan not in body and customer.aadhaar not in body
        assert customer.id_number not in body

    event = AuditEvent.objects.get(action="export")
    assert event.actor == compliance
    assert event.object_type == "customers.customer"
    assert event.changes == {"filters": {"city": "pune"}}
    assert event.source == "web"


# --- add ---------------------------------------------------------------------------------


def test_add_form_renders(client_for: Any, manager: Any) -> None:
    response = client_for(manager).get(CREATE)
    assert response.status_code == 200
    assert 'name="pan"' in response.content.decode()


def test_add_with_bad_pan_keeps_input_and_shows_error_beside_field(
    client_for: Any, manager: Any
) -> None:
    response = client_for(manager).post(CREATE, form_data(pan="ABCDE12345", city="Mysuru"))
    assert response.status_code == 400
    html = response.content.decode()
    form = response.context["form"]
    assert list(form.errors) == ["pan"]
    assert "valid PAN" in form.errors["pan"][0]
    # The message sits inside the PAN field's wrapper.
    start = html.index('name="pan"')
    wrapper_start = html.rindex('<div class="field', 0, start)
    assert "has-error" in html[wrapper_start:start]
    assert "valid PAN" in html[start : start + 1500]
    # What was typed is still there.
    assert 'value="Mysuru"' in html
    assert 'value="Asha"' in html
    assert 'value="ABCDE12345"' in html
    assert Customer.objects.count() == 0


def test_add_duplicate_mobile_names_the_other_customer(
    client_for: Any, manager: Any, customer: Customer
) -> None:
    response = client_for(manager).post(
        CREATE, form_data(email="other@example.com", pan="", aadhaar="", id_type="", id_number="")
    )
    assert response.status_code == 400
    assert customer.client_id in response.context["form"].errors["mobile"][0]


def test_add_valid_redirects_to_profile(client_for: Any, manager: Any) -> None:
    response = client_for(manager).post(CREATE, form_data())
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[customer.pk])
    assert customer.mobile == "+919876543210"
    assert customer.pan == SAMPLE_PAN
    assert any(customer.client_id in m for m in messages_of(response))


def test_read_role_cannot_open_add_form(client_for: Any, support_user: Any) -> None:
    assert client_for(support_user).get(CREATE).status_code == 403


# --- profile -----------------------------------------------------------------------------


def test_profile_overview_is_masked(client_for: Any, compliance: Any, customer: Customer) -> None:
    response = client_for(compliance).get(reverse("customers:detail", args=[customer.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert customer.client_id in html
    assert "XXXXXX234F" in html
    assert SAMPLE_PAN not in html and SAMPLE_AADHAAR not in html
    assert reverse("customers:reveal", args=[customer.pk, "pan"]) in html  # may reveal


def test_profile_without_reveal_permission_has_no_reveal_button(
    client_for: Any, support_user: Any, customer: Customer
) -> None:
    html = client_for(support_user).get(reverse("customers:detail", args=[customer.pk]))
    assert reverse("customers:reveal", args=[customer.pk, "pan"]) not in html.content.decode()


def test_unknown_tab_and_customer_are_404(
    client_for: Any, manager: Any, customer: Customer
) -> None:
    client = client_for(manager)
    assert client.get(reverse("customers:tab", args=[customer.pk, "nope"])).status_code == 404
    assert client.get(reverse("customers:detail", args=[999999])).status_code == 404


# --- edit --------------------------------------------------------------------------------


def test_edit_form_does_not_prefill_sensitive_values(
    client_for: Any, manager: Any, customer: Customer
) -> None:
    response = client_for(manager).get(reverse("customers:edit", args=[customer.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Bengaluru"' in html
    assert SAMPLE_PAN not in html and SAMPLE_AADHAAR not in html


def test_edit_saves_and_keeps_blank_sensitive_values(
    client_for: Any, manager: Any, customer: Customer
) -> None:
    data = form_data(
        city="Mysuru", pan="", aadhaar="", id_number="", bank_account_number="", date_of_birth=""
    )
    response = client_for(manager).post(reverse("customers:edit", args=[customer.pk]), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    fresh = Customer.objects.get(pk=customer.pk)
    assert fresh.city == "Mysuru"
    assert (fresh.pan, fresh.aadhaar) == (SAMPLE_PAN, SAMPLE_AADHAAR)
    assert fresh.date_of_birth is not None


def test_edit_with_error_is_400(client_for: Any, manager: Any, customer: Customer) -> None:
    data = form_data(postal_code="1")
    response = client_for(manager).post(reverse("customers:edit", args=[customer.pk]), data)
    assert response.status_code == 400
    assert "postal_code" in response.context["form"].errors


def test_sales_user_cannot_edit_others_customer(
    client_for: Any, sales_user2: Any, customer: Customer
) -> None:
    client = client_for(sales_user2)
    assert client.get(reverse("customers:edit", args=[customer.pk])).status_code == 403
    response = client.post(reverse("customers:edit", args=[customer.pk]), form_data(city="X"))
    assert response.status_code == 403
    assert Customer.objects.get(pk=customer.pk).city == "Bengaluru"


# --- status, reveal, activity, history ---------------------------------------------------


def test_status_change_post(client_for: Any, manager: Any, customer: Customer) -> None:
    url = reverse("customers:status", args=[customer.pk])
    response = client_for(manager).post(url, {"status": "active", "reason": "KYC verified"})
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[customer.pk])
    assert Customer.objects.get(pk=customer.pk).status == Status.ACTIVE
    assert "Status changed." in messages_of(response)


def test_invalid_status_change_shows_a_message(
    client_for: Any, manager: Any, customer: Customer
) -> None:
    url = reverse("customers:status", args=[customer.pk])
    response = client_for(manager).post(url, {"status": "suspended", "reason": "x"})
    assert response.status_code == 302
    assert Customer.objects.get(pk=customer.pk).status == Status.PENDING
    assert any("cannot become" in m for m in messages_of(response))

    response = client_for(manager).post(url, {"status": "active", "reason": ""})
    assert Customer.objects.get(pk=customer.pk).status == Status.PENDING
    assert any("Reason" in m or "reason" in m for m in messages_of(response))


def test_unblock_by_compliance_is_403(client_for: Any, compliance: Any, admin_user: Any) -> None:
    customer = make_customer(actor=admin_user, status=Status.BLOCKED)
    url = reverse("customers:status", args=[customer.pk])
    response = client_for(compliance).post(url, {"status": "active", "reason": "cleared"})
    assert response.status_code == 403
    assert Customer.objects.get(pk=customer.pk).status == Status.BLOCKED


def test_reveal_htmx(client_for: Any, compliance: Any, customer: Customer) -> None:
    url = reverse("customers:reveal", args=[customer.pk, "pan"])
    response = client_for(compliance).post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert SAMPLE_PAN in response.content.decode()
    assert "base.html" not in [t.name for t in response.templates]
    event = AuditEvent.objects.get(action="reveal")
    assert (event.actor, event.changes, event.source) == (compliance, {"field": "pan"}, "web")


@pytest.mark.parametrize("role", ["sales", "support", "manager"])
def test_reveal_refused(
    client_for: Any, users_by_role: dict[str, Any], customer: Customer, role: str
) -> None:
    url = reverse("customers:reveal", args=[customer.pk, "aadhaar"])
    response = client_for(users_by_role[role]).post(url, headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert SAMPLE_AADHAAR not in response.content.decode()
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_reveal_get_is_not_allowed(client_for: Any, compliance: Any, customer: Customer) -> None:
    url = reverse("customers:reveal", args=[customer.pk, "pan"])
    assert client_for(compliance).get(url).status_code == 405


def test_add_activity(client_for: Any, sales_user: Any, customer: Customer) -> None:
    url = reverse("customers:add_activity", args=[customer.pk])
    response = client_for(sales_user).post(url, {"kind": "call", "body": "Discussed SIP options"})
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:tab", args=[customer.pk, "activities"])
    activity = Activity.objects.get(customer=customer, kind="call")
    assert (activity.body, activity.actor) == ("Discussed SIP options", sales_user)

    tab = client_for(sales_user).get(response["Location"])
    assert tab.status_code == 200
    assert "Discussed SIP options" in tab.content.decode()


def test_add_empty_activity_is_refused(client_for: Any, manager: Any, customer: Customer) -> None:
    url = reverse("customers:add_activity", args=[customer.pk])
    before = Activity.objects.count()
    response = client_for(manager).post(url, {"kind": "note", "body": ""})
    assert response.status_code == 302
    assert Activity.objects.count() == before
    assert messages_of(response)


def test_history_tab(client_for: Any, compliance: Any, customer: Customer, admin_user: Any) -> None:
    from clientdesk.customers import services

    services.update_customer(
        customer, actor=admin_user, data={"city": "Mysuru", "pan": "ZZZPZ9876Y"}
    )
    response = client_for(compliance).get(reverse("customers:tab", args=[customer.pk, "history"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mysuru" in html
    assert "[redacted]" in html
    assert "ZZZPZ9876Y" not in html and SAMPLE_PAN not in html
    assert admin_user.username in html


def test_anonymous_is_sent_to_login(client_for: Any, customer: Customer) -> None:
    response = client_for().get(reverse("customers:detail", args=[customer.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_status_dialog_disables_what_cannot_succeed_and_says_why(
    client_for: Any, admin_user: Any, settings: Any
) -> None:
    from factories import make_customer

    settings.KYC_REQUIRED_FOR_ACTIVATION = True
    pending = make_customer(actor=admin_user)  # KYC not approved: activation would be refused
    html = client_for(admin_user).get(f"/customers/{pending.pk}/").content.decode()
    assert '<option value="active" disabled>Active (not possible now)</option>' in html
    assert 'data-testid="refused-active"' in html and "KYC" in html
    assert '<option value="suspended">' in html or '<option value="blocked">' in html


def test_an_invalid_filter_speaks_in_its_label(client_for: Any, admin_user: Any) -> None:
    html = client_for(admin_user).get("/customers/?created_after=31-31-2026").content.decode()
    error = re.search(r'data-testid="filter-error-created_after">(.*?)</div>', html, re.S)
    assert error, "no error for the date filter"
    assert "<strong>Registered from</strong>: Enter a valid date" in error.group(1)
    assert "<strong>created_after</strong>" not in html
