"""Production settings: refuse to start without secrets; pass ``check --deploy`` with them."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

REPO = Path(__file__).resolve().parent.parent
SECRET_NAMES = ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY", "ALLOWED_HOSTS",
                "DATABASE_URL")
LOAD_SETTINGS = (
    "import django\n"
    "from django.conf import settings\n"
    "django.setup()\n"
    "print('DEBUG', settings.DEBUG)\n"
)


def clean_env(**values: str) -> dict[str, str]:
    """The current environment without any ClientDesk or Django setting, plus ``values``."""
    drop = {*SECRET_NAMES, "DEBUG", "CSRF_TRUSTED_ORIGINS", "CLIENTDESK_ENV"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["DJANGO_SETTINGS_MODULE"] = "clientdesk.settings"
    env.update(values)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=120,
        check=False,
    )


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


def test_production_without_secrets_refuses_to_start() -> None:
    result = run(["-c", LOAD_SETTINGS], clean_env(CLIENTDESK_ENV="production"))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for name in SECRET_NAMES:
        assert name in result.stderr, name


@pytest.mark.parametrize("missing", SECRET_NAMES)
def test_each_missing_secret_is_named(tmp_path: Path, missing: str) -> None:
    env = clean_env(**production_secrets(tmp_path))
    del env[missing]
    result = run(["-c", LOAD_SETTINGS], env)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last and missing in last
    assert [n for n in SECRET_NAMES if n != missing and n in last] == []


@pytest.mark.parametrize(
    ("name", "weak"),
    [
        ("SECRET_KEY", "too-short"),
        ("SECRET_KEY", "django-insecure-clientdesk-development-only"),
        ("FIELD_HASH_KEY", "short"),
    ],
)
def test_weak_secrets_are_refused(tmp_path: Path, name: str, weak: str) -> None:
    env = clean_env(**production_secrets(tmp_path))
    env[name] = weak
    result = run(["-c", LOAD_SETTINGS], env)
    assert result.returncode != 0
    assert name in result.stderr


def test_production_with_secrets_passes_check_deploy(tmp_path: Path) -> None:
    env = clean_env(**production_secrets(tmp_path))
    result = run(["manage.py", "check", "--deploy"], env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output, output
    assert "WARNING" not in output and "?:" not in output, output


def test_production_defaults(tmp_path: Path) -> None:
    script = (
        LOAD_SETTINGS
        + "print('SSL', settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE,"
        " settings.CSRF_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS > 0)\n"
    )
    result = run(["-c", script], clean_env(**production_secrets(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout
    assert "SSL True True True True" in result.stdout


def test_development_needs_nothing(tmp_path: Path) -> None:
    result = run(["-c", LOAD_SETTINGS], clean_env(CLIENTDESK_VAR_DIR=str(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert "DEBUG True" in result.stdout
