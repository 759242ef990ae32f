"""/api/v1/ transactions, merchants, devices, accounts, analytics, alerts, rules."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from clientdesk.transactions.intake import intake_transactions
from clientdesk.transactions.models import Account, Alert, Device, Merchant, Transaction

pytestmark = pytest.mark.django_db

TX = "/api/v1/transactions/"


def post_json(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def test_post_one_then_again(api_client_for, admin_user, active_customer, make_row):
    client = api_client_for(admin_user, token=True)
    row = make_row(active_customer)
    row["amount"] = 1250.10  # a JSON number: parsed as Decimal, not float
    first = post_json(client, TX, row)
    assert first.status_code == 201, first.content
    assert first.json()["amount"] == "1250.100" and first.json()["amount_base"] == "1250.10"
    again = post_json(client, TX, row)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]


def test_post_one_field_errors(api_client_for, admin_user, active_customer, make_row):
    response = post_json(
        api_client_for(admin_user), TX, make_row(active_customer, amount="abc", currency="ZZZ")
    )
    assert response.status_code == 400
    assert {"amount", "currency"} <= set(response.json()["errors"])


def test_post_batch_report_and_atomic(api_client_for, admin_user, active_customer, make_row):
    client = api_client_for(admin_user)
    rows = [make_row(active_customer), make_row(active_customer, type="nope")]
    report = post_json(client, TX, rows).json()
    assert (report["created_count"], report["error_count"]) == (1, 1)
    assert report["errors"][0]["row"] == 2 and "type" in report["errors"][0]["errors"]
    rows = [make_row(active_customer), make_row(active_customer, type="nope")]
    rejected = post_json(client, TX + "?atomic=true", rows)
    assert rejected.status_code == 400 and rejected.json()["stored"] is False
    assert Transaction.objects.count() == 1


def test_csv_upload(api_client_for, admin_user, active_customer):
    when = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    text = (
        "transaction_id,customer,occurred_at,amount,currency,type,merchant_id\n"
        f"U1,{active_customer.client_id},{when},10,INR,deposit,M1\n"
        f"U2,{active_customer.client_id},{when},,INR,deposit,M1\n"
    )
    upload = SimpleUploadedFile("tx.csv", text.encode(), content_type="text/csv")
    response = api_client_for(admin_user).post(TX + "upload/", {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created_count"] == 1 and body["errors"][0]["row"] == 3
    assert Transaction.objects.get().source == "csv"
    bad = SimpleUploadedFile("x.csv", b"foo,bar\n1,2\n", content_type="text/csv")
    response = api_client_for(admin_user).post(TX + "upload/", {"file": bad}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]


def test_list_filters_and_analytics(
    api_client_for, admin_user, manager, active_customer, other_customer, make_row
):
    intake_transactions(
        [
            make_row(active_customer, amount="100", merchant_id="M1", device_id="D1"),
            make_row(active_customer, type="payment", amount="40", merchant_id="M1"),
            make_row(active_customer, type="payment", amount="500"),  # insufficient funds
            make_row(other_customer, amount="7"),
        ],
        actor=admin_user,
    )
    client = api_client_for(manager)
    results = client.get(TX, {"customer": active_customer.pk, "status": "failed"}).json()
    assert [r["failure_reason"] for r in results["results"]] == ["Insufficient funds"]
    results = client.get(TX, {"amount_min": "40", "amount_max": "100", "sort": "amount"}).json()
    assert [r["amount"] for r in results["results"]] == ["40.000", "100.000"]
    merchant = Merchant.objects.get()
    assert len(client.get(TX, {"merchant": merchant.pk}).json()["results"]) == 2
    # By account: the customer's wallet and trading account, each alone.
    intake_transactions(
        [make_row(active_customer, amount="9", account="trading")], actor=admin_user
    )
    for kind, count in (("wallet", 3), ("trading", 1)):
        account = Account.objects.get(customer=active_customer, kind=kind)
        found = client.get(TX, {"account": account.pk}).json()["results"]
        assert len(found) == count and {r["account"] for r in found} == {account.pk}
    assert client.get(TX, {"account": 999999}).json()["results"] == []
    data = client.get(TX + "analytics/", {"customer": active_customer.pk, "bucket": "month"})
    assert data.status_code == 200, data.content
    body = data.json()
    assert body["summary"]["count"] == 4 and body["summary"]["volume"] == "149.00"
    assert body["summary"]["success_rate"] == pytest.approx(75.0)
    assert body["top_merchants"][0]["count"] == 2
    assert body["devices"][0]["device_id"] == "D1"
    assert body["by_currency"][0]["currency"] == "INR"


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("sales", 200, 403),
        ("support", 200, 403),
        ("manager", 200, 403),
        ("compliance", 200, 403),
        ("admin", 200, 201),
    ],
)
def test_transaction_permissions(
    api_client_for, users_by_role, active_customer, make_row, role, read, write
):
    client = api_client_for(users_by_role[role])
    assert client.get(TX).status_code == read
    assert post_json(client, TX, make_row(active_customer)).status_code == write


def test_anonymous_refused(api_client_for):
    assert api_client_for(None).get(TX).status_code in (401, 403)


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("sales", 403, 403),
        ("support", 403, 403),
        ("manager", 200, 403),
        ("compliance", 200, 201),
        ("admin", 200, 201),
    ],
)
def test_rules_permissions(api_client_for, users_by_role, role, read, write):
    client = api_client_for(users_by_role[role])
    assert client.get("/api/v1/rules/").status_code == read
    data = {"name": f"r-{role}", "rule_type": "velocity", "parameters": {"count": 5, "minutes": 10}}
    assert post_json(client, "/api/v1/rules/", data).status_code == write


def test_rule_api_validation_and_update(api_client_for, compliance):
    client = api_client_for(compliance)
    bad = post_json(
        client, "/api/v1/rules/", {"name": "x", "rule_type": "velocity", "parameters": {"count": 0}}
    )
    assert bad.status_code == 400 and "parameters" in bad.json()["errors"]
    rule = post_json(
        client,
        "/api/v1/rules/",
        {"name": "x", "rule_type": "amount_threshold", "parameters": {"amount": "5"}},
    ).json()
    patched = client.patch(f"/api/v1/rules/{rule['id']}/", {"enabled": False}, format="json")
    assert patched.status_code == 200 and patched.json()["enabled"] is False
    assert client.delete(f"/api/v1/rules/{rule['id']}/").status_code == 204


def test_alert_workflow_api(
    api_client_for, admin_user, compliance, manager, active_customer, make_row, make_rule
):
    make_rule("amount_threshold", amount="10")
    intake_transactions([make_row(active_customer, amount="50")], actor=admin_user)
    alert = Alert.objects.get()
    client = api_client_for(compliance)
    listed = client.get("/api/v1/alerts/", {"open": "true", "severity": "high"}).json()
    assert [a["id"] for a in listed["results"]] == [alert.pk]
    url = f"/api/v1/alerts/{alert.pk}/"
    moved = post_json(client, url + "transition/", {"status": "under_review"})
    assert moved.status_code == 200 and moved.json()["status"] == "under_review"
    wrong = post_json(client, url + "transition/", {"status": "triggered"})
    assert wrong.status_code == 400 and "status" in wrong.json()["errors"]
    assigned = post_json(client, url + "assign/", {"assigned_to": compliance.pk})
    assert assigned.json()["assigned_to"] == compliance.pk
    note = post_json(client, url + "notes/", {"body": "Checked"})
    assert note.status_code == 201
    detail = client.get(url).json()
    assert len(detail["transactions"]) == 1 and len(detail["notes"]) == 3
    read_only = api_client_for(manager)
    assert read_only.get(url).status_code == 200
    assert post_json(read_only, url + "transition/", {"status": "escalated"}).status_code == 403


def test_devices_block_and_merchant_risk(
    api_client_for, admin_user, compliance, manager, active_customer, make_row
):
    intake_transactions(
        [make_row(active_customer, device_id="P1", merchant_id="M1")], actor=admin_user
    )
    device, merchant = Device.objects.get(), Merchant.objects.get()
    admin = api_client_for(admin_user)
    blocked = post_json(admin, f"/api/v1/devices/{device.pk}/block/", {"reason": "Stolen"})
    assert blocked.status_code == 200 and blocked.json()["status"] == "blocked"
    assert (
        post_json(
            api_client_for(manager), f"/api/v1/devices/{device.pk}/trust/", {"reason": "x"}
        ).status_code
        == 403
    )
    detail = admin.get(f"/api/v1/devices/{device.pk}/").json()
    assert detail["customers"][0]["customer"] == active_customer.pk
    flagged = post_json(
        api_client_for(compliance),
        f"/api/v1/merchants/{merchant.pk}/risk/",
        {"is_high_risk": True, "reason": "Chargebacks"},
    )
    assert flagged.status_code == 200 and flagged.json()["is_high_risk"] is True
    assert (
        post_json(
            api_client_for(manager),
            f"/api/v1/merchants/{merchant.pk}/risk/",
            {"is_high_risk": False, "reason": "x"},
        ).status_code
        == 403
    )
    accounts = admin.get("/api/v1/accounts/", {"customer": active_customer.pk}).json()
    assert accounts["results"][0]["balance"] == "1000.000"


def test_reverse_endpoint(api_client_for, admin_user, active_customer, make_row):
    result = intake_transactions([make_row(active_customer)], actor=admin_user)
    pk = result.created[0]["id"]
    response = post_json(api_client_for(admin_user), f"{TX}{pk}/reverse/", {"reason": "dup"})
    assert response.status_code == 200 and response.json()["status"] == "reversed"
