"""Users, roles and per-module access.

Invariant: a user's rights come only from their role (plus superuser = everything);
``clientdesk.core.permissions`` is the one place that reads them.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from clientdesk.core.permissions import Access, Module
from clientdesk.core.scopes import Capability, ReadScope


class Role(models.Model):
    class EditScope(models.TextChoices):
        OWN = "own", "Own records only"
        ALL = "all", "All records"

    slug = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64, unique=True)
    description = models.CharField(max_length=200, blank=True)
    can_view_sensitive = models.BooleanField(
        "View sensitive identifiers",
        default=False,
        help_text="May reveal PAN, Aadhaar, ID and bank account numbers and dates of birth.",
    )
    edit_scope = models.CharField(max_length=8, choices=EditScope.choices, default=EditScope.ALL)
    requires_two_factor = models.BooleanField(
        "Two-factor sign-in required",
        default=False,
        help_text="Members must sign in with a code from an authenticator app as well.",
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class RoleModuleAccess(models.Model):
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="module_access")
    module = models.CharField(max_length=32, choices=Module.choices)
    level = models.PositiveSmallIntegerField(choices=Access.choices, default=Access.NONE)
    # Which rows the role reads in this module (``clientdesk.core.scopes``); only the
    # modules in ``SCOPED_MODULES`` use it, the others read whole.
    read_scope = models.CharField(max_length=8, choices=ReadScope.choices, default=ReadScope.ALL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["role", "module"], name="unique_role_module"),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.module}={self.get_level_display()}"


class RoleCapability(models.Model):
    """One capability a role holds (``clientdesk.core.scopes.Capability``): a rule that
    code once wrote as a role slug, now ticked on the role matrix."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="capabilities")
    capability = models.CharField(max_length=32, choices=Capability.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["role", "capability"], name="unique_role_capability"),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.capability}"


class ApiToken(models.Model):
    """A REST API credential. Only a SHA-256 of the key is stored; the key is shown once.

    Invariants: ``key_hash`` = sha256(key); ``prefix`` (the first 8 characters) only helps a
    person recognise which token is which. ``scopes`` holds names of ``accounts.scopes``
    (validated when issued); a token acts with its user's role narrowed to them. A token is
    refused from ``expires_at`` on. ``last_used_at``/``last_used_ip`` are written at most once
    per ``API_TOKEN_TOUCH_SECONDS``.
    """

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    name = models.CharField(max_length=80, blank=True, help_text="What the token is for.")
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"

    @property
    def is_expired(self) -> bool:
        from django.utils import timezone

        return self.expires_at <= timezone.now()


class User(AbstractUser):
    role = models.ForeignKey(Role, null=True, blank=True, on_delete=models.PROTECT)
    phone = models.CharField(max_length=20, blank=True)
    # The user's team for read scope "team" (same non-empty name = same team); set by an
    # Admin on the user page. Blank: a team of one.
    team = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class UserSession(models.Model):
    """One signed-in session of a user, so a user's sessions can be listed and ended.

    Invariant: a row exists while its session may still be used; it is written when the user
    signs in and removed when they sign out, time out or are signed out everywhere (a row
    whose session expired on its own is harmless: ending it deletes nothing).
    """

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"session of {self.user_id} since {self.created_at:%Y-%m-%d %H:%M}"


class RecoveryCode(models.Model):
    """A one-time code that stands in for the authenticator app.

    Invariant: only a keyed hash (HMAC-SHA256 with FIELD_HASH_KEY) of the code is stored; the
    codes are shown once when made. ``used_at`` is set once, atomically, when a code is used.
    """

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="unique_recovery_code"),
        ]

    def __str__(self) -> str:
        return f"recovery code of {self.user_id}{' (used)' if self.used_at else ''}"
