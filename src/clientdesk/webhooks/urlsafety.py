"""Where ClientDesk may send webhooks.

In production (``WEBHOOKS_ALLOW_PRIVATE_URLS`` off, the production default) an endpoint must
use https and its host must resolve only to public addresses: no loopback, private,
link-local (cloud metadata), multicast, reserved or unspecified address. The check runs when
an endpoint is saved and again before every request (DNS may change in between); redirects
are never followed. Development and tests switch the setting on to use a local receiver.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> None:
    """Raise ValidationError({"url": ...}) when ``url`` is not a safe webhook target."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": "Enter an http or https URL."})
    if parts.username or parts.password:
        raise ValidationError(
            {"url": "Leave credentials out of the URL; the signature proves the sender."}
        )
    if settings.WEBHOOKS_ALLOW_PRIVATE_URLS:
        return
    if parts.scheme != "https":
        raise ValidationError({"url": "Webhook URLs must use https."})
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise ValidationError({"url": "This host name does not resolve."}) from exc
    if not infos or not all(_public(str(info[4][0])) for info in infos):
        raise ValidationError(
            {
                "url": "This host resolves to a private or local address; "
                "webhooks go to public hosts only."
            }
        )
