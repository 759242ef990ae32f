"""Audit records read as a person would: labels, names, local dates, "—" for empty."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from clientdesk.core.audit_display import AuditDisplay
from clientdesk.core.models import AuditEvent

pytestmark = pytest.mark.django_db

# session, user, role access, nav badges ..., count, page, + one per model the rows name
AUDIT_PAGE_QUERIES = 9


def event(object_type: str, changes: dict[str, Any], **kwargs: Any) -> AuditEvent:
    return AuditEvent(object_type=object_type, changes=changes, **kwargs)


def shown(*events: AuditEvent) -> list[str]:
    display = AuditDisplay(events)
    return [str(display.changes(e)) for e in events]


def test_timestamps_are_local_dates_and_empty_is_a_dash() -> None:
    [html] = shown(
        event(
            "customers.customer",
            {"last_reviewed_at": {"old": None, "new": "2026-12-07T14:13:09.518850+00:00"}},
        )
    )
    assert "Last reviewed at" in html
    assert "— → 07 Dec 2026, 19:43" in html  # Asia/Kolkata, the firm's zone
    assert "∅" not in html and "T14:13" not in html


def test_labels_keep_their_capitals_and_choices_show_their_labels() -> None:
    [html] = shown(
        event(
            "customers.customer", {"kyc_status": {"old": "documents_pending", "new": "in_review"}}
        )
    )
    assert "KYC status" in html and "Kyc status" not in html
    assert "Documents pending → In review" in html


def test_flags_read_yes_and_no_and_dotted_keys_read_as_words() -> None:
    [html] = shown(event("customers.customer", {"opt_out.email": {"old": False, "new": True}}))
    assert "Opt out (email)" in html and "No → Yes" in html
    assert "False" not in html


def test_a_foreign_key_shows_the_name_linked(admin_user: Any, sales_user: Any) -> None:
    [html] = shown(
        event("customers.customer", {"assigned_to": {"old": None, "new": sales_user.pk}})
    )
    assert sales_user.get_full_name() in html
    assert f'href="{reverse("accounts:user_edit", args=[sales_user.pk])}"' in html
    assert f"→ {sales_user.pk}<" not in html


def test_a_record_reference_links_the_record(customer: Any) -> None:
    [html] = shown(
        event(
            "followups.task", {"subject": {"old": None, "new": f"customers.customer:{customer.pk}"}}
        )
    )
    assert customer.full_name in html
    assert reverse("customers:detail", args=[customer.pk]) in html
    assert "customers.customer:" not in html


def test_a_reference_to_a_deleted_record_names_its_kind() -> None:
    [html] = shown(
        event("followups.task", {"subject": {"old": None, "new": "tickets.ticket:999999"}})
    )
    assert "Ticket #999999" in html


def test_lists_are_words_not_python() -> None:
    [html] = shown(event("kyc.document", {"problems": ["sharpness", "ocr"], "ids": []}))
    assert "sharpness, ocr" in html
    assert "[" not in html and "'" not in html
    assert "Ids</span> —" in html


def test_digests_are_shortened_and_big_numbers_grouped() -> None:
    [html] = shown(event("kyc.document", {"sha256": "b" * 64, "count": 300000}))
    assert "bbbbbbbbbbbb…" in html and "b" * 13 not in html
    assert "300,000" in html


def test_the_target_names_the_record_and_its_kind(customer: Any) -> None:
    display = AuditDisplay([])
    target = str(
        display.target(
            event("customers.customer", {}, object_id=str(customer.pk), object_repr="Asha Rao")
        )
    )
    assert "Asha Rao" in target and "Customer" in target
    assert reverse("customers:detail", args=[customer.pk]) in target
    assert "customers.customer:" not in target


def test_a_page_resolves_its_references_in_one_query_per_model(
    django_assert_num_queries: Any, admin_user: Any, sales_user: Any, customer: Any
) -> None:
    events = [
        event("customers.customer", {"assigned_to": {"old": admin_user.pk, "new": sales_user.pk}}),
        event("tickets.ticket", {"customer": {"old": None, "new": customer.pk}}),
        event("followups.task", {"assignee": {"old": None, "new": admin_user.pk}}),
    ] * 10
    with django_assert_num_queries(2):  # users, customers
        display = AuditDisplay(events)
        for e in events:
            display.changes(e)


def test_the_audit_trail_page_reads_as_words(
    client_for: Any, compliance: Any, admin_user: Any, sales_user: Any, customer: Any
) -> None:
    from clientdesk.customers import services

    services.update_customer(customer, actor=admin_user, data={"assigned_to": sales_user})
    response = client_for(compliance).get(reverse("audit:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert sales_user.get_full_name() in html
    assert reverse("customers:detail", args=[customer.pk]) in html
    assert "customers.customer:" not in html


@pytest.mark.parametrize("events", [1, 30])
def test_the_audit_trail_page_costs_the_same_for_any_number_of_rows(
    client_for: Any,
    compliance: Any,
    admin_user: Any,
    sales_user: Any,
    customer: Any,
    events: int,
    django_assert_num_queries: Any,
) -> None:
    from clientdesk.customers import services

    for n in range(events):
        user = sales_user if n % 2 else admin_user
        services.update_customer(customer, actor=admin_user, data={"assigned_to": user})
    client = client_for(compliance)
    client.get(reverse("audit:list"))  # warm the session
    with django_assert_num_queries(AUDIT_PAGE_QUERIES):
        assert client.get(reverse("audit:list")).status_code == 200
