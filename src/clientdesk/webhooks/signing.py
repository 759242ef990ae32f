"""Standard Webhooks signatures (https://www.standardwebhooks.com/, spec v1).

Each request carries ``webhook-id`` (the delivery's message id), ``webhook-timestamp``
(seconds since the epoch, of this attempt) and ``webhook-signature``: space-separated
``v1,<base64 HMAC-SHA256>`` over ``"{id}.{timestamp}.{body}"``, keyed with the base64-decoded
part of the endpoint's ``whsec_`` secret. During a secret rotation's overlap both the new and
the previous secret sign, so a receiver that knows either accepts the request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets_: Iterable[str], message_id: str, timestamp: int, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers, one signature per secret."""
    signatures = " ".join(sign(s, message_id, timestamp, body) for s in secrets_ if s)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }
