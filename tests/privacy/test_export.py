"""The access export: a customer touched by every module, compared with the database; the
tipping-off exclusions; built in the background; one download through an expiring link."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from factories import make_customer
from kyc.makedocs import utility_bill
from tickets.conftest import ticket_data

from clientdesk.comms import services as comms
from clientdesk.core import audit
from clientdesk.core.models import AuditEvent
from clientdesk.core.stored_files import read_stored
from clientdesk.kyc import services as kyc
from clientdesk.kyc.models import Document
from clientdesk.privacy import export, services
from clientdesk.privacy.models import AccessExport, DataRequest, ExportStatus
from clientdesk.tickets import services as tickets
from clientdesk.transactions.models import Alert

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def touched(admin_user: Any, dpo: Any) -> Any:
    """A customer with a ticket, a message, a document, a consent and an open alert."""
    customer = make_customer(actor=admin_user, first_name="Asha", last_name="Verma")
    tickets.create_ticket(actor=admin_user, data=ticket_data(customer))
    comms.send_message(customer, actor=admin_user, channel="email", subject="Hi", body="Hello")
    kyc.upload_document(
        customer, actor=admin_user, kind="address_proof",
        upload=SimpleUploadedFile("bill.pdf", utility_bill(), content_type="application/pdf"),
    )  # fmt: skip
    services.record_consent(
        customer, actor=dpo, purpose="credit_check", granted=True, notice_version="v1",
        source="branch",
    )  # fmt: skip
    Alert.objects.create(
        kind="blocked_attempt", customer=customer, severity="high", status="triggered",
        title="SUSPICION-MARKER", dedupe_key="export-test", created_at=timezone.now(),
    )  # fmt: skip
    return customer


def _verified_access(dpo: Any, customer: Any) -> DataRequest:
    req = services.create_request(
        actor=dpo,
        data={"kind": "access", "regime": "gdpr", "customer": customer, "requester_name": "Self"},
    )
    return services.verify_identity(req, actor=dpo, method="otp")


def test_export_matches_the_database_field_by_field(touched: Any, dpo: Any) -> None:
    customer = touched
    content = export.build_zip(customer, request_number="DPR-1")
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = archive.namelist()
    assert "data.json" in names and "summary.pdf" in names
    assert archive.read("summary.pdf").startswith(b"%PDF")
    data = json.loads(archive.read("data.json"))
    records = data["records"]
    profile = records["customers.customer"][0]
    customer.refresh_from_db()
    for field in customer._meta.concrete_fields:
        if export.INTERNAL.search(field.name):
            assert field.attname not in profile
            continue
        value = getattr(customer, field.attname)
        expected = json.loads(json.dumps(value, cls=export.DjangoJSONEncoder))
        assert profile[field.attname] == expected, field.name
    assert profile["pan"] == customer.pan and profile["pan"]  # identifiers in clear
    assert {"tickets.ticket", "comms.message", "kyc.document", "privacy.consentrecord",
            "activities.activity"} <= set(records)  # fmt: skip
    ticket = customer.tickets.get()
    assert records["tickets.ticket"][0]["description"] == ticket.description
    document = Document.objects.get(customer=customer)
    docs = [n for n in names if n.startswith("documents/")]
    assert len(docs) == 1 and archive.read(docs[0]) == read_stored(document)
    assert records["kyc.document"][0]["original_name"] == "bill.pdf"


def test_tipping_off_alerts_never_exported(touched: Any) -> None:
    content = export.build_zip(touched, request_number="DPR-1")
    archive = zipfile.ZipFile(io.BytesIO(content))
    data = archive.read("data.json").decode()
    assert "transactions.alert" not in json.loads(data)["records"]
    assert "SUSPICION-MARKER" not in data


def test_background_build_and_one_time_link(
    touched: Any, dpo: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    req = _verified_access(dpo, touched)
    client = client_for(dpo)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/privacy/{req.pk}/export/", follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    token = text.split("/privacy/exports/")[1].split("/")[0]
    exported = AccessExport.objects.get()
    assert exported.status == ExportStatus.READY and exported.file
    first = client.get(f"/privacy/exports/{token}/")
    assert first.status_code == 200 and first["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(first.content)).read("data.json")
    again = client.get(f"/privacy/exports/{token}/")
    assert again.status_code == 410
    exported.refresh_from_db()
    assert exported.status == ExportStatus.DOWNLOADED
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"export_requested", "export_downloaded"} <= actions and audit.verify().ok


def test_expired_link_and_unverified_request(
    touched: Any, dpo: Any, django_capture_on_commit_callbacks: Any
) -> None:
    req = services.create_request(
        actor=dpo,
        data={"kind": "access", "regime": "gdpr", "customer": touched, "requester_name": "x"},
    )
    with pytest.raises(ValidationError, match="identity"):
        services.request_export(req, actor=dpo)
    req = services.verify_identity(req, actor=dpo, method="otp")
    with django_capture_on_commit_callbacks(execute=True):
        exported, token = services.request_export(req, actor=dpo)
    AccessExport.objects.filter(pk=exported.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(ValidationError, match="expired"):
        services.take_export(token, actor=dpo)
