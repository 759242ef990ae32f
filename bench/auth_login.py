#!/usr/bin/env python
"""Sign-in with a second factor: server time of the password step and the TOTP step.

    .venv/bin/python bench/auth_login.py                   # SQLite, then PostgreSQL, 50 logins
    .venv/bin/python bench/auth_login.py --engine sqlite --logins 200

Target (issue 11): a login with TOTP stays under 200 ms of server time (password + code,
p95). Each login is a new Django test client (in-process: the whole middleware stack, the
views, django-axes, the audit records and the session writes, no network) posting the real
login form and then the verify form as an enrolled Admin would. The password hasher is the
production one (Argon2id at OWASP's cost, accounts/hashers.py): its cost is part of the
figure and is also timed alone. Between logins (untimed) the device's last used
time step is cleared, since django-otp refuses a TOTP code used twice and the loop is faster
than the 30-second step.

Each engine runs in a child process (settings are read at import): SQLite in a temporary
file, PostgreSQL in the database ``clientdesk_bench_auth`` (created when missing, migrated).
Prints a table and writes ``bench/results/auth-login-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "postgres://postgres@127.0.0.1:5432/clientdesk_bench_auth"
TARGET_MS = 200.0


def _describe(hasher: Any) -> str:
    """The hasher's name and cost parameters, e.g. 'argon2 (t=1, m=47104 KiB, p=1)'."""
    if hasattr(hasher, "memory_cost"):
        return (
            f"{hasher.algorithm} (t={hasher.time_cost}, m={hasher.memory_cost} KiB, "
            f"p={hasher.parallelism})"
        )
    return f"{hasher.algorithm} ({getattr(hasher, 'iterations', '?')} iterations)"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(logins: int, warmup: int) -> dict[str, Any]:
    """Runs inside the child: Django is set up for one database."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import get_hasher
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from clientdesk.accounts import two_factor
    from clientdesk.accounts.models import Role

    call_command("migrate", verbosity=0)
    password = "Bench-login-pass-2026"
    user_model = get_user_model()
    user = user_model.objects.filter(username="bench.admin").first()
    if user is None:
        user = user_model.objects.create_user(
            username="bench.admin", password=password, role=Role.objects.get(slug="admin")
        )
    else:
        user.set_password(password)
        user.save()
    TOTPDevice.objects.filter(user=user).delete()
    device = two_factor.pending_device(user)
    two_factor.confirm_enrolment(user, actor=user, token=str(totp(device.bin_key)).zfill(6))
    device.refresh_from_db()

    password_ms, code_ms, total_ms, hash_ms, cpu_ms = [], [], [], [], []
    for n in range(warmup + logins):
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
        code = str(totp(device.bin_key)).zfill(6)
        client = Client(REMOTE_ADDR="10.9.8.7")
        cpu_started = time.process_time()
        started = time.perf_counter()
        first = client.post("/login/", {"username": "bench.admin", "password": password})
        middle = time.perf_counter()
        second = client.post("/login/verify/", {"code": code})
        ended = time.perf_counter()
        cpu_ended = time.process_time()
        assert first.status_code == 302 and first["Location"] == "/login/verify/", first
        assert second.status_code == 302 and second["Location"] == "/", second
        if n >= warmup:
            password_ms.append((middle - started) * 1000)
            code_ms.append((ended - middle) * 1000)
            total_ms.append((ended - started) * 1000)
            cpu_ms.append((cpu_ended - cpu_started) * 1000)
    hasher = get_hasher()
    for _ in range(10):
        started = time.process_time()
        user.check_password(password)
        hash_ms.append((time.process_time() - started) * 1000)

    def summary(values: list[float]) -> dict[str, float]:
        return {
            "p50": round(statistics.median(values), 1),
            "p95": round(_pct(values, 0.95), 1),
            "max": round(max(values), 1),
        }

    return {
        "engine": connection.vendor,
        "server_version": ".".join(map(str, connection.Database.sqlite_version_info))
        if connection.vendor == "sqlite"
        else str(connection.pg_version),
        "logins": logins,
        "hasher": _describe(hasher),
        "password_step_ms": summary(password_ms),
        "totp_step_ms": summary(code_ms),
        "login_total_ms": summary(total_ms),
        "login_cpu_ms": summary(cpu_ms),
        "password_hash_alone_cpu_ms": summary(hash_ms),
        "load_average": os.getloadavg(),
    }


def _child(engine: str, logins: int, warmup: int) -> dict[str, Any]:
    env = {**os.environ, "CLIENTDESK_ENV": "development", "DEBUG": "0"}
    env["PYTHONPATH"] = str(REPO / "src")
    env["DJANGO_SETTINGS_MODULE"] = "clientdesk.settings"
    with tempfile.TemporaryDirectory() as tmp:
        if engine == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{tmp}/bench-auth.sqlite3"
        else:
            _ensure_pg_database()
            env["DATABASE_URL"] = PG_DB
        env["CLIENTDESK_VAR_DIR"] = tmp
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--logins", str(logins), "--warmup", str(warmup)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _ensure_pg_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = 'clientdesk_bench_auth'"
        ).fetchone()
        if not found:
            conn.execute("CREATE DATABASE clientdesk_bench_auth")


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres", "all"], default="all")
    parser.add_argument("--logins", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.logins, args.warmup)))
        return 0
    engines = ["sqlite", "postgres"] if args.engine == "all" else [args.engine]
    results = [_child(engine, args.logins, args.warmup) for engine in engines]
    print(f"Login with TOTP, server time in ms ({args.logins} logins each; target p95 < 200)")
    print(
        "| engine | password step p50 / p95 | TOTP step p50 / p95 | login p50 / p95 | "
        "login CPU p50 / p95 | password hash alone, CPU p50 | load |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in results:
        p, c, t, u, h = (
            r["password_step_ms"],
            r["totp_step_ms"],
            r["login_total_ms"],
            r["login_cpu_ms"],
            r["password_hash_alone_cpu_ms"],
        )
        print(
            f"| {r['engine']} {r['server_version']} | {p['p50']} / {p['p95']} | "
            f"{c['p50']} / {c['p95']} | {t['p50']} / {t['p95']} | {u['p50']} / {u['p95']} | "
            f"{h['p50']} | {r['load_average'][0]:.1f} |"
        )
    met = all(r["login_total_ms"]["p95"] < TARGET_MS for r in results)
    cpu_met = all(r["login_cpu_ms"]["p95"] < TARGET_MS for r in results)
    print(
        f"\nHasher: {results[0]['hasher']}. Target (p95 < {TARGET_MS:.0f} ms): wall clock "
        f"{'met' if met else 'MISSED'}, CPU {'met' if cpu_met else 'MISSED'}. CPU is this "
        "process only (PostgreSQL's own work is not in it); wall clock includes waiting "
        "for the CPU when the machine is busy (see load)."
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    path = RESULTS / f"auth-login-{stamp}.json"
    machine = {"cpu": _cpu(), "cores": os.cpu_count(), "python": platform.python_version()}
    path.write_text(json.dumps({"machine": machine, "results": results}, indent=2))
    print(f"Written {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
