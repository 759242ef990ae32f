"""Every write to messages, templates and channel preferences (design rule 1).

Queueing writes the messages, their first log lines and their timeline entries in one
transaction and leaves the sending to ``tasks.deliver_message``, enqueued on commit.
Delivery claims a message in a short transaction (one attempt, and the time of the next
try as a lease), talks to the provider outside any transaction, then records the outcome.
A worker that dies mid-send leaves the message queued and due at the lease's end, when the
every-minute sweep (``retry_due``) picks it up again.

Staff actions (a free-text message, opt-out changes, template edits) are audited; the
messages a system event queues are recorded in their own table and on the timeline.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from clientdesk.activities.models import Kind
from clientdesk.activities.services import log_activity
from clientdesk.core import audit
from clientdesk.core.permissions import Access, edits_only_own, has_access, require
from clientdesk.core.scopes import Capability, has_capability
from clientdesk.webhooks.events import emit

from . import events, providers, rendering
from .models import (
    TRANSITIONS,
    Channel,
    ChannelPreference,
    DeviceToken,
    Event,
    InboundMessage,
    Message,
    MessageLog,
    MessageStatus,
    MessageTemplate,
    Suppression,
)

log = logging.getLogger(__name__)
MODULE = "messages"
MAX_BODY = 5000

# Extra reasons an "own"-scope user (Sales, Support) may contact a customer not assigned to
# them; e.g. the tickets module adds "assigned to one of the customer's open tickets".
CONTACT_RULES: list[Callable[[Any, Any], bool]] = []
# Checks every queued message passes besides the opt-outs: ``gate(customer, event, channel)``
# returns why the message may not go ("skipped: ...") or "". The privacy app adds one: a
# marketing message needs the customer's consent for the channel (privacy.consent).
SEND_GATES: list[Callable[[Any, str, str], str]] = []


# --- permissions -------------------------------------------------------------------------


def can_contact(user: Any, customer: Any) -> bool:
    """Send free-text messages to / change the opt-outs of this customer."""
    if not (has_access(user, MODULE, Access.WRITE) and has_access(user, "customers")):
        return False
    if not edits_only_own(user) or customer.assigned_to_id == user.pk:
        return True
    return any(rule(user, customer) for rule in CONTACT_RULES)


def require_contact(user: Any, customer: Any) -> None:
    require(user, MODULE, Access.WRITE)
    if not can_contact(user, customer):
        raise PermissionDenied("You may contact only customers assigned to you.")


def can_edit_templates(user: Any) -> bool:
    if not has_access(user, MODULE, Access.WRITE):
        return False
    return has_capability(user, Capability.EDIT_TEMPLATES)


# --- addresses and preferences -----------------------------------------------------------


def address_for(customer: Any, channel: str) -> str:
    """Where ``channel`` reaches the customer ("" when it cannot).

    Push and in-app address the customer's app by client ID (the app registers with it).
    """
    if channel == Channel.EMAIL:
        return customer.email or ""
    if channel in (Channel.SMS, Channel.WHATSAPP):
        return customer.mobile or ""
    return customer.client_id


def opted_out_channels(customer: Any) -> set[str]:
    return set(
        ChannelPreference.objects.filter(customer=customer, opted_out=True).values_list(
            "channel", flat=True
        )
    )


def set_preferences(customer: Any, *, actor: Any, opted_out: Mapping[str, bool]) -> list[str]:
    """Record which channels the customer opted out of; returns the channels that changed."""
    require_contact(actor, customer)
    unknown = set(opted_out) - set(Channel.values)
    if unknown:
        raise ValidationError({"channel": f"Unknown channel: {', '.join(sorted(unknown))}."})
    with transaction.atomic():
        current = {
            p.channel: p
            for p in ChannelPreference.objects.select_for_update().filter(customer=customer)
        }
        changes = {}
        for channel, value in opted_out.items():
            pref = current.get(channel)
            if bool(value) == (pref.opted_out if pref else False):
                continue
            ChannelPreference.objects.update_or_create(
                customer=customer,
                channel=channel,
                defaults={"opted_out": bool(value), "updated_by": _user(actor)},
            )
            changes[f"opt_out.{channel}"] = {"old": not value, "new": bool(value)}
        if changes:
            _log_preferences(customer, actor, changes)
    return sorted(k.split(".", 1)[1] for k in changes)


def _log_preferences(customer: Any, actor: Any, changes: dict[str, Any]) -> None:
    audit.record(actor=actor, action="update", target=customer, changes=changes)
    parts = []
    for key, change in sorted(changes.items()):
        label = Channel(key.split(".", 1)[1]).label
        parts.append(f"{'opted out of' if change['new'] else 'opted back in to'} {label}")
    log_activity(
        customer,
        actor=actor,
        kind=Kind.EDIT,
        body="Message preferences: " + "; ".join(parts) + ".",
        data={"opt_out": {k.split(".", 1)[1]: v["new"] for k, v in changes.items()}},
    )


# --- queueing ----------------------------------------------------------------------------


def queue_customer_message(
    customer: Any,
    *,
    actor: Any,
    event: str,
    context: Mapping[str, Any],
    channel: str | None = None,
) -> list[Message]:
    """Render ``event``'s templates and queue one message per channel.

    Without ``channel``: the event's default channels. A channel the customer opted out of,
    or has no address for, is kept as a ``skipped`` message. Delivery starts on commit.
    """
    spec = events.get(event)
    if spec is None:
        raise ValidationError({"event": f"Unknown message event “{event}”."})
    if channel is not None and channel not in Channel.values:
        raise ValidationError({"channel": f"Unknown channel “{channel}”."})
    channels = (channel,) if channel else spec.default_channels
    values = rendering.build_context(customer, context)
    with transaction.atomic():
        templates = {
            t.channel: t for t in MessageTemplate.objects.filter(event=event, channel__in=channels)
        }
        opted_out = opted_out_channels(customer)
        messages = [
            _queue_one(customer, actor, event, ch, templates.get(ch), values, opted_out)
            for ch in channels
        ]
    return messages


def _queue_one(
    customer: Any,
    actor: Any,
    event: str,
    channel: str,
    template: MessageTemplate | None,
    values: Mapping[str, Any],
    opted_out: set[str],
) -> Message:
    subject, body, problem = "", "", ""
    extra: dict[str, Any] = {}
    if template is not None:
        extra = _provider_fields(template, values)
    if template is None:
        problem = "failed: no template for this channel"
    else:
        try:
            subject, body = rendering.render_message(template.subject, template.body, values)
        except ValidationError as exc:
            problem = "failed: " + " ".join(exc.messages)
    return _create(
        customer,
        actor=actor,
        event=event,
        channel=channel,
        subject=subject,
        body=body or "—",
        skip_reason=_skip_reason(customer, channel, opted_out, event),
        failure=problem,
        **extra,
    )


def _provider_fields(template: MessageTemplate, values: Mapping[str, Any]) -> dict[str, Any]:
    """The approved template (WhatsApp) with its parameters, the DLT template id (SMS)."""
    fields: dict[str, Any] = {"dlt_template_id": template.dlt_template_id}
    if template.provider_template:
        names = [n.strip() for n in template.provider_params.split(",") if n.strip()]
        fields["provider_template"] = template.provider_template
        fields["provider_language"] = template.provider_language
        fields["template_params"] = [_lookup(values, n) for n in names]
    return fields


def _lookup(values: Mapping[str, Any], dotted: str) -> str:
    """A context value by its dotted name, e.g. ``customer.first_name`` ("" when absent)."""
    value: Any = values
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
        if value is None:
            return ""
    return str(value)


def channel_enabled(channel: str) -> bool:
    """False when the channel is switched off (COMMS_<NAME>_ENABLED=false)."""
    return bool(settings.COMMS_CHANNELS.get(channel, {}).get("enabled", True))


def provider_name(channel: str) -> str:
    return str(settings.COMMS_CHANNELS.get(channel, {}).get("provider", "file"))


def switched_off_reason(channel: str) -> str:
    return f"{Channel(channel).label} messages are switched off"


def _skip_reason(customer: Any, channel: str, opted_out: set[str], event: str = "") -> str:
    if not channel_enabled(channel):
        return f"skipped: {switched_off_reason(channel)}"
    if channel in opted_out:
        return "skipped: opted out"
    address = address_for(customer, channel)
    if not address:
        return f"skipped: no {Channel(channel).label.lower()} address"
    if channel in (Channel.EMAIL, Channel.SMS, Channel.WHATSAPP):
        suppressed = Suppression.objects.filter(channel=channel, address=address).first()
        if suppressed:
            return f"skipped: address undeliverable ({suppressed.reason})"
    return next(filter(None, (gate(customer, event, channel) for gate in SEND_GATES)), "")


def whatsapp_window_open(customer: Any, now: dt.datetime | None = None) -> bool:
    """The 24-hour customer-service window: the customer wrote on WhatsApp in the last day."""
    since = (now or timezone.now()) - dt.timedelta(hours=24)
    return InboundMessage.objects.filter(
        customer=customer, channel=Channel.WHATSAPP, received_at__gte=since
    ).exists()


def whatsapp_rule_applies() -> bool:
    """WhatsApp's own rule, enforced when the WhatsApp Cloud API is the provider."""
    return provider_name(Channel.WHATSAPP) == "whatsapp_cloud"


def _create(
    customer: Any,
    *,
    actor: Any,
    event: str,
    channel: str,
    subject: str,
    body: str,
    skip_reason: str = "",
    failure: str = "",
    provider_template: str = "",
    provider_language: str = "",
    template_params: list[str] | None = None,
    dlt_template_id: str = "",
) -> Message:
    """One message, its first log line and its timeline entry (inside the caller's atomic)."""
    now = timezone.now()
    status = (
        MessageStatus.SKIPPED
        if skip_reason
        else MessageStatus.FAILED
        if failure
        else MessageStatus.QUEUED
    )
    message = Message.objects.create(
        customer=customer,
        channel=channel,
        event=event,
        to_address=address_for(customer, channel),
        subject=subject,
        body=body,
        status=status,
        last_error=(skip_reason or failure)[:500],
        next_attempt_at=now if status == MessageStatus.QUEUED else None,
        created_by=_user(actor),
        created_at=now,
        provider_template=provider_template,
        provider_language=provider_language,
        template_params=template_params or [],
        dlt_template_id=dlt_template_id,
    )
    MessageLog.objects.create(
        message=message, status=status, detail=skip_reason or failure, created_at=now
    )
    _timeline(message, actor)
    if status == MessageStatus.QUEUED:
        transaction.on_commit(partial(_enqueue, message.pk), robust=True)
    return message


def _timeline(message: Message, actor: Any) -> None:
    label = Channel(message.channel).label
    note = f" ({message.last_error})" if message.status != MessageStatus.QUEUED else ""
    log_activity(
        message.customer,
        actor=actor,
        kind=Kind.MESSAGE,
        body=f"{label}{note}: {message.preview}",
        when=message.created_at,
        subject=message.customer,
        data={
            "message_id": message.pk,
            "channel": message.channel,
            "event": message.event,
            "status": message.status,
        },
    )


def _enqueue(message_id: int) -> None:
    from .tasks import deliver_message

    deliver_message.enqueue(message_id)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def send_message(customer: Any, *, actor: Any, channel: str, subject: str, body: str) -> Message:
    """A free-text message typed by staff, on one channel: refused (not skipped) when the
    customer opted out of the channel or has no address for it."""
    require_contact(actor, customer)
    subject, body = " ".join((subject or "").split()), (body or "").strip()
    errors: dict[str, str] = {}
    if channel not in Channel.values:
        errors["channel"] = "Choose a channel."
    elif not channel_enabled(channel):
        errors["channel"] = switched_off_reason(channel) + "."
    elif channel in opted_out_channels(customer):
        errors["channel"] = f"The customer opted out of {Channel(channel).label} messages."
    elif not address_for(customer, channel):
        errors["channel"] = f"The customer has no {Channel(channel).label.lower()} address."
    if (
        not errors
        and channel == Channel.WHATSAPP
        and whatsapp_rule_applies()
        and not whatsapp_window_open(customer)
    ):
        errors["channel"] = (
            "WhatsApp allows free text only within 24 hours of the customer's last message; "
            "the customer has not written in that time."
        )
    if not body:
        errors["body"] = "Write the message."
    elif len(body) > MAX_BODY:
        errors["body"] = f"Keep it under {MAX_BODY:,} characters."
    if len(subject) > 200:
        errors["subject"] = "Keep the subject under 200 characters."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        message = _create(
            customer, actor=actor, event=Event.MANUAL, channel=channel, subject=subject, body=body
        )
        audit.record(
            actor=actor,
            action="create",
            target=message,
            changes={"channel": {"old": None, "new": channel}, "customer": str(customer.pk)},
        )
    return message


# --- delivery ----------------------------------------------------------------------------


def retry_delay(attempt: int) -> dt.timedelta:
    """How long to wait after attempt ``attempt`` (1-based) failed: 1, 5, 25 minutes."""
    delays = settings.COMMS_RETRY_DELAYS or [60]
    return dt.timedelta(seconds=delays[min(attempt, len(delays)) - 1])


def deliver(message_id: int) -> str:
    """One delivery attempt; returns the message's status afterwards ("" if not attempted)."""
    message = _claim(message_id)
    if message is None:
        return ""
    kind = provider_name(message.channel)
    window_open = message.channel == Channel.WHATSAPP and whatsapp_window_open(message.customer)
    tokens: tuple[str, ...] = ()
    if message.channel == Channel.PUSH and kind == "fcm":
        tokens = tuple(
            DeviceToken.objects.filter(customer=message.customer).values_list("token", flat=True)
        )
    outgoing = providers.Outgoing(
        message_id=message.pk,
        channel=message.channel,
        event=message.event,
        to=message.to_address,
        subject=message.subject,
        body=message.body,
        client_id=message.customer.client_id,
        provider_template=message.provider_template,
        template_language=message.provider_language or "en",
        template_params=tuple(str(p) for p in message.template_params or ()),
        dlt_template_id=message.dlt_template_id,
        window_open=window_open,
        device_tokens=tokens,
    )
    try:
        result = providers.for_channel(message.channel).send(outgoing)
    except providers.DeliveryError as exc:
        return _record_failure(
            message_id, str(exc), permanent=exc.permanent, retry_after=exc.retry_after
        )
    except Exception as exc:  # an adapter bug must not lose the message: retry it
        log.exception("provider crashed on message %s", message_id)
        return _record_failure(message_id, f"{type(exc).__name__}: {exc}", permanent=False)
    return _record_success(message_id, result)


def _claim(message_id: int) -> Message | None:
    """Take one attempt: count it and push ``next_attempt_at`` out (the lease and retry time)."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .select_related("customer")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.status != MessageStatus.QUEUED:
            return None
        if message.next_attempt_at and message.next_attempt_at > now:
            return None  # not due yet, or another worker holds it
        if message.attempts >= settings.COMMS_MAX_ATTEMPTS:
            _move(message, MessageStatus.FAILED, "gave up: no attempts left", now)
            return None
        message.attempts += 1
        message.next_attempt_at = now + retry_delay(message.attempts)
        message.save(update_fields=["attempts", "next_attempt_at"])
    return message


def _record_failure(
    message_id: int, error: str, *, permanent: bool, retry_after: float | None = None
) -> str:
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status != MessageStatus.QUEUED:
            return str(message.status)
        message.last_error = error[:500]
        if retry_after and not permanent:  # the provider said when (429 Retry-After)
            earliest = now + dt.timedelta(seconds=retry_after)
            if message.next_attempt_at is None or message.next_attempt_at < earliest:
                message.next_attempt_at = earliest
                message.save(update_fields=["next_attempt_at"])
        final = permanent or message.attempts >= settings.COMMS_MAX_ATTEMPTS
        if final:
            why = "permanent error" if permanent else f"{message.attempts} attempts"
            _move(message, MessageStatus.FAILED, f"{error} ({why})", now)
            _notify_failure(message)
        else:
            message.save(update_fields=["last_error"])
            when = timezone.localtime(message.next_attempt_at).strftime("%H:%M")  # type: ignore[arg-type]
            MessageLog.objects.create(
                message=message,
                status=MessageStatus.QUEUED,
                attempt=message.attempts,
                detail=f"attempt {message.attempts} failed: {error}; next try at {when}"[:500],
                created_at=now,
            )
    return str(message.status)


def _record_success(message_id: int, result: providers.Sent) -> str:
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status != MessageStatus.QUEUED:
            return str(message.status)
        kind = provider_name(message.channel)
        message.provider_message_id = result.provider_message_id[:200]
        message.provider = kind[:20]
        message.last_error = ""
        if result.development:
            # Nothing left the building: honest about it, never "Sent".
            message.last_error = f"not sent: the {kind} development backend kept it"
            _move(message, MessageStatus.NOT_SENT, f"kept by the {kind} development backend", now)
            return str(MessageStatus.NOT_SENT)
        message.sent_at = now
        target = MessageStatus.DELIVERED if result.delivered else MessageStatus.SENT
        if result.delivered:
            message.delivered_at = now
        _move(message, target, f"via {kind}, accepted as {result.provider_message_id}", now)
    return str(target)


def _move(message: Message, to_status: str, detail: str, now: dt.datetime) -> None:
    """Apply one transition (checked against the table) and log it; caller holds the lock."""
    if to_status not in TRANSITIONS[message.status]:
        raise ValidationError(
            {
                "status": ValidationError(
                    f"A {message.get_status_display().lower()} message cannot become "
                    f"{MessageStatus(to_status).label.lower()}.",
                    code="invalid_transition",
                )
            }
        )
    message.status = to_status
    message.next_attempt_at = None
    message.save()
    emit("message.delivery_changed", message)
    MessageLog.objects.create(
        message=message,
        status=to_status,
        attempt=message.attempts,
        detail=detail[:500],
        created_at=now,
    )


def _notify_failure(message: Message) -> None:
    if message.created_by_id is None:
        return
    from django.urls import reverse

    from clientdesk.notifications.services import notify

    created_by = message.created_by
    transaction.on_commit(
        lambda: notify(
            created_by,
            kind="info",
            title=f"{message.get_channel_display()} message to {message.customer.full_name} failed",
            body=message.last_error,
            url=reverse("comms:detail", args=[message.pk]),
            key=f"comms.message:{message.pk}:failed",
        ),
        robust=True,
    )


def retry_due(*, limit: int = 500) -> int:
    """Enqueue delivery for queued messages whose time has come; returns how many."""
    now = timezone.now()
    due = list(
        Message.objects.filter(status=MessageStatus.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for message_id in due:
        _enqueue(message_id)
    return len(due)


# --- callbacks from providers and the customer's app -------------------------------------


def can_post_receipts(user: Any) -> bool:
    """Delivery and read receipts come from the providers and the customer's app, through
    a service account whose role has the integration capability (the Integration role by
    default), never from staff: a receipt is evidence that a customer was reached."""
    return has_access(user, MODULE, Access.WRITE) and has_capability(user, Capability.INTEGRATION)


def _require_receipts(user: Any) -> None:
    if not can_post_receipts(user):
        raise PermissionDenied("Only a provider integration may post delivery or read receipts.")


def mark_delivered(message: Message, *, actor: Any, provider_message_id: str = "") -> Message:
    """A provider's delivery receipt; repeating it changes nothing. Audited."""
    _require_receipts(actor)
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        if provider_message_id and provider_message_id != message.provider_message_id:
            raise ValidationError(
                {"provider_message_id": "This is not the provider's id for this message."}
            )
        if message.status == MessageStatus.DELIVERED:
            return message
        now, before = timezone.now(), message.status
        message.delivered_at = now
        _move(message, MessageStatus.DELIVERED, "delivery receipt from the provider", now)
        _audit_receipt(message, actor, {"status": {"old": before, "new": message.status}})
    return message


def mark_read(message: Message, *, actor: Any) -> Message:
    """The customer opened an in-app message; the first read counts (and is audited)."""
    _require_receipts(actor)
    if message.channel != Channel.IN_APP:
        raise ValidationError({"channel": "Only in-app messages can be marked read."})
    if message.status not in (MessageStatus.SENT, MessageStatus.DELIVERED):
        raise ValidationError({"status": "This message has not reached the app."})
    with transaction.atomic():
        now = timezone.now()
        if Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=now):
            message.read_at = now
            _audit_receipt(message, actor, {"read_at": {"old": None, "new": now.isoformat()}})
        elif message.read_at is None:
            message.read_at = Message.objects.values_list("read_at", flat=True).get(pk=message.pk)
    return message


def _audit_receipt(message: Message, actor: Any, changes: dict[str, Any]) -> None:
    audit.record(actor=actor, action="update", target=message, changes=changes)


# --- templates ---------------------------------------------------------------------------


PROVIDER_TEMPLATE_FIELDS = (
    "provider_template",
    "provider_language",
    "provider_params",
    "dlt_template_id",
)


def update_template(
    template: MessageTemplate, *, actor: Any, subject: str, body: str, **provider: str
) -> MessageTemplate:
    """Admins and Managers edit a template; it must compile and render its event's sample.

    ``provider`` may set the provider fields (approved WhatsApp template, its language and
    parameters; the DLT template id of an SMS); a field not given is left as it is."""
    if not can_edit_templates(actor):
        raise PermissionDenied("Only a Manager or an Admin can edit message templates.")
    unknown = set(provider) - set(PROVIDER_TEMPLATE_FIELDS)
    if unknown:
        raise ValidationError({"__all__": f"Unknown fields: {', '.join(sorted(unknown))}."})
    errors = _template_errors(template, subject, body)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        template = MessageTemplate.objects.select_for_update().get(pk=template.pk)
        names = ("subject", "body", *provider)
        before = {name: getattr(template, name) for name in names}
        template.subject, template.body = subject.strip(), body.strip()
        for name, value in provider.items():
            setattr(template, name, (value or "").strip())
        if not template.provider_language:
            template.provider_language = "en"
        after = {name: getattr(template, name) for name in names}
        changes = audit.diff(before, after)
        if not changes:
            return template
        template.updated_by = _user(actor)
        template.save()
        audit.record(actor=actor, action="update", target=template, changes=changes)
    return template


def _template_errors(template: MessageTemplate, subject: str, body: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not body.strip():
        errors["body"] = ["Write the message body."]
    if template.channel in (Channel.EMAIL, Channel.PUSH, Channel.IN_APP) and not subject.strip():
        errors["subject"] = ["This channel needs a subject."]
    if len(subject) > 200:
        errors["subject"] = ["Keep the subject under 200 characters."]
    for name, source in (("subject", subject), ("body", body)):
        if name in errors:
            continue
        try:
            rendering.render(source, sample_context(template.event))
        except ValidationError as exc:
            errors[name] = exc.messages
    return errors


class _SampleCustomer:
    first_name, last_name, full_name, client_id = "Asha", "Verma", "Asha Verma", "CD00000042"


def sample_context(event: str) -> dict[str, Any]:
    spec = events.get(event)
    return rendering.build_context(_SampleCustomer(), spec.sample if spec else {})


def preview(template: MessageTemplate) -> tuple[str, str, str]:
    """(subject, body, error) rendered with the event's sample values."""
    try:
        subject, body = rendering.render_message(
            template.subject, template.body, sample_context(template.event)
        )
    except ValidationError as exc:
        return "", "", " ".join(exc.messages)
    return subject, body, ""
