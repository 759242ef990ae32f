"""What each message event sends by default, and the variables its templates may use.

Callers pass the event's variables as ``context`` to ``services.queue_customer_message``;
every template also gets ``customer`` (first_name, last_name, full_name, client_id) and
``company`` (name, support_email). ``sample`` fills the preview on the templates page and
the check run when a template is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .models import Channel, Event

C = Channel


@dataclass(frozen=True)
class EventSpec:
    event: str
    default_channels: tuple[str, ...]
    variables: dict[str, str] = field(default_factory=dict)
    sample: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(Event(self.event).label)


COMMON_VARIABLES = {
    "customer.first_name": "Customer's first name",
    "customer.last_name": "Customer's last name",
    "customer.full_name": "Customer's full name",
    "customer.client_id": "Client ID",
    "company.name": "Your company's name (COMMS_SENDER_NAME)",
    "company.support_email": "Support address (COMMS_SUPPORT_EMAIL)",
}

EVENTS: dict[str, EventSpec] = {
    spec.event: spec
    for spec in (
        EventSpec(
            Event.CUSTOMER_STATUS_CHANGED,
            (C.EMAIL, C.SMS, C.IN_APP),
            {
                "old_status": "Status before (e.g. Pending)",
                "new_status": "Status now (e.g. Active)",
                "new_status_code": "pending / active / suspended / blocked / closed",
            },
            {"old_status": "Pending", "new_status": "Active", "new_status_code": "active"},
        ),
        EventSpec(
            Event.TICKET_UPDATE,
            (C.EMAIL, C.IN_APP),
            {
                "ticket_number": "Ticket number",
                "ticket_subject": "Ticket subject",
                "ticket_status": "Ticket status now",
                "update_text": "What changed, in words for the customer",
            },
            {
                "ticket_number": "TK-000123",
                "ticket_subject": "Change of bank account",
                "ticket_status": "In Progress",
                "update_text": "We have received your documents and are reviewing them.",
            },
        ),
        EventSpec(
            Event.TICKET_SURVEY,
            (C.EMAIL, C.SMS),
            {
                "ticket_number": "Ticket number",
                "ticket_subject": "Ticket subject",
                "survey_url": "One-time link to the satisfaction survey",
            },
            {
                "ticket_number": "TK-000123",
                "ticket_subject": "Change of bank account",
                "survey_url": "https://example.com/s/abc123",
            },
        ),
        EventSpec(Event.KYC_APPROVED, (C.EMAIL, C.SMS, C.IN_APP)),
        EventSpec(
            Event.KYC_REJECTED,
            (C.EMAIL, C.SMS, C.IN_APP),
            {"reason": "Why the KYC was rejected, in words for the customer"},
            {"reason": "The address proof has expired."},
        ),
        EventSpec(
            Event.KYC_RESUBMISSION,
            (C.EMAIL, C.SMS, C.IN_APP),
            {
                "reason": "What is wrong with the documents",
                "documents": "Which documents to send again",
            },
            {"reason": "The photo is not readable.", "documents": "PAN card"},
        ),
        EventSpec(
            Event.TRANSACTION_ALERT,
            (C.SMS, C.PUSH, C.IN_APP),
            {
                "transaction_type": "Credit / Debit / Transfer ...",
                "amount": "Amount, formatted",
                "currency": "Currency code",
                "reference": "Transaction reference",
                "occurred_at": "When it happened",
            },
            {
                "transaction_type": "Debit",
                "amount": "12,500.00",
                "currency": "INR",
                "reference": "TXN20240611-0042",
                "occurred_at": "11 Jun 2024, 14:05",
            },
        ),
    )
}

# Free-text messages typed by staff: no template, one chosen channel.
MANUAL = EventSpec(Event.MANUAL, ())


def get(event: str) -> EventSpec | None:
    return EVENTS.get(event)
