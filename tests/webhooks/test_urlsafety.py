"""Production refuses private, loopback and link-local webhook targets (SSRF)."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from clientdesk.webhooks import services, urlsafety


@pytest.fixture
def production(settings: Any) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False


def _resolves_to(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    def fake(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://0.0.0.0/hook",
    ],
)
def test_private_addresses_are_refused_in_production(production: None, url: str) -> None:
    with pytest.raises(ValidationError, match="private or local"):
        urlsafety.check_url(url)


def test_a_public_name_resolving_inside_is_refused(
    production: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _resolves_to(monkeypatch, "10.0.0.7")
    with pytest.raises(ValidationError, match="private or local"):
        urlsafety.check_url("https://hooks.partner.example/in")
    _resolves_to(monkeypatch, "::ffff:127.0.0.1")
    with pytest.raises(ValidationError):
        urlsafety.check_url("https://hooks.partner.example/in")


def test_public_https_is_accepted(production: None, monkeypatch: pytest.MonkeyPatch) -> None:
    _resolves_to(monkeypatch, "93.184.216.34")
    urlsafety.check_url("https://hooks.partner.example/in")


def test_plain_http_credentials_and_other_schemes_are_refused(production: None) -> None:
    for url, message in [
        ("http://hooks.partner.example/in", "https"),
        ("ftp://hooks.partner.example/in", "http or https"),
        ("https://user:pw@hooks.partner.example/in", "credentials"),
    ]:
        with pytest.raises(ValidationError, match=message):
            urlsafety.check_url(url)


def test_the_check_runs_again_before_sending(production: None) -> None:
    outcome = services.post("https://127.0.0.1:9/hook", "{}", {})
    assert outcome.status is None and outcome.error.startswith("refused")


def test_development_allows_a_local_receiver(settings: Any) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    urlsafety.check_url("http://127.0.0.1:8000/hook")
