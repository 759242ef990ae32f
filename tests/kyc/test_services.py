"""The KYC services: upload, background checks, decisions, the KYC status, activation, and
the customer hearing of the outcome."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from clientdesk.activities.models import Activity
from clientdesk.comms.models import Message
from clientdesk.core import stored_files
from clientdesk.core.models import AuditEvent
from clientdesk.customers import services as customer_services
from clientdesk.customers.models import KycStatus, Status
from clientdesk.kyc import services
from clientdesk.kyc.models import Document, DocumentCheck, KycStatusChange

from . import makedocs

pytestmark = pytest.mark.django_db


def test_upload_keeps_the_file_under_a_random_name(asha, sales_user, upload, media) -> None:
    data = makedocs.passport_page()
    document = upload(
        asha, sales_user, "id_proof", name="../../etc/My Passport.jpg", data=data, checks=False
    )
    assert document.original_name == "My Passport.jpg"
    assert document.file.startswith(f"kyc/{asha.pk}/") and "Passport" not in document.file
    assert document.file.endswith(".enc") and document.content_type == "image/jpeg"
    with default_storage.open(document.file, "rb") as handle:
        assert handle.read() != data  # encrypted at rest (tests/kyc/test_file_encryption.py)
    assert stored_files.read_stored(document) == data
    import hashlib

    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.check_outcome == "pending" and document.review_status == "pending"
    assert AuditEvent.objects.filter(object_type="kyc.document", action="create").count() == 1
    assert Activity.objects.filter(customer=asha, kind="document").exists()
    asha.refresh_from_db()
    assert asha.kyc_status == KycStatus.DOCUMENTS_PENDING


def test_both_required_documents_put_the_customer_in_review(ready_for_review) -> None:
    customer = ready_for_review["customer"]
    assert customer.kyc_status == KycStatus.IN_REVIEW
    changes = list(KycStatusChange.objects.filter(customer=customer).order_by("created_at", "id"))
    assert [(c.from_status, c.to_status) for c in changes] == [
        ("not_started", "documents_pending"),
        ("documents_pending", "in_review"),
    ]


def test_background_checks_store_every_result(ready_for_review) -> None:
    passport = ready_for_review["passport"]
    assert passport.check_outcome == "passed", list(
        passport.checks.exclude(status="pass").values_list("code", "detail")
    )
    codes = list(passport.checks.values_list("code", flat=True))
    for code in ("image_decode", "resolution", "sharpness", "duplicate", "id_passport",
                 "ocr_name", "ocr_birth_date", "mrz_check_digits", "mrz_name",
                 "mrz_document_number", "document_expiry", "metadata_editing"):  # fmt: skip
        assert code in codes
    name = passport.checks.get(code="ocr_name")
    assert name.data["score"] >= 85 and "score" in name.detail
    bill = ready_for_review["bill"]
    assert bill.check_outcome == "passed"
    assert bill.checks.get(code="document_date").status == "pass"


def test_checks_can_run_twice(ready_for_review) -> None:
    passport = ready_for_review["passport"]
    before = passport.checks.count()
    services.run_checks(passport.pk)
    assert DocumentCheck.objects.filter(document=passport).count() == before


def test_same_file_for_another_customer_fails_as_duplicate(
    asha, sales_user, admin_user, upload
) -> None:
    from factories import make_customer

    data = makedocs.id_card(fmt="PNG")
    upload(asha, sales_user, "other", name="card.png", data=data)
    other = make_customer(actor=admin_user)
    copy = upload(other, admin_user, "other", name="card.png", data=data)
    check = copy.checks.get(code="duplicate")
    assert check.status == "fail" and asha.client_id in check.detail
    assert copy.check_outcome == "failed"


def test_old_address_proof_fails(asha, sales_user, upload) -> None:
    import datetime as dt

    old = makedocs.utility_bill(bill_date=dt.date.today() - dt.timedelta(days=200))
    bill = upload(asha, sales_user, "address_proof", name="bill.pdf", data=old)
    check = bill.checks.get(code="document_date")
    assert check.status == "fail" and "older than the 92 days" in check.detail


def test_approving_both_documents_approves_kyc_and_tells_the_customer(
    ready_for_review, compliance, decide
) -> None:
    customer = ready_for_review["customer"]
    decide(ready_for_review["passport"], actor=compliance, decision="approve")
    customer.refresh_from_db()
    assert customer.kyc_status == KycStatus.IN_REVIEW
    decide(ready_for_review["bill"], actor=compliance, decision="approve")
    customer.refresh_from_db()
    assert customer.kyc_status == KycStatus.APPROVED
    events = set(Message.objects.filter(customer=customer).values_list("event", flat=True))
    assert "kyc_approved" in events
    decision = AuditEvent.objects.filter(object_type="kyc.document", action="status_change")
    assert decision.count() == 2


def test_reject_then_reupload_then_approve(
    ready_for_review, compliance, officer2, sales_user, upload, decide
) -> None:
    customer = ready_for_review["customer"]
    decide(
        ready_for_review["passport"], actor=compliance, decision="reject",
        reason_code="blurry", comment="Photo is out of focus",
    )  # fmt: skip
    customer.refresh_from_db()
    assert customer.kyc_status == KycStatus.REJECTED
    message = Message.objects.filter(customer=customer, event="kyc_rejected").first()
    assert message is not None and "Blurry" in message.body and "out of focus" in message.body
    second = upload(customer, sales_user, "id_proof", name="passport-2.png",
                    data=makedocs.passport_page(fmt="PNG"))  # fmt: skip
    customer.refresh_from_db()
    assert customer.kyc_status == KycStatus.IN_REVIEW
    decide(second, actor=officer2, decision="approve")
    decide(ready_for_review["bill"], actor=officer2, decision="approve")
    customer.refresh_from_db()
    assert customer.kyc_status == KycStatus.APPROVED


def test_asking_for_reupload_sets_resubmission(ready_for_review, compliance, decide) -> None:
    customer = ready_for_review["customer"]
    decide(ready_for_review["bill"], actor=compliance, decision="resubmit", reason_code="expired")
    customer.refresh_from_db()
    assert customer.kyc_status == KycStatus.RESUBMISSION
    message = Message.objects.filter(customer=customer, event="kyc_resubmission").first()
    assert message is not None and "Proof of address" in message.body


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"decision": "maybe"}, "decision", "invalid"),
        ({"decision": "reject"}, "reason_code", "required"),
        ({"decision": "reject", "reason_code": "other"}, "comment", "required"),
        ({"decision": "resubmit", "reason_code": "nonsense"}, "reason_code", "required"),
    ],
)
def test_decision_input_errors_name_the_field(
    ready_for_review, compliance, decide, data, field, code
) -> None:
    with pytest.raises(ValidationError) as caught:
        decide(ready_for_review["passport"], actor=compliance, **data)
    assert caught.value.error_dict[field][0].code == code
    assert Document.objects.get(pk=ready_for_review["passport"].pk).review_status == "pending"


def test_decisions_are_final(ready_for_review, compliance, officer2, decide) -> None:
    decide(ready_for_review["passport"], actor=compliance, decision="approve")
    with pytest.raises(ValidationError) as caught:
        decide(
            ready_for_review["passport"], actor=officer2, decision="reject", reason_code="other",
            comment="changed my mind",
        )  # fmt: skip
    assert caught.value.error_dict["decision"][0].code == "invalid_transition"


def test_approval_waits_for_the_automatic_checks(
    asha, sales_user, compliance, upload, decide
) -> None:
    document = upload(asha, sales_user, "id_proof", checks=False)
    with pytest.raises(ValidationError) as caught:
        decide(document, actor=compliance, decision="approve")
    assert caught.value.error_dict["decision"][0].code == "checks_pending"
    decide(document, actor=compliance, decision="reject", reason_code="mismatch")


def test_activation_needs_an_approved_kyc(ready_for_review, compliance, admin_user, decide) -> None:
    customer = ready_for_review["customer"]
    with pytest.raises(ValidationError) as caught:
        customer_services.change_status(
            customer, actor=admin_user, to_status=Status.ACTIVE, reason="Documents received"
        )
    assert caught.value.error_dict["status"][0].code == "activation_blocked"
    for key in ("passport", "bill"):
        decide(ready_for_review[key], actor=compliance, decision="approve")
    customer.refresh_from_db()
    active = customer_services.change_status(
        customer, actor=admin_user, to_status=Status.ACTIVE, reason="KYC approved"
    )
    assert active.status == Status.ACTIVE


def test_activation_check_can_be_switched_off(asha, settings) -> None:
    settings.KYC_REQUIRED_FOR_ACTIVATION = False
    assert services.activation_check(asha) is None
    settings.KYC_REQUIRED_FOR_ACTIVATION = True
    assert "KYC must be approved" in (services.activation_check(asha) or "")


def test_sales_user_uploads_only_for_own_customers(asha, sales_user2, upload) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        upload(asha, sales_user2, "id_proof", checks=False)
    assert not Document.objects.exists()


def test_support_user_cannot_upload(asha, support_user, upload) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        upload(asha, support_user, "id_proof", checks=False)


def test_unknown_kind_is_a_field_error(asha, sales_user, upload, media) -> None:
    from .conftest import stored_files

    with pytest.raises(ValidationError) as caught:
        upload(asha, sales_user, "selfie", checks=False)
    assert "kind" in caught.value.error_dict
    assert stored_files(media) == []


def test_download_is_audited(ready_for_review, compliance, decide) -> None:
    document = ready_for_review["passport"]
    with services.open_document(document, actor=compliance) as handle:
        assert handle.read(3) == b"\xff\xd8\xff"
    event = AuditEvent.objects.filter(object_type="kyc.document", action="export").get()
    assert event.changes["download"] == "passport.jpg" and event.actor == compliance


def test_pdf_page_preview_is_png_and_audited(ready_for_review, compliance, decide) -> None:
    png = services.preview_page(ready_for_review["bill"], actor=compliance, page=1)
    assert png.startswith(b"\x89PNG")
    assert AuditEvent.objects.filter(action="export", changes__page=1).exists()
    with pytest.raises(ValidationError):
        services.preview_page(ready_for_review["bill"], actor=compliance, page=2)


def test_failed_checks_risk_factor_is_zero_without_problems(asha) -> None:
    points, text = services.failed_checks_factor(asha)
    assert points == 0 and "No failed" in text


def test_risk_factor_counts_failed_documents(
    asha, sales_user, compliance, upload, decide, django_assert_num_queries
) -> None:
    import datetime as dt

    old = makedocs.utility_bill(bill_date=dt.date.today() - dt.timedelta(days=300))
    bill = upload(asha, sales_user, "address_proof", name="old.pdf", data=old)
    assert bill.check_outcome == "failed"
    decide(bill, actor=compliance, decision="reject", reason_code="suspected_forgery")
    with django_assert_num_queries(1):  # both counts in one query
        points, text = services.failed_checks_factor(asha)
    assert points == 50 and "forgery" in text
    assert text == "1 document(s) failed the automatic checks; 1 rejected as suspected forgery"
