"""Password hashing: Argon2id at OWASP's recommended cost.

Django's default (PBKDF2-SHA256, 1,000,000 iterations) spends ~250 ms of CPU per sign-in on
this project's 2-core machines, which alone breaks the 200 ms sign-in budget (issue 11).
Argon2id with 46 MiB of memory, one pass and one lane is one of OWASP's Password Storage
Cheat Sheet configurations: it costs ~30-40 ms of CPU and, being memory-hard, resists GPU
guessing better than PBKDF2 at any iteration count. Existing PBKDF2 hashes keep working and
are re-hashed with Argon2id at the user's next sign-in (Django upgrades on check_password).
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class ClientDeskArgon2Hasher(Argon2PasswordHasher):
    """Argon2id, m=46 MiB, t=1, p=1 (OWASP). Same algorithm name, so hashes stay portable."""

    time_cost = 1
    memory_cost = 47104  # KiB
    parallelism = 1
