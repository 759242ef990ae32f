"""Data-protection pages. Thin: parse, authorize, call a service, render."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from clientdesk.core.permissions import Access, Module, has_access
from clientdesk.core.views import ModuleView, ObjectListView, apply_errors, private_file
from clientdesk.customers.models import Customer
from clientdesk.customers.selectors import customer_for
from clientdesk.leads.models import Lead

from . import selectors, services
from .filtersets import BreachFilterSet, DataRequestFilterSet
from .forms import (
    BreachForm,
    BreachStatusForm,
    ConsentForm,
    DataRequestForm,
    StatusForm,
    VerifyForm,
)
from .holds import erasure_holds
from .models import BREACH_TRANSITIONS, Breach, BreachStatus, DataRequest, Kind
from .tables import BreachTable, DataRequestTable

EXPORT_HEADER = ["Number", "Kind", "Law", "Status", "Requested by", "Received", "Due", "Closed"]


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


class RequestListView(ObjectListView):
    module = Module.PRIVACY
    model = DataRequest
    filterset_class = DataRequestFilterSet
    table_class = DataRequestTable
    template_name = "privacy/request_list.html"
    title = "Data-protection requests"
    export_name = "privacy-requests"

    def get_queryset(self) -> QuerySet[DataRequest]:
        return DataRequest.objects.visible_to(self.request.user).for_list()

    def extra_context(self) -> dict[str, Any]:
        user = self.request.user
        return {
            "can_add": has_access(user, Module.PRIVACY, Access.WRITE),
            "ageing": selectors.ageing(user),
        }

    def export_rows(self, queryset: QuerySet[DataRequest]) -> tuple[list[str], Iterable[Any]]:
        def rows() -> Iterable[list[Any]]:
            for r in queryset.iterator(chunk_size=2000):
                yield [
                    r.number,
                    r.get_kind_display(),
                    r.get_regime_display(),
                    r.get_status_display(),
                    r.requester_name,
                    _iso(r.received_at),
                    _iso(r.due_at),
                    _iso(r.closed_at),
                ]

        return EXPORT_HEADER, rows()


class RequestCreateView(ModuleView):
    """ "New request"; ``?customer=<id>`` or ``?lead=<id>`` fills the person in."""

    module = Module.PRIVACY
    write_methods = frozenset({"GET", "POST"})

    def get(self, request: HttpRequest) -> HttpResponse:
        initial: dict[str, Any] = {"received_at": timezone.localtime().replace(second=0)}
        customer_id = request.GET.get("customer", "")
        if customer_id.isdecimal() and len(customer_id) < 10:
            customer = Customer.objects.visible_to(request.user).filter(pk=customer_id).first()
            if customer:
                initial |= {"client_id": customer.client_id, "requester_name": customer.full_name}
        if request.GET.get("lead", "").isdecimal() and len(request.GET["lead"]) < 10:
            initial["lead"] = request.GET["lead"]
        return self._render(request, DataRequestForm(initial=initial))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = DataRequestForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["customer"], data["lead"] = self._person(request, form)
            if not form.errors:
                try:
                    created = services.create_request(actor=request.user, data=data)
                except ValidationError as exc:
                    apply_errors(form, exc)
                else:
                    messages.success(request, f"Request {created.number} registered.")
                    return redirect("privacy:detail", pk=created.pk)
        return self._render(request, form, status=400)

    def _person(self, request: HttpRequest, form: DataRequestForm) -> tuple[Any, Any]:
        client_id = (form.cleaned_data.get("client_id") or "").strip().upper()
        lead_id = form.cleaned_data.get("lead")
        customer = lead = None
        if client_id:
            customer = Customer.objects.visible_to(request.user).filter(client_id=client_id).first()
            if customer is None:
                form.add_error("client_id", f"No customer with Client ID {client_id}.")
        if lead_id:
            lead = Lead.objects.visible_to(request.user).filter(pk=lead_id).first()
            if lead is None:
                form.add_error("lead", f"No lead number {lead_id}.")
        return customer, lead

    def _render(
        self, request: HttpRequest, form: DataRequestForm, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            "privacy/request_form.html",
            {"form": form, "title": "New request"},
            status=status,
        )


class RequestDetailView(ModuleView):
    module = Module.PRIVACY

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        data_request = selectors.request_for(request.user, pk)
        return render(
            request, "privacy/request_detail.html", _detail_context(request, data_request)
        )


def _detail_context(
    request: HttpRequest, data_request: DataRequest, **extra: Any
) -> dict[str, Any]:
    holds = []
    if data_request.kind == Kind.ERASURE and data_request.customer and data_request.is_open:
        holds = erasure_holds(data_request.customer)
    return {
        "req": data_request,
        "can_edit": has_access(request.user, Module.PRIVACY, Access.WRITE),
        "transitions": data_request.allowed_transitions(),
        "holds": holds,
        "verify_form": extra.pop("verify_form", None) or VerifyForm(),
        "status_form": extra.pop("status_form", None) or StatusForm(),
        "overdue": data_request.is_overdue(),
        "exports": list(data_request.exports.all()[:5]) if data_request.kind == Kind.ACCESS else [],
        **extra,
    }


class RequestVerifyView(ModuleView):
    module = Module.PRIVACY

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        data_request = selectors.request_for(request.user, pk)
        form = VerifyForm(request.POST)
        if form.is_valid():
            try:
                services.verify_identity(data_request, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Identity verified: the request can now be worked.")
                return redirect("privacy:detail", pk=pk)
        context = _detail_context(request, data_request, verify_form=form)
        return render(request, "privacy/request_detail.html", context, status=400)


class RequestStatusView(ModuleView):
    module = Module.PRIVACY

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        data_request = selectors.request_for(request.user, pk)
        form = StatusForm(request.POST)
        if form.is_valid():
            try:
                data_request = services.change_status(
                    data_request,
                    actor=request.user,
                    to_status=form.cleaned_data["status"],
                    response=form.cleaned_data["response"],
                    evidence=form.cleaned_data["evidence"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, f"{data_request.number} is now {data_request.get_status_display()}."
                )
                return redirect("privacy:detail", pk=pk)
        context = _detail_context(request, data_request, status_form=form)
        return render(request, "privacy/request_detail.html", context, status=400)


class RequestExportView(ModuleView):
    """Start the access export; the one-time link is shown once, in the message."""

    module = Module.PRIVACY

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        data_request = selectors.request_for(request.user, pk)
        try:
            _, token = services.request_export(data_request, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            url = request.build_absolute_uri(reverse("privacy:download", args=[token]))
            messages.success(
                request,
                f"The export is being prepared. Download it once, within "
                f"{settings.PRIVACY_EXPORT_HOURS} hours, at {url} (this link is not shown again).",
            )
        return redirect("privacy:detail", pk=pk)


class ExportDownloadView(ModuleView):
    """The one-time link: the ZIP once, then the stored file is gone."""

    module = Module.PRIVACY
    write_methods = frozenset({"GET", "POST"})

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            export, content = services.take_export(token, actor=request.user)
        except ValidationError as exc:
            return HttpResponse(" ".join(exc.messages), status=410, content_type="text/plain")
        response = HttpResponse(content, content_type="application/zip")
        name = f"{export.request.number}-personal-data.zip"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return private_file(response)


# --- consent -------------------------------------------------------------------------------


class ConsentCreateView(ModuleView):
    """Record a consent given or withdrawn for a customer (from the profile's tab)."""

    module = Module.PRIVACY
    write_methods = frozenset({"GET", "POST"})

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = customer_for(request.user, pk)
        initial = {k: request.GET[k] for k in ("purpose", "granted") if k in request.GET}
        return self._render(request, customer, ConsentForm(initial=initial))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = customer_for(request.user, pk)
        form = ConsentForm(request.POST)
        if form.is_valid():
            try:
                record = services.record_consent(customer, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Recorded: {record}.")
                return redirect("customers:tab", pk=customer.pk, tab="privacy")
        return self._render(request, customer, form, status=400)

    def _render(
        self, request: HttpRequest, customer: Customer, form: ConsentForm, status: int = 200
    ) -> HttpResponse:
        context = {"form": form, "customer": customer, "title": "Record consent"}
        return render(request, "privacy/consent_form.html", context, status=status)


def customer_tab_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    history = list(selectors.consent_history(customer)[:200])
    requests = DataRequest.objects.visible_to(request.user).filter(customer=customer)[:50]
    return {
        "consent_history": history,
        "consents_now": selectors.current_consents(history),
        "privacy_requests": list(requests),
        "can_edit_privacy": has_access(request.user, Module.PRIVACY, Access.WRITE),
    }


# --- breaches ------------------------------------------------------------------------------


class BreachListView(ObjectListView):
    module = Module.PRIVACY
    model = Breach
    filterset_class = BreachFilterSet
    table_class = BreachTable
    template_name = "privacy/breach_list.html"
    title = "Personal-data breaches"
    export_name = "breaches"

    def extra_context(self) -> dict[str, Any]:
        return {"can_add": has_access(self.request.user, Module.PRIVACY, Access.WRITE)}

    def export_rows(self, queryset: QuerySet[Breach]) -> tuple[list[str], Iterable[Any]]:
        header = [
            "Number",
            "Title",
            "Status",
            "Detected",
            "Affected",
            "GDPR deadline",
            "DPDP deadline",
        ]
        rows = (
            [b.number, b.title, b.get_status_display(), _iso(b.detected_at), b.affected_count,
             _iso(b.gdpr_deadline), _iso(b.dpdp_deadline)]
            for b in queryset.iterator(chunk_size=2000)
        )  # fmt: skip
        return header, rows


class BreachCreateView(ModuleView):
    module = Module.PRIVACY
    write_methods = frozenset({"GET", "POST"})

    def get(self, request: HttpRequest) -> HttpResponse:
        form = BreachForm(initial={"detected_at": timezone.localtime().replace(second=0)})
        return self._render(request, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = BreachForm(request.POST)
        if form.is_valid():
            try:
                breach = services.record_breach(actor=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Breach {breach.number} recorded.")
                return redirect("privacy:breach", pk=breach.pk)
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: BreachForm, status: int = 200) -> HttpResponse:
        context = {"form": form, "title": "Record a breach"}
        return render(request, "privacy/breach_form.html", context, status=status)


class BreachDetailView(ModuleView):
    module = Module.PRIVACY

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        breach = selectors.breach_for(request.user, pk)
        affected: list[Customer] = []
        if breach.customer_filter:
            affected = list(services.affected_customers(breach.customer_filter)[:100])
        targets = [
            (s.value, s.label) for s in BreachStatus if s in BREACH_TRANSITIONS[breach.status]
        ]
        context = {
            "breach": breach,
            "affected": affected,
            "targets": targets,
            "can_edit": has_access(request.user, Module.PRIVACY, Access.WRITE),
            "now": timezone.now(),
        }
        return render(request, "privacy/breach_detail.html", context)


class BreachStatusView(ModuleView):
    module = Module.PRIVACY

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        breach = selectors.breach_for(request.user, pk)
        form = BreachStatusForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError("Choose a status.")
            services.change_breach_status(
                breach, actor=request.user, to_status=form.cleaned_data["status"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Breach status changed.")
        return redirect("privacy:breach", pk=pk)
