"""Security headers on every answer: Content-Security-Policy (with a fresh nonce, never
'unsafe-inline' or 'unsafe-eval'), Permissions-Policy, and ``Cache-Control: no-store`` on
whatever a signed-in user (page or API, session or token) is sent; static files stay
cacheable. Plus the rule that keeps the policy workable: no template has inline code."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from pdf_templates import PDF_ONLY

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
NONCE_IN_HEADER = re.compile(r"'nonce-([A-Za-z0-9+/=]+)'")
# Full pages that extend base.html, as a Manager (every module readable).
PAGES = [
    "/",
    "/customers/",
    "/customers/new/",
    "/leads/",
    "/leads/board/",
    "/tickets/",
    "/calls/",
    "/tasks/",
    "/messages/",
    "/kyc/",
    "/screening/?status=open",
    "/transactions/list/",
    "/transactions/alerts/?open=true",
    "/notifications/",
]


def directives(header: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        found[name] = values
    return found


@pytest.fixture
def manager_client(client_for: Any, manager: Any) -> Client:
    return client_for(manager)


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_the_policy_with_a_fresh_nonce(manager_client: Client, url: str) -> None:
    first = manager_client.get(url)
    second = manager_client.get(url)
    assert first.status_code == 200, url
    assert first["Content-Type"].startswith("text/html")
    policy = first["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    nonce = NONCE_IN_HEADER.search(policy)
    assert nonce, policy
    # the nonce in the header is the one the page's own script tags carry, and a new request
    # gets a new one
    assert f'nonce="{nonce.group(1)}"'.encode() in first.content
    assert NONCE_IN_HEADER.search(second["Content-Security-Policy"]).group(1) != nonce.group(1)  # type: ignore[union-attr]
    assert len(nonce.group(1)) >= 22  # 16 random bytes, base64


def test_the_policy_directives(manager_client: Client) -> None:
    found = directives(manager_client.get("/")["Content-Security-Policy"])
    assert found["default-src"] == ["'self'"]
    assert found["script-src"][0] == "'self'" and found["script-src"][1].startswith("'nonce-")
    assert found["style-src"][0] == "'self'" and found["style-src"][1].startswith("'nonce-")
    assert found["img-src"] == ["'self'", "data:", "blob:"]
    assert found["connect-src"] == ["'self'"]
    assert found["font-src"] == ["'self'"]
    assert found["object-src"] == ["'none'"]
    assert found["frame-ancestors"] == ["'none'"]
    assert found["form-action"] == ["'self'"]
    assert found["base-uri"] == ["'self'"]
    assert found["report-uri"] == ["/csp-report/"]
    assert len(found["script-src"]) == 2 and len(found["style-src"]) == 2


@pytest.mark.parametrize("url", ["/login/", "/search/?q=a", "/api/v1/customers/", "/no-such-page/"])
def test_other_answers_have_the_policy_too(manager_client: Client, url: str) -> None:
    client = Client() if url == "/login/" else manager_client
    policy = client.get(url)["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy


def test_rendered_pages_have_no_inline_code(manager_client: Client) -> None:
    for url in PAGES:
        html = manager_client.get(url).content.decode()
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts and all(
            "src=" in tag or 'type="application/json"' in tag for tag in scripts
        ), (url, scripts)
        assert "<style" not in html, url
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=", html), url


COMMENTS = re.compile(r"\{% comment %\}.*?\{% endcomment %\}|\{#.*?#\}", re.S)
INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>"), "inline <script>"),
    (re.compile(r"<style\b"), "<style> block"),
    (re.compile(r"\sstyle=[\"']"), "style attribute"),
    (re.compile(r"\son[a-z]+=[\"']"), "inline event handler"),
    (re.compile(r"\shx-on[:-]"), "hx-on (htmx evaluates it)"),
    (re.compile(r"hx-(?:vals|vars)=[\"']\s*(?:js|javascript):"), "hx-vals js: (evaluated)"),
    # an event filter follows the event's name: "change[...]", "click, keyup[...]"
    (re.compile(r"hx-trigger=\"(?:[^\"]*,\s*)?[\w:.-]+\["), "hx-trigger [filter] (evaluated)"),
    (re.compile(r"href=[\"']javascript:"), "javascript: link"),
]


def test_no_template_has_inline_code() -> None:
    """The rule for every template (docs/ui.md, "Content Security Policy"): code and styles in
    static files; a <script> that must stay inline takes nonce="{{ request.csp_nonce }}"."""
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if str(path.relative_to(TEMPLATES)) in PDF_ONLY:
            continue  # rendered by WeasyPrint into a PDF, never served (tests/pdf_templates.py)
        text = COMMENTS.sub(lambda m: "\n" * m.group(0).count("\n"), path.read_text("utf-8"))
        for pattern, what in INLINE_CODE:
            for match in pattern.finditer(text):
                if what == "inline <script>" and "csp_nonce" in match.group(0):
                    continue
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}")
    assert not problems, "\n".join(problems)


def test_api_docs_page_runs_no_inline_code(manager_client: Client) -> None:
    page = manager_client.get(reverse("api-docs"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<style" not in html
    tags = re.findall(r"<script\b[^>]*>", html)
    assert len(tags) == 3 and all("src=" in tag for tag in tags)
    script = manager_client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in script.content


# --- Permissions-Policy ----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/login/", "/api/v1/customers/"])
def test_permissions_policy_switches_features_off(manager_client: Client, url: str) -> None:
    header = manager_client.get(url)["Permissions-Policy"]
    features = dict(item.split("=") for item in header.split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"


# --- Cache-Control ---------------------------------------------------------------------------


def no_store(response: Any) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.parametrize("url", [*PAGES, "/search/?q=a", "/customers/?q=a"])
def test_pages_for_a_signed_in_user_are_not_stored(manager_client: Client, url: str) -> None:
    response = manager_client.get(url)
    assert no_store(response) and "private" in response["Cache-Control"]


def test_htmx_fragments_are_not_stored(manager_client: Client) -> None:
    response = manager_client.get("/customers/?q=a", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and no_store(response)


def test_api_answers_are_not_stored_session_or_token(
    api_client_for: Any, manager: Any, admin_user: Any
) -> None:
    from factories import make_customer

    customer = make_customer(actor=admin_user)
    for client in (api_client_for(manager), api_client_for(manager, token=True)):
        listed = client.get("/api/v1/customers/")
        one = client.get(f"/api/v1/customers/{customer.pk}/")
        assert listed.status_code == 200 and one.status_code == 200
        assert no_store(listed) and no_store(one)


def test_token_signed_api_call_is_not_stored(api_client_for: Any, manager: Any) -> None:
    """A token is checked inside the view, after the session middleware: still no-store."""
    client = api_client_for(manager, token=True)
    response = client.get("/api/v1/customers/")
    assert response.status_code == 200 and no_store(response)
    assert "sessionid" not in client.cookies


def test_anonymous_answers_are_left_alone() -> None:
    denied = Client().get("/api/v1/customers/")
    assert denied.status_code in (401, 403)
    assert "no-store" not in denied.get("Cache-Control", "")


@pytest.mark.parametrize("path", ["css/app.css", "js/app.js", "vendor/chartjs/chart.umd.min.js"])
def test_static_files_stay_cacheable(manager_client: Client, path: str) -> None:
    response = manager_client.get(settings.STATIC_URL + path)
    assert response.status_code == 200
    assert not no_store(response)
    assert "Content-Security-Policy" not in response  # served before the CSP middleware


# --- violation reports -----------------------------------------------------------------------


def test_a_violation_report_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    report = {
        "csp-report": {
            "document-uri": "http://testserver/customers/",
            "violated-directive": "style-src-attr",
            "effective-directive": "style-src-attr",
            "blocked-uri": "inline",
            "source-file": "http://testserver/static/js/app.js",
            "line-number": 12,
            "original-policy": "x" * 5000,
        }
    }
    with caplog.at_level(logging.WARNING, logger="clientdesk.csp"):
        response = Client().post(
            "/csp-report/", json.dumps(report), content_type="application/csp-report"
        )
    assert response.status_code == 204
    (record,) = caplog.records
    logged = json.loads(record.getMessage().split(": ", 1)[1])
    assert logged == {
        "document": "http://testserver/customers/",
        "directive": "style-src-attr",
        "blocked": "inline",
        "source": "http://testserver/static/js/app.js",
        "line": "12",
    }


def test_reporting_api_format_is_logged_too(caplog: pytest.LogCaptureFixture) -> None:
    reports = [
        {"type": "csp-violation",
         "body": {"documentURL": "http://testserver/", "effectiveDirective": "script-src-elem",
                  "blockedURL": "inline"}},
        {"type": "deprecation", "body": "not a violation"},
    ]  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="clientdesk.csp"):
        response = Client().post(
            "/csp-report/", json.dumps(reports), content_type="application/reports+json"
        )
    assert response.status_code == 204
    assert len(caplog.records) == 1 and "script-src-elem" in caplog.records[0].getMessage()


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b"{}", json.dumps({"csp-report": {"x": "y" * 20000}}).encode()]
)
def test_odd_reports_are_answered_and_not_logged_or_cut(
    body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="clientdesk.csp"):
        response = Client().post("/csp-report/", body, content_type="application/csp-report")
    assert response.status_code == 204
    assert all(len(r.getMessage()) < 2000 for r in caplog.records)
    assert len(caplog.records) <= (1 if body.startswith(b'{"csp') else 0)


def test_the_report_endpoint_takes_only_posts() -> None:
    assert Client().get("/csp-report/").status_code == 405


# --- report-only switch ----------------------------------------------------------------------


def _policy_settings(**env: str) -> dict[str, Any]:
    code = (
        "import json; from clientdesk import settings as s; "
        "print(json.dumps([s.CONTENT_SECURITY_POLICY is not None, "
        "s.CONTENT_SECURITY_POLICY_REPORT_ONLY is not None, "
        "(s.CONTENT_SECURITY_POLICY or s.CONTENT_SECURITY_POLICY_REPORT_ONLY)['DIRECTIVES']"
        ".get('report-uri')]))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "CLIENTDESK_ENV": "development", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    enforced, report_only, report_uri = json.loads(run.stdout)
    return {"enforced": enforced, "report_only": report_only, "report_uri": report_uri}


def test_report_only_is_a_setting() -> None:
    assert _policy_settings() == {
        "enforced": True,
        "report_only": False,
        "report_uri": ["/csp-report/"],
    }
    assert _policy_settings(CSP_REPORT_ONLY="true", CSP_REPORT_URI="https://r.example/csp") == {
        "enforced": False,
        "report_only": True,
        "report_uri": ["https://r.example/csp"],
    }


def test_report_only_mode_sends_the_report_only_header(
    manager_client: Client, settings: Any
) -> None:
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None
    response = manager_client.get("/")
    assert "Content-Security-Policy" not in response
    policy = response["Content-Security-Policy-Report-Only"]
    assert NONCE_IN_HEADER.search(policy) and "'unsafe-inline'" not in policy


def test_a_views_own_no_store_is_kept(manager_client: Client, settings: Any) -> None:
    """Private files (documents, attachments) set ``private, no-store`` themselves."""
    from django.http import HttpResponse
    from django.urls import path

    from clientdesk.core.views import private_file

    def download(request: Any) -> HttpResponse:
        return private_file(HttpResponse(b"%PDF-1.7", content_type="application/pdf"))

    urlconf = type("Urls", (), {"urlpatterns": [path("file/", download)]})
    settings.ROOT_URLCONF = urlconf
    response = manager_client.get("/file/")
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "camera=()" in response["Permissions-Policy"]
