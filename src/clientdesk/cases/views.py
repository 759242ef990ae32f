"""Pages of cases and regulatory reports. Thin: parse, authorize, call a service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from clientdesk.core.permissions import Access, has_access
from clientdesk.core.views import ModuleView, ObjectListView, parse_int, private_file

from . import calendar, goaml, pdf, selectors, services
from .filtersets import CaseFilterSet
from .models import (
    Case,
    CaseOutcome,
    CaseStatus,
    CashTransactionReport,
    StrStatus,
    SuspiciousTransactionReport,
)
from .tables import CaseTable, sla_state

MODULE = "cases"


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for msg in exc.messages:
        messages.error(request, msg)


class CaseListView(ObjectListView):
    module = MODULE
    model = Case
    filterset_class = CaseFilterSet
    table_class = CaseTable
    template_name = "cases/case_list.html"
    title = "Cases"
    export_name = "cases"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.GET:
            return redirect(f"{request.path}?open=true")
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Case]:
        return Case.objects.visible_to(self.request.user).for_list()

    def extra_context(self) -> dict[str, Any]:
        return {"ageing": selectors.queue_ageing(self.request.user)}

    def export_rows(self, queryset: QuerySet[Case]) -> tuple[list[str], Any]:
        rows = (
            [
                c.number,
                c.title,
                c.customer.client_id,
                c.get_status_display(),
                c.get_priority_display(),
                c.due_at.isoformat(),
                c.get_outcome_display(),
            ]
            for c in queryset.iterator(chunk_size=2000)
        )
        return ["Case", "Title", "Client ID", "Status", "Priority", "Due", "Outcome"], rows


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(choices=CaseOutcome.choices)
    conclusion = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)
    report = forms.IntegerField(required=False)


class CaseDetailView(ModuleView):
    module = MODULE

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = selectors.case_for(request.user, pk)
        can_work = has_access(request.user, MODULE, Access.WRITE)
        label, tone = sla_state(case)
        alerts = list(case.alerts.select_related("rule").order_by("-created_at"))
        hits = list(case.hits.select_related("screening_list").order_by("-created_at"))
        transactions = list(selectors.case_transactions(case, request.GET)[:200])
        reports = list(case.reports.select_related("prepared_by").order_by("-created_at"))
        devices = sorted({t.device for t in transactions if t.device_id}, key=lambda d: d.device_id)
        merchants = sorted({t.merchant for t in transactions if t.merchant_id}, key=str)
        context = {
            "case": case,
            "customer": case.customer,
            "can_work": can_work,
            "sla_label": label,
            "sla_tone": tone,
            "alerts": alerts,
            "evidence_count": len(alerts) + len(hits),
            "hits": hits,
            "transactions": transactions,
            "devices": devices,
            "counterparties": merchants,
            "events": list(case.events.select_related("author")),
            "reports": reports,
            "transitions": [
                (s, CaseStatus(s).label)
                for s in case.allowed_transitions()
                if s != CaseStatus.CLOSED
            ],
            "can_close": case.is_open and case.close_requested_by_id is None,
            "can_confirm": (
                case.close_requested_by_id is not None
                and case.close_requested_by_id != request.user.pk
            ),
            "close_form": CloseForm(),
            "officers": selectors.case_officers() if can_work else [],
            "base_currency": settings.BASE_CURRENCY,
            "tx_filters": request.GET,
        }
        return render(request, "cases/case_detail.html", context)


class _CaseWrite(ModuleView):
    module = MODULE

    def back(self, case: Any, anchor: str = "") -> HttpResponse:
        return redirect(reverse("cases:detail", args=[case.pk]) + anchor)


class CaseOpenView(ModuleView):
    """POST from a customer's page, an alert or a screening hit: open or merge into a case."""

    module = MODULE

    def post(self, request: HttpRequest, source: str, pk: int) -> HttpResponse:
        try:
            case = self._open(request, source, pk)
        except ValidationError as exc:
            _errors(request, exc)
            return redirect("cases:list")
        messages.success(request, f"Working in {case.number}.")
        return redirect("cases:detail", pk=case.pk)

    def _open(self, request: HttpRequest, source: str, pk: int) -> Case:
        user = request.user
        if source == "alert":
            from clientdesk.transactions.models import Alert

            alert = get_object_or_404(
                Alert.objects.visible_to(user).select_related("customer"), pk=pk
            )
            return services.open_case_for_alert(alert, actor=user)
        if source == "hit":
            from clientdesk.screening.models import ScreeningHit

            hit = get_object_or_404(
                ScreeningHit.objects.visible_to(user).select_related("customer"), pk=pk
            )
            return services.open_case(
                hit.customer, actor=user, title=f"Screening match: {hit.entry_name}"[:200],
                priority="high", hits=[hit],
            )  # fmt: skip
        if source == "customer":
            from clientdesk.customers.models import Customer

            customer = get_object_or_404(Customer.objects.visible_to(user), pk=pk)
            return services.open_case(customer, actor=user)
        raise Http404


class CaseStatusView(_CaseWrite):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = selectors.case_for(request.user, pk)
        try:
            services.transition_case(
                case,
                request.POST.get("status", ""),
                actor=request.user,
                note=request.POST.get("note", ""),
            )
        except ValidationError as exc:
            _errors(request, exc)
        return self.back(case)


class CaseAssignView(_CaseWrite):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = selectors.case_for(request.user, pk)
        raw = request.POST.get("assigned_to", "")
        assignee = None
        if raw == "me":
            assignee = request.user
        elif raw:
            assignee = next((u for u in selectors.case_officers() if u.pk == parse_int(raw)), None)
            if assignee is None:
                messages.error(request, "Choose an officer who may work on cases.")
                return self.back(case)
        try:
            services.assign_case(case, assignee, actor=request.user)
        except ValidationError as exc:
            _errors(request, exc)
        return self.back(case)


class CaseNoteView(_CaseWrite):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = selectors.case_for(request.user, pk)
        try:
            services.add_note(case, actor=request.user, body=request.POST.get("body", ""))
        except ValidationError as exc:
            _errors(request, exc)
        return self.back(case, "#timeline")


class CaseCloseView(_CaseWrite):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = selectors.case_for(request.user, pk)
        report_id = parse_int(request.POST.get("report"))
        report = case.reports.filter(pk=report_id).first() if report_id else None
        try:
            case = services.close_case(
                case, actor=request.user, outcome=request.POST.get("outcome", ""),
                conclusion=request.POST.get("conclusion", ""), report=report,
            )  # fmt: skip
        except ValidationError as exc:
            _errors(request, exc)
        else:
            if case.status == CaseStatus.CLOSED:
                messages.success(request, f"{case.number} closed.")
            else:
                messages.success(request, "Closing requested: a second officer must confirm it.")
        return self.back(case)


class CaseConfirmCloseView(_CaseWrite):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = selectors.case_for(request.user, pk)
        try:
            if request.POST.get("decision") == "reject":
                services.reject_close(
                    case, actor=request.user, reason=request.POST.get("reason", "")
                )
            else:
                services.confirm_close(case, actor=request.user)
        except ValidationError as exc:
            _errors(request, exc)
        return self.back(case)


class CaseReopenView(_CaseWrite):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = selectors.case_for(request.user, pk)
        try:
            services.reopen_case(case, actor=request.user, reason=request.POST.get("reason", ""))
        except ValidationError as exc:
            _errors(request, exc)
        return self.back(case)


# ----------------------------------------------------------------------------- STR


class StrCreateView(_CaseWrite):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = selectors.case_for(request.user, pk)
        concluded = request.POST.get("concluded_on") or ""
        try:
            day = dt.date.fromisoformat(concluded) if concluded else None
        except ValueError:
            messages.error(request, "Concluded on: enter a valid date.")
            return self.back(case)
        try:
            report = services.prepare_str(
                case, actor=request.user, grounds=request.POST.get("grounds", ""), concluded_on=day
            )
        except ValidationError as exc:
            _errors(request, exc)
            return self.back(case)
        messages.success(request, f"{report.number} drafted.")
        return redirect("cases:str", pk=report.pk)


def _str_context(report: SuspiciousTransactionReport) -> dict[str, Any]:
    from clientdesk.transactions.models import Transaction

    transactions = list(
        Transaction.objects.for_list()
        .filter(pk__in=report.transactions.values("pk"))
        .order_by("occurred_at", "id")
    )
    subjects = [report.case.customer, *report.case.linked_customers.all()]
    return {
        "report": report,
        "case": report.case,
        "transactions": transactions,
        "subjects": subjects,
        "total": sum(t.amount_base for t in transactions),
        "officer": report.prepared_by,
        "principal": {
            "name": settings.PRINCIPAL_OFFICER_NAME,
            "designation": settings.PRINCIPAL_OFFICER_DESIGNATION,
            "email": settings.PRINCIPAL_OFFICER_EMAIL,
        },
        "entity": {"id": settings.REPORTING_ENTITY_ID, "name": settings.REPORTING_ENTITY_NAME},
        "base_currency": settings.BASE_CURRENCY,
    }


class StrDetailView(ModuleView):
    module = MODULE

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = selectors.str_for(request.user, pk)
        context = _str_context(report)
        today = dt.date.today()
        context.update(
            can_work=has_access(request.user, MODULE, Access.WRITE),
            days_left=calendar.working_days_between(today, report.due_on),
            is_open=report.status in (StrStatus.DRAFT, StrStatus.APPROVED),
        )
        return render(request, "cases/str_detail.html", context)


class StrActionView(ModuleView):
    module = MODULE

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        report = selectors.str_for(request.user, pk)
        try:
            if action == "approve":
                report = services.approve_str(report, actor=request.user)
            elif action == "file":
                report = services.file_str(
                    report,
                    actor=request.user,
                    acknowledgement=request.POST.get("acknowledgement", ""),
                )
            elif action == "amend":
                report = services.amend_str(
                    report, actor=request.user, grounds=request.POST.get("grounds", "")
                )
            else:
                raise Http404
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, f"{report.number}: {report.get_status_display()}.")
        return redirect("cases:str", pk=report.pk)


class StrOutputView(ModuleView):
    """The STR as PDF or goAML XML: generated on request, audited, never cached."""

    module = MODULE
    kind = "pdf"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = selectors.str_for(request.user, pk)
        context = _str_context(report)
        services.record_output(report, actor=request.user, kind=self.kind)
        if self.kind == "xml":
            body = goaml.str_xml(report, context["transactions"], context["subjects"])
            response = HttpResponse(body, content_type="application/xml")
        else:
            response = HttpResponse(
                pdf.render_pdf("cases/str_pdf.html", context), content_type="application/pdf"
            )
        response["Content-Disposition"] = f'attachment; filename="{report.number}.{self.kind}"'
        return private_file(response)


# ----------------------------------------------------------------------------- CTR


def _month(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{value}-01") if value else services.previous_month()
    except ValueError:
        return services.previous_month()


class CtrListView(ModuleView):
    module = MODULE

    def get(self, request: HttpRequest) -> HttpResponse:
        month = _month(request.GET.get("month"))
        rows = list(selectors.ctr_rows(request.user, month))
        return render(
            request,
            "cases/ctr_list.html",
            {
                "month": month,
                "rows": rows,
                "due_on": calendar.ctr_due_on(month),
                "threshold": settings.CTR_THRESHOLD,
                "can_work": has_access(request.user, MODULE, Access.WRITE),
                "base_currency": settings.BASE_CURRENCY,
            },
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        month = _month(request.POST.get("month"))
        rows = services.compute_ctr(month, actor=request.user)
        messages.success(request, f"CTR {month:%B %Y}: {len(rows)} customer(s) computed.")
        return redirect(f"{reverse('cases:ctr')}?month={month:%Y-%m}")


class CtrActionView(ModuleView):
    module = MODULE

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        row = get_object_or_404(CashTransactionReport.objects.visible_to(request.user), pk=pk)
        try:
            if action == "review":
                services.review_ctr(row, actor=request.user)
            elif action == "file":
                services.file_ctr(
                    row, actor=request.user, acknowledgement=request.POST.get("acknowledgement", "")
                )
            else:
                raise Http404
        except ValidationError as exc:
            _errors(request, exc)
        return redirect(f"{reverse('cases:ctr')}?month={row.month:%Y-%m}")


class CtrOutputView(ModuleView):
    """A month's CTR as goAML XML or PDF: generated on request, audited, never cached."""

    module = MODULE
    kind = "xml"

    def get(self, request: HttpRequest) -> HttpResponse:
        month = _month(request.GET.get("month"))
        rows = list(
            selectors.ctr_rows(request.user, month).prefetch_related(
                "transactions__merchant", "transactions__customer"
            )
        )
        services.record_ctr_output(month, len(rows), actor=request.user, kind=self.kind)
        if self.kind == "xml":
            body = goaml.ctr_xml(rows, request.user)
            response = HttpResponse(body, content_type="application/xml")
        else:
            context = {
                "rows": rows,
                "month": month,
                "due_on": calendar.ctr_due_on(month),
                "base_currency": settings.BASE_CURRENCY,
                "entity": {
                    "id": settings.REPORTING_ENTITY_ID,
                    "name": settings.REPORTING_ENTITY_NAME,
                },
            }
            body = pdf.render_pdf("cases/ctr_pdf.html", context)
            response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="CTR-{month:%Y-%m}.{self.kind}"'
        return private_file(response)
