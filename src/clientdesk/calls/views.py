"""Call pages. Thin: parse, authorize, call a service, render."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from clientdesk.core.permissions import Access, Module, has_access
from clientdesk.core.scopes import ReadScope, read_scope
from clientdesk.core.views import ModuleView, ObjectListView, apply_errors
from clientdesk.customers.models import Customer
from clientdesk.customers.selectors import customer_for

from . import services
from .filtersets import CallFilterSet
from .forms import CallForm, CustomerCallForm
from .models import CallLog
from .tables import CallTable

EXPORT_HEADER = [
    "Started",
    "Direction",
    "Status",
    "Duration (s)",
    "From",
    "To",
    "Customer",
    "Client ID",
    "Lead",
    "Staff",
    "Cold call",
    "Notes",
    "Recording",
    "Device call id",
]


class CallListView(ObjectListView):
    module = Module.CALLS
    model = CallLog
    filterset_class = CallFilterSet
    table_class = CallTable
    template_name = "calls/call_list.html"
    title = "Call logs"
    export_name = "calls"

    def get_queryset(self) -> QuerySet[CallLog]:
        return CallLog.objects.visible_to(self.request.user).for_list()

    def extra_context(self) -> dict[str, Any]:
        user = self.request.user
        return {
            "can_log": has_access(user, Module.CALLS, Access.WRITE),
            "own_only": read_scope(user, Module.CALLS) == ReadScope.OWN,
            "team_only": read_scope(user, Module.CALLS) == ReadScope.TEAM,
        }

    def export_rows(self, queryset: QuerySet[CallLog]) -> tuple[list[str], Iterable[Any]]:
        def rows() -> Iterable[list[Any]]:
            for c in queryset.iterator(chunk_size=2000):
                yield [
                    c.started_at.isoformat(),
                    c.get_direction_display(),
                    c.get_status_display(),
                    c.duration_seconds,
                    c.from_number,
                    c.to_number,
                    c.customer.full_name if c.customer else "",
                    c.customer.client_id if c.customer else "",
                    c.lead.full_name if c.lead else "",
                    c.staff.username if c.staff else "",
                    "yes" if c.is_cold_call else "no",
                    c.notes,
                    c.recording_url,
                    c.device_call_id,
                ]

        return EXPORT_HEADER, rows()


class CallCreateView(ModuleView):
    """Log a call by number (the dialog on a profile is quicker for known customers)."""

    module = Module.CALLS
    write_methods = frozenset({"GET", "POST"})

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, CallForm(initial={"number": request.GET.get("number", "")}))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CallForm(request.POST)
        if form.is_valid():
            data = form.service_data()
            try:
                call, _ = services.log_call(actor=request.user, data=data)
            except ValidationError as exc:
                _name_number_errors(exc, data)
                apply_errors(form, exc)
            else:
                messages.success(request, "Call logged.")
                if call.customer_id:
                    return redirect("customers:tab", pk=call.customer_id, tab="calls")
                return redirect("calls:list")
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: CallForm, status: int = 200) -> HttpResponse:
        return render(
            request, "calls/call_form.html", {"form": form, "title": "Log a call"}, status=status
        )


def _name_number_errors(exc: ValidationError, data: dict[str, Any]) -> None:
    """The form has one "number" field where the service has from_number / to_number."""
    if hasattr(exc, "error_dict"):
        for name in ("from_number", "to_number"):
            if name in exc.error_dict:
                exc.error_dict.setdefault("number", []).extend(exc.error_dict.pop(name))


class CustomerCallView(ModuleView):
    """POST from the log-a-call dialog on a customer's profile."""

    module = Module.CALLS

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = customer_for(request.user, pk)
        form = CustomerCallForm(request.POST, numbers=customer_numbers(customer))
        tab = reverse("customers:tab", args=[pk, "calls"])
        if request.htmx:  # type: ignore[attr-defined]  # the dialog: errors stay in it
            if form.is_valid():
                try:
                    data = form.service_data()
                    services.log_call(actor=request.user, data=data, customer=customer)
                except ValidationError as exc:
                    _name_number_errors(exc, data)
                    apply_errors(form, exc)
                else:
                    messages.success(request, "Call logged.")
                    return HttpResponseClientRedirect(tab)
            context = {
                "call_form": form,
                "customer": customer,
                "call_action": request.path,
                "csrf_token": get_token(request),
            }
            return render(request, "calls/_log_call_form.html", context, status=422)
        if form.is_valid():
            try:
                services.log_call(actor=request.user, data=form.service_data(), customer=customer)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, "Call logged.")
        else:
            for name, errors in form.errors.items():
                label = form.fields[name].label or name.replace("_", " ").capitalize()
                messages.error(request, f"{label}: {' '.join(str(e) for e in errors)}")
        return redirect(tab)


class WhatsAppLogView(ModuleView):
    """POST by the WhatsApp quick action (fetch with keepalive) as the chat opens."""

    module = Module.ACTIVITIES

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = customer_for(request.user, pk)
        number = request.POST.get("number", "")
        if number not in customer_numbers(customer):
            number = customer.mobile
        activity = services.log_whatsapp(customer, actor=request.user, number=number)
        return HttpResponse(status=201 if activity else 200)


def customer_numbers(customer: Customer) -> list[str]:
    return [n for n in (customer.mobile, customer.alt_mobile) if n]


# ----------------------------------------------------------------------------- profile tab


def customer_calls(user: Any, customer: Customer) -> QuerySet[CallLog]:
    return CallLog.objects.visible_to(user).filter(customer=customer)


def customer_tab_count(customer: Customer, user: Any) -> int:
    known = getattr(customer, "_visible_call_count", None)  # counted by the open tab
    if known is not None and known[0] == user.pk:
        return int(known[1])
    return customer_calls(user, customer).count()


def customer_tab_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    calls = customer_calls(request.user, customer).select_related("staff", "lead")
    paginator = Paginator(calls, 25)
    customer._visible_call_count = (request.user.pk, paginator.count)  # type: ignore[attr-defined]
    page = paginator.get_page(request.GET.get("page"))
    return {
        "call_page": page,
        "can_log_call": has_access(request.user, Module.CALLS, Access.WRITE),
        "calls_own_only": read_scope(request.user, Module.CALLS) == ReadScope.OWN,
    }
