"""The production password hasher: Argon2id at OWASP's cost, PBKDF2 hashes upgraded."""

from __future__ import annotations

import subprocess
import sys

from django.contrib.auth.hashers import check_password, make_password

from clientdesk.accounts.hashers import ClientDeskArgon2Hasher

HASHERS = [
    "clientdesk.accounts.hashers.ClientDeskArgon2Hasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def test_argon2id_with_owasp_parameters():
    encoded = ClientDeskArgon2Hasher().encode("correct horse", ClientDeskArgon2Hasher().salt())
    assert encoded.startswith("argon2$argon2id$v=19$m=47104,t=1,p=1$")
    assert ClientDeskArgon2Hasher().verify("correct horse", encoded)
    assert not ClientDeskArgon2Hasher().verify("wrong horse", encoded)


def test_pbkdf2_hash_verifies_and_is_upgraded(settings):
    settings.PASSWORD_HASHERS = HASHERS
    old = make_password("correct horse", hasher="pbkdf2_sha256")
    upgraded: list[str] = []
    assert check_password("correct horse", old, setter=upgraded.append)
    assert upgraded == ["correct horse"]  # Django calls the setter to re-hash with Argon2id
    assert make_password("x").startswith("argon2$argon2id$")


def test_development_and_production_hash_with_argon2():
    code = (
        "import django; django.setup(); from django.contrib.auth.hashers import get_hasher;"
        "print(type(get_hasher()).__name__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={
            "CLIENTDESK_ENV": "development",
            "DJANGO_SETTINGS_MODULE": "clientdesk.settings",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "ClientDeskArgon2Hasher"
