"""Integrations pages. Thin: parse, authorize, call a service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from clientdesk.core.views import ModuleView, ObjectListView, apply_errors

from . import health, services
from .filtersets import DeliveryFilterSet
from .forms import EndpointForm
from .models import MODULE, WebhookDelivery, WebhookEndpoint
from .tables import DeliveryTable


class HealthView(ModuleView):
    """Integrations: every webhook endpoint with its health, and the message channels."""

    module = MODULE

    def get(self, request: HttpRequest) -> HttpResponse:
        context = {"endpoints": health.endpoint_health(), "channels": health.channel_health()}
        return render(request, "webhooks/health.html", context)


class EndpointCreateView(ModuleView):
    module = MODULE
    write_methods = frozenset({"GET", "POST"})

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "webhooks/endpoint_form.html", {"form": EndpointForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint = services.create_endpoint(actor=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return _detail(request, endpoint, new_secret=endpoint.secret, status=201)
        return render(request, "webhooks/endpoint_form.html", {"form": form}, status=400)


def _endpoint(pk: int) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint, pk=pk)


def _detail(
    request: HttpRequest, endpoint: WebhookEndpoint, *, new_secret: str = "", status: int = 200
) -> HttpResponse:
    recent = list(
        endpoint.deliveries.defer("body", "response_body").order_by("-created_at", "-id")[:10]
    )
    context = {"endpoint": endpoint, "recent": recent, "new_secret": new_secret}
    return render(request, "webhooks/endpoint_detail.html", context, status=status)


class EndpointDetailView(ModuleView):
    module = MODULE

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _detail(request, _endpoint(pk))


class EndpointEditView(ModuleView):
    module = MODULE
    write_methods = frozenset({"GET", "POST"})

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        endpoint = _endpoint(pk)
        initial = {k: getattr(endpoint, k) for k in services.EDITABLE}
        context = {"form": EndpointForm(initial=initial), "endpoint": endpoint}
        return render(request, "webhooks/endpoint_form.html", context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        endpoint = _endpoint(pk)
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                services.update_endpoint(endpoint, actor=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                flash.success(request, "Endpoint saved.")
                return redirect("webhooks:endpoint", pk=endpoint.pk)
        context = {"form": form, "endpoint": endpoint}
        return render(request, "webhooks/endpoint_form.html", context, status=400)


class EndpointRotateView(ModuleView):
    module = MODULE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        endpoint = services.rotate_secret(_endpoint(pk), actor=request.user)
        return _detail(request, endpoint, new_secret=endpoint.secret)


class EndpointDeleteView(ModuleView):
    module = MODULE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        services.delete_endpoint(_endpoint(pk), actor=request.user)
        flash.success(request, "Endpoint deleted.")
        return redirect("webhooks:health")


class DeliveryListView(ObjectListView):
    module = MODULE
    model = WebhookDelivery
    filterset_class = DeliveryFilterSet
    table_class = DeliveryTable
    template_name = "webhooks/delivery_list.html"
    title = "Webhook deliveries"

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        return WebhookDelivery.objects.visible_to(self.request.user).for_list()


class DeliveryDetailView(ModuleView):
    module = MODULE

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        delivery = get_object_or_404(WebhookDelivery.objects.select_related("endpoint"), pk=pk)
        context: dict[str, Any] = {"delivery": delivery, "log": list(delivery.log.all())}
        return render(request, "webhooks/delivery_detail.html", context)


class DeliveryResendView(ModuleView):
    module = MODULE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        delivery = get_object_or_404(WebhookDelivery, pk=pk)
        try:
            services.resend(delivery, actor=request.user)
        except ValidationError as exc:
            flash.error(request, " ".join(exc.messages))
        else:
            flash.success(request, "Queued to be sent again.")
        return redirect("webhooks:delivery", pk=pk)
