"""Screening and risk pages. Thin: parse, authorize, call a service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from clientdesk.core.masking import mask_date
from clientdesk.core.permissions import Access, can_view_sensitive, has_access
from clientdesk.core.views import ModuleView, ObjectListView, apply_errors
from clientdesk.customers.models import Customer, RiskLevel
from clientdesk.customers.selectors import customer_for

from . import selectors, services
from .filtersets import ScreeningHitFilterSet
from .forms import DecisionForm, OverrideForm
from .models import MODULE, HitStatus, ScreeningHit, Trigger
from .tables import ScreeningHitTable, score_tone

RISK_TONES: dict[str, str] = {
    RiskLevel.LOW: "green",
    RiskLevel.MEDIUM: "amber",
    RiskLevel.HIGH: "red",
}
EXPORT_HEADER = [
    "Hit",
    "Customer",
    "Client ID",
    "List",
    "Listed party",
    "Matched name",
    "Score",
    "Status",
    "Trigger",
    "Raised",
    "Decided by",
    "Decided",
]


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


class HitListView(ObjectListView):
    module = MODULE
    model = ScreeningHit
    filterset_class = ScreeningHitFilterSet
    table_class = ScreeningHitTable
    template_name = "screening/hit_list.html"
    title = "Screening hits"
    export_name = "screening-hits"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.GET:  # the queue opens on the hits still to decide
            return redirect(f"{reverse('screening:hits')}?status={HitStatus.OPEN}")
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[ScreeningHit]:
        return ScreeningHit.objects.visible_to(self.request.user).for_list()

    def extra_context(self) -> dict[str, Any]:
        return {"can_manage": has_access(self.request.user, MODULE, Access.WRITE)}

    def export_rows(self, queryset: QuerySet[ScreeningHit]) -> tuple[list[str], Any]:
        def rows() -> Any:
            for h in queryset.iterator(chunk_size=2000):
                yield [
                    h.pk,
                    h.customer.full_name,
                    h.customer.client_id,
                    h.screening_list.name,
                    h.entry_name,
                    h.matched_name,
                    h.score,
                    h.get_status_display(),
                    h.get_trigger_display(),
                    _iso(h.created_at),
                    h.decided_by.username if h.decided_by else "",
                    _iso(h.decided_at),
                ]

        return EXPORT_HEADER, rows()


def _entry_facts(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The list entry's identifying facts as (label, text) rows for the comparison."""
    births = ", ".join(
        b.get("text") or b.get("date") or str(b.get("year") or "")
        for b in data.get("dates_of_birth") or []
    )
    rows = [
        ("Listed name", data.get("name", "")),
        ("Aliases", "; ".join(a["name"] for a in data.get("aliases") or []) or "—"),
        ("Type", str(data.get("kind", "")).capitalize()),
        ("Date of birth", births or "—"),
        ("Place of birth", "; ".join(data.get("places_of_birth") or []) or "—"),
        (
            "Nationality",
            ", ".join(data.get("nationality_names") or data.get("nationalities") or []) or "—",
        ),
        ("Programs", ", ".join(data.get("programs") or []) or "—"),
        ("Reference", data.get("reference") or data.get("external_id") or "—"),
        ("Listed on", data.get("listed_on") or "—"),
    ]
    if data.get("remarks"):
        rows.append(("Remarks", data["remarks"]))
    return rows


class HitDetailView(ModuleView):
    module = MODULE

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        hit = selectors.hit_for(request.user, pk)
        return self._render(request, hit, DecisionForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        hit = selectors.hit_for(request.user, pk)
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                services.decide_hit(
                    hit,
                    actor=request.user,
                    to_status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Decision recorded.")
                return redirect("screening:hit", pk=hit.pk)
        return self._render(request, hit, form, status=400)

    def _render(
        self, request: HttpRequest, hit: ScreeningHit, form: DecisionForm, status: int = 200
    ) -> HttpResponse:
        customer = hit.customer
        dob = customer.date_of_birth
        status_field: Any = form.fields["status"]
        status_field.choices = [
            c for c in status_field.choices if c[0] in hit.allowed_transitions()
        ]
        context = {
            "hit": hit,
            "customer": customer,
            # Masked for everyone; the full date only through the audited reveal.
            "masked": {"date_of_birth": mask_date(dob)},
            "can_reveal": can_view_sensitive(request.user),
            "entry_facts": _entry_facts(hit.entry.data),
            "explanation": hit.explanation,
            "score_tone": score_tone(hit.score),
            "form": form,
            "can_decide": has_access(request.user, MODULE, Access.WRITE),
            "other_hits": list(
                selectors.customer_hits(customer, request.user).exclude(pk=hit.pk)[:10]
            ),
        }
        return render(request, "screening/hit_detail.html", context, status=status)


class ListVersionsView(ModuleView):
    module = MODULE

    def get(self, request: HttpRequest) -> HttpResponse:
        context = {
            "versions": list(selectors.versions()[:100]),
            "runs": selectors.recent_runs(),
            "can_manage": has_access(request.user, MODULE, Access.WRITE),
        }
        return render(request, "screening/list_versions.html", context)


class RescreenView(ModuleView):
    """Re-screen every customer against the current lists now (queued as a task)."""

    module = MODULE

    def post(self, request: HttpRequest) -> HttpResponse:
        run = services.start_rescreen(
            actor=request.user, trigger=Trigger.MANUAL, note="from the page"
        )
        messages.success(request, f"Re-screening queued for {run.total} customers.")
        return redirect("screening:lists")


def _customer(request: HttpRequest, pk: int) -> Customer:
    return customer_for(request.user, pk)


class ScreenCustomerView(ModuleView):
    module = MODULE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = _customer(request, pk)
        check = services.screen_customer(customer, actor=request.user, trigger=Trigger.MANUAL)
        if check.new_hits:
            messages.warning(request, f"{check.new_hits} new screening hit(s) raised.")
        else:
            messages.success(request, f"Screened: {check.match_count} match(es), no new hits.")
        return redirect(reverse("customers:tab", args=[customer.pk, "risk"]))


class OverrideView(ModuleView):
    module = MODULE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = _customer(request, pk)
        form = OverrideForm(request.POST)
        if form.is_valid():
            try:
                services.override_risk(
                    customer,
                    actor=request.user,
                    level=form.cleaned_data["level"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Risk level override recorded.")
                return redirect(reverse("customers:tab", args=[customer.pk, "risk"]))
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label or 'Override'}: {' '.join(str(e) for e in errors)}")
        return redirect(reverse("customers:tab", args=[customer.pk, "risk"]) + "#override")


class RecomputeView(ModuleView):
    module = MODULE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = _customer(request, pk)
        services.recompute_risk(customer, actor=request.user, reason="recomputed by an officer")
        messages.success(request, "Risk profile recomputed.")
        return redirect(reverse("customers:tab", args=[customer.pk, "risk"]))


def customer_tab_context(request: HttpRequest, customer: Any) -> dict[str, Any]:
    profile = selectors.profile_of(customer)
    level = profile.level if profile else ""
    return {
        "profile": profile,
        "risk_tone": RISK_TONES.get(level, "grey"),
        "risk_level_label": RiskLevel(level).label if level else "Not rated yet",
        "computed_label": RiskLevel(profile.computed_level).label if profile else "",
        "factors": sorted(profile.factors, key=lambda f: -f["points"]) if profile else [],
        "hits": list(selectors.customer_hits(customer, request.user)[:20]),
        "checks": selectors.checks_of(customer),
        "runs": selectors.runs_covering(customer),
        "override_form": OverrideForm(initial={"level": profile.override_level if profile else ""}),
        "can_manage_risk": has_access(request.user, MODULE, Access.WRITE),
    }
