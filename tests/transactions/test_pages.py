"""The transactions pages: the customer's Transactions, Analytics and Devices tabs, the
balances panel, the CSV export, the all-transactions list, the alert queue and alert page,
and the monitoring rules pages. Data goes in through the real intake and services."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from clientdesk.core.models import AuditEvent
from clientdesk.transactions.intake import intake_transactions
from clientdesk.transactions.models import Alert, AlertStatus, Device, Rule

from .conftest import active, tx_row

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def feed(actor: Any, rows: list[dict[str, Any]]) -> None:
    result = intake_transactions(rows, actor=actor)
    assert not result.errors, result.errors


def ago(**kw: Any) -> str:
    return (timezone.now() - dt.timedelta(**kw)).isoformat()


@pytest.fixture
def history(admin_user: Any, active_customer: Any) -> Any:
    """An active customer with seven transactions of every kind the pages show."""
    c = active_customer
    feed(
        admin_user,
        [
            tx_row(c, transaction_id="DEP-1", amount="50000", occurred_at=ago(days=40)),
            tx_row(c, transaction_id="PAY-1", type="payment", amount="1200.50",
                   merchant={"id": "M-SWIG", "name": "Swiggy", "mcc": "5814"},
                   device={"id": "PH-1", "type": "mobile"}, occurred_at=ago(days=3)),
            tx_row(c, transaction_id="PAY-2", type="payment", amount="300",
                   merchant={"id": "M-SWIG", "name": "Swiggy", "mcc": "5814"},
                   device={"id": "PH-1", "type": "mobile"}, occurred_at=ago(days=2)),
            tx_row(c, transaction_id="PAY-3", type="payment", amount="999", status="failed",
                   failure_reason="Wrong PIN", merchant={"id": "M-AMZN", "name": "Amazon"},
                   device={"id": "CARD-9", "type": "card"}, occurred_at=ago(days=1)),
            tx_row(c, transaction_id="USD-1", amount="100", currency="USD",
                   occurred_at=ago(hours=5)),
            tx_row(c, transaction_id="TRF-1", type="transfer", direction="out", amount="2500",
                   device={"id": "PH-1", "type": "mobile"}, occurred_at=ago(hours=2)),
            tx_row(c, transaction_id="PEND-1", type="payment", amount="75", status="pending",
                   merchant={"id": "M-AMZN", "name": "Amazon"}, occurred_at=ago(hours=1)),
        ],
    )  # fmt: skip
    return c


def ids_in(html: str) -> list[str]:
    """Transaction IDs in the order the table shows them."""
    return re.findall(r'<td><span class="mono">([A-Z]+-\d)</span></td>', html)


def tab(client: Any, customer: Any, slug: str, query: str = "") -> str:
    path = f"/customers/{customer.pk}/" + (f"{slug}/" if slug else "")
    response = client.get(path + query)
    assert response.status_code == 200
    return response.content.decode()


# ----------------------------------------------------------------------------- Transactions tab


def test_transactions_tab_lists_newest_first_with_summary(
    client_for: Any, sales_user: Any, history: Any
) -> None:
    html = tab(client_for(sales_user), history, "transactions")
    assert ids_in(html) == ["PEND-1", "TRF-1", "USD-1", "PAY-3", "PAY-2", "PAY-1", "DEP-1"]
    assert re.search(r'Transactions <span class="count">7</span>', html)
    assert 'data-testid="tx-count">7<' in html
    assert "Wrong PIN" in html and "Swiggy" in html and "PH-1" in html
    # Summary over what is shown: 5 successful, 1 failed -> 83.3 %
    assert "83.3%" in html
    assert "+50,000.00" in html and "−1,200.50" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=failed", ["PAY-3"]),
        ("?status=successful&status=pending&type=payment", ["PEND-1", "PAY-2", "PAY-1"]),
        ("?currency=usd", ["USD-1"]),
        ("?amount_min=1000&amount_max=3000", ["TRF-1", "PAY-1"]),
        ("?q=PAY-2", ["PAY-2"]),
        ("?period=last_7_days&type=deposit", ["USD-1"]),
        ("?period=last_7_days&type=refund", []),
    ],
)
def test_transactions_tab_filters(
    client_for: Any, admin_user: Any, history: Any, query: str, expected: list[str]
) -> None:
    html = tab(client_for(admin_user), history, "transactions", query)
    assert ids_in(html) == expected


def test_transactions_tab_filters_by_merchant_and_device(
    client_for: Any, admin_user: Any, history: Any
) -> None:
    client = client_for(admin_user)
    html = tab(client, history, "transactions")
    swiggy = re.search(r'<option value="(\d+)">Swiggy</option>', html)
    card = re.search(r'<option value="(\d+)">CARD-9</option>', html)
    assert swiggy and card
    assert ids_in(tab(client, history, "transactions", f"?merchant={swiggy[1]}")) == [
        "PAY-2",
        "PAY-1",
    ]
    page = tab(client, history, "transactions", f"?device={card[1]}")
    assert ids_in(page) == ["PAY-3"]
    assert f'<option value="{card[1]}" selected>CARD-9</option>' in page


def test_transactions_tab_custom_date_range(client_for: Any, admin_user: Any, history: Any) -> None:
    day = (timezone.localdate() - dt.timedelta(days=40)).isoformat()
    query = f"?period=custom&occurred_after={day}&occurred_before={day}"
    assert ids_in(tab(client_for(admin_user), history, "transactions", query)) == ["DEP-1"]


def test_transactions_tab_bad_filter_says_so_and_shows_nothing(
    client_for: Any, admin_user: Any, history: Any
) -> None:
    html = tab(client_for(admin_user), history, "transactions", "?amount_min=lots")
    assert ids_in(html) == []
    assert 'class="alert alert-error"' in html and "amount_min" in html


def test_transactions_tab_sorts_by_amount_and_date(
    client_for: Any, admin_user: Any, history: Any
) -> None:
    client = client_for(admin_user)
    by_amount = ids_in(tab(client, history, "transactions", "?sort=-amount"))
    assert by_amount[:3] == ["DEP-1", "USD-1", "TRF-1"]  # 100 USD is 8,300 INR
    oldest = ids_in(tab(client, history, "transactions", "?sort=occurred_at"))
    assert oldest[0] == "DEP-1" and oldest[-1] == "PEND-1"


def test_transactions_tab_pages_fifty_at_a_time(
    client_for: Any, admin_user: Any, active_customer: Any
) -> None:
    feed(admin_user, [tx_row(active_customer, occurred_at=ago(minutes=10 + i)) for i in range(55)])
    client = client_for(admin_user)
    first = tab(client, active_customer, "transactions")
    assert first.count('<tr>\n  <td class="nowrap">') == 50
    assert 'rel="next"' in first
    second = tab(client, active_customer, "transactions", "?page=2")
    assert second.count('<tr>\n  <td class="nowrap">') == 5


def test_transactions_tab_htmx_swaps_only_the_results(
    client_for: Any, admin_user: Any, history: Any
) -> None:
    """Filters ask for the profile page again and keep #list-results (hx-select)."""
    html = tab(client_for(admin_user), history, "transactions")
    assert 'hx-select="#list-results &gt; *"' in html or 'hx-select="#list-results > *"' in html
    assert 'id="list-results"' in html


def test_empty_customer_gets_empty_states(client_for: Any, admin_user: Any) -> None:
    customer = active(admin_user)
    client = client_for(admin_user)
    assert "No transactions match" in tab(client, customer, "transactions")
    analytics = tab(client, customer, "analytics")
    assert "No transactions in this period" in analytics
    assert "No devices yet" in tab(client, customer, "devices")


# ----------------------------------------------------------------------------- export


def test_customer_export_streams_the_filtered_rows_and_is_audited(
    client_for: Any, compliance: Any, history: Any
) -> None:
    response = client_for(compliance).get(
        f"/transactions/customer/{history.pk}/export/?type=payment&sort=-amount"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert history.client_id in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:4] == ["Date", "Transaction ID", "Source", "Client ID"]
    assert sorted(r[1] for r in rows[1:]) == ["PAY-1", "PAY-2", "PAY-3", "PEND-1"]
    swiggy = next(r for r in rows if r[1] == "PAY-1")
    assert swiggy[13] == "Swiggy" and swiggy[14] == "PH-1" and swiggy[15] == "Wallet INR"
    event = AuditEvent.objects.filter(action="export", object_id=str(history.pk)).get()
    assert event.changes["filters"] == {"type": "payment", "sort": "-amount"}


def test_all_transactions_list_and_export(
    client_for: Any, compliance: Any, history: Any, admin_user: Any
) -> None:
    other = active(admin_user, first_name="Meher", last_name="Kapoor")
    feed(admin_user, [tx_row(other, transaction_id="OTH-1")])
    client = client_for(compliance)
    html = client.get("/transactions/list/").content.decode()
    assert "Meher Kapoor" in html and history.client_id in html
    assert ids_in(html)[0] == "OTH-1"
    response = client.get("/transactions/list/?export=csv&currency=USD")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["USD-1"]
    assert client.get("/transactions/").url == "/transactions/list/"


# ----------------------------------------------------------------------------- analytics


def chart(html: str, chart_id: str) -> dict[str, Any]:
    found = re.search(
        rf'<script id="{chart_id}-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, chart_id
    return json.loads(found[1])


def test_analytics_tab_charts_have_tables(client_for: Any, sales_user: Any, history: Any) -> None:
    html = tab(client_for(sales_user), history, "analytics")
    currency = chart(html, "tx-currency")
    assert currency["labels"] == ["INR", "USD"]
    assert currency["series"][0]["data"] == [pytest.approx(54000.50), pytest.approx(8300.0)]
    merchants = chart(html, "tx-merchants")
    assert merchants["labels"] == ["Swiggy", "Amazon"]
    devices = chart(html, "tx-devices")
    assert devices["labels"][0] == "PH-1"
    outcomes = chart(html, "tx-outcomes")
    assert outcomes["series"][0]["data"] == [5, 1, 1, 0]
    over_time = chart(html, "tx-over-time")
    assert len(over_time["labels"]) in (12, 13)  # every month of the last twelve
    assert sum(sum(s["data"]) for s in over_time["series"]) == 7
    # every chart has its table: caption, header and a row per label
    for name in ("Volume by currency", "Most used merchants", "Device usage", "Outcomes"):
        assert f'<caption class="sr-only">{name}</caption>' in html
    assert '<th scope="row">Swiggy</th>' in html
    assert "83.3%" in html  # success rate


def test_analytics_groups_by_day_and_week(client_for: Any, admin_user: Any, history: Any) -> None:
    client = client_for(admin_user)
    by_day = chart(tab(client, history, "analytics", "?period=last_7_days&bucket=day"),
                   "tx-over-time")  # fmt: skip
    assert len(by_day["labels"]) == 7
    assert sum(sum(s["data"]) for s in by_day["series"]) == 6  # the deposit is 40 days old
    by_week = tab(client, history, "analytics", "?period=last_30_days&bucket=week")
    assert "Transactions per week" in by_week
    assert chart(by_week, "tx-over-time")["labels"][0].startswith("w/c ")
    assert 'aria-current="true">Week</a>' in by_week


def test_analytics_honours_the_transactions_filters(
    client_for: Any, admin_user: Any, history: Any
) -> None:
    html = tab(client_for(admin_user), history, "analytics", "?period=&type=payment")
    assert chart(html, "tx-outcomes")["series"][0]["data"] == [2, 1, 1, 0]
    assert 'type="hidden" name="type" value="payment"' in html


# ----------------------------------------------------------------------------- overview, devices


def test_overview_panel_loads_balances(client_for: Any, sales_user: Any, history: Any) -> None:
    client = client_for(sales_user)
    overview = tab(client, history, "")
    assert f'hx-get="/transactions/customer/{history.pk}/accounts/"' in overview
    panel = client.get(f"/transactions/customer/{history.pk}/accounts/", **HTMX)
    html = panel.content.decode()
    assert panel.status_code == 200
    # INR: 50,000 - 1,200.50 - 300 - 2,500 (the failed and the pending do not post)
    assert "45,999.50" in html and "Wallet · INR" in html
    assert "100.00" in html and "Wallet · USD" in html
    assert html.index("Wallet · INR") < html.index("Wallet · USD")  # base currency first
    assert "Active: the accounts accept transactions." in html
    plain = client.get(f"/transactions/customer/{history.pk}/accounts/")
    assert plain.status_code == 302 and plain.url == f"/customers/{history.pk}/"


def test_devices_tab_counts_and_block_needs_a_reason(
    client_for: Any, admin_user: Any, history: Any
) -> None:
    client = client_for(admin_user)
    html = tab(client, history, "devices")
    assert re.search(r'Devices <span class="count">2</span>', html)
    phone = Device.objects.get(device_id="PH-1")
    row = html[html.index(f'data-testid="device-{phone.pk}"') :]
    assert re.search(r'class="num"><a href="[^"]+\?device=\d+">3</a>', row)
    url = f"/transactions/devices/{phone.pk}/status/"
    back = f"/customers/{history.pk}/devices/"
    response = client.post(url, {"status": "blocked", "reason": "", "next": back}, follow=True)
    assert "Give a reason." in response.content.decode()
    phone.refresh_from_db()
    assert phone.status == "trusted"
    response = client.post(url, {"status": "blocked", "reason": "Reported stolen", "next": back})
    assert response.status_code == 302 and response.url == back
    phone.refresh_from_db()
    assert phone.status == "blocked" and phone.status_changed_by == admin_user
    assert AuditEvent.objects.filter(action="status_change", object_id=str(phone.pk)).exists()
    html = tab(client, history, "devices")
    assert "Trust device again" in html and "1 blocked" in html
    client.post(url, {"status": "trusted", "reason": "Found it", "next": back})
    phone.refresh_from_db()
    assert phone.status == "trusted"


def test_devices_change_needs_transactions_write(
    client_for: Any, compliance: Any, history: Any
) -> None:
    client = client_for(compliance)
    assert "Block…" not in tab(client, history, "devices")
    phone = Device.objects.get(device_id="PH-1")
    response = client.post(
        f"/transactions/devices/{phone.pk}/status/", {"status": "blocked", "reason": "x"}
    )
    assert response.status_code == 403
    phone.refresh_from_db()
    assert phone.status == "trusted"


# ----------------------------------------------------------------------------- alerts


@pytest.fixture
def alert(admin_user: Any, history: Any, make_rule: Callable[..., Rule]) -> Alert:
    make_rule("amount_threshold", severity="critical", amount="5000")
    feed(admin_user, [tx_row(history, transaction_id="BIG-1", amount="75000")])
    return Alert.objects.get()


def test_alert_queue_opens_on_open_alerts(client_for: Any, compliance: Any, alert: Alert) -> None:
    client = client_for(compliance)
    response = client.get("/transactions/alerts/")
    assert response.status_code == 302 and response.url == "/transactions/alerts/?open=true"
    html = client.get(response.url).content.decode()
    assert alert.title in html and "Critical" in html and "Unassigned" in html
    assert alert.customer.client_id in html
    assert alert.title not in client.get("/transactions/alerts/?open=false").content.decode()
    assert alert.title not in client.get("/transactions/alerts/?severity=low").content.decode()
    by_severity = client.get("/transactions/alerts/?open=true&sort=-severity")
    assert by_severity.status_code == 200 and alert.title in by_severity.content.decode()


def test_alert_queue_is_for_monitoring_roles(
    client_for: Any, sales_user: Any, alert: Alert
) -> None:
    client = client_for(sales_user)
    assert client.get("/transactions/alerts/?open=true").status_code == 403
    assert client.get(f"/transactions/alerts/{alert.pk}/").status_code == 403


def test_alert_page_shows_evidence_and_why(client_for: Any, compliance: Any, alert: Alert) -> None:
    html = client_for(compliance).get(f"/transactions/alerts/{alert.pk}/").content.decode()
    assert "BIG-1" in html and "75,000.00" in html
    assert "Amount above INR 5,000.00" in html  # the rule, described
    assert "Threshold" in html
    assert "Change status" in html and "Assign to me" in html


def test_alert_figures_are_grouped_like_amounts(
    client_for: Any, compliance: Any, alert: Alert
) -> None:
    html = client_for(compliance).get(f"/transactions/alerts/{alert.pk}/").content.decode()
    assert alert.details["amount_base"] == "75000.00"  # stored exact, shown grouped
    figure = '<div class="field-label">{}</div><div class="field-value">{}</div>'
    assert figure.format("Amount (INR)", "75,000.00") in html
    assert figure.format("Threshold", "5,000.00") in html


def test_alert_review_assign_note_and_close(client_for: Any, compliance: Any, alert: Alert) -> None:
    client = client_for(compliance)
    base = f"/transactions/alerts/{alert.pk}/"
    client.post(base + "assign/", {"assigned_to": "me"})
    client.post(base + "status/", {"status": "under_review"})
    client.post(base + "notes/", {"body": "Salary bonus; payslip on file."})
    response = client.post(base + "status/", {"status": "cleared", "note": ""}, follow=True)
    assert "Say why the alert is closed." in response.content.decode()
    client.post(base + "status/", {"status": "cleared", "note": "Explained by the bonus."})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLEARED and alert.assigned_to == compliance
    html = client.get(base).content.decode()
    assert "Triggered → Under review" in html and "Under review → Cleared" in html
    assert "Salary bonus; payslip on file." in html
    assert "Assigned to" in html
    assert "Change status" not in html  # closed: no transitions left
    assert 'data-testid="closed-at"' in html and 'data-testid="open-for"' not in html


def test_an_open_alert_says_how_long_it_has_been_open(
    client_for: Any, compliance: Any, alert: Alert
) -> None:
    html = client_for(compliance).get(f"/transactions/alerts/{alert.pk}/").content.decode()
    assert 'data-testid="open-for"' in html and 'data-testid="closed-at"' not in html
    assert ">Open</div>" not in html  # the "Closed: Open" field is gone


def test_alert_assign_refuses_someone_without_monitoring(
    client_for: Any, compliance: Any, sales_user: Any, alert: Alert
) -> None:
    response = client_for(compliance).post(
        f"/transactions/alerts/{alert.pk}/assign/", {"assigned_to": str(sales_user.pk)}, follow=True
    )
    assert "Choose a user who may work on monitoring alerts." in response.content.decode()
    alert.refresh_from_db()
    assert alert.assigned_to is None
    for raw in ("x1", "999999"):
        response = client_for(compliance).post(
            f"/transactions/alerts/{alert.pk}/assign/", {"assigned_to": raw}, follow=True
        )
        assert "Choose a user who may work on monitoring alerts." in response.content.decode()


def test_alert_assigned_to_a_colleague_then_nobody(
    client_for: Any, compliance: Any, admin_user: Any, alert: Alert
) -> None:
    client = client_for(compliance)
    url = f"/transactions/alerts/{alert.pk}/assign/"
    assert (
        "Alert assigned to"
        in client.post(url, {"assigned_to": str(admin_user.pk)}, follow=True).content.decode()
    )
    alert.refresh_from_db()
    assert alert.assigned_to == admin_user
    client.post(url, {"assigned_to": ""})
    alert.refresh_from_db()
    assert alert.assigned_to is None


def test_manager_reads_alerts_without_acting(client_for: Any, manager: Any, alert: Alert) -> None:
    client = client_for(manager)
    html = client.get(f"/transactions/alerts/{alert.pk}/").content.decode()
    assert alert.title in html and "Change status" not in html and "Add note" not in html
    assert client.post(f"/transactions/alerts/{alert.pk}/notes/", {"body": "x"}).status_code == 403


# ----------------------------------------------------------------------------- rules


def test_rules_list_create_edit_and_disable(client_for: Any, compliance: Any) -> None:
    client = client_for(compliance)
    assert "No monitoring rules yet" in client.get("/transactions/alerts/rules/").content.decode()
    response = client.post(
        "/transactions/alerts/rules/new/",
        {
            "name": "Bursts",
            "rule_type": "velocity",
            "severity": "high",
            "enabled": "on",
            "velocity__count": "5",
            "velocity__minutes": "10",
            "amount_threshold__amount": "ignored: another type",
        },
    )
    assert response.status_code == 302
    rule = Rule.objects.get(name="Bursts")
    assert rule.parameters == {"count": 5, "minutes": 10} and rule.enabled
    html = client.get("/transactions/alerts/rules/").content.decode()
    assert "More than 5 in 10 min" in html and "Runs at intake" in html
    edit = client.get(f"/transactions/alerts/rules/{rule.pk}/edit/").content.decode()
    assert 'value="5"' in edit and "disabled" in edit  # the type cannot change
    assert 'for="id_velocity__minutes">Minutes' in edit
    client.post(
        f"/transactions/alerts/rules/{rule.pk}/edit/",
        {"name": "Bursts", "severity": "medium", "enabled": "on", "velocity__count": "8",
         "velocity__minutes": "15", "description": "Card testing"},
    )  # fmt: skip
    rule.refresh_from_db()
    assert rule.parameters == {"count": 8, "minutes": 15} and rule.severity == "medium"
    client.post(f"/transactions/alerts/rules/{rule.pk}/toggle/", {"enabled": "false"})
    rule.refresh_from_db()
    assert not rule.enabled
    assert AuditEvent.objects.filter(object_id=str(rule.pk), action="update").count() == 2


def test_rule_form_names_the_bad_parameter(client_for: Any, compliance: Any) -> None:
    response = client_for(compliance).post(
        "/transactions/alerts/rules/new/",
        {"name": "Big", "rule_type": "amount_threshold", "severity": "high",
         "amount_threshold__amount": "-5"},
    )  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    field = html[html.index('id="id_amount_threshold__amount"') - 400 :]
    assert "has-error" in field[:400] and "Enter a number above 0." in html
    assert 'value="Big"' in html  # what was typed stays
    assert not Rule.objects.exists()


def test_rule_name_must_be_unique(client_for: Any, compliance: Any, make_rule: Any) -> None:
    rule = make_rule("amount_threshold", amount="100")
    response = client_for(compliance).post(
        "/transactions/alerts/rules/new/",
        {"name": rule.name, "rule_type": "amount_threshold", "severity": "high",
         "amount_threshold__amount": "100"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Another rule has this name." in response.content.decode()


def test_manager_sees_rules_but_cannot_change_them(
    client_for: Any, manager: Any, make_rule: Any
) -> None:
    rule = make_rule("amount_threshold", amount="100")
    client = client_for(manager)
    html = client.get("/transactions/alerts/rules/").content.decode()
    assert rule.name in html and "New rule" not in html and "Disable" not in html
    assert client.get("/transactions/alerts/rules/new/").status_code == 403
    assert client.post(f"/transactions/alerts/rules/{rule.pk}/toggle/", {}).status_code == 403


# ----------------------------------------------------------------------------- navigation


def test_sidebar_entries_follow_the_role(client_for: Any, compliance: Any, sales_user: Any) -> None:
    compliance_page = client_for(compliance).get("/transactions/list/").content.decode()
    assert 'href="/transactions/list/"' in compliance_page
    assert 'href="/transactions/alerts/"' in compliance_page
    sales_page = client_for(sales_user).get("/transactions/list/").content.decode()
    assert 'href="/transactions/list/"' in sales_page
    assert 'href="/transactions/alerts/"' not in sales_page


def test_long_windows_fall_back_to_coarser_bars() -> None:
    from clientdesk.transactions.views import _fit_bucket

    year = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert _fit_bucket("day", year) == "day"
    assert _fit_bucket("day", (dt.date(2023, 1, 1), dt.date(2026, 12, 31))) == "week"
    assert _fit_bucket("week", (dt.date(1990, 1, 1), dt.date(2026, 12, 31))) == "month"
    assert _fit_bucket("month", year) == "month"
    assert _fit_bucket("day", None) == "day"
