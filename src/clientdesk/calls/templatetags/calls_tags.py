"""``{% call_quick_actions customer %}``: the log-call dialog and the WhatsApp logger that
the Call and WhatsApp buttons of a customer's profile use."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from clientdesk.core.permissions import Access, Module, has_access

from ..forms import CustomerCallForm
from ..views import customer_numbers

register = template.Library()


@register.inclusion_tag("calls/_quick_actions.html", takes_context=True)
def call_quick_actions(context: template.Context, customer: Any) -> dict[str, Any]:
    user = context["request"].user
    can_log = has_access(user, Module.CALLS, Access.WRITE)
    can_note = has_access(user, Module.ACTIVITIES, Access.WRITE)
    return {
        "customer": customer,
        "csrf_token": context.get("csrf_token"),
        "call_form": CustomerCallForm(numbers=customer_numbers(customer)) if can_log else None,
        "call_action": reverse("calls:log_customer_call", args=[customer.pk]),
        "whatsapp_action": (reverse("calls:log_whatsapp", args=[customer.pk]) if can_note else ""),
    }
