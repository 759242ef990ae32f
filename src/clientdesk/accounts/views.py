from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from clientdesk.core.permissions import Access, Module, access_map, has_access
from clientdesk.core.scopes import SCOPED_MODULES, Capability, ReadScope
from clientdesk.core.views import ModuleView, ObjectListView, apply_errors, parse_int

from . import lockout, services, sessions, two_factor
from .filtersets import UserFilterSet
from .forms import PasswordForm, UserForm
from .models import ApiToken, Role, RoleModuleAccess, User
from .tables import UserTable
from .token_forms import TokenForm


def _flag(raw: str | None) -> bool | None:
    """A Required / Optional select: None (keep the stored value) when the form lacks it."""
    return None if raw is None else raw == "1"


class RoleMatrixView(ModuleView):
    """Admins edit, per role (columns) and module (rows), None / Read / Read & Write and,
    for modules with owned rows, the read scope (own / team / all); below, the role's flags
    and capabilities."""

    module = "administration"

    def get(self, request: HttpRequest) -> HttpResponse:
        roles = list(Role.objects.prefetch_related("module_access", "capabilities"))
        stored = {(a.role_id, a.module): a for r in roles for a in r.module_access.all()}
        rows = [
            (module, module in SCOPED_MODULES, _cells(roles, stored, module)) for module in Module
        ]
        held = {(c.role_id, c.capability) for r in roles for c in r.capabilities.all()}
        capability_rows = [
            (capability, [(role, (role.pk, capability.value) in held) for role in roles])
            for capability in Capability
        ]
        return render(
            request,
            "accounts/roles.html",
            {
                "roles": roles,
                "rows": rows,
                "capability_rows": capability_rows,
                "levels": Access.choices,
                "read_scopes": ReadScope.choices,
                "scopes": Role.EditScope.choices,
                "can_write": has_access(request.user, Module.ADMINISTRATION, Access.WRITE),
            },
        )

    def _save(self, request: HttpRequest) -> None:
        plans = self._plans(request)
        from clientdesk.approvals import gate

        if gate.is_active("accounts.role_matrix"):
            changed = [p for p in plans if _role_plan_changes(p)]
            if changed:
                payload = {"roles": [_role_payload(p) for p in changed]}
                gate.require("accounts.role_matrix", actor=request.user, payload=payload)
        with transaction.atomic():
            for role, kwargs in plans:
                services.set_role_access(role, actor=request.user, **kwargs)

    def _plans(self, request: HttpRequest) -> list[tuple[Role, dict[str, Any]]]:
        plans = []
        for role in Role.objects.prefetch_related("module_access"):
            # A role whose column the form did not carry (every column has a scope
            # select) is left alone, and a missing level or read scope keeps the stored
            # one: an empty or partial POST must never wipe everyone's access.
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
            read_scopes = {
                m.value: request.POST[f"read_{role.pk}_{m.value}"]
                for m in SCOPED_MODULES
                if f"read_{role.pk}_{m.value}" in request.POST
            }
            # The capability checkboxes travel with a marker: without it (an older or
            # partial form) the role keeps its capabilities.
            capabilities = (
                request.POST.getlist(f"capability_{role.pk}")
                if f"capabilities_{role.pk}" in request.POST
                else None
            )
            kwargs = dict(
                levels=levels,
                can_view_sensitive=request.POST.get(f"sensitive_{role.pk}") == "on",
                edit_scope=request.POST.get(f"scope_{role.pk}", role.edit_scope),
                requires_two_factor=_flag(request.POST.get(f"two_factor_{role.pk}")),
                read_scopes=read_scopes,
                capabilities=capabilities,
            )
            plans.append((role, kwargs))
        return plans

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


def _cells(
    roles: list[Role], stored: dict[tuple[int, str], RoleModuleAccess], module: Module
) -> list[tuple[Role, int, str]]:
    """(role, level, read scope) of one matrix row; a missing row reads None / all."""
    cells = []
    for role in roles:
        access = stored.get((role.pk, module.value))
        level = access.level if access else Access.NONE.value
        cells.append((role, level, access.read_scope if access else ReadScope.ALL.value))
    return cells


class UserListView(ObjectListView):
    module = "administration"
    model = User
    filterset_class = UserFilterSet
    table_class = UserTable
    template_name = "accounts/user_list.html"
    title = "Users"
    export_name = "users"

    def get_queryset(self) -> QuerySet[User]:
        return User.objects.select_related("role").order_by("first_name", "last_name", "id")

    def extra_context(self) -> dict[str, Any]:
        return {"can_add": has_access(self.request.user, Module.ADMINISTRATION, Access.WRITE)}

    def export_rows(self, queryset: QuerySet[User]) -> tuple[list[str], Iterable[Any]]:
        header = ["Username", "First name", "Last name", "Email", "Role", "Active", "Last sign-in"]
        rows = (
            [
                u.username,
                u.first_name,
                u.last_name,
                u.email,
                u.role.name if u.role else "",
                "yes" if u.is_active else "no",
                u.last_login.isoformat() if u.last_login else "",
            ]
            for u in queryset.iterator(chunk_size=2000)
        )
        return header, rows


_SECURITY_ACTIONS = frozenset({"reset_two_factor", "unlock", "sign_out_everywhere"})


class UserCreateView(ModuleView):
    module = "administration"
    write_methods = frozenset({"GET", "POST"})

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, UserForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = UserForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "password"}
            try:
                user = services.create_user(
                    actor=request.user, data=data, password=form.cleaned_data["password"]
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"{user.display_name} can now sign in.")
                return redirect("accounts:user_edit", pk=user.pk)
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: UserForm, status: int = 200) -> HttpResponse:
        context = {"form": form, "title": "New user", "team_names": _team_names()}
        return render(request, "accounts/user_form.html", context, status=status)


def _team_names() -> list[str]:
    """The teams in use, offered as suggestions so one team keeps one spelling."""
    names = User.objects.exclude(team="").order_by("team").values_list("team", flat=True)
    return list(names.distinct())


def _edit_form(user: User) -> UserForm:
    """The details form filled from the stored user."""
    return UserForm(
        initial={name: getattr(user, name) for name in services.USER_FIELDS}, editing=True
    )


class UserEditView(ModuleView):
    """One user: details and role; password; API tokens (a new key is shown once)."""

    module = "administration"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = get_object_or_404(User.objects.select_related("role"), pk=pk)
        return self._render(request, user, _edit_form(user))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = get_object_or_404(User.objects.select_related("role"), pk=pk)
        action = request.POST.get("action", "save")
        if action == "password":
            return self._password(request, user)
        if action == "issue_token":
            return self._issue_token(request, user)
        if action == "revoke_token":
            token = get_object_or_404(ApiToken, pk=parse_int(request.POST.get("token")), user=user)
            services.revoke_api_token(token, actor=request.user)
            messages.success(request, f"API token {token.prefix}… revoked.")
            return redirect("accounts:user_edit", pk=user.pk)
        if action in _SECURITY_ACTIONS:
            return self._security(request, user, action)
        if action == "revoke_tokens":
            revoked = services.revoke_api_tokens(user, actor=request.user)
            messages.success(request, f"{revoked} API token(s) revoked.")
            return redirect("accounts:user_edit", pk=user.pk)
        form = UserForm(request.POST, editing=True)
        if form.is_valid():
            try:
                services.update_user(user, actor=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "User saved.")
                return redirect("accounts:user_edit", pk=user.pk)
        return self._render(request, user, form, status=400)

    def _security(self, request: HttpRequest, user: User, action: str) -> HttpResponse:
        """Reset the second factor, unlock sign-in, or end every session (all audited)."""
        own = request.session.session_key if user.pk == request.user.pk else None
        if action == "reset_two_factor":
            two_factor.reset(user, actor=request.user, keep_session=own)
            messages.success(request, f"Second factor reset: {user.display_name} enrols again.")
        elif action == "unlock":
            lockout.unlock(user, actor=request.user)
            messages.success(request, f"{user.display_name} can sign in again.")
        else:
            ended = sessions.sign_out_everywhere(user, actor=request.user, keep=own)
            messages.success(request, f"{ended} session(s) of {user.display_name} ended.")
        return redirect("accounts:user_edit", pk=user.pk)

    def _issue_token(self, request: HttpRequest, user: User) -> HttpResponse:
        form = TokenForm(request.POST, role_access=access_map(user))
        if form.is_valid():
            try:
                key = services.issue_api_token(
                    user,
                    actor=request.user,
                    rotate=form.cleaned_data["rotate"],
                    scopes=form.scopes(),
                    days=form.cleaned_data["expires_in_days"],
                    name=form.cleaned_data["name"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return self._render(request, user, _edit_form(user), key=key)
        return self._render(request, user, _edit_form(user), token_form=form, status=400)

    def _password(self, request: HttpRequest, user: User) -> HttpResponse:
        form = PasswordForm(request.POST)
        if form.is_valid():
            try:
                services.set_password(
                    user,
                    actor=request.user,
                    password=form.cleaned_data["password"],
                    keep_session=request.session.session_key
                    if user.pk == request.user.pk
                    else None,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"New password set for {user.display_name}.")
                return redirect("accounts:user_edit", pk=user.pk)
        return self._render(request, user, _edit_form(user), password_form=form, status=400)

    def _render(
        self,
        request: HttpRequest,
        user: User,
        form: UserForm,
        *,
        password_form: PasswordForm | None = None,
        token_form: TokenForm | None = None,
        key: str | None = None,
        status: int = 200,
    ) -> HttpResponse:
        return render(
            request,
            "accounts/user_form.html",
            {
                "form": form,
                "person": user,
                "title": user.display_name,
                "password_form": password_form or PasswordForm(),
                "tokens": list(ApiToken.objects.filter(user=user).order_by("-created_at")),
                "token_form": token_form or TokenForm(role_access=access_map(user)),
                "now": timezone.now(),
                "new_key": key,
                "team_names": _team_names(),
                "can_write": has_access(request.user, Module.ADMINISTRATION, Access.WRITE),
                "device": two_factor.device_for(user),
                "two_factor_required": two_factor.is_required(user),
                "lock": lockout.status(user),
                "user_sessions": sessions.for_user(user),
            },
            status=status,
        )


def _role_plan_changes(plan: tuple[Role, dict[str, Any]]) -> bool:
    """Whether saving this role's column would change its levels or flags."""
    role, kwargs = plan
    stored = {a.module: a.level for a in role.module_access.all()}
    levels = kwargs["levels"]
    return any(stored.get(m, Access.NONE) != lvl for m, lvl in levels.items()) or (
        role.can_view_sensitive != kwargs["can_view_sensitive"]
        or role.edit_scope != kwargs["edit_scope"]
    )


def _role_payload(plan: tuple[Role, dict[str, Any]]) -> dict[str, Any]:
    role, kwargs = plan
    return {"role": role.pk, **kwargs}
