from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from . import services
from .models import Notification


class NotificationListView(LoginRequiredMixin, View):
    """Every user sees their own notifications; no module needed."""

    def get(self, request: HttpRequest) -> HttpResponse:
        page = Paginator(Notification.objects.filter(recipient=request.user), 30).get_page(
            request.GET.get("page")
        )
        return render(request, "notifications/list.html", {"page": page})

    def post(self, request: HttpRequest) -> HttpResponse:
        raw = request.POST.getlist("id")
        services.mark_read(request.user, [int(i) for i in raw if i.isdigit()] or None)
        return redirect("notifications:list")
