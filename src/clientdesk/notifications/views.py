"""Every user sees and clears their own notifications; no module access needed."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from clientdesk.core.views import parse_int

from . import services
from .filtersets import NotificationFilterSet
from .models import Notification


class NotificationListView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        filterset = NotificationFilterSet(
            request.GET or None, queryset=Notification.objects.filter(recipient_id=request.user.pk)
        )
        invalid = filterset.is_bound and not filterset.is_valid()
        queryset = filterset.queryset.none() if invalid else filterset.qs
        page = Paginator(queryset, 30).get_page(request.GET.get("page"))
        return render(
            request,
            "notifications/list.html",
            {
                "page": page,
                "filterset": filterset,
                "unread_only": request.GET.get("unread") in ("true", "1", "True"),
            },
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        """Mark the posted ``id``s read, or all of them when none is posted."""
        raw = request.POST.getlist("id")
        ids = [n for n in (parse_int(i) for i in raw) if n is not None]
        if raw and not ids:
            return redirect("notifications:list")
        services.mark_read(request.user, ids or None)
        back = request.POST.get("next", "")
        if back and url_has_allowed_host_and_scheme(back, {request.get_host()}):
            return redirect(back)
        return redirect("notifications:list")


class NotificationOpenView(LoginRequiredMixin, View):
    """Follow a notification's link and mark it read on the way."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
        services.mark_read(request.user, [notification.pk])
        target = notification.url
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
            return redirect(target)
        return redirect("notifications:list")
