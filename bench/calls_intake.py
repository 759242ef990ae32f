#!/usr/bin/env python
"""Call intake throughput: ``POST /api/v1/calls/intake/`` in batches, on SQLite and PostgreSQL.

For each engine, in a process of its own: a fresh database (SQLite ``var/bench-calls.sqlite3``,
PostgreSQL ``cd_bench_calls`` on postgres@127.0.0.1), migrated; 5,000 customers and 2,000
leads bulk-loaded (so linking has something to find); then N calls (default 10,000) posted
in batches (default 500) through the whole stack in-process (Django middleware, token
authentication, DRF, the intake service) by an API client, timed per batch. The calls are a
realistic mix: 40% to customers' mobiles or alternative mobiles, 20% to leads, 40% to unknown
numbers, both directions, every status, numbers repeating (cold-call flags to work out), spread
over 30 days. Then the same batches again: the idempotent path (nothing stored).

    .venv/bin/python bench/calls_intake.py                        # both engines
    .venv/bin/python bench/calls_intake.py --engine sqlite --calls 20000 --batch 1000

Prints calls per second per engine; the target from the issue is >= 2,000 calls/s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PYTHON = REPO / ".venv" / "bin" / "python"
VAR_DIR = Path(os.environ.get("CLIENTDESK_VAR_DIR", REPO / "var"))
SQLITE_PATH = VAR_DIR / "bench-calls.sqlite3"
PG_DATABASE = "cd_bench_calls"
PG_SERVER = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
TARGET = 2000  # calls per second
CUSTOMERS, LEADS = 5000, 2000
SEED = 7


# --- parent: one child process per engine -------------------------------------------------


def engine_env(engine: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    url = (
        f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}"
        if engine == "postgres"
        else f"sqlite:///{SQLITE_PATH}"
    )
    env.update(
        CLIENTDESK_ENV="development",
        DJANGO_SETTINGS_MODULE="clientdesk.settings",
        DEBUG="0",
        ALLOWED_HOSTS="testserver,127.0.0.1",
        DATABASE_URL=url,
        PYTHONPATH=str(REPO / "src"),
    )
    return env


def fresh_database(engine: str) -> None:
    if engine == "sqlite":
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return
    for sql in (f"DROP DATABASE IF EXISTS {PG_DATABASE}", f"CREATE DATABASE {PG_DATABASE}"):
        subprocess.run(["psql", *PG_SERVER, "-q", "-c", sql], check=True)


def run_engine(engine: str, calls: int, batch: int, clients: int) -> dict[str, Any]:
    fresh_database(engine)
    child = subprocess.run(
        [
            str(PYTHON),
            __file__,
            "--child",
            engine,
            "--calls",
            str(calls),
            "--batch",
            str(batch),
            "--clients",
            str(clients),
        ],
        env=engine_env(engine),
        cwd=REPO,
        check=True,
        text=True,
        stdout=subprocess.PIPE,
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def report(results: list[dict[str, Any]]) -> None:
    print()
    print(
        "| engine | calls | batch | 1 client: calls/s | calls per CPU-second (app + db) "
        "| p95 batch ms | resend calls/s | N clients: calls/s | load avg |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['engine']} | {r['calls']:,} | {r['batch']} | {r['calls_per_s']:,.0f} "
            f"| {r['calls_per_cpu_s']:,.0f} | {r['p95_batch_ms']:,.0f} "
            f"| {r['resend_calls_per_s']:,.0f} | {r['clients']}: {r['parallel_calls_per_s']:,.0f} "
            f"| {r['load_average']:.1f} |"
        )
    print(
        f"\nTarget: >= {TARGET:,} calls/s. Wall-clock figures depend on what else the machine "
        "runs (see the load average); calls per CPU-second is what one idle core would do."
    )
    for r in results:
        print(
            f"{r['engine']}: {r['seconds']} s wall, CPU {r['app_cpu_seconds']} s in the app "
            f"process + {r['db_cpu_seconds']} s in the PostgreSQL backend."
        )
        print(
            f"{r['engine']}: stored {r['stored']:,} calls ({r['linked_customer']:,} to customers, "
            f"{r['linked_lead']:,} to leads, {r['cold']:,} cold), {r['activities']:,} activities; "
            f"resend created {r['resend_created']} and found {r['resend_existing']:,} existing."
        )


# --- child: Django configured for one engine --------------------------------------------------


def _setup() -> None:
    import django

    sys.path.insert(0, str(REPO / "src"))
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _load_people() -> tuple[list[str], list[str]]:
    """Bulk-load customers and leads (bench data only; the app writes through services)."""
    from django.utils import timezone

    from clientdesk.customers.models import Customer
    from clientdesk.leads.models import Lead

    now = timezone.now()
    customers = [
        Customer(
            client_id=f"BC{i:08d}",
            first_name=f"Cust{i}",
            last_name="Bench",
            search_name=f"cust{i} bench",
            mobile=f"+9198{i:08d}",
            alt_mobile=f"+9197{i:08d}" if i % 4 == 0 else "",
            created_at=now,
        )
        for i in range(CUSTOMERS)
    ]
    Customer.objects.bulk_create(customers, batch_size=1000)
    leads = [
        Lead(
            first_name=f"Lead{i}",
            search_name=f"lead{i}",
            mobile=f"+9196{i:08d}",
            source="website",
            created_at=now,
        )
        for i in range(LEADS)
    ]
    Lead.objects.bulk_create(leads, batch_size=1000)
    customer_numbers = [c.mobile for c in customers] + [
        c.alt_mobile for c in customers if c.alt_mobile
    ]
    return customer_numbers, [lead.mobile for lead in leads]


def _rows(
    n: int, customer_numbers: list[str], lead_numbers: list[str], prefix: str = "call"
) -> list[dict[str, Any]]:
    import datetime as dt

    from django.utils import timezone

    from clientdesk.calls.models import CallStatus

    rng = random.Random(SEED)
    unknown = [f"+9195{i:08d}" for i in range(n // 3)]
    now = timezone.now()
    statuses = CallStatus.labels
    rows = []
    for i in range(n):
        pick = rng.random()
        pool = customer_numbers if pick < 0.4 else lead_numbers if pick < 0.6 else unknown
        number = rng.choice(pool)
        if number.startswith("+91"):
            number = rng.choice([number, number[3:], "0" + number[3:]])  # as phones send them
        outgoing = rng.random() < 0.7
        rows.append(
            {
                "device_id": f"phone-{i % 25}",
                "device_call_id": f"{prefix}-{i}",
                "direction": "Outgoing" if outgoing else "Incoming",
                "from_number": "" if outgoing else number,
                "to_number": number if outgoing else "",
                "started_at": (now - dt.timedelta(seconds=rng.randint(60, 30 * 86400))).isoformat(),
                "duration_seconds": rng.randint(0, 900),
                "status": rng.choice(statuses),
                "notes": "Discussed the account opening" if rng.random() < 0.3 else "",
            }
        )
    return rows


def _db_cpu_seconds() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (a local server)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0  # SQLite runs inside this process: its time is in process_time()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _post_all(
    client: Any, batches: list[list[dict[str, Any]]]
) -> tuple[float, list[float], dict[str, int]]:
    timings, totals = [], {"created": 0, "existing": 0, "errors": 0}
    app_before, db_before = time.process_time(), _db_cpu_seconds()
    started = time.perf_counter()
    for batch in batches:
        t0 = time.perf_counter()
        response = client.post("/api/v1/calls/intake/", batch, format="json")
        timings.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"intake answered {response.status_code}: {response.content[:500]!r}")
        body = response.json()
        totals["created"] += body["created_count"]
        totals["existing"] += body["existing_count"]
        totals["errors"] += body["error_count"]
    elapsed = time.perf_counter() - started
    totals["app_cpu_seconds"] = time.process_time() - app_before  # type: ignore[assignment]
    totals["db_cpu_seconds"] = _db_cpu_seconds() - db_before  # type: ignore[assignment]
    return elapsed, timings, totals


def _client_process(token: str, batches: list[list[dict[str, Any]]], ready: Any) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    ready.wait()
    _post_all(client, batches)


def _parallel(clients: int, token: str, rows: list[dict[str, Any]], batch: int) -> float:
    """Calls per second with ``clients`` processes posting at once (phones syncing together)."""
    import multiprocessing

    from django.db import connections

    batches = [rows[i : i + batch] for i in range(0, len(rows), batch)]
    connections.close_all()  # each forked client opens its own connection
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(clients + 1)
    processes = [
        context.Process(target=_client_process, args=(token, batches[i::clients], ready))
        for i in range(clients)
    ]
    for process in processes:
        process.start()
    ready.wait()
    started = time.perf_counter()
    for process in processes:
        process.join()
    if any(p.exitcode for p in processes):
        raise SystemExit("a client process failed")
    return len(rows) / (time.perf_counter() - started)


def child(engine: str, calls: int, batch: int, clients: int) -> None:
    _setup()
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    from clientdesk.accounts.models import Role
    from clientdesk.accounts.services import issue_api_token
    from clientdesk.activities.models import Activity
    from clientdesk.calls.models import CallLog

    customer_numbers, lead_numbers = _load_people()
    user = get_user_model().objects.create_user(
        "bench-manager", role=Role.objects.get(slug="manager")
    )
    client = APIClient()
    token = issue_api_token(user, actor=None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    rows = _rows(calls, customer_numbers, lead_numbers)
    batches = [rows[i : i + batch] for i in range(0, len(rows), batch)]
    warmup = [
        dict(
            r, device_id="warmup", to_number=f"+919400000{i:03d}", from_number=f"+919400000{i:03d}"
        )
        for i, r in enumerate(rows[:20])
    ]
    _post_all(client, [warmup])  # imports, caches and connections; numbers nobody has
    seconds, timings, totals = _post_all(client, batches)
    resend_seconds, _, resend = _post_all(client, batches)
    stored = CallLog.objects.exclude(device_id="warmup")
    result = {
        "engine": engine,
        "calls": calls,
        "batch": batch,
        "seconds": round(seconds, 2),
        "calls_per_s": calls / seconds,
        "p50_batch_ms": statistics.median(timings),
        "p95_batch_ms": sorted(timings)[max(0, int(len(timings) * 0.95) - 1)],
        "resend_calls_per_s": calls / resend_seconds,
        "app_cpu_seconds": round(totals["app_cpu_seconds"], 2),
        "db_cpu_seconds": round(totals["db_cpu_seconds"], 2),
        "calls_per_cpu_s": calls / (totals["app_cpu_seconds"] + totals["db_cpu_seconds"]),
        "load_average": os.getloadavg()[0],
        "stored": stored.count(),
        "errors": totals["errors"],
        "linked_customer": stored.filter(customer__isnull=False).count(),
        "linked_lead": stored.filter(customer__isnull=True, lead__isnull=False).count(),
        "cold": stored.filter(is_cold_call=True).count(),
        "activities": Activity.objects.filter(kind="call").count(),
        "resend_created": resend["created"],
        "resend_existing": resend["existing"],
        "clients": clients,
    }
    # Then as many new calls again, from several clients at once (phones syncing together).
    par_rows = _rows(calls, customer_numbers, lead_numbers, "par")
    result["parallel_calls_per_s"] = _parallel(clients, token, par_rows, batch)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--clients", type=int, default=2, help="parallel clients, 2nd run")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.calls, args.batch, args.clients)
        return
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    results = []
    for engine in engines:
        print(f"{engine}: {args.calls:,} calls in batches of {args.batch} ...", file=sys.stderr)
        results.append(run_engine(engine, args.calls, args.batch, args.clients))
    report(results)


if __name__ == "__main__":
    main()
