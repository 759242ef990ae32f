"""The access export: everything ClientDesk holds on a customer, as a ZIP.

``collect(customer)`` walks the customer row and every model that points at the customer
(``Customer._meta.related_objects``), one level deep, plus the rows of the children that
hang on those (ticket comments, message logs ...) when they point only at a collected row.
What ``disclosure`` declares excluded (STRs, cases, monitoring alerts: tipping-off) is
never read. Identifiers appear in clear (it is the person's own data); keyed hashes,
wrapped file keys and storage names are internals and are left out.

``build_zip`` writes ``data.json`` (machine-readable), ``documents/`` (the original
files, decrypted) and ``summary.pdf`` (WeasyPrint, a readable overview).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone

from clientdesk.core.stored_files import EncryptedFileMixin, read_stored

from . import disclosure

# Internals of a row, not information about the person.
INTERNAL = re.compile(r"(_hash$|^file_key|^file$|^token|^search_)")
# Rows about the request itself, not data about the person.
SKIPPED_MODELS = frozenset({"privacy.accessexport"})
MAX_ROWS = 10_000  # per record type: a bound, far above what a person accumulates


def _row(obj: models.Model) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if INTERNAL.search(field.name):
            continue
        value = getattr(obj, field.attname)
        row[field.attname] = value
    return row


def _wanted(model: Any) -> bool:
    return disclosure.is_disclosable(model) and model._meta.label_lower not in SKIPPED_MODELS


def _children(model: type[models.Model]) -> list[Any]:
    """Reverse relations from ``model`` to models that have no customer of their own."""
    found = []
    for rel in model._meta.related_objects:
        child: Any = rel.related_model
        if rel.many_to_many or not rel.one_to_many or not _wanted(child):
            continue
        if any(f.name == "customer" for f in child._meta.concrete_fields):
            continue
        found.append(rel)
    return found


def collect(customer: Any) -> dict[str, Any]:
    """label -> list of rows; "customers.customer" holds the one profile row."""
    customer = type(customer)._default_manager.get(pk=customer.pk)  # as stored now
    data: dict[str, Any] = {customer._meta.label_lower: [_row(customer)]}
    files: list[Any] = []
    for rel in type(customer)._meta.related_objects:
        model = rel.related_model
        if rel.many_to_many or not _wanted(model):
            continue
        rows = list(model._default_manager.filter(**{rel.field.name: customer})[:MAX_ROWS])
        if not rows:
            continue
        data.setdefault(model._meta.label_lower, []).extend(_row(r) for r in rows)
        files.extend(r for r in rows if isinstance(r, EncryptedFileMixin))
        for child_rel in _children(model):
            child = child_rel.related_model
            children = list(
                child._default_manager.filter(**{f"{child_rel.field.name}__in": rows})[:MAX_ROWS]
            )
            data.setdefault(child._meta.label_lower, []).extend(_row(c) for c in children)
            files.extend(c for c in children if isinstance(c, EncryptedFileMixin))
    return {"records": data, "files": files}


def _file_name(row: Any) -> str:
    label = getattr(row, "original_name", "") or "file"
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", label)[:80]
    return f"documents/{row._meta.label_lower}-{row.pk}-{safe}"


def build_zip(customer: Any, *, request_number: str) -> bytes:
    collected = collect(customer)
    records = collected["records"]
    payload = {
        "generated_at": timezone.now(),
        "request": request_number,
        "subject": {"client_id": customer.client_id, "name": customer.full_name},
        "records": records,
        "withheld": "Records whose disclosure the law restricts are not included.",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(payload, cls=DjangoJSONEncoder, indent=2))
        for row in collected["files"]:
            if row.file:
                archive.writestr(_file_name(row), read_stored(row))
        archive.writestr("summary.pdf", summary_pdf(payload))
    return buffer.getvalue()


def summary_pdf(payload: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    sections = [
        {"label": label, "rows": rows[:200], "count": len(rows)}
        for label, rows in payload["records"].items()
    ]
    html = render_to_string("privacy/export_summary.html", {**payload, "sections": sections})
    return bytes(HTML(string=html).write_pdf())
