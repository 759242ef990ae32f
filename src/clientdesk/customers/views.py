"""Customer pages. Thin: parse, authorize, call a service, render."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from clientdesk.activities.models import Kind
from clientdesk.activities.services import add_manual_activity, can_add_activity, timeline
from clientdesk.core.audit_display import AuditDisplay
from clientdesk.core.masking import mask
from clientdesk.core.permissions import Access, can_view_sensitive, has_access
from clientdesk.core.views import ModuleView, ObjectListView, apply_errors

from . import lookup, selectors, services
from . import tabs as profile_tabs
from .filtersets import CustomerFilterSet
from .forms import ActivityForm, CustomerForm, ReviewForm, StatusForm
from .models import SENSITIVE_FIELDS, Customer
from .search import STATUS_TONES
from .tables import CustomerTable

EXPORT_HEADER = [
    "Client ID",
    "First name",
    "Last name",
    "Mobile",
    "Alternative mobile",
    "Email",
    "Status",
    "City",
    "State",
    "Country",
    "Date of birth",
    "PAN",
    "Aadhaar",
    "ID type",
    "ID number",
    "Created",
    "Account opened",
    "Account activated",
    "Last activity",
    "Assigned user",
    "KYC status",
    "Risk level",
    "Transaction volume",
]


def _volume(customer: Customer) -> Any:
    """The customer's transaction volume (transactions.CustomerTotals; 0 without a row)."""
    totals = getattr(customer, "transaction_totals", None)
    return totals.volume if totals is not None else Decimal("0.00")


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


class CustomerListView(ObjectListView):
    module = "customers"
    model = Customer
    filterset_class = CustomerFilterSet
    table_class = CustomerTable
    template_name = "customers/customer_list.html"
    title = "Customers"
    export_name = "customers"

    def get_queryset(self) -> QuerySet[Customer]:
        return Customer.objects.visible_to(self.request.user).for_list()

    def table_queryset(self, queryset: QuerySet[Customer]) -> QuerySet[Customer]:
        # Only the shown columns: no decrypting five sensitive fields per row for nothing.
        return (
            queryset.select_related(None)
            .select_related("transaction_totals")
            .only(
                "id",
                "client_id",
                "first_name",
                "last_name",
                "search_name",
                "mobile",
                "status",
                "kyc_status",
                "city",
                "transaction_totals__volume",
                "last_activity_at",
            )
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if lookup.looks_like_identifier(request.GET.get("q", "")):
            # Came by GET (no script, a typed URL): look it up, and take it out of the URL.
            return _lookup_redirect(request, request.GET)
        return super().get(request, *args, **kwargs)

    def extra_context(self) -> dict[str, Any]:
        return {
            "can_add": has_access(self.request.user, "customers", Access.WRITE),
            "list_notice": _lookup_notice(self.request),
        }

    def export_rows(self, queryset: QuerySet[Customer]) -> tuple[list[str], Iterable[Any]]:
        def rows() -> Iterable[list[Any]]:
            for c in queryset.select_related("transaction_totals").iterator(chunk_size=2000):
                yield [
                    c.client_id,
                    c.first_name,
                    c.last_name,
                    c.mobile,
                    c.alt_mobile,
                    c.email,
                    c.get_status_display(),
                    c.city,
                    c.state,
                    c.country,
                    mask("date_of_birth", c.date_of_birth),
                    mask("pan", c.pan),
                    mask("aadhaar", c.aadhaar),
                    c.get_id_type_display(),
                    mask("id_number", c.id_number),
                    _iso(c.created_at),
                    _iso(c.account_opened_at),
                    _iso(c.account_activated_at),
                    _iso(c.last_activity_at),
                    c.assigned_to.username if c.assigned_to else "",
                    c.get_kyc_status_display(),
                    c.get_risk_level_display(),
                    str(_volume(c)),
                ]

        return EXPORT_HEADER, rows()


def _lookup_redirect(request: HttpRequest, data: QueryDict) -> HttpResponse:
    """303 to the list under a one-time ``?lookup=`` token for an identifier in ``data["q"]``
    (or under ``?q=`` for anything else); the other filters are kept."""
    params = QueryDict(mutable=True)
    for name, values in data.lists():
        kept = [v for v in values if v]  # a form posts its empty fields too
        if kept and name not in {"q", "lookup", "page", "csrfmiddlewaretoken"}:
            params.setlist(name, kept)
    term = data.get("q", "").strip()
    if lookup.looks_like_identifier(term):
        params["lookup"] = lookup.start_lookup(request, term)
    elif term:
        params["q"] = term
    target = reverse("customers:list") + (f"?{params.urlencode()}" if params else "")
    return HttpResponseSeeOther(target)


class HttpResponseSeeOther(HttpResponseRedirect):
    """After a POST, the browser (and htmx's XHR) fetches the list with GET."""

    status_code = 303


def _lookup_notice(request: HttpRequest) -> dict[str, str] | None:
    token = request.GET.get("lookup")
    if not token or request.GET.get("q"):
        return None
    found = lookup.resolve_lookup(request, token)
    clear = reverse("customers:list")
    if found is None:
        text = "This identifier lookup has expired; search again."
        return {"tone": "warning", "text": text, "clear_url": clear}
    if found.refused:
        return {"tone": "warning", "text": lookup.REFUSED, "clear_url": clear}
    text = f"Exact identifier lookup: {found.masked}"
    return {"tone": "info", "text": text, "clear_url": clear}


class CustomerLookupView(ModuleView):
    """POST ``q`` (and the other filters) from the list's filter form: an exact identifier
    is looked up (audited) and never put in a URL (customers.lookup)."""

    module = "customers"
    write_methods = frozenset({"PUT", "PATCH", "DELETE"})  # POST reads here

    def post(self, request: HttpRequest) -> HttpResponse:
        return _lookup_redirect(request, request.POST)


class CustomerDetailView(ModuleView):
    module = "customers"

    def get(self, request: HttpRequest, pk: int, tab: str = "overview") -> HttpResponse:
        tabs = profile_tabs.visible_tabs(request.user)
        current = next((t for t in tabs if t.slug == tab), None)
        if current is None:
            if profile_tabs.get(tab) is not None:  # a real tab of a module the role lacks
                raise PermissionDenied("Your role has no access to this tab.")
            raise Http404("No such tab.")
        customer = selectors.customer_for(request.user, pk)
        context = _profile_context(request, customer, current)
        context["tabs"] = [(t, profile_tabs.tab_count(t, customer, request.user)) for t in tabs]
        return render(request, "customers/customer_detail.html", context)


def _profile_context(
    request: HttpRequest, customer: Customer, tab: profile_tabs.ProfileTab
) -> dict[str, Any]:
    user = request.user
    context: dict[str, Any] = {
        "customer": customer,
        "tab": tab.slug,
        "tab_template": tab.template,
        "tone": STATUS_TONES.get(customer.status, "grey"),
        "can_edit": services.can_edit(user, customer),
        "can_reveal": can_view_sensitive(user),
        "masked": {f: mask(f, getattr(customer, f)) for f in SENSITIVE_FIELDS},
        "transitions": services.transition_options(customer, actor=request.user),
    }
    if tab.context:
        context.update(tab.context(request, customer))
    return context


def overview_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    return {"status_history": selectors.status_history(customer)}


def activities_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    kind = request.GET.get("kind", "")
    activities = timeline(customer, request.user)
    if kind in Kind.values:
        activities = activities.filter(kind=kind)
    page = Paginator(activities, 25).get_page(request.GET.get("page"))
    return {
        "activity_page": page,
        "kind": kind,
        "kinds": Kind.choices,
        "activity_form": ActivityForm() if can_add_activity(request.user, customer) else None,
        "activity_action": reverse("customers:add_activity", args=[customer.pk]),
    }


def history_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    page = Paginator(selectors.audit_history(customer), 25).get_page(request.GET.get("page"))
    display = AuditDisplay(page.object_list)
    return {"audit_page": page, "audit_rows": [(e, display.changes(e)) for e in page.object_list]}


class CustomerCreateView(ModuleView):
    module = "customers"
    write_methods = frozenset({"GET", "POST"})

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, CustomerForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CustomerForm(request.POST)
        if form.is_valid():
            try:
                customer = services.register_customer(actor=request.user, data=form.service_data())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, f"{customer.full_name} registered as {customer.client_id}."
                )
                return redirect("customers:detail", pk=customer.pk)
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: CustomerForm, status: int = 200) -> HttpResponse:
        return render(
            request,
            "customers/customer_form.html",
            {"form": form, "title": "Add customer"},
            status=status,
        )


class CustomerEditView(ModuleView):
    module = "customers"
    write_methods = frozenset({"GET", "POST"})

    def _customer(self, request: HttpRequest, pk: int) -> Customer:
        customer = selectors.customer_for(request.user, pk)
        if not services.can_edit(request.user, customer):
            raise PermissionDenied("You may change only customers assigned to you.")
        return customer

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = self._customer(request, pk)
        initial = {
            f: getattr(customer, f)
            for f in services.EDITABLE_FIELDS
            if f not in CustomerForm.SENSITIVE_INPUTS
        }
        return self._render(request, CustomerForm(initial=initial, editing=True), customer)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = self._customer(request, pk)
        form = CustomerForm(request.POST, editing=True)
        if form.is_valid():
            try:
                services.update_customer(customer, actor=request.user, data=form.service_data())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Changes saved.")
                return redirect("customers:detail", pk=customer.pk)
        return self._render(request, form, customer, status=400)

    def _render(
        self, request: HttpRequest, form: CustomerForm, customer: Customer, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            "customers/customer_form.html",
            {
                "form": form,
                "customer": customer,
                "masked": {f: mask(f, getattr(customer, f)) for f in SENSITIVE_FIELDS},
                "title": f"Edit {customer.full_name}",
            },
            status=status,
        )


class CustomerStatusView(ModuleView):
    module = "customers"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = selectors.customer_for(request.user, pk)
        form = StatusForm(request.POST)
        if form.is_valid():
            try:
                services.change_status(
                    customer,
                    actor=request.user,
                    to_status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                for msg in exc.messages:
                    messages.error(request, msg)
            else:
                messages.success(request, "Status changed.")
        else:
            for field, errors in form.errors.items():
                text = " ".join(str(e) for e in errors)
                messages.error(request, f"{form.fields[field].label or field}: {text}")
        return redirect("customers:detail", pk=pk)


class CustomerRevealView(ModuleView):
    """Reveal one sensitive value (htmx swaps the masked value for the clear one)."""

    module = "customers"
    write_methods = frozenset()  # revealing needs READ plus the sensitive permission

    def post(self, request: HttpRequest, pk: int, field: str) -> HttpResponse:
        customer = selectors.customer_for(request.user, pk)
        try:
            value = services.reveal(customer, actor=request.user, field=field)
        except ValidationError as exc:
            return HttpResponse(" ".join(exc.messages), status=400)
        return render(request, "customers/_revealed.html", {"value": value, "field": field})


class CustomerReviewView(ModuleView):
    """Review profile (SOP): needs to read the customer and write activities."""

    module = "activities"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = selectors.customer_for(request.user, pk)
        form = ReviewForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            notes = data.pop("notes", "")
            services.review_profile(customer, actor=request.user, checklist=data, notes=notes)
            messages.success(request, "Profile review recorded.")
        return redirect("customers:detail", pk=pk)


class CustomerActivityView(ModuleView):
    module = "activities"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = selectors.customer_for(request.user, pk)
        form = ActivityForm(request.POST)
        if form.is_valid():
            try:
                add_manual_activity(customer, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for msg in exc.messages:
                    messages.error(request, msg)
            else:
                messages.success(request, "Activity added.")
        else:
            messages.error(request, "Choose a type and write what happened.")
        return redirect(reverse("customers:tab", args=[pk, "activities"]))
