"""Lead pages. Thin: parse, authorize, call a service, render."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from clientdesk.activities.models import Kind
from clientdesk.activities.services import add_manual_activity, can_add_activity, timeline
from clientdesk.core.masking import mask
from clientdesk.core.permissions import Access, edits_only_own, has_access
from clientdesk.core.views import ModuleView, ObjectListView, safe_next

from . import selectors, services
from .filtersets import LeadFilterSet
from .forms import (
    ActivityForm,
    AssignForm,
    BulkForm,
    LeadForm,
    SavedFilterForm,
    StatusForm,
    add_service_errors,
    apply_lead_errors,
)
from .models import SENSITIVE_FIELDS, Lead, LeadStatus, SavedFilter
from .tables import LeadTable

EXPORT_HEADER = [
    "Lead ID",
    "First name",
    "Last name",
    "Mobile",
    "Alternative mobile",
    "Email",
    "Status",
    "Lead source",
    "Lead category",
    "Account type",
    "Client ID",
    "Referral code",
    "PAN",
    "Aadhaar",
    "Street address",
    "City",
    "State",
    "Postal code",
    "Country",
    "Lead owner",
    "Created",
    "Account opened",
    "Account activated",
    "Last activity",
    "Customer",
]
# Query parameters that are not filters (never saved with a filter).
NON_FILTER_PARAMS = ("page", "export")


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


def _filter_query(request: HttpRequest) -> str:
    params = request.GET.copy()
    for name in NON_FILTER_PARAMS:
        params.pop(name, None)
    return params.urlencode()


def _can_assign(user: Any) -> bool:
    return has_access(user, "leads", Access.WRITE) and not edits_only_own(user)


def _next_url(request: HttpRequest, default: str) -> str:
    return safe_next(request, default)


def _flash_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _flash_form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        text = " ".join(str(e) for e in errors)
        messages.error(request, f"{label or field.replace('_', ' ').capitalize()}: {text}")


# --- list, board, export -----------------------------------------------------------------


class LeadListView(ObjectListView):
    module = "leads"
    model = Lead
    filterset_class = LeadFilterSet
    table_class = LeadTable
    template_name = "leads/lead_list.html"
    title = "Leads"
    export_name = "leads"

    def get_queryset(self) -> QuerySet[Lead]:
        return Lead.objects.visible_to(self.request.user).for_list()

    def extra_context(self) -> dict[str, Any]:
        user = self.request.user
        can_write = has_access(user, "leads", Access.WRITE)
        return {
            "can_add": can_write,
            "can_bulk": can_write,
            "can_assign": _can_assign(user),
            "saved_filters": selectors.saved_filters(user),
            "filter_query": _filter_query(self.request),
            "bulk_form": BulkForm() if can_write else None,
            "statuses": LeadStatus.choices,
        }

    def export_rows(self, queryset: QuerySet[Lead]) -> tuple[list[str], Iterable[Any]]:
        queryset = queryset.select_related("owner", "customer")

        def rows() -> Iterable[list[Any]]:
            for lead in queryset.iterator(chunk_size=2000):
                yield [
                    lead.pk,
                    lead.first_name,
                    lead.last_name,
                    lead.mobile,
                    lead.alt_mobile,
                    lead.email,
                    lead.get_status_display(),
                    lead.get_source_display(),
                    lead.get_category_display(),
                    lead.get_account_type_display(),
                    lead.client_id,
                    lead.referral_code,
                    mask("pan", lead.pan),
                    mask("aadhaar", lead.aadhaar),
                    lead.address_line,
                    lead.city,
                    lead.state,
                    lead.postal_code,
                    lead.country,
                    lead.owner.display_name if lead.owner else "",
                    _iso(lead.created_at),
                    _iso(lead.account_opened_at),
                    _iso(lead.account_activated_at),
                    _iso(lead.last_activity_at),
                    lead.customer.client_id if lead.customer else "",
                ]

        return EXPORT_HEADER, rows()


class LeadBoardView(ModuleView):
    """The pipeline as columns of cards; a card moves with a status-change form."""

    module = "leads"

    def get(self, request: HttpRequest) -> HttpResponse:
        params = request.GET.copy()
        params.pop("sort", None)
        filterset = LeadFilterSet(
            params or None, queryset=Lead.objects.visible_to(request.user), request=request
        )
        invalid = filterset.is_bound and not filterset.is_valid()
        queryset = Lead.objects.none() if invalid else filterset.qs
        columns = selectors.board(queryset)
        chosen = set(params.getlist("status"))
        if chosen:
            columns = [c for c in columns if c["status"] in chosen]
        others = params.copy()
        for name in ("status", *NON_FILTER_PARAMS):
            others.pop(name, None)
        for column in columns:
            more = others.copy()
            more["status"] = column["status"]
            column["more_query"] = more.urlencode()
            for lead in column["cards"]:
                lead.editable = services.can_edit(request.user, lead)  # type: ignore[attr-defined]
        context = {
            "columns": columns,
            "filterset": filterset,
            "filter_query": _filter_query(request),
            "saved_filters": selectors.saved_filters(request.user),
            "can_add": has_access(request.user, "leads", Access.WRITE),
            "total": sum(c["count"] for c in columns),
        }
        return render(request, "leads/lead_board.html", context)


# --- detail ------------------------------------------------------------------------------


class LeadDetailView(ModuleView):
    module = "leads"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        lead = selectors.lead_for(request.user, pk)
        user = request.user
        kind = request.GET.get("kind", "")
        activities = timeline(lead, request.user)
        if kind in Kind.values:
            activities = activities.filter(kind=kind)
        may_note = can_add_activity(user, lead)
        context = {
            "lead": lead,
            "can_edit": services.can_edit(user, lead),
            "can_convert": services.can_convert(user, lead),
            "can_assign": _can_assign(user),
            "can_read_customers": has_access(user, "customers"),
            "masked": {f: mask(f, getattr(lead, f)) for f in SENSITIVE_FIELDS},
            "transitions": lead.allowed_transitions(),
            "status_history": selectors.status_history(lead),
            "assign_form": AssignForm(initial={"owner": lead.owner_id}),
            "activity_page": Paginator(activities, 25).get_page(request.GET.get("page")),
            "kind": kind,
            "kinds": Kind.choices,
            "activity_form": ActivityForm() if may_note else None,
            "activity_action": reverse("leads:add_activity", args=[lead.pk]) if may_note else "",
        }
        return render(request, "leads/lead_detail.html", context)


# --- create and edit ---------------------------------------------------------------------


class LeadCreateView(ModuleView):
    module = "leads"
    write_methods = frozenset({"GET", "POST"})

    def get(self, request: HttpRequest) -> HttpResponse:
        form = LeadForm(can_assign=_can_assign(request.user), initial={"owner": request.user.pk})
        return self._render(request, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = LeadForm(request.POST, can_assign=_can_assign(request.user))
        if form.is_valid():
            try:
                lead = services.create_lead(actor=request.user, data=form.service_data())
            except ValidationError as exc:
                apply_lead_errors(form, exc)
            else:
                messages.success(request, f"Lead {lead.full_name} added.")
                return redirect("leads:detail", pk=lead.pk)
        else:
            add_service_errors(form, lambda d: services.clean_lead_data(d, actor=request.user))
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: LeadForm, status: int = 200) -> HttpResponse:
        context = {"form": form, "title": "Add lead"}
        return render(request, "leads/lead_form.html", context, status=status)


class LeadEditView(ModuleView):
    module = "leads"
    write_methods = frozenset({"GET", "POST"})

    def _lead(self, request: HttpRequest, pk: int) -> Lead:
        lead = selectors.lead_for(request.user, pk)
        if not services.can_edit(request.user, lead):
            raise PermissionDenied("You may change only leads you own.")
        return lead

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        lead = self._lead(request, pk)
        initial = {
            f: getattr(lead, f)
            for f in services.EDITABLE_FIELDS
            if f not in LeadForm.SENSITIVE_INPUTS and f != "owner"
        }
        initial["owner"] = lead.owner_id
        form = LeadForm(initial=initial, editing=True, can_assign=_can_assign(request.user))
        return self._render(request, form, lead)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        lead = self._lead(request, pk)
        form = LeadForm(request.POST, editing=True, can_assign=_can_assign(request.user))
        if form.is_valid():
            try:
                services.update_lead(lead, actor=request.user, data=form.service_data())
            except ValidationError as exc:
                apply_lead_errors(form, exc)
            else:
                messages.success(request, "Changes saved.")
                return redirect("leads:detail", pk=lead.pk)
        else:
            add_service_errors(
                form, lambda d: services.clean_lead_data(d, instance=lead, actor=request.user)
            )
        return self._render(request, form, lead, status=400)

    def _render(
        self, request: HttpRequest, form: LeadForm, lead: Lead, status: int = 200
    ) -> HttpResponse:
        for name in LeadForm.SENSITIVE_INPUTS:
            stored = mask(name, getattr(lead, name))
            if stored:
                form.fields[name].help_text = f"Stored: {stored}. Leave blank to keep it."
        context = {"form": form, "lead": lead, "title": f"Edit {lead.full_name}"}
        return render(request, "leads/lead_form.html", context, status=status)


# --- actions -----------------------------------------------------------------------------


class LeadStatusView(ModuleView):
    module = "leads"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        lead = selectors.lead_for(request.user, pk)
        form = StatusForm(request.POST)
        if form.is_valid():
            try:
                lead = services.change_lead_status(
                    lead,
                    actor=request.user,
                    to_status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                _flash_errors(request, exc)
            else:
                messages.success(request, f"{lead.full_name}: {lead.get_status_display()}.")
        else:
            _flash_form_errors(request, form)
        return redirect(_next_url(request, reverse("leads:detail", args=[pk])))


class LeadAssignView(ModuleView):
    module = "leads"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        lead = selectors.lead_for(request.user, pk)
        form = AssignForm(request.POST)
        if form.is_valid():
            try:
                services.assign_lead(lead, actor=request.user, owner=form.cleaned_data["owner"])
            except ValidationError as exc:
                _flash_errors(request, exc)
            else:
                messages.success(request, "Lead owner changed.")
        else:
            _flash_form_errors(request, form)
        return redirect("leads:detail", pk=pk)


class LeadConvertView(ModuleView):
    module = "leads"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        lead = selectors.lead_for(request.user, pk)
        try:
            customer = services.convert_lead(lead, actor=request.user)
        except ValidationError as exc:
            _flash_errors(request, exc)
            return redirect("leads:detail", pk=pk)
        messages.success(
            request, f"{lead.full_name} is now customer {customer.client_id} (Pending)."
        )
        return redirect("customers:detail", pk=customer.pk)


class LeadActivityView(ModuleView):
    """ "+ Activity" on a lead: needs to read the lead and write activities."""

    module = "activities"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        lead = selectors.lead_for(request.user, pk)
        form = ActivityForm(request.POST)
        if form.is_valid():
            try:
                add_manual_activity(
                    lead.customer, actor=request.user, subject=lead, **form.cleaned_data
                )
            except ValidationError as exc:
                _flash_errors(request, exc)
            else:
                messages.success(request, "Activity added.")
        else:
            messages.error(request, "Choose a type and write what happened.")
        return redirect(reverse("leads:detail", args=[pk]) + "#timeline")


class LeadBulkView(ModuleView):
    """Bulk status change or assignment of the ticked leads: all of them or none."""

    module = "leads"

    def post(self, request: HttpRequest) -> HttpResponse:
        back = _next_url(request, reverse("leads:list"))
        form = BulkForm(request.POST)
        if not form.is_valid():
            _flash_form_errors(request, form)
            return redirect(back)
        data = form.cleaned_data
        try:
            if data["action"] == "status":
                done = services.bulk_change_status(
                    data["ids"], actor=request.user, to_status=data["status"], note=data["note"]
                )
                verb = f"moved to {LeadStatus(data['status']).label}"
            else:
                done = services.bulk_assign(data["ids"], actor=request.user, owner=data["owner"])
                verb = f"assigned to {data['owner'].display_name if data['owner'] else 'nobody'}"
        except ValidationError as exc:
            messages.error(request, "Nothing was changed:")
            _flash_errors(request, exc)
        else:
            messages.success(request, f"{len(done)} lead{'s' if len(done) != 1 else ''} {verb}.")
        return redirect(back)


# --- saved filters -----------------------------------------------------------------------


class SavedFilterCreateView(ModuleView):
    """Saving a filter is the user's own preference: reading leads is enough."""

    module = "leads"
    write_methods = frozenset()

    def post(self, request: HttpRequest) -> HttpResponse:
        back = _next_url(request, reverse("leads:list")).split("?")[0]
        form = SavedFilterForm(request.POST)
        if form.is_valid():
            try:
                saved = services.save_filter(
                    actor=request.user,
                    list_key=selectors.LIST_KEY,
                    name=form.cleaned_data["name"],
                    query=form.cleaned_data["query"].lstrip("?"),
                )
            except ValidationError as exc:
                _flash_errors(request, exc)
            else:
                messages.success(request, f"Filter “{saved.name}” saved.")
                return redirect(back + (f"?{saved.query}" if saved.query else ""))
        else:
            _flash_form_errors(request, form)
        return redirect(back)


class SavedFilterDeleteView(ModuleView):
    module = "leads"
    write_methods = frozenset()

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        saved = get_object_or_404(SavedFilter, pk=pk, user=request.user)
        services.delete_filter(saved, actor=request.user)
        messages.success(request, f"Filter “{saved.name}” deleted.")
        return redirect(_next_url(request, reverse("leads:list")))
