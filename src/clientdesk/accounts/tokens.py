"""API tokens stored as hashes, the DRF authentication that reads them, and throttling.

One query per request finds the token and its user (with the role). The token's scopes are
parsed from that row and attached to the user object, where ``core.permissions.access_map``
narrows the role's access with them: the scope check costs no query. Last-used time and IP
are written at most once per ``API_TOKEN_TOUCH_SECONDS`` per token.

Throttling runs here, while the request is authenticated, so it comes before the permission
check and also counts what a throttle class on the view would never see:

- a valid token: its own rate (``API_THROTTLE_RATES["token"]``), keyed by the token;
- no credentials, or a key that matches no usable token (a guess): the client IP's rate
  (``API_THROTTLE_RATES["anon"]``).

Over the rate the answer is 429 with ``Retry-After`` (see ``core.api.exception_handler``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, TokenAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle

from clientdesk.core.middleware import client_ip

from .models import ApiToken
from .scopes import TokenScope


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return secrets.token_urlsafe(32)


# --- throttles -------------------------------------------------------------------------------


class _IdentThrottle(SimpleRateThrottle):
    """A DRF rate throttle keyed by an identity given by the caller; rate from settings."""

    def __init__(self, ident: str) -> None:
        self.ident = ident
        super().__init__()

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(str(self.scope))

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


class TokenRateThrottle(_IdentThrottle):
    scope = "token"


class AnonRateThrottle(_IdentThrottle):
    scope = "anon"


def enforce(throttle: SimpleRateThrottle, request: Any) -> None:
    if not throttle.allow_request(request, None):  # type: ignore[arg-type]  # no view needed
        raise exceptions.Throttled(wait=throttle.wait())


def _anon_throttle(request: Any) -> AnonRateThrottle:
    return AnonRateThrottle(client_ip(request) or "unknown")


# --- authentication --------------------------------------------------------------------------


class HashedTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``; the key is looked up by its SHA-256."""

    model = ApiToken

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        self.request = request
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            enforce(_anon_throttle(request), request)  # a bad key counts against the IP
            raise

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        token = (
            ApiToken.objects.select_related("user", "user__role")
            .filter(key_hash=hash_key(key))
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        if token.expires_at <= now:
            expired = timezone.localtime(token.expires_at)
            raise exceptions.AuthenticationFailed(
                f"This API token expired on {expired:%Y-%m-%d %H:%M %Z}. "
                "Ask an Admin for a new one.",
                code="token_expired",
            )
        enforce(TokenRateThrottle(str(token.pk)), self.request)
        self._touch(token, now)
        user = token.user
        user.api_token_scope = TokenScope.parse(token.scopes)  # type: ignore[attr-defined]
        return user, token

    def _touch(self, token: ApiToken, now: dt.datetime) -> None:
        """Record last use; at most one write per token per API_TOKEN_TOUCH_SECONDS."""
        every = dt.timedelta(seconds=settings.API_TOKEN_TOUCH_SECONDS)
        if token.last_used_at is not None and now - token.last_used_at < every:
            return
        ip = client_ip(self.request)
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
        token.last_used_at, token.last_used_ip = now, ip


class AnonymousThrottleAuthentication(BaseAuthentication):
    """Last in the authentication list: reached only by requests no class authenticated.

    It authenticates nobody; it counts the request against its client IP's rate.
    """

    def authenticate(self, request: Any) -> None:
        enforce(_anon_throttle(request), request)
        return None


# --- special scopes --------------------------------------------------------------------------


def token_has_scope(request: Any, name: str) -> bool:
    """True when the request came with an API token that carries the special scope ``name``.

    A browser session carries no special scopes: they exist for machine integrations.
    """
    scope = getattr(request.user, "api_token_scope", None)
    return isinstance(request.auth, ApiToken) and scope is not None and name in scope.special


class RequireTokenScope(BasePermission):
    """``permission_classes = [RequireTokenScope.of("comms:integration")]``."""

    scope_name = ""
    message = "This API token lacks the scope this endpoint needs."

    @classmethod
    def of(cls, name: str) -> type[RequireTokenScope]:
        from .scopes import SPECIAL_SCOPES

        if name not in SPECIAL_SCOPES:
            raise ValueError(f"Unknown special scope {name!r}: register it first.")
        return type(f"RequireTokenScope_{name.replace(':', '_')}", (cls,), {"scope_name": name})

    def has_permission(self, request: Any, view: Any) -> bool:
        return token_has_scope(request, self.scope_name)
