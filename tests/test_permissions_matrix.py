"""Every URL pattern and API route, as every role and as an anonymous visitor.

The expectations are derived, not listed: each view names its ``module`` (and which methods
write), and the role's module access comes from the database the migration filled from
``accounts/roles.py``. So a new page, a new route or a changed role is covered without
editing this file:

- anonymous: pages redirect to the login page, the API answers 401/403;
- a role without the needed access level: 403, and the response holds none of the data;
- a role with access: anything but 401/403 (a GET of a customer page: 200);
- nothing, ever, answers 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils.module_loading import import_string
from factories import make_customer
from rest_framework.permissions import SAFE_METHODS, AllowAny
from rest_framework.test import APIClient

from clientdesk.accounts.roles import DEFAULT_ROLES
from clientdesk.core.permissions import Access, can_view_sensitive, has_access
from clientdesk.customers import tabs as profile_tabs
from clientdesk.customers.models import Customer

pytestmark = pytest.mark.django_db

# Open to everyone by design: the login page itself, logging out, the API description; the
# load balancer's probes; /metrics is guarded by token or address, not a login
# (tests/ops/test_metrics.py); where browsers post Content-Security-Policy violation reports
# (no session, no CSRF token); the second step of signing in (a half-signed-in session, or
# back to the login page).
PUBLIC = {
    "login",
    "login-verify",
    "logout",
    "schema",
    "api-docs",
    "healthz",
    "readyz",
    "metrics",
    "csp-report",
    "favicon",
    # Message providers' webhooks: no session; each verifies the provider's signature
    # (tests/comms/test_hooks.py).
    "comms:hook_whatsapp",
    "comms:hook_twilio",
    "comms:hook_msg91",
    "comms:hook_postmark",
}
# Routes that name no module, each with the reason. A route that is neither here, nor in
# PUBLIC, nor declares a ``module`` fails ``test_every_route_is_in_the_matrix``: a new page or
# endpoint must say which module guards it (or be listed here, with a reason, on review).
NO_MODULE = {
    "home": "every signed-in user's start page; each card checks its own module",
    "search": "universal search; each result type is filtered by its module's access",
    "notifications:list": "the signed-in user's own notifications",
    "notifications:open": "the signed-in user's own notifications",
    "notification-list": "the signed-in user's own notifications",
    "notification-read": "the signed-in user's own notifications",
    "account:home": "the signed-in user's own account: second factor, sessions, password",
    "account:two_factor": "the signed-in user's own second-factor enrolment",
    "api-root": "DRF's index of the API routes; no data",
    "tickets:survey": "a customer's satisfaction survey, authorised by its signed link",
}
# Routes an anonymous visitor may use (besides PUBLIC): authorised by something else.
ANONYMOUS_BY_DESIGN = {"tickets:survey"}
# Checks a view makes on top of module access, named by the function the view itself calls.
EXTRA_RULES = {"tickets:settings": "clientdesk.tickets.services.can_manage_settings"}
# The same, for the writing methods only (a GET of these answers 405 to everyone).
WRITE_RULES = {
    "message-delivered": "clientdesk.comms.services.can_post_receipts",
    "message-read": "clientdesk.comms.services.can_post_receipts",
    "customer-devices": "clientdesk.comms.services.can_post_receipts",
}
METHODS = ("GET", "POST")
# Sent only to routes that have them (DRF actions): every write method is walked too.
EXTRA_METHODS = ("PATCH", "PUT", "DELETE")


@dataclass(frozen=True)
class Route:
    name: str
    pattern: URLPattern
    params: tuple[str, ...]
    int_params: frozenset[str]

    @property
    def callback(self) -> Any:
        return self.pattern.callback

    @property
    def view_class(self) -> Any:
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    @property
    def module(self) -> str | None:
        return getattr(self.view_class, "module", None)

    @property
    def is_drf(self) -> bool:
        return hasattr(self.callback, "cls")

    def level_for(self, method: str) -> int:
        """The access level the view asks for this method (its own declaration)."""
        cls = self.view_class
        if self.is_drf:
            actions = getattr(self.callback, "actions", None) or {}
            action = actions.get(method.lower())
            safe = method in SAFE_METHODS or action in getattr(cls, "read_actions", ())
            return Access.READ if safe else Access.WRITE
        write_methods = getattr(cls, "write_methods", frozenset({"POST"}))
        return Access.WRITE if method in write_methods else Access.READ

    def handles(self, method: str) -> bool:
        if self.is_drf and getattr(self.callback, "actions", None):
            return method.lower() in self.callback.actions
        return hasattr(self.view_class, method.lower()) if self.view_class else True

    @property
    def login_required(self) -> bool:
        cls = self.view_class
        if cls is None:
            return True  # function views here are all @login_required
        if self.is_drf:
            return not any(
                isinstance(p, type) and issubclass(p, AllowAny)
                for p in getattr(cls, "permission_classes", [])
            )
        return issubclass(cls, LoginRequiredMixin)


def _walk(patterns: list[Any], namespace: str, params: tuple[str, ...]) -> Iterator[Route]:
    for entry in patterns:
        found = tuple(entry.pattern.regex.groupindex)
        ints = {
            name
            for name, conv in getattr(entry.pattern, "converters", {}).items()
            if isinstance(conv, IntConverter)
        }
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner, params + found)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"unnamed URL pattern {entry.pattern}: name it"
            yield Route(f"{namespace}{entry.name}", entry, params + found, frozenset(ints))


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns, "", ()))


def urls_for(route: Route, customer: Customer) -> list[str]:
    """Concrete URLs for a route: every valid tab, the customer's id, a sensitive field."""
    choices: dict[str, list[Any]] = {}
    for param in route.params:
        if param == "tab":
            choices[param] = sorted(profile_tabs._tabs)
        elif param == "field":
            choices[param] = ["pan"]
        elif param == "format":
            choices[param] = ["json"]
        elif param == "report":  # clientdesk.reports: a report's name, a download format
            choices[param] = ["registration"]
        elif param == "fmt":
            choices[param] = ["csv"]
        else:  # pk and any other object id: a real customer
            choices[param] = [customer.pk]
    urls = [{}]
    for param, values in choices.items():
        urls = [{**u, param: v} for u in urls for v in values]
    return [reverse(route.name, kwargs=kwargs or None) for kwargs in urls]


def post_body(route: Route) -> dict[str, Any]:
    return {"field": "pan"} if route.name.endswith("reveal") else {}


@dataclass
class Outcome:
    role: str
    method: str
    url: str
    status: int
    expected: str

    def __str__(self) -> str:
        return (
            f"{self.role:11} {self.method:4} {self.url:45} -> {self.status} (want {self.expected})"
        )


def _request(client: Any, method: str, url: str, route: Route) -> Any:
    """One request, rolled back afterwards: a POST in the walk must not change what the
    requests after it see (an empty POST to the role matrix, say, rewriting access)."""
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        elif isinstance(client, APIClient):
            send = getattr(client, method.lower())
            response = send(url, post_body(route), format="json")
        else:
            response = client.post(url, post_body(route))
        transaction.set_rollback(True)
    return response


def _clients(user: Any) -> tuple[Client, APIClient]:
    page, api = Client(raise_request_exception=False), APIClient(raise_request_exception=False)
    if user is not None:
        page.force_login(user)
        api.force_authenticate(user=user)
    return page, api


def check(route: Route, method: str, url: str, user: Any, response: Any, customer: Customer) -> str:
    """Empty when the response is what the role data says it should be; else the expectation."""
    status = response.status_code
    body = b"" if getattr(response, "streaming", False) else response.content
    leaked = customer.client_id.encode() in body
    if status >= 500:
        return "no 500"
    if route.name in PUBLIC:
        return ""
    is_api = url.startswith("/api/")
    if user is None:
        if not route.login_required:
            return ""
        if is_api:
            return "" if status in (401, 403) and not leaked else "401/403"
        ok = status == 302 and response["Location"].startswith(reverse("login"))
        return "" if ok else "redirect to login"
    allowed = route.module is None or has_access(user, route.module, route.level_for(method))
    if route.name.endswith("reveal") and method == "POST":
        allowed = allowed and can_view_sensitive(user)
    if route.name in EXTRA_RULES:
        allowed = allowed and import_string(EXTRA_RULES[route.name])(user)
    if route.name in WRITE_RULES and route.level_for(method) == Access.WRITE:
        allowed = allowed and import_string(WRITE_RULES[route.name])(user)
    if route.name == "customers:tab" and method == "GET":  # each tab has a module of its own
        tab = profile_tabs.get(url.rstrip("/").rsplit("/", 1)[-1])
        allowed = allowed and tab is not None and has_access(user, tab.module)
    if not allowed:
        return "" if status == 403 and not leaked else "403 without data"
    if status in (401, 403):
        return "not 401/403"
    if method == "GET" and route.module == "customers" and route.handles("GET"):
        return "" if status == 200 else "200"
    return ""


ROLES = [*DEFAULT_ROLES, "no_role", "anonymous"]


@pytest.mark.parametrize("role", ROLES)
def test_every_route_as(role: str, user_factory: Any, admin_user: Any) -> None:
    user = None if role == "anonymous" else user_factory(None if role == "no_role" else role)
    customer = make_customer(actor=admin_user, assigned_to=user)
    page, api = _clients(user)
    problems: list[Outcome] = []
    seen = 0
    for route in all_routes():
        if route.name in PUBLIC and user is not None:
            continue  # the same for everyone: walked once, anonymously
        methods = METHODS + tuple(m for m in EXTRA_METHODS if route.is_drf and route.handles(m))
        for url in urls_for(route, customer):
            for method in methods:
                client = api if url.startswith("/api/") else page
                if route.name == "logout" and user is not None:
                    client = _clients(user)[0]  # logging out must not end the walk's session
                response = _request(client, method, url, route)
                seen += 1
                expected = check(route, method, url, user, response, customer)
                if expected:
                    problems.append(Outcome(role, method, url, response.status_code, expected))
    assert seen > 40
    assert not problems, "\n" + "\n".join(map(str, problems))


def test_every_route_is_in_the_matrix() -> None:
    """Each URL pattern the resolver knows declares its module, or is listed with a reason.

    The walk above derives each route's expectation from its ``module``; a route without one
    would pass for every role. So a new route must be placed: ``module = ...`` on the view,
    or an entry in PUBLIC / NO_MODULE (and ANONYMOUS_BY_DESIGN when it needs no sign-in).
    """
    from clientdesk.core.permissions import Module

    routes = all_routes()
    names = {r.name for r in routes}
    unplaced = sorted(
        r.name for r in routes if r.module is None and r.name not in PUBLIC | set(NO_MODULE)
    )
    assert not unplaced, f"routes with no module and not in the matrix: {unplaced}"
    unknown = sorted(
        f"{r.name}: {r.module}" for r in routes if r.module and r.module not in Module.values
    )
    assert not unknown, f"routes naming an unknown module: {unknown}"
    open_routes = sorted(
        r.name
        for r in routes
        if not r.login_required and r.name not in PUBLIC | ANONYMOUS_BY_DESIGN
    )
    assert not open_routes, f"routes open to anonymous visitors, not listed: {open_routes}"
    stale = sorted((PUBLIC | set(NO_MODULE) | ANONYMOUS_BY_DESIGN) - names)
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


def test_every_api_operation_is_walked(api_operations: list[tuple[str, str]]) -> None:
    """Every operation of the published API document resolves to a route the walk visits
    with that method (so a new endpoint cannot escape the matrix)."""
    from django.urls import resolve

    walked = {r.name: r for r in all_routes()}
    missing = []
    for path, method in api_operations:
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        match = resolve(concrete)
        route = walked.get(
            f"{':'.join(match.namespaces) + ':' if match.namespaces else ''}{match.url_name}"
        )
        if route is None or not (method in METHODS or route.handles(method)):
            missing.append(f"{method} {path}")
    assert not missing, missing


@pytest.fixture(scope="module")
def api_operations(django_db_setup: Any, django_db_blocker: Any) -> list[tuple[str, str]]:
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        document = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_matrix_sees_the_customer_routes() -> None:
    names = {r.name for r in all_routes()}
    assert {
        "customers:list",
        "customers:detail",
        "customers:tab",
        "customers:reveal",
        "customer-list",
        "customer-detail",
        "customer-status",
        "customer-reveal",
    } <= names
    modules = {r.module for r in all_routes()}
    assert {"customers", "activities", "audit", "administration"} <= modules


def test_expectations_follow_the_role_table(users_by_role: dict[str, Any]) -> None:
    """The database the matrix reads agrees with the declared role table."""
    for slug, user in users_by_role.items():
        for module, level in DEFAULT_ROLES[slug]["access"].items():
            assert has_access(user, module, level)
            if level < Access.WRITE:
                assert not has_access(user, module, level + 1)


def test_partial_role_form_never_wipes_access(client_for: Any, admin_user: Any) -> None:
    """An empty or partial POST to the role matrix leaves what it does not carry alone.

    It used to read every missing select as "None": one empty POST removed all access,
    the Admin's own included.
    """
    from clientdesk.accounts.models import Role, RoleModuleAccess

    def snapshot() -> set[tuple[str, str, int]]:
        return set(RoleModuleAccess.objects.values_list("role__slug", "module", "level"))

    before = snapshot()
    client = client_for(admin_user)
    assert client.post(reverse("accounts:roles"), {}).status_code == 302
    assert snapshot() == before

    sales = Role.objects.get(slug="sales")
    form = {f"scope_{sales.pk}": "own", f"level_{sales.pk}_customers": str(int(Access.READ))}
    assert client.post(reverse("accounts:roles"), form).status_code == 302
    after = snapshot()
    assert before - after == {("sales", "customers", int(Access.WRITE))}
    assert after - before == {("sales", "customers", int(Access.READ))}
