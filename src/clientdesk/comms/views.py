"""Message pages. Thin: parse, authorize, call a service, render."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django_tables2 import LazyPaginator

from clientdesk.core.views import ModuleView, ObjectListView, apply_errors
from clientdesk.customers.selectors import customer_for

from . import events, selectors, services
from . import inbound as inbound_services
from .filtersets import MessageFilterSet
from .forms import ReplyForm, SendMessageForm, TemplateForm
from .models import Channel, InboundMessage, Message, MessageTemplate
from .tables import MessageTable

EXPORT_HEADER = [
    "Created",
    "Client ID",
    "Customer",
    "Channel",
    "Event",
    "To",
    "Subject",
    "Status",
    "Attempts",
    "Sent",
    "Delivered",
    "Read",
    "Last error",
    "Created by",
]


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


class MessageListView(ObjectListView):
    module = "messages"
    model = Message
    filterset_class = MessageFilterSet
    table_class = MessageTable
    template_name = "comms/message_list.html"
    title = "Messages"
    export_name = "messages"

    def get_queryset(self) -> QuerySet[Message]:
        return Message.objects.visible_to(self.request.user).for_list()

    def export_rows(self, queryset: QuerySet[Message]) -> tuple[list[str], Iterable[Any]]:
        def rows() -> Iterable[list[Any]]:
            for m in queryset.iterator(chunk_size=2000):
                yield [
                    _iso(m.created_at),
                    m.customer.client_id,
                    m.customer.full_name,
                    m.get_channel_display(),
                    m.get_event_display(),
                    m.to_address,
                    m.subject or m.preview,
                    m.get_status_display(),
                    m.attempts,
                    _iso(m.sent_at),
                    _iso(m.delivered_at),
                    _iso(m.read_at),
                    m.last_error,
                    m.created_by.username if m.created_by else "",
                ]

        return EXPORT_HEADER, rows()


class MessageDetailView(ModuleView):
    module = "messages"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        message = selectors.message_for(request.user, pk)
        return render(
            request,
            "comms/message_detail.html",
            {"message": message, "log": list(message.log.all())},
        )


# --- the customer's Messages tab ---------------------------------------------------------


def customer_tab_context(request: HttpRequest, customer: Any) -> dict[str, Any]:
    # Lazy: the tab already shows the count, so the page needs no second COUNT.
    paginator = LazyPaginator(selectors.customer_messages(request.user, customer), 25)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (EmptyPage, PageNotAnInteger):
        page = paginator.page(1)
    return {
        "message_page": page,
        "preferences": selectors.preferences(customer),
        "send_form": SendMessageForm(),
        "can_contact": services.can_contact(request.user, customer),
    }


def message_count(customer: Any) -> int:
    return Message.objects.filter(customer=customer).count()


class CustomerSendView(ModuleView):
    """A free-text message on one channel; the tab posts here, errors render on this page."""

    module = "messages"
    write_methods = frozenset({"GET", "POST"})

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = customer_for(request.user, pk)
        services.require_contact(request.user, customer)
        form = SendMessageForm(initial={"channel": request.GET.get("channel", "")})
        return self._render(request, customer, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = customer_for(request.user, pk)
        form = SendMessageForm(request.POST)
        if form.is_valid():
            try:
                message = services.send_message(customer, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                flash.success(request, f"{message.get_channel_display()} message queued.")
                return redirect("customers:tab", pk=customer.pk, tab="messages")
        return self._render(request, customer, form, status=400)

    def _render(
        self, request: HttpRequest, customer: Any, form: SendMessageForm, status: int = 200
    ) -> HttpResponse:
        context = {
            "customer": customer,
            "form": form,
            "preferences": selectors.preferences(customer),
        }
        return render(request, "comms/send_message.html", context, status=status)


class CustomerPreferencesView(ModuleView):
    module = "messages"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = customer_for(request.user, pk)
        chosen = {c: f"opted_out_{c}" in request.POST for c in Channel.values}
        changed = services.set_preferences(customer, actor=request.user, opted_out=chosen)
        if changed:
            flash.success(request, "Message preferences saved.")
        else:
            flash.info(request, "Nothing changed.")
        return redirect("customers:tab", pk=customer.pk, tab="messages")


# --- templates ---------------------------------------------------------------------------


class TemplateListView(ModuleView):
    module = "messages"

    def get(self, request: HttpRequest) -> HttpResponse:
        by_event: dict[str, list[MessageTemplate]] = {}
        for template in MessageTemplate.objects.select_related("updated_by"):
            by_event.setdefault(template.event, []).append(template)
        groups = [(spec, by_event.get(event, [])) for event, spec in events.EVENTS.items()]
        return render(
            request,
            "comms/template_list.html",
            {"groups": groups, "can_edit": services.can_edit_templates(request.user)},
        )


class TemplateEditView(ModuleView):
    module = "messages"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        template = get_object_or_404(MessageTemplate, pk=pk)
        initial = {
            name: getattr(template, name)
            for name in ("subject", "body", *services.PROVIDER_TEMPLATE_FIELDS)
        }
        form = TemplateForm(initial=initial).for_channel(template.channel)
        return self._render(request, template, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        template = get_object_or_404(MessageTemplate, pk=pk)
        form = TemplateForm(request.POST).for_channel(template.channel)
        if form.is_valid():
            try:
                services.update_template(template, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                flash.success(request, f"Template “{template}” saved.")
                return redirect("comms:templates")
        return self._render(request, template, form, status=400)

    def _render(
        self, request: HttpRequest, template: MessageTemplate, form: TemplateForm, status: int = 200
    ) -> HttpResponse:
        subject, body, error = services.preview(template)
        spec = events.get(template.event)
        can_edit = services.can_edit_templates(request.user)
        for field in form.fields.values():
            field.disabled = not can_edit
        context = {
            "template": template,
            "form": form,
            "can_edit": can_edit,
            "variables": {**events.COMMON_VARIABLES, **(spec.variables if spec else {})},
            "preview": {"subject": subject, "body": body, "error": error},
        }
        return render(request, "comms/template_form.html", context, status=status)


# --- the inbox of replies ----------------------------------------------------------------


class InboxView(ModuleView):
    """Replies by WhatsApp and SMS, newest first, with the unread count."""

    module = "messages"

    def get(self, request: HttpRequest) -> HttpResponse:
        queryset = InboundMessage.objects.visible_to(request.user)
        if request.GET.get("unread"):
            queryset = queryset.unread()
        paginator = LazyPaginator(queryset.select_related("customer", "lead"), 50)
        try:
            page = paginator.page(request.GET.get("page") or 1)
        except (EmptyPage, PageNotAnInteger):
            page = paginator.page(1)
        context = {
            "page": page,
            "unread": InboundMessage.objects.visible_to(request.user).unread().count(),
            "only_unread": bool(request.GET.get("unread")),
        }
        return render(request, "comms/inbox.html", context)


class InboundDetailView(ModuleView):
    """One reply: opening it marks it read; staff answer on the same channel."""

    module = "messages"
    write_methods = frozenset({"POST"})

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        inbound = self._get(request, pk)
        inbound_services.mark_inbound_read(inbound, actor=request.user)
        return self._render(request, inbound, ReplyForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        inbound = self._get(request, pk)
        form = ReplyForm(request.POST)
        if inbound.customer is None:
            form.add_error(None, "Only a customer's reply can be answered from here.")
        elif form.is_valid():
            try:
                services.send_message(
                    inbound.customer,
                    actor=request.user,
                    channel=inbound.channel,
                    subject="",
                    body=form.cleaned_data["body"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                flash.success(request, f"{inbound.get_channel_display()} reply queued.")
                return redirect("comms:inbound", pk=inbound.pk)
        return self._render(request, inbound, form, status=400)

    def _get(self, request: HttpRequest, pk: int) -> InboundMessage:
        return get_object_or_404(
            InboundMessage.objects.visible_to(request.user).select_related("customer", "lead"),
            pk=pk,
        )

    def _render(
        self, request: HttpRequest, inbound: InboundMessage, form: ReplyForm, status: int = 200
    ) -> HttpResponse:
        customer = inbound.customer
        window = None
        if customer is not None and inbound.channel == Channel.WHATSAPP:
            window = services.whatsapp_window_open(customer) or not services.whatsapp_rule_applies()
        context = {
            "inbound": inbound,
            "form": form,
            "can_reply": customer is not None and services.can_contact(request.user, customer),
            "window_open": window,
        }
        return render(request, "comms/inbound_detail.html", context, status=status)
