"""Production settings: refuse to start without secrets; pass ``check --deploy`` with them.

Two checks run in a real subprocess (start-up without secrets, ``manage.py check --deploy``);
the variations run the settings file in-process with a patched environment, which is cheap.
"""

from __future__ import annotations

import json
import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from clientdesk.core.deploy_checks import REQUIRED_STATIC

REPO = Path(__file__).resolve().parent.parent
SETTINGS_FILE = REPO / "src" / "clientdesk" / "settings.py"
SECRET_NAMES = (
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "FIELD_HASH_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
)


def clean_env(**values: str) -> dict[str, str]:
    """The current environment without any ClientDesk or Django setting, plus ``values``."""
    drop = {*SECRET_NAMES, "DEBUG", "CSRF_TRUSTED_ORIGINS", "CLIENTDESK_ENV", "SECURE_SSL_REDIRECT"}
    drop.add("DJANGO_ALLOW_ASYNC_UNSAFE")  # set by the browser tests' conftest for Playwright
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["DJANGO_SETTINGS_MODULE"] = "clientdesk.settings"
    env.update(values)
    return env


def production_secrets(tmp_path: Path) -> dict[str, str]:
    return {
        "CLIENTDESK_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "FIELD_HASH_KEY": secrets.token_urlsafe(40)[:40],
        "ALLOWED_HOSTS": "example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "CLIENTDESK_VAR_DIR": str(tmp_path),
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def load_settings(env: dict[str, str]) -> dict[str, Any]:
    """Execute settings.py with exactly ``env`` as the environment; return its globals."""
    with mock.patch.dict(os.environ, env, clear=True):
        return runpy.run_path(str(SETTINGS_FILE))


# --- start-up ----------------------------------------------------------------------------


def test_production_without_secrets_refuses_to_start() -> None:
    script = "import django\ndjango.setup()\n"
    result = run(["-c", script], clean_env(CLIENTDESK_ENV="production"))
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured"), result.stderr
    for name in SECRET_NAMES:
        assert name in last, name


@pytest.mark.parametrize("missing", SECRET_NAMES)
def test_each_missing_secret_is_named(tmp_path: Path, missing: str) -> None:
    env = clean_env(**production_secrets(tmp_path))
    del env[missing]
    with pytest.raises(ImproperlyConfigured) as info:
        load_settings(env)
    assert missing in str(info.value)
    assert [n for n in SECRET_NAMES if n != missing and n in str(info.value)] == []


@pytest.mark.parametrize(
    ("name", "weak"),
    [
        ("SECRET_KEY", "too-short"),
        ("SECRET_KEY", "django-insecure-clientdesk-development-only"),
        ("FIELD_HASH_KEY", "short"),
        ("ALLOWED_HOSTS", " , "),
    ],
)
def test_weak_secrets_are_refused(tmp_path: Path, name: str, weak: str) -> None:
    env = clean_env(**production_secrets(tmp_path))
    env[name] = weak
    with pytest.raises(ImproperlyConfigured, match=name):
        load_settings(env)


def test_production_values(tmp_path: Path) -> None:
    values = load_settings(clean_env(**production_secrets(tmp_path)))
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["example.com"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000


def test_development_needs_nothing(tmp_path: Path) -> None:
    values = load_settings(clean_env(CLIENTDESK_VAR_DIR=str(tmp_path)))
    assert values["DEBUG"] is True
    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["FIELD_ENCRYPTION_KEYS"]


# --- manage.py check --deploy ------------------------------------------------------------


@pytest.fixture(scope="module")
def check_deploy(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str]:
    var = tmp_path_factory.mktemp("deploy")
    # A deploy runs collectstatic before `check --deploy`; clientdesk.E001 (tested with a real
    # collectstatic in tests/ops/test_prod_static.py) wants the manifest and its entries.
    (var / "staticfiles").mkdir()
    paths = {path: path for path in REQUIRED_STATIC}
    (var / "staticfiles" / "staticfiles.json").write_text(
        json.dumps({"paths": paths, "version": "1.1", "hash": "test"})
    )
    env = clean_env(**production_secrets(var))
    result = run(["manage.py", "check", "--deploy"], env)
    return result.returncode, result.stdout + result.stderr


def test_check_deploy_has_no_security_warnings(check_deploy: tuple[int, str]) -> None:
    _, output = check_deploy
    assert "security.W" not in output and "security.E" not in output, output


def test_check_deploy_reports_no_issues(check_deploy: tuple[int, str]) -> None:
    returncode, output = check_deploy
    assert returncode == 0, output
    assert "no issues" in output, output


@pytest.mark.django_db
def test_postgresql_connections_come_from_one_pool_per_process() -> None:
    """gunicorn's threads share the process's psycopg pool (docs/operations.md)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the pool is PostgreSQL's")
    assert connection.settings_dict["OPTIONS"]["pool"]["max_size"] >= 1
    assert connection.settings_dict["CONN_MAX_AGE"] == 0
    assert connection.pool is not None
