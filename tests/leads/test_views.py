"""Lead pages: list (filters, sort, saved filters, bulk, CSV), board, detail, forms, actions."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from factories import SAMPLE_PAN
from read_scopes import set_read_scope

from clientdesk.activities.models import Kind
from clientdesk.activities.services import add_manual_activity, timeline
from clientdesk.core.models import AuditEvent
from clientdesk.customers.models import Customer
from clientdesk.leads import services
from clientdesk.leads.models import Lead, LeadStatus, SavedFilter
from clientdesk.leads.views import EXPORT_HEADER

from .conftest import lead_data

pytestmark = pytest.mark.django_db

S = LeadStatus
LIST = reverse("leads:list")
BOARD = reverse("leads:board")
CREATE = reverse("leads:create")
BULK = reverse("leads:bulk")


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_data(**overrides: Any) -> dict[str, Any]:
    data = lead_data(mobile="98765 43210", email="ravi@example.com")
    data.update({"owner": "", "alt_mobile": "", "pan": "", "aadhaar": ""})
    data.update(overrides)
    return {k: "" if v is None else v for k, v in data.items()}


@pytest.fixture
def listed(lead_factory: Callable[..., Lead], sales_user: Any, sales_user2: Any) -> list[Lead]:
    return [
        lead_factory(owner=sales_user, first_name="Zoya", source="referral"),
        lead_factory(owner=sales_user2, first_name="Arjun", status=S.CONTACTED),
        lead_factory(owner=sales_user, first_name="Meena", status=S.SENT_TO_HO, pan=SAMPLE_PAN),
    ]


# --- list --------------------------------------------------------------------------------


def test_list_renders_rows_badges_and_actions(
    client_for: Any, sales_user: Any, listed: list[Lead]
) -> None:
    set_read_scope("sales", "leads", "all")  # the list itself; scopes: tests/accounts
    response = client_for(sales_user).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    for lead in listed:
        assert lead.full_name in html and f'value="{lead.pk}"' in html
    assert 'class="badge badge-orange">Sent to HO<' in html
    assert 'id="bulk-form"' in html and "Add lead" in html
    assert 'value="assign"' not in html  # a Sales User cannot bulk-assign


def test_list_filters_search_and_sort(
    client_for: Any, sales_user: Any, sales_user2: Any, listed: list[Lead]
) -> None:
    set_read_scope("sales", "leads", "all")  # the list itself; scopes: tests/accounts
    client = client_for(sales_user)

    def shown(**params: Any) -> list[str]:
        response = client.get(LIST, params)
        assert response.status_code == 200
        table = response.context["table"]
        return [row.record.first_name for row in table.paginated_rows]

    assert shown(status=S.CONTACTED) == ["Arjun"]
    assert shown(source="referral") == ["Zoya"]
    assert sorted(shown(owner=sales_user.pk)) == ["Meena", "Zoya"]
    assert shown(q="arj") == ["Arjun"]
    assert shown(q=listed[2].mobile[-7:]) == ["Meena"]
    assert shown(sort="name") == ["Arjun", "Meena", "Zoya"]
    assert shown(sort="-name") == ["Zoya", "Meena", "Arjun"]
    assert shown(created_after="2000-01-01", created_before="2000-01-02") == []
    assert shown(status="bogus") == []


def test_list_htmx_returns_only_results(client_for: Any, sales_user: Any, listed: Any) -> None:
    response = client_for(sales_user).get(LIST, {"q": "zoy"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Zoya" in html and "<html" not in html and "bulk-form" not in html.split("<table")[0]


def test_read_only_role_sees_no_write_controls(
    client_for: Any, support_user: Any, listed: Any
) -> None:
    html = client_for(support_user).get(LIST).content.decode()
    assert "Add lead" not in html and 'id="bulk-form"' not in html


def test_manager_sees_bulk_assign(client_for: Any, manager: Any, listed: Any) -> None:
    assert 'value="assign"' in client_for(manager).get(LIST).content.decode()


def test_csv_export_masks_and_audits(
    client_for: Any, sales_user: Any, listed: list[Lead], admin_user: Any
) -> None:
    services.convert_lead(
        services.change_lead_status(
            services.change_lead_status(
                listed[2], actor=admin_user, to_status=S.DOCUMENTS_VERIFIED
            ),
            actor=admin_user,
            to_status=S.ACCOUNT_OPENED,
        ),
        actor=admin_user,
    )
    response = client_for(sales_user).get(
        LIST, {"status": [S.ACCOUNT_OPENED, S.NEW], "export": "csv"}
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == EXPORT_HEADER
    by_name = {row[1]: row for row in rows[1:]}
    assert set(by_name) == {"Zoya", "Meena"}
    meena = dict(zip(EXPORT_HEADER, by_name["Meena"], strict=True))
    assert meena["PAN"] == "XXXXXX234F" and SAMPLE_PAN not in body
    assert meena["Status"] == "Account Opened" and meena["Customer"].startswith("CD")
    assert AuditEvent.objects.filter(action="export", object_type="leads.lead").exists()


def test_list_query_count_is_pinned_and_flat(
    client_for: Any,
    lead_factory: Callable[..., Lead],
    manager: Any,
    sales_user: Any,
    django_assert_num_queries: Any,
    nav_queries: Callable[[Any], int],
) -> None:
    client = client_for(manager)
    services.save_filter(actor=manager, list_key="leads", name="Mine", query="owner=1")
    lead_factory(owner=sales_user)
    expected = LIST_QUERIES + nav_queries(manager)
    client.get(LIST)  # warm caches that do not depend on the rows (content types ...)
    with django_assert_num_queries(expected):
        assert client.get(LIST).status_code == 200
    for i in range(20):
        lead = lead_factory(owner=sales_user if i % 2 else manager)
        if i % 3 == 0:
            services.change_lead_status(lead, actor=manager, to_status=S.CONTACTED)
    with django_assert_num_queries(expected):
        response = client.get(LIST)
    assert len(list(response.context["table"].paginated_rows)) == 21


# session, user, role access, count (django-tables2's default paginator, see core
# ObjectListView), leads + owners, role (row rule), saved filters, owner choices in the
# filter bar and in the bulk bar
LIST_QUERIES = 8


# --- saved filters -----------------------------------------------------------------------


def test_save_apply_and_delete_a_filter(
    client_for: Any, sales_user: Any, sales_user2: Any, listed: list[Lead]
) -> None:
    set_read_scope("sales", "leads", "all")  # the list itself; scopes: tests/accounts
    client = client_for(sales_user)
    query = f"status={S.CONTACTED}&owner={sales_user2.pk}"
    response = client.post(
        reverse("leads:save_filter"), {"name": "Arjun's", "query": query, "next": LIST}
    )
    assert response.status_code == 302 and response["Location"] == f"{LIST}?{query}"
    saved = SavedFilter.objects.get(user=sales_user)
    assert (saved.list_key, saved.query) == ("leads", query)
    page = client.get(LIST).content.decode()
    assert f'href="{LIST}?status={S.CONTACTED}&amp;owner={sales_user2.pk}"' in page
    applied = client.get(f"{LIST}?{query}")
    assert [row.record for row in applied.context["table"].paginated_rows] == [listed[1]]
    assert 'class="saved-filter active"' in applied.content.decode()
    # Private: another user neither sees nor deletes it.
    other = client_for(sales_user2)
    assert "Arjun&#x27;s" not in other.get(LIST).content.decode()
    assert other.post(reverse("leads:delete_filter", args=[saved.pk])).status_code == 404
    response = client.post(reverse("leads:delete_filter", args=[saved.pk]))
    assert response.status_code == 302 and not SavedFilter.objects.exists()


def test_saving_needs_a_name_and_only_read_access(client_for: Any, support_user: Any) -> None:
    client = client_for(support_user)
    response = client.post(reverse("leads:save_filter"), {"name": "", "query": "a=1"})
    assert response.status_code == 302 and not SavedFilter.objects.exists()
    client.post(reverse("leads:save_filter"), {"name": "Open", "query": "?status=new"})
    assert SavedFilter.objects.get(user=support_user).query == "status=new"


# --- bulk --------------------------------------------------------------------------------


def test_bulk_status_from_the_list(client_for: Any, sales_user: Any, listed: list[Lead]) -> None:
    zoya, meena = listed[0], listed[2]
    client = client_for(sales_user)
    back = f"{LIST}?owner={sales_user.pk}"
    response = client.post(
        BULK,
        {"action": "status", "ids": [zoya.pk], "status": S.CONTACTED, "note": "x", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    assert messages_of(response) == ["1 lead moved to Contacted."]
    client.get(LIST)  # shows (and so consumes) the message
    zoya.refresh_from_db()
    assert zoya.status == S.CONTACTED
    # All or nothing: Arjun is not hers and Meena cannot move to Contacted.
    response = client.post(
        BULK,
        {"action": "status", "ids": [meena.pk, listed[1].pk], "status": S.FOLLOWUP_SCHEDULED},
    )
    notes = messages_of(response)
    assert notes[0] == "Nothing was changed:" and len(notes) == 3
    assert Lead.objects.get(pk=meena.pk).status == S.SENT_TO_HO


def test_bulk_assign_from_the_list(
    client_for: Any, manager: Any, sales_user2: Any, listed: list[Lead]
) -> None:
    ids = [lead.pk for lead in listed]
    response = client_for(manager).post(
        BULK, {"action": "assign", "ids": ids, "owner": sales_user2.pk}
    )
    assert response.status_code == 302
    assert Lead.objects.filter(owner=sales_user2).count() == 3
    assert "3 leads assigned" in messages_of(response)[0]


def test_bulk_form_errors(client_for: Any, sales_user: Any, listed: list[Lead]) -> None:
    client = client_for(sales_user)
    response = client.post(BULK, {"action": "status", "ids": [listed[0].pk]})
    assert any("Choose the new status" in m for m in messages_of(response))
    client.get(LIST)
    response = client.post(BULK, {"action": "assign", "ids": [listed[0].pk], "owner": ""})
    assert any("Choose who gets the leads" in m for m in messages_of(response))
    client.get(LIST)
    response = client.post(BULK, {"action": "status", "status": S.CONTACTED})
    assert response.status_code == 302 and messages_of(response)
    response = client.post(
        BULK,
        {
            "action": "status",
            "ids": [listed[0].pk],
            "status": S.CONTACTED,
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == LIST


def test_bulk_needs_write(client_for: Any, support_user: Any, listed: list[Lead]) -> None:
    response = client_for(support_user).post(
        BULK, {"action": "status", "ids": [listed[0].pk], "status": S.CONTACTED}
    )
    assert response.status_code == 403


# --- board -------------------------------------------------------------------------------


def test_board_columns_counts_and_move(
    client_for: Any, sales_user: Any, listed: list[Lead]
) -> None:
    set_read_scope("sales", "leads", "all")  # the list itself; scopes: tests/accounts
    client = client_for(sales_user)
    response = client.get(BOARD)
    assert response.status_code == 200
    columns = {c["status"]: c for c in response.context["columns"]}
    assert list(columns) == [s.value for s in LeadStatus]
    assert columns[S.NEW]["count"] == 1 and columns[S.CONTACTED]["count"] == 1
    html = response.content.decode()
    assert 'data-testid="count-sent_to_ho">1<' in html
    # Her own cards carry a move form; Arjun's (another owner's) does not.
    assert f'action="{reverse("leads:status", args=[listed[0].pk])}"' in html
    assert f'action="{reverse("leads:status", args=[listed[1].pk])}"' not in html
    response = client.post(
        reverse("leads:status", args=[listed[0].pk]),
        {"status": S.CONTACTED, "next": BOARD},
    )
    assert response["Location"] == BOARD
    assert Lead.objects.get(pk=listed[0].pk).status == S.CONTACTED


def test_board_filters_and_limits(
    client_for: Any, lead_factory: Callable[..., Lead], sales_user: Any, monkeypatch: Any
) -> None:
    for _ in range(4):
        lead_factory(owner=sales_user)
    lead_factory(owner=sales_user, status=S.CONTACTED)
    from clientdesk.leads import selectors

    original = selectors.board
    monkeypatch.setattr(selectors, "board", lambda qs: original(qs, per_column=3))
    response = client_for(sales_user).get(BOARD, {"status": S.NEW, "sort": "name"})
    columns = response.context["columns"]
    assert [c["status"] for c in columns] == [S.NEW]
    assert columns[0]["count"] == 4 and len(columns[0]["cards"]) == 3 and columns[0]["more"] == 1
    assert "+ 1 more in the list" in response.content.decode()


def test_board_query_count_is_pinned_and_flat(
    client_for: Any,
    lead_factory: Callable[..., Lead],
    sales_user: Any,
    django_assert_num_queries: Any,
    nav_queries: Callable[[Any], int],
) -> None:
    client = client_for(sales_user)
    lead_factory(owner=sales_user)
    expected = BOARD_QUERIES + nav_queries(sales_user)
    client.get(BOARD)
    with django_assert_num_queries(expected):
        client.get(BOARD)
    for status in (S.NEW, S.CONTACTED, S.SENT_TO_HO, S.ACCOUNT_OPENED) * 3:
        lead_factory(owner=sales_user, status=status)
    with django_assert_num_queries(expected):
        response = client.get(BOARD)
    assert response.context["total"] == 13


# session, user, role access, counts per status, cards + owners, role (row rule), saved
# filters, owner choices in the filter bar
BOARD_QUERIES = 8


# --- detail ------------------------------------------------------------------------------


def test_detail_shows_fields_history_timeline_and_actions(
    client_for: Any, sales_user: Any, lead_factory: Callable[..., Lead]
) -> None:
    lead = lead_factory(owner=sales_user, pan=SAMPLE_PAN, status=S.CONTACTED)
    response = client_for(sales_user).get(reverse("leads:detail", args=[lead.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert lead.full_name in html and lead.mobile in html
    assert 'data-testid="status-badge">Contacted<' in html
    assert "XXXXXX234F" in html and SAMPLE_PAN not in html
    assert "New → Contacted" in html  # status history and timeline
    assert 'id="status-dialog"' in html and "Follow-up Scheduled" in html
    assert reverse("leads:add_activity", args=[lead.pk]) in html
    assert "Convert to customer" not in html  # not opened yet


def test_detail_for_another_sales_user_is_read_only(
    client_for: Any, sales_user2: Any, lead: Lead
) -> None:
    html = client_for(sales_user2).get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert 'id="status-dialog"' not in html and reverse("leads:edit", args=[lead.pk]) not in html


def test_detail_query_count_is_pinned_and_flat(
    client_for: Any,
    lead_factory: Callable[..., Lead],
    sales_user: Any,
    django_assert_num_queries: Any,
    nav_queries: Callable[[Any], int],
) -> None:
    lead = lead_factory(owner=sales_user)
    client = client_for(sales_user)
    url = reverse("leads:detail", args=[lead.pk])
    expected = DETAIL_QUERIES + nav_queries(sales_user)
    client.get(url)
    with django_assert_num_queries(expected):
        client.get(url)
    for step in (S.CONTACTED, S.FOLLOWUP_SCHEDULED, S.FOLLOWUP_COMPLETE, S.DOCUMENTS_COLLECTED):
        lead = services.change_lead_status(lead, actor=sales_user, to_status=step, note="n")
    for i in range(5):
        add_manual_activity(None, actor=sales_user, kind=Kind.NOTE, body=f"n{i}", subject=lead)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert len(response.context["status_history"]) == 5


# session, user, role access, lead (+ owner, creator, customer, converter), role (row rule),
# status history (+ actors), timeline count, timeline page (+ actors)
DETAIL_QUERIES = 8


def test_unknown_lead_404_and_no_access_403(
    client_for: Any, sales_user: Any, user_factory: Callable[..., Any], lead: Lead
) -> None:
    assert client_for(sales_user).get(reverse("leads:detail", args=[99999])).status_code == 404
    nobody = client_for(user_factory(None))
    assert nobody.get(reverse("leads:detail", args=[lead.pk])).status_code == 403
    assert nobody.get(LIST).status_code == 403
    assert nobody.get(BOARD).status_code == 403


def test_anonymous_goes_to_login(client: Any) -> None:
    response = client.get(LIST)
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- forms -------------------------------------------------------------------------------


def test_create_form(client_for: Any, sales_user: Any) -> None:
    client = client_for(sales_user)
    page = client.get(CREATE)
    assert page.status_code == 200 and 'name="owner"' not in page.content.decode()
    response = client.post(CREATE, form_data())
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "leads:detail", args=[lead.pk]
    )
    assert lead.owner == sales_user and lead.mobile == "+919876543210"


def test_create_form_errors_beside_fields_and_values_kept(client_for: Any, sales_user: Any) -> None:
    response = client_for(sales_user).post(
        CREATE, form_data(first_name="", mobile="12", pan="BAD", city="Satara")
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert {"first_name", "mobile", "pan"} <= set(form.errors)
    html = response.content.decode()
    assert 'value="Satara"' in html and 'value="12"' in html
    assert not Lead.objects.exists()


def test_duplicate_renders_a_link_to_the_existing_lead(
    client_for: Any, sales_user: Any, lead_factory: Callable[..., Lead], sales_user2: Any
) -> None:
    existing = lead_factory(owner=sales_user2, first_name="<b>Bold</b>")
    response = client_for(sales_user).post(CREATE, form_data(mobile=existing.mobile))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<a href="/leads/{existing.pk}/">open the lead</a>' in html
    assert "<b>Bold</b>" not in html


def test_manager_create_form_assigns(client_for: Any, manager: Any, sales_user: Any) -> None:
    response = client_for(manager).post(CREATE, form_data(owner=sales_user.pk))
    assert response.status_code == 302
    assert Lead.objects.get().owner == sales_user


def test_edit_form(client_for: Any, sales_user: Any, lead_factory: Callable[..., Lead]) -> None:
    lead = lead_factory(owner=sales_user, pan=SAMPLE_PAN)
    client = client_for(sales_user)
    url = reverse("leads:edit", args=[lead.pk])
    page = client.get(url).content.decode()
    assert f'value="{lead.first_name}"' in page and "Stored: XXXXXX234F" in page
    assert SAMPLE_PAN not in page
    data = form_data(mobile=lead.mobile, email=lead.email, city="Kolhapur")
    response = client.post(url, data)
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.city == "Kolhapur" and lead.pan == SAMPLE_PAN  # blank PAN keeps the stored one


def test_edit_needs_the_row_rule(client_for: Any, sales_user2: Any, lead: Lead) -> None:
    client = client_for(sales_user2)
    url = reverse("leads:edit", args=[lead.pk])
    assert client.get(url).status_code == 404  # another's lead: not readable (scope "own")
    set_read_scope("sales", "leads", "all")
    assert client.get(url).status_code == 403
    assert client.post(url, form_data()).status_code == 403


# --- actions -----------------------------------------------------------------------------


def test_status_change_from_the_dialog(client_for: Any, sales_user: Any, lead: Lead) -> None:
    client = client_for(sales_user)
    url = reverse("leads:status", args=[lead.pk])
    response = client.post(url, {"status": S.CONTACTED, "note": "Spoke to him"})
    assert response["Location"] == reverse("leads:detail", args=[lead.pk])
    change = lead.status_changes.first()
    assert (change.to_status, change.note, change.actor) == (
        S.CONTACTED,
        "Spoke to him",
        sales_user,
    )
    response = client.post(url, {"status": S.ACCOUNT_ACTIVATED})
    assert any("cannot move" in m for m in messages_of(response))
    response = client.post(url, {"status": "nope"})
    assert messages_of(response)
    response = client.post(url, {"status": S.FOLLOWUP_SCHEDULED, "next": "//evil.example/x"})
    assert response["Location"] == reverse("leads:detail", args=[lead.pk])


def test_status_change_denied_for_others(client_for: Any, sales_user2: Any, lead: Lead) -> None:
    response = client_for(sales_user2).post(
        reverse("leads:status", args=[lead.pk]), {"status": S.CONTACTED}
    )
    assert response.status_code == 404  # not readable (scope "own"); readable: 403
    set_read_scope("sales", "leads", "all")
    response = client_for(sales_user2).post(
        reverse("leads:status", args=[lead.pk]), {"status": S.CONTACTED}
    )
    assert response.status_code == 403


def test_assign_dialog(client_for: Any, manager: Any, sales_user2: Any, lead: Lead) -> None:
    response = client_for(manager).post(
        reverse("leads:assign", args=[lead.pk]), {"owner": sales_user2.pk}
    )
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).owner == sales_user2


def test_add_activity(client_for: Any, sales_user: Any, lead: Lead) -> None:
    response = client_for(sales_user).post(
        reverse("leads:add_activity", args=[lead.pk]), {"kind": "call", "body": "No answer"}
    )
    assert response.status_code == 302
    activity = timeline(lead).first()
    assert (activity.kind, activity.body, activity.customer) == ("call", "No answer", None)
    response = client_for(sales_user).post(
        reverse("leads:add_activity", args=[lead.pk]), {"kind": "call", "body": ""}
    )
    assert messages_of(response)


def test_convert_and_view_lead_round_trip(
    client_for: Any, sales_user: Any, lead_factory: Callable[..., Lead]
) -> None:
    lead = lead_factory(owner=sales_user, status=S.ACCOUNT_OPENED)
    client = client_for(sales_user)
    detail = reverse("leads:detail", args=[lead.pk])
    assert 'data-testid="convert"' in client.get(detail).content.decode()
    response = client.post(reverse("leads:convert", args=[lead.pk]))
    customer = Customer.objects.get()
    assert response["Location"] == reverse("customers:detail", args=[customer.pk])
    profile = client.get(response["Location"]).content.decode()
    assert f'href="{detail}">View Lead</a>' in profile
    page = client.get(detail).content.decode()
    assert 'data-testid="convert"' not in page and customer.client_id in page
    assert 'data-testid="view-customer"' in page
    again = client.post(reverse("leads:convert", args=[lead.pk]))
    assert any("already converted" in m for m in messages_of(again))
    assert Customer.objects.count() == 1


def test_customer_without_a_lead_has_no_view_lead(
    client_for: Any, sales_user: Any, customer: Any
) -> None:
    html = client_for(sales_user).get(reverse("customers:detail", args=[customer.pk]))
    assert "View Lead" not in html.content.decode()
