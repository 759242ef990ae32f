"""Field encryption (Fernet with key rotation) and keyed hashes for exact search.

Invariants:
- A value written to the database is always a Fernet token made with the *first* key of
  ``settings.FIELD_ENCRYPTION_KEYS``; any key of the list decrypts. Rotating = prepend a
  new key, run ``manage.py rotate_field_keys``, then drop the old key.
- A keyed hash is HMAC-SHA256(FIELD_HASH_KEY, kind + ":" + normalized value). The kind
  keeps equal values of different identifiers (a PAN and an ID number) apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must hold at least one Fernet key.")
    return MultiFernet([Fernet(key) for key in keys])


def _reset_cache(*, setting: str, **kwargs: Any) -> None:
    if setting == "FIELD_ENCRYPTION_KEYS":
        _fernet.cache_clear()


setting_changed.connect(_reset_cache)


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a key was removed before rotation finished
        raise ImproperlyConfigured(
            "An encrypted value could not be decrypted with any key in FIELD_ENCRYPTION_KEYS."
        ) from exc


def rotate(token: str) -> str:
    """Re-encrypt a token with the primary key (a no-op in meaning)."""
    return _fernet().rotate(token.encode()).decode()


def keyed_hash(kind: str, value: str) -> str:
    key = settings.FIELD_HASH_KEY.encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text value stored as a Fernet token; Python code sees plain text.

    Empty strings are stored as empty strings (nothing to protect, and it keeps
    ``blank=True`` fields cheap to test for emptiness).
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(str(value))


class EncryptedDateField(models.TextField):
    """A date stored encrypted (ISO format inside the token)."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if not value:
            return None
        return dt.date.fromisoformat(decrypt(value))

    def to_python(self, value: Any) -> dt.date | None:
        if value in (None, ""):
            return None
        if isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value))

    def get_prep_value(self, value: Any) -> Any:
        if value in (None, ""):
            return None
        if isinstance(value, str):
            value = dt.date.fromisoformat(value)
        return encrypt(value.isoformat())

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        from django import forms

        return forms.DateField(**{"required": not self.blank, **kwargs})


def encrypted_fields(model: type[models.Model]) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedTextField | EncryptedDateField)
    ]
