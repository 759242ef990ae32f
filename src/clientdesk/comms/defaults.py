"""The default message templates, installed by a data migration (Admins edit them later).

Each event has a template for every channel, so a caller may pick any channel. SMS and
WhatsApp have no subject; push and in-app use the subject as the title.
"""

from __future__ import annotations

from typing import Any

# event -> {"email": (subject, body), "sms": body, "whatsapp": body, "push": (title, body),
#           "in_app": (title, body)}
_SIGN_OFF = "\n\nRegards,\n{{ company.name }}"

DEFAULT_TEMPLATES: dict[str, dict[str, Any]] = {
    "customer_status_changed": {
        "email": (
            "Your {{ company.name }} account is now {{ new_status }}",
            "Dear {{ customer.first_name }},\n\n"
            "The status of your account {{ customer.client_id }} changed from {{ old_status }} "
            "to {{ new_status }}.\n"
            "{% if new_status_code == 'active' %}You can now use all our services."
            "{% else %}If you have questions, write to {{ company.support_email }}.{% endif %}"
            + _SIGN_OFF,
        ),
        "sms": "{{ company.name }}: your account {{ customer.client_id }} is now {{ new_status }}.",
        "whatsapp": "Hello {{ customer.first_name }}, your {{ company.name }} account "
        "{{ customer.client_id }} is now {{ new_status }}.",
        "push": ("Account {{ new_status }}", "Your account status changed to {{ new_status }}."),
        "in_app": (
            "Your account is now {{ new_status }}",
            "The status of your account changed from {{ old_status }} to {{ new_status }}.",
        ),
    },
    "ticket_update": {
        "email": (
            "Update on your request {{ ticket_number }}: {{ ticket_subject }}",
            "Dear {{ customer.first_name }},\n\n"
            "There is an update on your request {{ ticket_number }} ({{ ticket_subject }}).\n"
            "Status: {{ ticket_status }}\n\n{{ update_text }}" + _SIGN_OFF,
        ),
        "sms": "{{ company.name }}: request {{ ticket_number }} is {{ ticket_status }}. "
        "{{ update_text|truncatechars:100 }}",
        "whatsapp": "Hello {{ customer.first_name }}, your request {{ ticket_number }} "
        "({{ ticket_subject }}) is {{ ticket_status }}. {{ update_text }}",
        "push": ("Request {{ ticket_number }}: {{ ticket_status }}", "{{ update_text }}"),
        "in_app": (
            "Request {{ ticket_number }}: {{ ticket_status }}",
            "{{ ticket_subject }}\n\n{{ update_text }}",
        ),
    },
    "ticket_survey": {
        "email": (
            "How did we do? Your request {{ ticket_number }}",
            "Dear {{ customer.first_name }},\n\n"
            "Your request {{ ticket_number }} ({{ ticket_subject }}) is closed. Please tell us "
            "how we did; it takes one minute:\n{{ survey_url }}\n\n"
            "The link works once." + _SIGN_OFF,
        ),
        "sms": "{{ company.name }}: how did we do on request {{ ticket_number }}? "
        "Rate us: {{ survey_url }}",
        "whatsapp": "Hello {{ customer.first_name }}, your request {{ ticket_number }} is "
        "closed. How did we do? {{ survey_url }}",
        "push": ("How did we do?", "Rate your request {{ ticket_number }}."),
        "in_app": (
            "How did we do?",
            "Your request {{ ticket_number }} is closed. Rate us: {{ survey_url }}",
        ),
    },
    "kyc_approved": {
        "email": (
            "Your KYC is approved",
            "Dear {{ customer.first_name }},\n\n"
            "We have verified your documents; your KYC for account {{ customer.client_id }} "
            "is approved." + _SIGN_OFF,
        ),
        "sms": "{{ company.name }}: your KYC is approved. Thank you.",
        "whatsapp": "Hello {{ customer.first_name }}, your KYC with {{ company.name }} is "
        "approved.",
        "push": ("KYC approved", "Your documents are verified."),
        "in_app": ("KYC approved", "We have verified your documents. Your KYC is approved."),
    },
    "kyc_rejected": {
        "email": (
            "Your KYC could not be approved",
            "Dear {{ customer.first_name }},\n\n"
            "We could not approve your KYC for account {{ customer.client_id }}.\n"
            "Reason: {{ reason }}\n\n"
            "Write to {{ company.support_email }} if you need help." + _SIGN_OFF,
        ),
        "sms": "{{ company.name }}: your KYC could not be approved. {{ reason }}",
        "whatsapp": "Hello {{ customer.first_name }}, we could not approve your KYC. "
        "Reason: {{ reason }}",
        "push": ("KYC not approved", "{{ reason }}"),
        "in_app": ("KYC not approved", "We could not approve your KYC. Reason: {{ reason }}"),
    },
    "kyc_resubmission": {
        "email": (
            "Please send your documents again",
            "Dear {{ customer.first_name }},\n\n"
            "We need you to send again: {{ documents }}.\n"
            "Reason: {{ reason }}" + _SIGN_OFF,
        ),
        "sms": "{{ company.name }}: please send again: {{ documents }}. {{ reason }}",
        "whatsapp": "Hello {{ customer.first_name }}, please send again: {{ documents }}. "
        "{{ reason }}",
        "push": ("Documents needed", "Please send again: {{ documents }}."),
        "in_app": (
            "Please send your documents again",
            "We need: {{ documents }}.\nReason: {{ reason }}",
        ),
    },
    "transaction_alert": {
        "email": (
            "{{ transaction_type }} of {{ currency }} {{ amount }} on your account",
            "Dear {{ customer.first_name }},\n\n"
            "{{ transaction_type }} of {{ currency }} {{ amount }} on {{ occurred_at }}, "
            "reference {{ reference }}.\n"
            "Not you? Write to {{ company.support_email }} at once." + _SIGN_OFF,
        ),
        "sms": "{{ company.name }}: {{ transaction_type }} {{ currency }} {{ amount }} on "
        "{{ occurred_at }}, ref {{ reference }}. Not you? Call us.",
        "whatsapp": "{{ transaction_type }} of {{ currency }} {{ amount }} on {{ occurred_at }}"
        ", ref {{ reference }}.",
        "push": (
            "{{ transaction_type }}: {{ currency }} {{ amount }}",
            "Ref {{ reference }}, {{ occurred_at }}.",
        ),
        "in_app": (
            "{{ transaction_type }}: {{ currency }} {{ amount }}",
            "{{ transaction_type }} of {{ currency }} {{ amount }} on {{ occurred_at }}, "
            "reference {{ reference }}.",
        ),
    },
}


def default_template_rows() -> list[tuple[str, str, str, str]]:
    """(event, channel, subject, body) for every default template."""
    rows = []
    for event, channels in DEFAULT_TEMPLATES.items():
        for channel, value in channels.items():
            subject, body = value if isinstance(value, tuple) else ("", value)
            rows.append((event, channel, subject, body))
    return rows


def install_default_templates(template_model: Any) -> int:
    """Create any missing default template; never overwrite an Admin's edits."""
    created = 0
    for event, channel, subject, body in default_template_rows():
        _, new = template_model.objects.get_or_create(
            event=event, channel=channel, defaults={"subject": subject, "body": body}
        )
        created += int(new)
    return created
