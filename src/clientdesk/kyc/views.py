"""KYC pages. Thin: parse, authorize, call a service, render.

Document bytes leave only through ``DownloadView``, ``PreviewView`` and ``PageView``, each
behind the module check and a visible customer, each audited by the service.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from clientdesk.core.masking import mask
from clientdesk.core.permissions import can_view_sensitive, has_access
from clientdesk.core.views import ModuleView, ObjectListView, parse_int, private_file
from clientdesk.customers.models import KYC_TONES, Customer, KycStatus
from clientdesk.customers.selectors import customer_for

from . import selectors, services
from .access import may_open, require_may_open
from .filtersets import ReviewQueueFilterSet
from .forms import DecisionForm, UploadForm
from .models import Document, KycStatusChange, ReviewStatus
from .tables import ReviewQueueTable

RECORD_FIELDS = ("date_of_birth", "id_number", "pan", "aadhaar")


# --- the customer's Documents tab ----------------------------------------------------------


def customer_tab_count(customer: Customer) -> int:
    return Document.objects.filter(customer=customer).count()


def _kyc_history(customer: Customer) -> list[KycStatusChange]:
    return list(KycStatusChange.objects.filter(customer=customer).select_related("actor")[:10])


def customer_tab_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    user = request.user
    docs = list(selectors.customer_documents(customer, user))
    return {
        "documents": docs,
        "required": selectors.required_documents(docs),
        "kyc_tone": customer.kyc_tone,
        "kyc_history": _kyc_history(customer),
        "can_upload": services.can_upload(user, customer),
        "can_review": has_access(user, "compliance"),
        "openable": {d.pk for d in docs if may_open(user, d)},
        "upload_form": UploadForm(),
        "max_upload_mb": services.max_upload_bytes() // 1_048_576,
    }


class UploadView(ModuleView):
    """Several files at once (or dropped on the drop zone); each is accepted or refused
    on its own, and a refused one leaves nothing behind."""

    module = "documents"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = customer_for(request.user, pk)
        back = reverse("customers:tab", args=[customer.pk, "documents"])
        if not services.can_upload(request.user, customer):
            raise PermissionDenied("You may add documents only for customers assigned to you.")
        form = UploadForm(request.POST)
        files = request.FILES.getlist("file")
        if not form.is_valid() or not files:
            messages.error(request, "Choose the document type and at least one file.")
            return redirect(back)
        kept = 0
        for upload in files:
            try:
                services.upload_document(
                    customer, actor=request.user, upload=upload, kind=form.cleaned_data["kind"]
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                kept += 1
        if kept:
            messages.success(
                request,
                f"{kept} document{'s' if kept != 1 else ''} uploaded; the automatic checks "
                "run in the background.",
            )
        return redirect(back)


# --- the bytes: download, preview, PDF pages -----------------------------------------------


class DownloadView(ModuleView):
    module = "documents"

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        document = selectors.document_for(request.user, pk)
        require_may_open(request.user, document)
        handle = services.open_document(document, actor=request.user, purpose="download")
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=document.original_name,
            content_type=document.content_type,
        )
        response["Content-Length"] = str(document.size)  # decrypted stream: no size of its own
        return private_file(response, inline=False)


class PreviewView(ModuleView):
    """An image shown inline in the reviewer's viewer (PDFs go through ``PageView``)."""

    module = "documents"

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        document = selectors.document_for(request.user, pk)
        require_may_open(request.user, document)
        if document.is_pdf or document.content_type == "image/heic":
            return HttpResponse("Open this document page by page.", status=404)
        handle = services.open_document(document, actor=request.user, purpose="preview")
        response = FileResponse(handle, content_type=document.content_type)
        response["Content-Length"] = str(document.size)  # decrypted stream: no size of its own
        return private_file(response, inline=True)


class PageView(ModuleView):
    """Page N of a PDF drawn as PNG on the server (no PDF reader in the browser)."""

    module = "documents"

    def get(self, request: HttpRequest, pk: int, page: int) -> HttpResponseBase:
        document = selectors.document_for(request.user, pk)
        require_may_open(request.user, document)
        if not document.is_pdf:
            return HttpResponse("Not a PDF.", status=404)
        try:
            png = services.preview_page(document, actor=request.user, page=page)
        except ValidationError as exc:
            return HttpResponse(" ".join(exc.messages), status=404)
        return private_file(HttpResponse(png, content_type="image/png"), inline=True)


# --- review ---------------------------------------------------------------------------------


class ReviewQueueView(ObjectListView):
    module = "compliance"
    model = Customer
    filterset_class = ReviewQueueFilterSet
    table_class = ReviewQueueTable
    template_name = "kyc/queue.html"
    title = "KYC review"
    export_name = "kyc-queue"

    def get_queryset(self) -> QuerySet[Customer]:
        return selectors.review_queue(self.request.user)

    def export_rows(self, queryset: QuerySet[Customer]) -> tuple[list[str], Any]:
        header = ["Client ID", "Name", "KYC status", "Risk level", "Waiting documents", "Since"]
        rows = (
            [
                c.client_id,
                c.full_name,
                c.get_kyc_status_display(),
                c.get_risk_level_display(),
                c.waiting,  # type: ignore[attr-defined]
                c.waiting_since.isoformat(),  # type: ignore[attr-defined]
            ]
            for c in queryset
        )
        return header, rows


class OverviewView(ModuleView):
    module = "compliance"

    def get(self, request: HttpRequest) -> HttpResponse:
        context = selectors.overview(request.user)
        for row in context["statuses"]:
            row["tone"] = KYC_TONES.get(KycStatus(row["value"]), "grey")
        return render(request, "kyc/overview.html", context)


def _current(docs: list[Document], wanted: int | None) -> Document | None:
    chosen = next((d for d in docs if d.pk == wanted), None)
    # docs are newest first: the oldest document still waiting comes up first
    pending = next((d for d in reversed(docs) if d.review_status == ReviewStatus.PENDING), None)
    return chosen or pending or (docs[0] if docs else None)


class ReviewView(ModuleView):
    """The document beside the record and the check results, with the decision form."""

    module = "compliance"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = customer_for(request.user, pk)
        docs = list(selectors.customer_documents(customer, request.user))
        current = _current(docs, parse_int(request.GET.get("doc")))
        return render(request, "kyc/review.html", self.context(request, customer, docs, current))

    def context(
        self,
        request: HttpRequest,
        customer: Customer,
        docs: list[Document],
        current: Document | None,
        form: DecisionForm | None = None,
    ) -> dict[str, Any]:
        user = request.user
        page = parse_int(request.GET.get("page")) or 1
        if current is not None:
            page = min(max(page, 1), current.pages)
        blocked = services.four_eyes_problem(user, current, customer) if current else None
        return {
            "customer": customer,
            "documents": docs,
            "current": current,
            "can_open": current is not None and may_open(user, current),
            "page": page,
            "pages": range(1, (current.pages if current else 1) + 1),
            "form": form or DecisionForm(),
            "four_eyes": blocked,
            "can_decide": bool(
                current
                and services.can_review(user)
                and current.review_status == ReviewStatus.PENDING
                and not blocked
            ),
            "kyc_tone": customer.kyc_tone,
            "can_reveal": can_view_sensitive(user),
            "masked": {f: mask(f, getattr(customer, f)) for f in RECORD_FIELDS},
            "kyc_history": _kyc_history(customer),
        }


class DecisionView(ModuleView):
    module = "compliance"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        document = selectors.document_for(request.user, pk)
        back = reverse("kyc:review", args=[document.customer_id]) + f"?doc={document.pk}"
        form = DecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose approve, reject or ask for re-upload.")
            return redirect(back)
        try:
            # the document as decided (read under the service's lock), not read again here
            document = services.decide_document(document, actor=request.user, **form.service_data())
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text)
            return redirect(back)
        customer = Customer.objects.only("kyc_status").get(pk=document.customer_id)
        done = (
            f"{document.get_kind_display()} {document.get_review_status_display().lower()}. "
            f"KYC is now {KycStatus(customer.kyc_status).label.lower()}."
        )
        target, then = _next_review(request.user, document.customer_id)
        messages.success(request, f"{done} {then}")
        return redirect(target)


def _next_review(user: Any, customer_id: int) -> tuple[str, str]:
    """Where a reviewer goes after a decision, and the sentence that says so: the customer's
    next waiting document, else the first customer of the queue, else the empty queue."""
    waiting = Document.objects.visible_to(user).filter(
        customer_id=customer_id, review_status=ReviewStatus.PENDING
    )
    if waiting.exists():
        return reverse("kyc:review", args=[customer_id]), "Next: this customer's next document."
    queue = selectors.review_queue(user).exclude(pk=customer_id)
    following = queue.select_related(None).only("pk", "first_name", "last_name").first()
    if following is not None:
        return (
            reverse("kyc:review", args=[following.pk]),
            f"Next in the queue: {following.full_name}.",
        )
    return reverse("kyc:queue"), "The review queue is empty."
