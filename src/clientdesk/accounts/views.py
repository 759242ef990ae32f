from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from clientdesk.core import audit
from clientdesk.core.permissions import Access, Module, has_access
from clientdesk.core.views import ModuleView

from . import services
from .models import Role


class RoleMatrixView(ModuleView):
    """Admins edit None / Read / Read & Write per role (columns) and module (rows)."""

    module = "administration"

    def get(self, request: HttpRequest) -> HttpResponse:
        roles = list(Role.objects.prefetch_related("module_access"))
        levels = {(a.role_id, a.module): a.level for r in roles for a in r.module_access.all()}
        rows = [
            (module, [(role, levels.get((role.pk, module.value), 0)) for role in roles])
            for module in Module
        ]
        return render(
            request,
            "accounts/roles.html",
            {
                "roles": roles,
                "rows": rows,
                "levels": Access.choices,
                "scopes": Role.EditScope.choices,
                "can_write": has_access(request.user, Module.ADMINISTRATION, Access.WRITE),
            },
        )

    def _save(self, request: HttpRequest) -> None:
        with transaction.atomic():
            for role in Role.objects.prefetch_related("module_access"):
                # A role whose column the form did not carry (every column has a scope
                # select) is left alone, and a missing level keeps the stored one: an empty
                # or partial POST must never wipe everyone's access.
                if f"scope_{role.pk}" not in request.POST:
                    continue
                stored = {a.module: a.level for a in role.module_access.all()}
                levels = {}
                for module in Module:
                    raw = request.POST.get(f"level_{role.pk}_{module.value}")
                    if raw is None:
                        levels[module.value] = stored.get(module.value, Access.NONE)
                    else:
                        levels[module.value] = int(raw) if raw.isascii() and raw.isdigit() else -1
                services.set_role_access(
                    role,
                    actor=request.user,
                    levels=levels,
                    can_view_sensitive=request.POST.get(f"sensitive_{role.pk}") == "on",
                    edit_scope=request.POST.get(f"scope_{role.pk}", role.edit_scope),
                )

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            self._save(request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            response = self.get(request)
            response.status_code = 400
            return response
        messages.success(request, "Role access saved.")
        return redirect("accounts:roles")


@receiver(user_logged_in)
def _audit_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit.record(actor=user, action="login", target=user)


@receiver(user_logged_out)
def _audit_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(actor=user, action="logout", target=user)


@receiver(user_login_failed)
def _audit_login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit.record(
        actor=None, action="login_failed", target=audit.Target("accounts.user", "", username)
    )
