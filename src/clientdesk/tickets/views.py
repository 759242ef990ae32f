"""Ticket pages. Thin: parse, authorize, call a service, render."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from clientdesk.activities.models import Kind
from clientdesk.activities.services import add_manual_activity, can_add_activity, timeline
from clientdesk.core.permissions import Access, has_access
from clientdesk.core.views import (
    ModuleView,
    ObjectListView,
    apply_errors,
    private_file,
    safe_next,
)

from . import selectors, services, sla
from .filtersets import TicketFilterSet
from .forms import (
    AssignForm,
    AttachmentForm,
    BulkCloseForm,
    CommentForm,
    SLAPolicyForm,
    StatusForm,
    SubjectForm,
    SurveyForm,
    TicketEditForm,
    TicketForm,
    find_customer,
)
from .models import SLA_TONES, Priority, SLAPolicy, SLAStatus, Status, Ticket, TicketSubject
from .tables import TicketTable

EXPORT_HEADER = [
    "Number",
    "Customer",
    "Client ID",
    "Subject",
    "Source",
    "Priority",
    "Status",
    "SLA status",
    "Assignees",
    "Created",
    "First response",
    "First response due",
    "Resolved",
    "Resolution due",
    "Closed",
]


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


def _form_errors_as_messages(request: HttpRequest, form: Any) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(str(e) for e in errors)
        messages.error(request, f"{label}: {text}" if label else text)


TABLE_FIELDS = (
    "id",
    "number",
    "status",
    "priority",
    "created_at",
    "first_response_at",
    "resolved_at",
    "first_response_due_at",
    "resolution_due_at",
    "sla_paused_at",
    "sla_paused_seconds",
    "sla_status",
    "customer__id",
    "customer__first_name",
    "customer__last_name",
    "subject__id",
    "subject__name",
)


class TicketListView(ObjectListView):
    module = "tickets"
    model = Ticket
    filterset_class = TicketFilterSet
    table_class = TicketTable
    template_name = "tickets/ticket_list.html"
    title = "Tickets"
    export_name = "tickets"

    def get_queryset(self) -> QuerySet[Ticket]:
        return Ticket.objects.visible_to(self.request.user).for_list()

    def table_queryset(self, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        # Only the shown columns: the customer's name (no decrypting its sensitive fields),
        # the subject's name, the SLA inputs; assignees with only what their names need.
        return (
            queryset.select_related(None)
            .prefetch_related(None)
            .select_related("customer", "subject")
            .only(*TABLE_FIELDS)
            .prefetch_related(
                Prefetch(
                    "assignees",
                    queryset=get_user_model().objects.only(
                        "id", "username", "first_name", "last_name"
                    ),
                    to_attr="assignee_list",  # a plain list: no queryset clone per row
                )
            )
        )

    def extra_context(self) -> dict[str, Any]:
        user = self.request.user
        return {
            "can_add": has_access(user, "tickets", Access.WRITE),
            "can_manage": services.can_manage_settings(user),
        }

    def export_rows(self, queryset: QuerySet[Ticket]) -> tuple[list[str], Iterable[Any]]:
        now = timezone.now()

        def rows() -> Iterable[list[Any]]:
            # Prefetching needs chunk_size with iterator(); 2,000 rows per round trip.
            for t in queryset.iterator(chunk_size=2000):
                yield [
                    t.number,
                    t.customer.full_name,
                    t.customer.client_id,
                    t.subject.name,
                    t.get_source_display(),
                    t.get_priority_display(),
                    t.get_status_display(),
                    SLAStatus(sla.status_of(t, now)).label,
                    "; ".join(u.username for u in t.assignees.all()),
                    _iso(t.created_at),
                    _iso(t.first_response_at),
                    _iso(t.first_response_due_at),
                    _iso(t.resolved_at),
                    _iso(t.resolution_due_at),
                    _iso(t.closed_at),
                ]

        return EXPORT_HEADER, rows()


class TicketBulkCloseView(ModuleView):
    module = "tickets"

    def post(self, request: HttpRequest) -> HttpResponse:
        form = BulkCloseForm(request.POST)
        back = safe_next(request, reverse("tickets:list"))
        if not form.is_valid():
            if "ticket" in form.errors:
                messages.error(request, "Select the tickets to close.")
            else:
                messages.error(request, "Give a reason for closing the tickets.")
            return redirect(back)
        result = services.bulk_close(
            form.cleaned_data["ticket"], actor=request.user, reason=form.cleaned_data["reason"]
        )
        if result.done:
            messages.success(request, f"Closed {len(result.done)}: {', '.join(result.done)}.")
        for number, why in result.skipped:
            messages.warning(request, f"{number} not closed: {why}")
        return redirect(back)


class TicketCreateView(ModuleView):
    module = "tickets"
    write_methods = frozenset({"GET", "POST"})

    def get(self, request: HttpRequest) -> HttpResponse:
        initial: dict[str, Any] = {}
        customer = find_customer(request.user, request.GET.get("customer", ""))
        if customer is not None:
            initial["customer"] = customer.client_id
        return self._render(request, TicketForm(initial=initial, user=request.user), customer)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TicketForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                ticket = services.create_ticket(actor=request.user, data=form.service_data())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"{ticket.number} opened.")
                return redirect("tickets:detail", pk=ticket.pk)
        customer = form.cleaned_data.get("customer") if hasattr(form, "cleaned_data") else None
        return self._render(request, form, customer, status=400)

    def _render(
        self, request: HttpRequest, form: TicketForm, customer: Any, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            "tickets/ticket_form.html",
            {"form": form, "customer": customer, "title": "New ticket"},
            status=status,
        )


def _timeline_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    kind = request.GET.get("kind", "")
    activities = timeline(ticket, request.user)
    if kind in Kind.values:
        activities = activities.filter(kind=kind)
    can_log = can_add_activity(request.user, ticket)
    return {
        "activity_page": Paginator(activities, 20).get_page(request.GET.get("page")),
        "kind": kind,
        "kinds": Kind.choices,
        "activity_form": _activity_form() if can_log else None,
        "activity_action": reverse("tickets:add_activity", args=[ticket.pk]) if can_log else "",
    }


def _activity_form(*args: Any) -> Any:
    from clientdesk.customers.forms import ActivityForm

    return ActivityForm(*args)


class TicketDetailView(ModuleView):
    module = "tickets"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        ticket = selectors.ticket_for(request.user, pk)
        now = timezone.now()
        can_edit = services.can_edit(request.user, ticket)
        context = {
            "ticket": ticket,
            "customer": ticket.customer,
            "now": now,
            "can_edit": can_edit,
            "assignees": selectors.assignees(ticket),
            "comments": list(selectors.comments(ticket)),
            "attachments": list(selectors.attachments(ticket)),
            "survey": selectors.survey(ticket),
            "sla_targets": sla.targets(ticket, now),
            "sla_state": SLAStatus(sla.status_of(ticket, now)),
            "sla_warning": sla.warning(ticket, now),
            "transitions": [(s, Status(s).label) for s in ticket.allowed_transitions()],
            "comment_form": CommentForm(),
            "attachment_form": AttachmentForm(),
            "assign_form": AssignForm() if can_edit else None,
            **_timeline_context(request, ticket),
        }
        context["sla_tone"] = SLA_TONES[context["sla_state"]]
        return render(request, "tickets/ticket_detail.html", context)


class _TicketWriteView(ModuleView):
    """A POST on one ticket; redirects back to the ticket page."""

    module = "tickets"

    def ticket(self, request: HttpRequest, pk: int) -> Ticket:
        ticket = selectors.ticket_for(request.user, pk)
        if not services.can_edit(request.user, ticket):
            raise PermissionDenied("You may change only tickets assigned to you.")
        return ticket

    def back(self, ticket: Ticket, anchor: str = "") -> HttpResponse:
        return redirect(reverse("tickets:detail", args=[ticket.pk]) + anchor)


class TicketEditView(_TicketWriteView):
    write_methods = frozenset({"GET", "POST"})

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        ticket = self.ticket(request, pk)
        initial = {
            "subject": ticket.subject_id,
            "source": ticket.source,
            "priority": ticket.priority,
            "description": ticket.description,
        }
        return self._render(request, TicketEditForm(initial=initial), ticket)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        ticket = self.ticket(request, pk)
        form = TicketEditForm(request.POST)
        if form.is_valid():
            try:
                services.update_ticket(ticket, actor=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Changes saved.")
                return self.back(ticket)
        return self._render(request, form, ticket, status=400)

    def _render(
        self, request: HttpRequest, form: TicketEditForm, ticket: Ticket, status: int = 200
    ) -> HttpResponse:
        context = {"form": form, "ticket": ticket, "title": f"Edit {ticket.number}"}
        return render(request, "tickets/ticket_form.html", context, status=status)


class TicketStatusView(_TicketWriteView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        ticket = self.ticket(request, pk)
        form = StatusForm(request.POST)
        if not form.is_valid():
            _form_errors_as_messages(request, form)
            return self.back(ticket)
        try:
            ticket = services.change_status(
                ticket,
                actor=request.user,
                to_status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        else:
            messages.success(request, f"Status changed to {ticket.get_status_display()}.")
        return self.back(ticket)


class TicketAssignView(_TicketWriteView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        ticket = self.ticket(request, pk)
        form = AssignForm(request.POST)
        if not form.is_valid():
            _form_errors_as_messages(request, form)
            return self.back(ticket)
        try:
            services.assign(ticket, actor=request.user, assignees=form.cleaned_data["assignees"])
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        else:
            messages.success(request, "Assignees updated.")
        return self.back(ticket)


class TicketCommentView(_TicketWriteView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        ticket = self.ticket(request, pk)
        form = CommentForm(request.POST)
        if not form.is_valid():
            _form_errors_as_messages(request, form)
            return self.back(ticket, "#comments")
        try:
            comment = services.add_comment(
                ticket, actor=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
            return self.back(ticket, "#comments")
        messages.success(request, "Comment added.")
        return self.back(ticket, f"#comment-{comment.pk}")


class TicketAttachmentUploadView(_TicketWriteView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        ticket = self.ticket(request, pk)
        upload = request.FILES.get("file")
        try:
            attachment = services.add_attachment(ticket, actor=request.user, upload=upload)
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        else:
            messages.success(request, f"“{attachment.original_name}” attached.")
        return self.back(ticket, "#attachments")


class TicketAttachmentDownloadView(ModuleView):
    """The only way to an attachment's bytes: visible ticket, audited, never inline."""

    module = "tickets"

    def get(self, request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
        attachment = selectors.attachment_for(request.user, pk, attachment_pk)
        handle = services.open_attachment(attachment, actor=request.user)
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["Content-Length"] = str(attachment.size)  # decrypted stream: no size of its own
        return private_file(response)


class TicketActivityView(ModuleView):
    """ "+ Activity" on the ticket's timeline (a call or note about this ticket)."""

    module = "activities"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        ticket = selectors.ticket_for(request.user, pk)
        form = _activity_form(request.POST)
        if form.is_valid():
            try:
                add_manual_activity(
                    ticket.customer, actor=request.user, subject=ticket, **form.cleaned_data
                )
            except ValidationError as exc:
                for msg in exc.messages:
                    messages.error(request, msg)
            else:
                messages.success(request, "Activity added.")
        else:
            messages.error(request, "Choose a type and write what happened.")
        return redirect(reverse("tickets:detail", args=[pk]) + "#timeline")


class TicketReportView(ModuleView):
    """Satisfaction (answered surveys) and workload, over the same filters as the list."""

    module = "tickets"

    def get(self, request: HttpRequest) -> HttpResponse:
        queryset = Ticket.objects.visible_to(request.user)
        filterset = TicketFilterSet(request.GET or None, queryset=queryset, request=request)
        tickets = (
            filterset.qs if not filterset.is_bound or filterset.is_valid() else queryset.none()
        )
        context = {
            "filterset": filterset,
            "report": selectors.survey_report(tickets),
            "by_status": selectors.status_counts(tickets),
            "recent": selectors.recent_surveys(tickets),
        }
        return render(request, "tickets/report.html", context)


class TicketSettingsView(ModuleView):
    """Subjects and SLA targets (Managers and Admins)."""

    module = "tickets"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not services.can_manage_settings(request.user):
            raise PermissionDenied("Only a Manager or an Admin can change ticket settings.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        action = request.POST.get("action")
        try:
            if action == "subject":
                self._save_subject(request)
            elif action == "sla":
                self._save_policy(request)
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
            return self._render(request, status=400)
        return redirect("tickets:settings")

    def _save_subject(self, request: HttpRequest) -> None:
        form = SubjectForm(request.POST)
        if not form.is_valid():
            raise ValidationError(list(form.errors.get("name") or ["Check the subject."]))
        pk = request.POST.get("pk", "")
        subject = (
            TicketSubject.objects.filter(pk=int(pk)).first()
            if pk.isascii() and pk.isdigit()
            else None
        )
        services.save_subject(
            actor=request.user,
            name=form.cleaned_data["name"],
            is_active=form.cleaned_data["is_active"],
            subject=subject,
        )
        messages.success(request, "Subject saved.")

    def _save_policy(self, request: HttpRequest) -> None:
        form = SLAPolicyForm(request.POST)
        if not form.is_valid():
            raise ValidationError([str(e) for errs in form.errors.values() for e in errs])
        services.update_sla_policy(actor=request.user, **form.cleaned_data)
        messages.success(request, "SLA targets saved; they apply to tickets opened from now on.")

    def _render(self, request: HttpRequest, status: int = 200) -> HttpResponse:
        policies = {p.priority: p for p in SLAPolicy.objects.all()}
        rows = [
            (p, policies.get(p.value), sla.DEFAULT_TARGETS[p.value]) for p in reversed(Priority)
        ]
        context = {"subjects": TicketSubject.objects.all(), "policies": rows}
        return render(request, "tickets/settings.html", context, status=status)


class SurveyView(View):
    """The customer's one-time satisfaction survey (public, no login)."""

    MESSAGES = {
        "invalid": (
            "This link is not valid",
            "Check that you opened the whole link from the message we sent.",
        ),
        "used": (
            "Thank you — we already have your answer",
            "This survey can be answered only once.",
        ),
        "expired": (
            "This survey has expired",
            "Survey links work for 14 days after the ticket is closed.",
        ),
    }

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            survey = services.survey_for_token(token)
        except services.SurveyUnavailable as exc:
            return self._unavailable(request, exc.reason)
        return self._form(request, SurveyForm(), survey)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        form = SurveyForm(request.POST)
        try:
            survey = services.survey_for_token(token)
        except services.SurveyUnavailable as exc:
            return self._unavailable(request, exc.reason)
        if form.is_valid():
            try:
                services.submit_survey(token, **form.cleaned_data)
            except services.SurveyUnavailable as exc:
                return self._unavailable(request, exc.reason)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return render(request, "tickets/survey_done.html", {"ticket": survey.ticket})
        return self._form(request, form, survey, status=400)

    def _form(
        self, request: HttpRequest, form: SurveyForm, survey: Any, status: int = 200
    ) -> HttpResponse:
        context = {"form": form, "ticket": survey.ticket}
        return render(request, "tickets/survey.html", context, status=status)

    def _unavailable(self, request: HttpRequest, reason: str) -> HttpResponse:
        title, text = self.MESSAGES[reason]
        status = 404 if reason == "invalid" else 410
        context = {"title": title, "text": text, "reason": reason}
        return render(request, "tickets/survey_unavailable.html", context, status=status)


# --- the Tickets tab on the customer profile ---------------------------------------------


def customer_tab_count(customer: Any) -> int:
    """The tab shows the number of *open* tickets, so open work is visible at a glance."""
    return selectors.open_count(customer)


def customer_tab_context(request: HttpRequest, customer: Any) -> dict[str, Any]:
    tickets = selectors.customer_tickets(customer, request.user)
    open_tickets = [t for t in tickets if t.is_open]
    now = timezone.now()
    for ticket in tickets:
        ticket.sla_now = SLAStatus(sla.status_of(ticket, now))  # type: ignore[attr-defined]
        ticket.sla_now_tone = SLA_TONES[ticket.sla_now]  # type: ignore[attr-defined]
    return {
        "tickets": tickets,
        "open_tickets": open_tickets,
        "closed_tickets": [t for t in tickets if not t.is_open],
        "can_add_ticket": has_access(request.user, "tickets", Access.WRITE),
    }
