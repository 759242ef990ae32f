"""seed_demo's compliance data (``customers/demo_compliance.py``) on a small demo.

KYC documents go through the upload, the automatic checks and four-eyes decisions; the
transactions through the intake (balances reconcile with the ledger), the monitoring rules
raise alerts that are worked through the alert services; risk profiles are computed. As in
the relationship tests each step runs inside pytest-django's on-commit capture.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from contextlib import AbstractContextManager
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from stdnum import verhoeff

from clientdesk.core import audit
from clientdesk.customers import demo, demo_compliance
from clientdesk.customers.models import Customer
from clientdesk.kyc import selectors as kyc_selectors
from clientdesk.kyc.models import Document, DocumentCheck, ReviewStatus
from clientdesk.kyc.services import verification_config
from clientdesk.kyc.verification import Record, verify
from clientdesk.screening.models import RiskProfile
from clientdesk.transactions.models import (
    Account,
    Alert,
    AlertNote,
    Device,
    LedgerEntry,
    Rule,
    Transaction,
)
from clientdesk.transactions.reconcile import reconcile

pytestmark = pytest.mark.django_db

CUSTOMERS = 80
SEED = 7
Wrapper = Callable[[], AbstractContextManager[Any]]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Documents under the test's own directory; activation needs an approved KYC."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.KYC_REQUIRED_FOR_ACTIVATION = True
    return tmp_path / "media"


@pytest.fixture
def demo_data(roles: Any) -> tuple[dict[str, Any], dt.datetime]:
    """80 demo customers and the demo users (no relationship or compliance data)."""
    call_command(
        "seed_demo", customers=CUSTOMERS, seed=SEED, workers=0, no_relationship=True,
        stdout=StringIO(),
    )  # fmt: skip
    assert not Document.objects.exists() and not Transaction.objects.exists()
    names = [u.username for u in demo.DEMO_USERS]
    users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    return users, timezone.now()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Wrapper:
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _seed(users: dict[str, Any], now: dt.datetime, wrapper: Wrapper, seed: int = SEED) -> Any:
    return demo_compliance.seed_compliance(
        customers=Customer.objects.order_by("pk"), users=users, seed=seed, now=now,
        step_wrapper=wrapper,
    )  # fmt: skip


def test_kyc_transactions_alerts_and_risk_through_the_services(demo_data, on_commit):
    users, now = demo_data
    before = Customer.objects.filter(status="pending").count()
    summary = _seed(users, now, on_commit)
    assert summary.line().startswith("Compliance data: ")

    # KYC: every document checked; decisions by someone else than registrar and uploader.
    docs = Document.objects.select_related("customer")
    assert docs.count() == summary.counts["documents"] >= 20
    assert not docs.filter(check_outcome="pending").exists()
    assert not docs.exclude(pk__in=DocumentCheck.objects.values("document")).exists()
    assert DocumentCheck.objects.filter(code="ocr").exists()
    decided = docs.exclude(review_status=ReviewStatus.PENDING)
    assert decided.filter(review_status=ReviewStatus.APPROVED).count() >= 6
    for doc in decided:
        assert doc.reviewed_by_id not in (doc.uploaded_by_id, doc.customer.created_by_id)
        assert doc.reviewed_by.role.slug in ("compliance", "admin")
    rejected = decided.filter(review_status=ReviewStatus.REJECTED)
    assert set(rejected.values_list("reason_code", flat=True)) == {"expired", "suspected_forgery"}
    assert rejected.get(reason_code="suspected_forgery").checks.get(code="duplicate").status == (
        "fail"
    )
    resubmit = decided.get(review_status=ReviewStatus.RESUBMISSION)
    assert resubmit.reason_code == "blurry"
    queue = kyc_selectors.review_queue(users["compliance"])
    assert queue.count() == summary.counts["queue"] >= 2
    # Approved KYC: Pending customers were activated (approved KYC is required here).
    approved = Customer.objects.filter(kyc_status="approved")
    assert approved.exists() and not approved.exclude(status="active").exists()
    assert Customer.objects.filter(status="pending").count() < before
    assert Customer.objects.filter(kyc_status="resubmission").count() == 1

    # Transactions: balances equal the ledger, nothing negative, every kind of thing.
    txs = Transaction.objects.all()
    assert txs.count() == summary.counts["transactions"] > 200
    assert reconcile() == []
    assert not Account.objects.filter(balance__lt=0).exists()
    assert LedgerEntry.objects.filter(kind="reversal").count() == 1
    assert {"payment", "transfer", "deposit", "withdrawal", "refund"} == set(
        txs.values_list("type", flat=True)
    )
    assert {"successful", "failed", "reversed"} == set(txs.values_list("status", flat=True))
    reasons = set(txs.filter(status="failed").values_list("failure_reason", flat=True))
    assert {"Insufficient funds", "Device is blocked"} <= reasons
    assert txs.filter(type="refund", original__isnull=False).exists()
    assert Device.objects.filter(status="blocked").count() == 1
    assert txs.exclude(merchant__mcc="").filter(merchant__isnull=False).exists()

    # Monitoring: the rule set, alerts at intake and at night, some worked with notes.
    assert Rule.objects.count() == len(demo_compliance.DEFAULT_RULES)
    assert set(Rule.objects.values_list("created_by__username", flat=True)) == {"compliance"}
    alerts = Alert.objects.all()
    assert alerts.count() == summary.counts["alerts"] >= 8
    statuses = set(alerts.values_list("status", flat=True))
    assert {"triggered", "under_review", "escalated", "cleared", "dismissed"} <= statuses
    assert alerts.filter(kind="blocked_attempt").exists()
    rule_types = set(alerts.values_list("rule__rule_type", flat=True))
    assert {"amount_threshold", "velocity", "structuring", "high_risk_merchant"} <= rule_types
    cleared = alerts.get(status="cleared")
    assert AlertNote.objects.filter(alert=cleared, to_status="cleared").exclude(body="").exists()

    # Risk: every customer touched has a profile, mirrored on the customer.
    touched = set(docs.values_list("customer", flat=True)) | set(
        txs.values_list("customer", flat=True)
    )
    profiles = RiskProfile.objects.filter(customer__in=touched)
    assert profiles.count() == len(touched) == summary.counts["risk_profiles"]
    assert not Customer.objects.filter(pk__in=touched, risk_level="").exists()
    escalated = alerts.get(status="escalated").customer
    assert RiskProfile.objects.get(customer=escalated).override_level == "high"

    assert audit.verify().ok


def _snapshot_of_a_run(users: dict[str, Any], now: dt.datetime, wrapper: Wrapper, seed: int):
    """The key records of one run (natural keys, no ids), then everything rolled back."""
    with transaction.atomic():
        summary = _seed(users, now, wrapper, seed)
        snapshot = {
            "documents": sorted(
                Document.objects.values_list(
                    "customer__client_id", "kind", "sha256", "uploaded_at", "review_status",
                    "reason_code", "reviewed_by__username",
                )
            ),
            "transactions": sorted(
                Transaction.objects.values_list(
                    "external_id", "customer__client_id", "occurred_at", "amount", "type",
                    "status", "failure_reason", "merchant__merchant_id", "device__device_id",
                )
            ),
            "balances": sorted(
                Account.objects.values_list("customer__client_id", "kind", "balance")
            ),
            "alerts": sorted(
                Alert.objects.values_list(
                    "customer__client_id", "rule__name", "title", "status", "created_at"
                )
            ),
            "risk": sorted(RiskProfile.objects.values_list("customer__client_id", "score")),
            "counts": summary.counts,
        }  # fmt: skip
        transaction.set_rollback(True)
    return snapshot


def test_the_same_seed_gives_the_same_data(demo_data, on_commit, settings):
    settings.KYC_OCR = False  # the key records are the same; the test is faster
    users, now = demo_data
    first = _snapshot_of_a_run(users, now, on_commit, SEED)
    assert not Document.objects.exists()  # rolled back
    second = _snapshot_of_a_run(users, now, on_commit, SEED)
    assert first["documents"] and first["transactions"] and first["alerts"]
    for name in first:
        assert first[name] == second[name], name
    other = _snapshot_of_a_run(users, now, on_commit, SEED + 1)
    assert other["transactions"] != first["transactions"]


def test_generated_documents_pass_the_automatic_checks():
    """The generators make documents the real verification reads: MRZ, OCR, text layer."""
    birth, today = dt.date(1988, 4, 17), dt.date(2025, 3, 1)
    config = verification_config()
    passport = demo_compliance.passport_page(
        surname="Krishnan", given="Vinod", number="K7619801", birth=birth,
        expiry=dt.date(2031, 5, 2), sex="male", place="PUNE",
    )  # fmt: skip
    record = Record(name="Vinod Krishnan", birth_date=birth, id_type="passport",
                    id_number="K7619801")  # fmt: skip
    report = verify(passport, kind="id_proof", record=record, config=config, today=today)
    assert str(report.outcome) == "passed", [r.detail for r in report.results]

    aadhaar = "23412341234" + verhoeff.calc_check_digit("23412341234")
    card = demo_compliance.id_card(id_type="aadhaar", name="Lakshmi Iyer", birth=birth,
                                   number=aadhaar)  # fmt: skip
    record = Record(name="Lakshmi Iyer", birth_date=birth, id_type="aadhaar",
                    id_number=aadhaar, aadhaar=aadhaar)  # fmt: skip
    report = verify(card, kind="id_proof", record=record, config=config, today=today)
    assert str(report.outcome) == "passed", [r.detail for r in report.results]

    bill = demo_compliance.utility_bill(
        rng=random.Random(1), name="Lakshmi Iyer", address=["12 MG Road", "Pune 411001"],
        bill_date=today - dt.timedelta(days=20),
    )  # fmt: skip
    record = Record(name="Lakshmi Iyer", address="12 MG Road, Pune", postal_code="411001")
    report = verify(bill, kind="address_proof", record=record, config=config, today=today)
    assert str(report.outcome) == "passed", [r.detail for r in report.results]
    assert report.engine == "PDF text layer"
