"""Approvals pages: the inbox, a request with its diff and decision, the Admin policy page,
and the re-verification queue. Thin: parse, authorize, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from clientdesk.accounts.models import Role
from clientdesk.core.permissions import Access, Module, has_access
from clientdesk.core.views import ModuleView, parse_int

from . import registry, reverification, services
from .filtersets import ApprovalRequestFilterSet
from .models import ApprovalRequest, RequestStatus
from .policies import all_effective, effective


class InboxView(ModuleView):
    module = Module.APPROVALS

    def get(self, request: HttpRequest) -> HttpResponse:
        base = ApprovalRequest.objects.visible_to(request.user).select_related("maker", "checker")
        data = request.GET.copy()
        data.setdefault("status", RequestStatus.PENDING)
        filterset = ApprovalRequestFilterSet(data, queryset=base, request=request)
        rows = list(filterset.qs[:200]) if filterset.is_valid() else []
        labels = {a.key: a.label for a in registry.all_actions()}
        return render(
            request,
            "approvals/inbox.html",
            {"rows": rows, "filterset": filterset, "labels": labels, "user_id": request.user.pk},
        )


class RequestDetailView(ModuleView):
    module = Module.APPROVALS

    def _get(self, request: HttpRequest, pk: int) -> ApprovalRequest:
        qs = ApprovalRequest.objects.visible_to(request.user).select_related("maker", "checker")
        return get_object_or_404(qs, pk=pk)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = self._get(request, pk)
        action = registry.get(item.action_key)
        refusal = services.refusal(item, request.user) if item.is_open else ""
        return render(
            request,
            "approvals/detail.html",
            {"item": item, "action": action, "refusal": refusal, "diff": item.diff_rows()},
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = self._get(request, pk)
        decision, reason = request.POST.get("decision"), request.POST.get("reason", "")
        try:
            if decision == "approve":
                services.approve(item, actor=request.user, reason=reason)
                messages.success(request, "Approved; the change has been applied.")
            elif decision == "reject":
                services.reject(item, actor=request.user, reason=reason)
                messages.success(request, "Rejected; the maker sees your reason.")
            elif decision == "withdraw":
                services.cancel(item, actor=request.user)
                messages.success(request, "Request withdrawn.")
            else:
                messages.error(request, "Choose approve or reject.")
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        return redirect("approvals:detail", pk=item.pk)


class PolicyView(ModuleView):
    """Admin: which actions need a second person, who approves, how long a request waits."""

    module = Module.ADMINISTRATION

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "approvals/policies.html",
            {
                "policies": all_effective(),
                "roles": list(Role.objects.all()),
                "can_write": has_access(request.user, Module.ADMINISTRATION, Access.WRITE),
            },
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        key = request.POST.get("action_key", "")
        try:
            registry.get(key)
        except KeyError:
            messages.error(request, "Unknown action.")
            return redirect("approvals:policies")
        try:
            services.save_policy(
                key,
                actor=request.user,
                enabled=request.POST.get("enabled") == "on",
                approver_roles=request.POST.getlist("roles"),
                expiry_hours=parse_int(request.POST.get("expiry_hours")) or 0,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Saved: {effective(key).label}.")
        return redirect("approvals:policies")


class ReverificationQueueView(ModuleView):
    module = Module.COMPLIANCE

    def get(self, request: HttpRequest) -> HttpResponse:
        bucket = request.GET.get("bucket", "due")
        if bucket not in reverification.BUCKETS:
            bucket = "due"
        today = timezone.localdate()
        rows = list(reverification.queue(request.user, bucket, today)[:200])
        return render(
            request,
            "approvals/reverification.html",
            {
                "rows": rows,
                "bucket": bucket,
                "buckets": reverification.BUCKETS,
                "today": today,
            },
        )
