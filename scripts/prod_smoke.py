#!/usr/bin/env python3
"""Smoke test of the production configuration: build it as docs/operations.md deploys it,
serve it with gunicorn and fetch real pages.

    .venv/bin/python scripts/prod_smoke.py              # SQLite file in a temporary folder
    .venv/bin/python scripts/prod_smoke.py --postgres postgres://postgres@127.0.0.1:5432
                                                        # a fresh database there, dropped after

With ``CLIENTDESK_ENV=production`` and throw-away secrets generated now (never written
anywhere but this process's environment), in a temporary var dir (its own static root,
media and outbox) and on a free loopback port, it runs

    collectstatic --noinput, check --deploy, migrate --noinput,
    a user with the Manager role (no second factor) and one customer, an API token,
    gunicorn clientdesk.wsgi:application

then signs in through the login form (cookies kept, CSRF token sent) and asks for the home
page, the customer list, the customer's profile, the Manager's other main pages (leads,
tickets, messages and inbox, approvals, reports), a report as PDF (WeasyPrint), a static file
by its hashed name, an API list and the OpenAPI schema (with the token). Every answer must be
200. gunicorn is stopped (and the temporary database dropped) however the script ends, Ctrl+C
and SIGTERM included.
Exit status 0 when every check passed. Requests carry ``X-Forwarded-Proto: https``, as the
TLS-terminating proxy in front of production does.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PY = REPO / ".venv" / "bin" / "python"
GUNICORN = REPO / ".venv" / "bin" / "gunicorn"
USERNAME = "smoke-manager"

SETUP = """
import json
from django.contrib.auth import get_user_model
from clientdesk.accounts.models import Role
from clientdesk.accounts.services import issue_api_token
from clientdesk.customers.services import register_customer

manager = get_user_model().objects.create_user(
    username=%(username)r, password=%(password)r, first_name="Smoke", last_name="Test",
    email="smoke-manager@clientdesk.example", role=Role.objects.get(slug="manager"),
)
customer = register_customer(actor=manager, data={
    "first_name": "Asha", "last_name": "Verma", "date_of_birth": "1990-01-01",
    "gender": "female", "marital_status": "single", "mobile": "9876543210",
    "email": "asha.verma@example.com", "address_line": "12 MG Road", "city": "Bengaluru",
    "state": "Karnataka", "postal_code": "560001", "country": "IN", "id_type": "pan",
    "id_number": "ABCPE1234F", "pan": "ABCPE1234F", "income_band": "5l_10l",
    "occupation": "Engineer", "source_of_funds": "salary",
})
token = issue_api_token(manager, actor=None)  # as manage.py create_api_token
print("SMOKE " + json.dumps({"customer": customer.pk, "token": token}))
"""


class SmokeFailure(Exception):
    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="server URL; a fresh database is used")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    # SIGTERM (CI's timeout, a supervisor) unwinds like Ctrl+C, so the finally blocks run.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="clientdesk-prod-smoke-"))
    try:
        with database(args.postgres, work) as url:
            run(work, url)
    except SmokeFailure as exc:
        print(f"prod_smoke: FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"prod_smoke: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("prod_smoke: passed")
    return 0


@contextmanager
def database(server: str | None, work: Path) -> Iterator[str]:
    if not server:
        yield f"sqlite:///{work / 'smoke.sqlite3'}"
        return
    import psycopg

    name = f"clientdesk_prod_smoke_{os.getpid()}"
    admin = server.rstrip("/") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server.rstrip('/')}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_env(work: Path, database_url: str, port: int) -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CLIENTDESK_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="clientdesk.settings",
        CLIENTDESK_ENV="production",
        CLIENTDESK_VAR_DIR=str(work / "var"),
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_urlsafe(64),
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        FIELD_HASH_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL=f"https://127.0.0.1:{port}",
        # No Redis needed for the smoke (production's default cache is Redis at REDIS_URL).
        CACHE_BACKEND="locmem",
        # Production refuses development message backends: SMTP for email, the rest off.
        EMAIL_HOST="127.0.0.1",
        COMMS_SMS_ENABLED="false",
        COMMS_WHATSAPP_ENABLED="false",
        COMMS_PUSH_ENABLED="false",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    shown = args[:1] if args[0] == "shell" else args
    print(f"prod_smoke: manage.py {' '.join(shown)}", flush=True)
    done = subprocess.run(  # noqa: S603 - fixed program
        [str(PY), "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SmokeFailure(
            f"manage.py {args[0]} exited {done.returncode}:\n{done.stdout[-3000:]}"
            f"\n{done.stderr[-3000:]}"
        )
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(work: Path, database_url: str) -> None:
    port = free_port()
    env = production_env(work, database_url, port)
    password = secrets.token_urlsafe(18)
    manage(env, "collectstatic", "--noinput")
    manage(env, "check", "--deploy", "--fail-level", "WARNING")
    manage(env, "migrate", "--noinput")
    out = manage(env, "shell", "-c", SETUP % {"username": USERNAME, "password": password})
    found = re.search(r"^SMOKE (.*)$", out, re.MULTILINE)
    if not found:
        raise SmokeFailure(f"the set-up printed no result:\n{out[-2000:]}")
    made = json.loads(found.group(1))
    with gunicorn(env, port, work / "gunicorn.log"):
        client = Client(port)
        client.wait_until_up()
        fetch_pages(client, password, made["customer"], made["token"])


@contextmanager
def gunicorn(env: dict[str, str], port: int, log: Path) -> Iterator[None]:
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - fixed program
            [str(GUNICORN), "clientdesk.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--access-logfile", "-", "--graceful-timeout", "10"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    print(f"prod_smoke: gunicorn (pid {proc.pid}) on 127.0.0.1:{port}", flush=True)
    try:
        yield
    except SmokeFailure as exc:
        raise SmokeFailure(f"{exc}\n--- gunicorn log ---\n{log.read_text()[-4000:]}") from None
    finally:
        if proc.poll() is None:
            proc.terminate()  # gunicorn's graceful stop; its workers exit with it
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        print(f"prod_smoke: gunicorn stopped (exit {proc.returncode})", flush=True)


class Client:
    """HTTP with a cookie jar, as a browser behind the TLS proxy (cookies are Secure)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, *, body: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": f"127.0.0.1:{self.port}", "X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent.update(Origin=self.origin, Referer=f"{self.origin}{path}")
        try:
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.request("GET", "/login/")
                return
            except OSError:
                time.sleep(0.3)
        raise SmokeFailure("gunicorn did not answer within 60 s")

    def expect_200(self, path: str, **kwargs: Any) -> bytes:
        status, headers, content = self.request("GET", path, **kwargs)
        print(f"prod_smoke: GET {path} -> {status}", flush=True)
        if status != 200:
            where = f" (to {headers['location']})" if "location" in headers else ""
            raise SmokeFailure(f"GET {path} answered {status}{where}:\n{content[:1500]!r}")
        return content


MANAGER_PAGES = (
    "/leads/",
    "/tickets/",
    "/messages/",
    "/messages/inbox/",
    "/approvals/",
    "/reports/",
    "/reports/activity/",
)


def fetch_pages(client: Client, password: str, customer_id: int, token: str) -> None:
    page = client.expect_200("/login/").decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not csrf:
        raise SmokeFailure("the login page has no CSRF token")
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
    if not stylesheet:
        raise SmokeFailure("the login page does not link app.css by its hashed (manifest) name")
    client.expect_200(stylesheet.group(1))
    status, headers, content = client.request(
        "POST", "/login/",
        body={"username": USERNAME, "password": password, "csrfmiddlewaretoken": csrf.group(1)},
    )  # fmt: skip
    print(f"prod_smoke: POST /login/ -> {status} {headers.get('location', '')}", flush=True)
    if status != 302 or "/login/" in headers.get("location", "/login/"):
        raise SmokeFailure(f"signing in failed ({status}):\n{content[:1500]!r}")
    client.expect_200("/")
    listing = client.expect_200("/customers/").decode()
    if "Verma" not in listing:
        raise SmokeFailure("the customer list does not show the smoke customer")
    client.expect_200(f"/customers/{customer_id}/")
    # The Manager's other main pages, and a report as PDF (WeasyPrint in production mode).
    for path in MANAGER_PAGES:
        client.expect_200(path)
    pdf = client.expect_200("/reports/registration/export/pdf/")
    if not pdf.startswith(b"%PDF-"):
        raise SmokeFailure("the registration report's PDF download is not a PDF")
    api = {"Authorization": f"Token {token}"}
    client.cookies.clear()  # the API calls prove the token, not the session
    client.expect_200("/api/v1/customers/", headers=api)
    schema = client.expect_200("/api/schema/", headers=api)
    if b"openapi" not in schema[:200]:
        raise SmokeFailure("/api/schema/ is not an OpenAPI document")


if __name__ == "__main__":
    sys.exit(main())
