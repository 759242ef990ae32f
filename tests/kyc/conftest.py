"""Fixtures for the KYC tests: per-test storage, activation needing KYC, helpers to upload
generated documents and to run the background checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from factories import make_customer

from clientdesk.kyc import services

from . import makedocs

ASHA_BIRTH = dt.date(1990, 1, 1)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Every test stores documents under its own temporary directory; activation needs an
    approved KYC (the test settings leave it off for the older suites)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.KYC_REQUIRED_FOR_ACTIVATION = True
    return tmp_path / "media"


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def upload_file(name: str, data: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def asha(admin_user: Any, sales_user: Any) -> Any:
    """A Pending customer registered by ``admin_user``, assigned to ``sales_user``, whose
    record matches the generated passport (Asha Verma, J8369854, born 1 Jan 1990)."""
    return make_customer(
        actor=admin_user,
        assigned_to=sales_user,
        first_name="Asha",
        last_name="Verma",
        id_type="passport",
        id_number="J8369854",
        date_of_birth=ASHA_BIRTH,
    )


@pytest.fixture
def officer2(user_factory: Callable[..., Any]) -> Any:
    return user_factory("compliance", username="compliance2")


@pytest.fixture
def upload(
    django_capture_on_commit_callbacks: Any,
) -> Callable[..., Any]:
    """``upload(customer, actor, kind, name=..., data=..., checks=True)``: upload through
    the service and (by default) run the background checks the commit enqueues."""

    def run(
        customer: Any,
        actor: Any,
        kind: str = "id_proof",
        *,
        name: str = "passport.jpg",
        data: bytes | None = None,
        checks: bool = True,
    ) -> Any:
        content = makedocs.passport_page() if data is None else data
        with django_capture_on_commit_callbacks(execute=checks):
            document = services.upload_document(
                customer, actor=actor, upload=upload_file(name, content), kind=kind
            )
        document.refresh_from_db()
        return document

    return run


@pytest.fixture
def ready_for_review(asha: Any, sales_user: Any, upload: Callable[..., Any]) -> dict[str, Any]:
    """Asha with a passport and a fresh utility bill uploaded by the Sales user, checked."""
    passport = upload(asha, sales_user, "id_proof")
    bill = upload(asha, sales_user, "address_proof", name="bill.pdf", data=makedocs.utility_bill())
    asha.refresh_from_db()
    return {"customer": asha, "passport": passport, "bill": bill}


@pytest.fixture
def decide(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """``decide(document, actor=..., decision=...)``: the service, with its on-commit
    side effects (messages to the customer, notifications) run."""

    def run(document: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return services.decide_document(document, **kwargs)

    return run
