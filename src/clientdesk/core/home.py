from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static

from clientdesk.core import dashboard
from clientdesk.core.permissions import has_access


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"cards": dashboard.cards_for(request.user)}
    if has_access(request.user, "customers"):
        from clientdesk.customers.models import Customer, Status
        from clientdesk.customers.selectors import status_counts

        counts = status_counts(request.user)
        context["status_counts"] = [(s.value, s.label, counts[s.value]) for s in Status]
        context["recent"] = list(
            Customer.objects.visible_to(request.user).order_by("-created_at", "-id")[:8]
        )
    return render(request, "core/home.html", context)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and feed readers ask for /favicon.ico whatever the page says: the SVG icon."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
