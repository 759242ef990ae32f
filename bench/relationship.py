#!/usr/bin/env python
"""Relationship-management benchmark (issue 3): timeline tab, ticket list, call intake.

On PostgreSQL only, in the bench database of ``bench/run.py`` (``clientdesk_bench`` on
postgres@127.0.0.1):

1. Data. The database is reused when it holds N customers (default 1,000,000; migrated
   first), seeded with ``seed_demo`` when it is missing or empty, and refused (``--reseed``
   starts it afresh) when it holds another number. Then, unless already there, activities
   are bulk-loaded with COPY until the table holds A rows (default 5,000,000, the customers'
   "created" activities included) and T tickets (default 500,000) with their assignees.
   Activities: about customers (subject = the customer), skewed (every 500th customer has
   200-800, every 20th 10-50, the rest about 1-2), mixed kinds, each between the customer's
   opening and last-activity dates so ``last_activity_at`` stays true. Tickets: subjects,
   sources, priorities, statuses by age, one or two assignees among Support users (seven
   "bench-support-N" users are added to the demo one), SLA targets, due times, pauses,
   breach times and SLA status worked out as ``tickets.sla`` would. VACUUM ANALYZE after.
2. Pages. gunicorn (two workers, DEBUG off) on 127.0.0.1, the demo "manager" logged in, a
   warm-up and then p50/p95 over R sequential requests (bounded by a time budget) of the
   timeline tab (a typical and a heavy customer, page 1, a later page, a type filter) and
   the ticket list (no filter; status + priority; status + priority + assignee + created
   range), sorted by created date, page 1 and a later page. Beside each, with the server
   stopped, the bare SQL that answers it: the page rendered once in-process (test client),
   the statements it sends that read the page's tables (so the view's FilterSet and
   paginator are followed as they change), executed alone R times with their parameters
   and once under EXPLAIN (ANALYZE, BUFFERS); and the in-process render time beside its SQL
   time. The FilterSet's own SQL (``qs.query.sql_with_params()``) is kept in the JSON.
3. Call intake. ``POST /api/v1/calls/intake/`` through the same server with the manager's
   API token, batches of 500, C calls (default 20,000; 80% to customers' mobiles, written as
   phones send them, 20% to unknown numbers; unique device call ids): calls per second end to
   end with one client, the same batches again (the idempotent path), and new calls (to
   other customers) from two clients at once, one per worker.

    .venv/bin/python bench/relationship.py
    .venv/bin/python bench/relationship.py --database clientdesk_bench3_small \\
        --customers 20000 --activities 100000 --tickets 10000 --calls 2000 --requests 30

Results: bench/results/relationship-<UTC date>.json (with another --database, its name is
added) and a markdown table on stdout. Each run stores its intake calls (40,000 by default)
and their activities in the bench database. It waits while another benchmark
(bench/run.py, seed_demo ...) runs on the machine, and with ``--quiet LOAD`` for the load
average to fall. The servers it starts are always stopped.
"""

from __future__ import annotations

import argparse
import array
import bisect
import datetime as dt
import http.client
import itertools
import json
import math
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PYTHON = REPO / ".venv" / "bin" / "python"
GUNICORN = REPO / ".venv" / "bin" / "gunicorn"
RESULTS = REPO / "bench" / "results"
VAR_DIR = Path(os.environ.get("CLIENTDESK_VAR_DIR", REPO / "var"))
DEFAULT_DATABASE = "clientdesk_bench"  # bench/run.py's database: 1,000,000 customers
PG_SERVER = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
SEED_DEMO_SEED = 1  # as bench/run.py seeds it
TARGET_PAGE_P95_MS = 50  # timeline tab and ticket list, from the issue
TARGET_CALLS_PER_S = 2000
HEAVY_EVERY, BUSY_EVERY = 500, 20  # customers pk % 500 == 0: 200-800 activities; % 20 == 1
HEAVY_RANGE, BUSY_RANGE = (200, 800), (10, 50)
SUPPORT_USERS = 8  # Support users assignees are drawn from (the demo "support" + bench ones)
TIMELINE_PER_PAGE, LIST_PER_PAGE = 25, 50  # customers.views.activities_context, ObjectListView
SEED = 3


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the database --------------------------------------------------------------------------


def bench_env(database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.update(
        CLIENTDESK_ENV="development",
        DJANGO_SETTINGS_MODULE="clientdesk.settings",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [str(PYTHON), str(REPO / "manage.py"), *args],
        env=env, cwd=REPO, check=True, text=True,
        stdout=subprocess.PIPE if capture else None,
    )  # fmt: skip
    return result.stdout or ""


def psql(*args: str, database: str = "postgres") -> str:
    result = subprocess.run(
        ["psql", *PG_SERVER, "-d", database, "-tAX", *args],
        check=True, text=True, capture_output=True,
    )  # fmt: skip
    return result.stdout.strip()


def customer_count(database: str) -> int | None:
    """Customers in ``database``; None when there is no such database or no table yet."""
    if not psql("-c", f"SELECT 1 FROM pg_database WHERE datname = '{database}'"):
        return None
    try:
        return int(psql("-c", "SELECT count(*) FROM customers_customer", database=database))
    except subprocess.CalledProcessError:
        return 0


def prepare_customers(
    database: str, customers: int, reseed: bool, env: dict[str, str]
) -> dict[str, Any]:
    """Migrated and holding ``customers`` customers (seeded here when missing or empty)."""
    have = customer_count(database)
    if have == customers and not reseed:
        log(f"reusing {database}: {have:,} customers; migrating")
        manage(env, "migrate", "--noinput", "-v0")
        return {"customers": customers, "reused": True}
    if have and not reseed:
        raise SystemExit(
            f"{database} holds {have:,} customers, not {customers:,}. Pass --reseed to drop "
            "and seed it again (bench/run.py uses the same database; see its --customers)."
        )
    server = PG_SERVER
    if have is not None and reseed:
        subprocess.run(["dropdb", *server, "--if-exists", database], check=True)
        have = None
    if have is None:
        subprocess.run(["createdb", *server, database], check=True)
    manage(env, "migrate", "--noinput", "-v0")
    log(f"seeding {database} with {customers:,} customers (seed_demo; long for a million)")
    started = time.perf_counter()
    manage(env, "seed_demo", "--customers", str(customers), "--seed", str(SEED_DEMO_SEED),
                "--progress", "-v2")  # fmt: skip
    return {"customers": customers, "reused": False,
            "seed_seconds": round(time.perf_counter() - started, 1)}  # fmt: skip


def other_benchmarks() -> list[str]:
    """Command lines of other benchmark processes on this machine (their figures and ours
    would both be distorted by running together)."""
    found = []
    markers = ("bench/run.py", "bench/calls_intake.py", "bench/screening_bench.py", "seed_demo")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in {os.getpid(), os.getppid()}:
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        if any(m in cmdline for m in markers) and "relationship.py" not in cmdline:
            found.append(f"{entry.name}: {cmdline[:120]}")
    return found


def wait_for_other_benchmarks(timeout: int, ignore: bool = False) -> int:
    if ignore:
        return 0
    started = time.monotonic()
    while (others := other_benchmarks()) and time.monotonic() - started < timeout:
        log("waiting for another benchmark to finish: " + "; ".join(others))
        time.sleep(30)
    if others:
        raise SystemExit("another benchmark is still running: " + "; ".join(others))
    return round(time.monotonic() - started)


def wait_for_quiet(load: float, timeout: int) -> float:
    started = time.monotonic()
    if load <= 0:
        return 0.0
    while os.getloadavg()[0] > load and time.monotonic() - started < timeout:
        log(f"waiting for a quieter machine: load average {os.getloadavg()[0]:.1f} > {load}")
        time.sleep(20)
    return round(time.monotonic() - started)


def machine_info() -> dict[str, Any]:
    import django
    from django.db import connection

    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo
                if line.startswith("model name")), "")  # fmt: skip
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    settings = {}
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        engine = "PostgreSQL " + cursor.fetchone()[0]
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost",
                     "jit"):  # fmt: skip
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip()

    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 2**20, 1),
        "os": platform.platform(), "python": platform.python_version(),
        "django": django.get_version(), "engine": engine, "engine_settings": settings,
        "commit": git("rev-parse", "--short", "HEAD"),
        "changed_files": git("status", "--porcelain", "--untracked-files=no").splitlines(),
    }  # fmt: skip


# --- bulk loading ---------------------------------------------------------------------------


class Weighted:
    def __init__(self, table: list[tuple[Any, float]]) -> None:
        self.values = [v for v, _ in table]
        self.cum = list(itertools.accumulate(w for _, w in table))

    def pick(self, rng: random.Random) -> Any:
        return self.values[bisect.bisect(self.cum, rng.random() * self.cum[-1])]


# kind -> (weight, bodies); kinds the system writes about a customer and the manual ones
ACTIVITY_KINDS: dict[str, tuple[float, tuple[str, ...]]] = {
    "note": (24, ("Asked about SIP options for the new financial year.",
                  "Wants a callback next week about the portfolio review.",
                  "Prefers WhatsApp over calls.", "Discussed margin requirements.")),
    "call": (24, ("Outgoing call, completed: explained the account opening steps.",
                  "Incoming call, completed: query about the contract note.",
                  "Outgoing call, no answer.", "Outgoing call, busy.")),
    "whatsapp": (14, ("WhatsApp chat opened.", "Sent the KYC checklist on WhatsApp.")),
    "email": (10, ("Email: monthly statement sent.", "Email: password reset instructions.")),
    "sms": (8, ("SMS: OTP delivery issue reported.", "SMS: payment reminder sent.")),
    "meeting": (4, ("Branch meeting: nominee update.", "Video meeting: portfolio review.")),
    "status_change": (3, ("Status changed from Pending to Active.",
                          "Status changed from Active to Suspended.")),
    "edit": (5, ("Profile edited: address.", "Profile edited: email.")),
    "review": (2, ("Profile reviewed: contact info verified, no pending tickets.",)),
    "task": (3, ("Task completed: follow-up call.", "Task created: collect the bank proof.")),
    "message": (3, ("Message sent: status changed.", "Message sent: ticket update.")),
}  # fmt: skip
KIND = Weighted([(kind, weight) for kind, (weight, _) in ACTIVITY_KINDS.items()])

PRIORITY = Weighted([("low", 25), ("medium", 45), ("high", 22), ("urgent", 8)])
SOURCE = Weighted([("on_call", 35), ("whatsapp", 25), ("email", 20), ("app", 12),
                   ("office_visit", 8)])  # fmt: skip
# Statuses by age: last 30 days / older (an old backlog stays open).
RECENT_STATUS = Weighted([("new", 14), ("open", 20), ("in_progress", 20),
                          ("followup_scheduled", 8), ("followup_complete", 6), ("resolved", 16),
                          ("closed", 16)])  # fmt: skip
OLD_STATUS = Weighted([("closed", 80), ("resolved", 11), ("open", 3.5), ("in_progress", 2.5),
                       ("followup_scheduled", 1.5), ("followup_complete", 1.5)])  # fmt: skip
DESCRIPTIONS = (
    "Customer cannot log in to the trading app after the update.",
    "Funds debited from the bank but not credited to the trading account.",
    "Requests the contract notes for the last quarter.",
    "KYC documents uploaded twice; please verify.",
    "Wants to change the registered mobile number.",
    "Order rejected with an RMS error during market hours.",
    "Asks why the account is still pending activation.",
    "Requests a copy of the annual statement for tax filing.",
)


@dataclass
class People:
    """Customers as parallel arrays (a million rows stay small)."""

    ids: array.array[int] = field(default_factory=lambda: array.array("q"))
    opened: array.array[float] = field(default_factory=lambda: array.array("d"))
    last: array.array[float] = field(default_factory=lambda: array.array("d"))
    owner: array.array[int] = field(default_factory=lambda: array.array("q"))

    @classmethod
    def load(cls) -> People:
        from django.db import connection

        people = cls()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, extract(epoch FROM coalesce(account_opened_at, created_at)),"
                " extract(epoch FROM greatest(last_activity_at,"
                " coalesce(account_opened_at, created_at))), coalesce(assigned_to_id, 0)"
                " FROM customers_customer ORDER BY id"
            )
            while rows := cursor.fetchmany(50_000):
                for pk, opened, last, owner in rows:
                    people.ids.append(pk)
                    people.opened.append(float(opened))
                    people.last.append(float(last))
                    people.owner.append(owner)
        return people

    def when(self, i: int, rng: random.Random) -> float:
        """A moment in customer i's active life (opening .. last activity), epoch seconds."""
        return self.opened[i] + (self.last[i] - self.opened[i]) * rng.random()


def _at(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


def copy_statement(model: Any, columns: list[str]) -> tuple[str, tuple[Any, ...]]:
    """COPY for ``columns`` plus every other column but the key, with its default (as
    seed_demo does), so a field added later does not break the load."""
    from django.db import connection

    fields = {f.attname: f for f in model._meta.concrete_fields}
    extra = [f for name, f in fields.items() if name not in columns and not f.primary_key]
    names = [fields[c].column for c in columns] + [f.column for f in extra]
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, names))}) FROM STDIN"
    return sql, tuple(f.get_db_prep_save(f.get_default(), connection) for f in extra)


def activity_counts(people: People, need: int, rng: random.Random) -> array.array[int]:
    """Activities to add per customer, ``need`` in all: heavy and busy customers by their
    pk, the rest geometric around the mean that remains."""
    counts = array.array("l", bytes(8 * len(people.ids)))
    typical = []
    for i, pk in enumerate(people.ids):
        if pk % HEAVY_EVERY == 0:
            counts[i] = rng.randint(*HEAVY_RANGE)
        elif pk % BUSY_EVERY == 1:
            counts[i] = rng.randint(*BUSY_RANGE)
        else:
            typical.append(i)
    rest = need - sum(counts)
    if rest < 0 or not typical:
        raise SystemExit(f"{need:,} activities are too few for the heavy and busy customers")
    rate = math.log1p(len(typical) / rest) if rest else math.inf  # floor(Exp) has mean `mean`
    for i in typical:
        counts[i] = int(rng.expovariate(rate)) if rest else 0
    diff = need - sum(counts)
    while diff:
        i = rng.choice(typical)
        if diff > 0:
            counts[i] += 1
            diff -= 1
        elif counts[i] > 0:
            counts[i] -= 1
            diff += 1
    return counts


def load_activities(people: People, total: int, staff: list[int]) -> dict[str, Any]:
    from django.db import connection, transaction

    from clientdesk.activities.models import Activity

    have = Activity.objects.count()
    if have >= total:
        log(f"activities: {have:,} already (target {total:,}); not loading")
        return {"loaded": 0, "had": have}
    need = total - have
    rng = random.Random(SEED)
    counts = activity_counts(people, need, rng)
    columns = ["customer_id", "subject_type", "subject_id", "kind", "body", "data", "actor_id",
               "created_at"]  # fmt: skip
    sql, extra = copy_statement(Activity, columns)
    subject_type = "customers.customer"
    bodies = {kind: bodies for kind, (_, bodies) in ACTIVITY_KINDS.items()}
    log(f"activities: {have:,} there; loading {need:,} with COPY")
    started = time.perf_counter()
    written = 0
    with transaction.atomic(), connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        with cursor.cursor.copy(sql) as copy:
            for i, pk in enumerate(people.ids):
                owner = people.owner[i]
                for _ in range(counts[i]):
                    kind = KIND.pick(rng)
                    data = "{}"
                    if kind == "call":
                        data = f'{{"duration_seconds": {rng.randint(0, 900)}}}'
                    actor = owner if owner and rng.random() < 0.7 else rng.choice(staff)
                    copy.write_row((pk, subject_type, str(pk), kind, rng.choice(bodies[kind]),
                                    data, actor, _at(people.when(i, rng)), *extra))  # fmt: skip
                written += counts[i]
                if i % 100_000 == 99_999:
                    log(f"  {written:,} / {need:,} ({time.perf_counter() - started:.0f} s)")
    seconds = time.perf_counter() - started
    log(f"activities: {need:,} loaded in {seconds:.0f} s ({need / seconds:,.0f} rows/s)")
    return {"loaded": need, "had": have, "seconds": round(seconds, 1),
            "rows_per_s": round(need / seconds)}  # fmt: skip


def support_users(count: int) -> list[int]:
    """Ids of ``count`` active Support users: the demo ones plus "bench-support-N"."""
    from django.contrib.auth import get_user_model

    from clientdesk.accounts.models import Role

    user_model = get_user_model()
    role = Role.objects.get(slug="support")
    users = user_model.objects.filter(role=role, is_active=True)
    n = 0
    while users.count() < count:
        n += 1
        username = f"bench-support-{n}"
        if not user_model.objects.filter(username=username).exists():
            user_model.objects.create_user(
                username, f"{username}@clientdesk.example", None,
                role=role, first_name="Bench", last_name=f"Support {n}",
            )  # fmt: skip
    return sorted(users.order_by("pk").values_list("pk", flat=True)[:count])


def ticket_row(
    rng: random.Random, created: dt.datetime, now: dt.datetime, targets: dict[str, tuple[int, int]]
) -> dict[str, Any]:
    """A ticket's status, SLA fields and timestamps, consistent with tickets.sla: due times
    from the policy, pushed by a finished pause; first response before resolution; breach
    times and SLA status as the breach job would have stored them."""
    minute = dt.timedelta(minutes=1)
    status = (RECENT_STATUS if now - created <= dt.timedelta(days=30) else OLD_STATUS).pick(rng)
    priority = PRIORITY.pick(rng)
    response_min, resolution_min = targets[priority]
    response_due = created + response_min * minute
    resolution_due = created + resolution_min * minute
    responded = resolved = closed = paused_at = None
    paused_seconds = 0
    if status != "new":
        factor = rng.uniform(1.05, 4) if rng.random() < 0.12 else rng.uniform(0.05, 0.95)
        if created + response_min * factor * minute <= now:
            responded = created + response_min * factor * minute
    if status in ("resolved", "closed"):
        factor = rng.uniform(1.05, 3) if rng.random() < 0.1 else rng.uniform(0.1, 0.95)
        resolved = min(now, max(responded or created, created + resolution_min * factor * minute))
        responded = responded or resolved  # resolving sets a missing first response
        if status == "closed":
            closed = min(now, resolved + dt.timedelta(hours=rng.uniform(0, 72)))
    elif status == "followup_scheduled":  # waiting on the customer: the clock stands still
        start = responded or created
        paused_at = start + (now - start) * rng.random()
    elif status == "followup_complete" and responded is not None:  # a pause that ended
        paused = min(dt.timedelta(hours=rng.uniform(1, 48)), (now - responded) / 2)
        paused_seconds = int(paused.total_seconds())
        resolution_due += paused
    clock = paused_at or now
    response_failed = responded > response_due if responded else clock > response_due
    resolution_failed = resolved > resolution_due if resolved else clock > resolution_due
    job_delay = dt.timedelta(minutes=rng.uniform(0, 5))  # the breach job runs every 5 minutes
    if response_failed or resolution_failed:
        sla_status = "failed"
    else:
        sla_status = "first_response_due" if responded is None else "fulfilled"
    stamps = [t for t in (created, responded, resolved, closed, paused_at) if t is not None]
    return {
        "status": status, "priority": priority,
        "first_response_at": responded, "resolved_at": resolved, "closed_at": closed,
        "first_response_minutes": response_min, "resolution_minutes": resolution_min,
        "first_response_due_at": response_due, "resolution_due_at": resolution_due,
        "sla_paused_at": paused_at, "sla_paused_seconds": paused_seconds,
        "sla_status": sla_status,
        "first_response_breached_at":
            min(response_due + job_delay, clock) if response_failed else None,
        "resolution_breached_at":
            min(resolution_due + job_delay, clock) if resolution_failed else None,
        "updated_at": max(stamps),
    }  # fmt: skip


def load_tickets(
    people: People, total: int, support: list[int], staff: list[int]
) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.utils import timezone

    from clientdesk.core.counters import next_values
    from clientdesk.tickets import sla
    from clientdesk.tickets.models import Priority, Ticket, TicketAssignment, TicketSubject
    from clientdesk.tickets.services import new_number_for

    have = Ticket.objects.count()
    if have >= total:
        log(f"tickets: {have:,} already (target {total:,}); not loading")
        return {"loaded": 0, "had": have}
    need = total - have
    rng = random.Random(SEED + 1)
    now = timezone.now()
    subjects = list(TicketSubject.objects.filter(is_active=True).values_list("pk", flat=True))
    targets = {p: sla.targets_for(p) for p in Priority.values}
    frequent = [i for i, pk in enumerate(people.ids) if pk % BUSY_EVERY in (0, 1)]
    columns = ["id", "number", "customer_id", "subject_id", "description", "source",
               "created_by_id", "created_at", "status", "priority", "first_response_at",
               "resolved_at", "closed_at", "first_response_minutes", "resolution_minutes",
               "first_response_due_at", "resolution_due_at", "sla_paused_at",
               "sla_paused_seconds", "sla_status", "first_response_breached_at",
               "resolution_breached_at", "updated_at"]  # fmt: skip
    ticket_sql, ticket_extra = copy_statement(Ticket, columns)
    assign_sql, assign_extra = copy_statement(
        TicketAssignment, ["ticket_id", "user_id", "assigned_at", "assigned_by_id"]
    )
    log(f"tickets: {have:,} there; loading {need:,} with COPY")
    started = time.perf_counter()
    assignments = 0
    with transaction.atomic(), connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        numbers = next_values("ticket", need)
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Ticket._meta.db_table, need],
        )
        pks = [pk for (pk,) in cursor.fetchall()]
        pairs: list[tuple[int, int, dt.datetime]] = []
        with cursor.cursor.copy(ticket_sql) as copy:
            for pk, number in zip(pks, numbers, strict=True):
                # A third of the tickets go to the busier customers, so some have several.
                i = rng.choice(frequent) if rng.random() < 0.3 else rng.randrange(len(people.ids))
                created = _at(people.when(i, rng))
                row = ticket_row(rng, created, now, targets)
                source = SOURCE.pick(rng)
                copy.write_row((
                    pk, new_number_for(number), people.ids[i], rng.choice(subjects),
                    rng.choice(DESCRIPTIONS), source,
                    None if source == "app" else rng.choice(staff), created,
                    *(row[c] for c in columns[8:]), *ticket_extra,
                ))  # fmt: skip
                for user in rng.sample(support, 2 if rng.random() < 0.15 else 1):
                    pairs.append((pk, user, created))
        with cursor.cursor.copy(assign_sql) as copy:
            for pk, user, created in pairs:
                copy.write_row((pk, user, created, None, *assign_extra))
        assignments = len(pairs)
    seconds = time.perf_counter() - started
    log(f"tickets: {need:,} (+{assignments:,} assignments) loaded in {seconds:.0f} s")
    return {"loaded": need, "had": have, "assignments": assignments,
            "seconds": round(seconds, 1)}  # fmt: skip


def vacuum_analyze(full: bool) -> float:
    """Planner statistics (and, after a load, the visibility map for index-only scans)."""
    from django.db import connection

    started = time.perf_counter()
    statement = "VACUUM (ANALYZE) {}" if full else "ANALYZE {}"
    with connection.cursor() as cursor:
        for table in ("activities_activity", "tickets_ticket", "tickets_ticketassignment",
                      "calls_calllog"):  # fmt: skip
            cursor.execute(statement.format(table))
    return round(time.perf_counter() - started, 1)


def data_sizes() -> dict[str, Any]:
    from django.db import connection

    sizes: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for name, table in (("customers", "customers_customer"),
                            ("activities", "activities_activity"),
                            ("tickets", "tickets_ticket"),
                            ("ticket_assignments", "tickets_ticketassignment"),
                            ("call_logs", "calls_calllog")):  # fmt: skip
            cursor.execute(f"SELECT count(*), pg_total_relation_size('{table}') FROM {table}")
            count, size = cursor.fetchone()
            sizes[name] = count
            sizes[f"{name}_mib_with_indexes"] = round(size / 2**20)
        cursor.execute(
            "SELECT count(*), max(n) FROM (SELECT count(*) AS n FROM activities_activity"
            " WHERE customer_id %% %s = 0 GROUP BY customer_id) AS heavy",
            [HEAVY_EVERY],
        )
        sizes["heavy_customers"], sizes["max_activities_per_customer"] = cursor.fetchone()
        cursor.execute("SELECT pg_database_size(current_database())")
        sizes["database_mib"] = round(cursor.fetchone()[0] / 2**20)
    return sizes


# --- the HTTP side -------------------------------------------------------------------------


class Server:
    """gunicorn on 127.0.0.1:port, two sync workers; a context manager that always stops it."""

    def __init__(self, env: dict[str, str], port: int, log_path: Path) -> None:
        self.env, self.port, self.log_path = env, port, log_path
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.log_file = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(GUNICORN), "clientdesk.wsgi", "-w", "2", "-b", f"127.0.0.1:{self.port}",
             "--pythonpath", str(REPO / "src"), "--timeout", "120"],
            env=self.env, cwd=REPO, stdout=self.log_file, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped together below
        )  # fmt: skip
        try:
            self._wait_until_up()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_until_up(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/login/")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log_path}")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log_file.close()


class Browser:
    """A tiny cookie-keeping HTTP client on the standard library."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):  # the server closed the connection
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
        content = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, content

    def login(self, username: str, password: str) -> None:
        status, content = self.request("GET", "/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        if status != 200 or not match:
            raise RuntimeError(f"GET /login/ gave {status} without a CSRF token")
        status, _ = self.request(
            "POST", "/login/",
            {"username": username, "password": password,
             "csrfmiddlewaretoken": match.group(1).decode()},
        )  # fmt: skip
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login as {username} failed: HTTP {status}")


def summary(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else [
        ordered[0]] * 99  # fmt: skip
    return {
        "n": len(ordered), "min": round(ordered[0], 2),
        "p50": round(statistics.median(ordered), 2), "p95": round(cuts[94], 2),
        "p99": round(cuts[98], 2), "max": round(ordered[-1], 2),
        "mean": round(statistics.fmean(ordered), 2),
    }  # fmt: skip


def render_in_process(url: str, user: Any) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """The page rendered once in-process (warm): its queries, their time, the whole time; and
    every statement it sent, as (sql, params)."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    client.get(url)
    executed: list[tuple[float, str, Any]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            executed.append(((time.perf_counter() - started) * 1000, sql, params))

    with connection.execute_wrapper(record):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    sql_ms = sum(e[0] for e in executed)
    slowest = max(executed, key=lambda e: e[0], default=(0.0, "", None))
    info = {
        "status": response.status_code, "queries": len(executed), "query_ms": round(sql_ms, 2),
        "slowest_query_ms": round(slowest[0], 2), "slowest_query": slowest[1][:300],
        "in_process_ms": round(elapsed, 2), "outside_sql_ms": round(elapsed - sql_ms, 2),
    }  # fmt: skip
    return info, [(sql, params) for _, sql, params in executed]


def main_table(sql: str) -> str:
    found = re.search(r' FROM "([^"]+)"', sql) if sql.lstrip().startswith("SELECT") else None
    return found.group(1) if found else ""


# --- the pages -------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    group: str  # timeline | tickets
    url: str
    answers: Callable[[str], bool]  # which of the page's statements answer it
    main_sql: Callable[[], tuple[str, Any]]  # the statement that answers it (sql_with_params)
    matching: int | None = None  # rows the page pages through
    result: dict[str, Any] = field(default_factory=dict)


def pick_customers(rng: random.Random) -> dict[str, tuple[int, int]]:
    """(pk, activities) of a typical customer (3-10 activities) and of a heavy one (enough
    for page 10), drawn at random."""
    from clientdesk.activities.models import Activity
    from clientdesk.customers.models import Customer

    high = Customer.objects.order_by("-pk").values_list("pk", flat=True)[0]
    chosen: dict[str, tuple[int, int]] = {}
    for _ in range(1000):
        pk = rng.randint(1, high)
        if pk % HEAVY_EVERY and pk % BUSY_EVERY != 1:
            count = Activity.objects.filter(customer_id=pk).count()
            if 3 <= count <= 10:
                chosen["typical"] = (pk, count)
                break
    for _ in range(1000):
        pk = rng.randint(1, high // HEAVY_EVERY) * HEAVY_EVERY
        count = Activity.objects.filter(customer_id=pk).count()
        if count >= 10 * TIMELINE_PER_PAGE:
            chosen["heavy"] = (pk, count)
            break
    if len(chosen) < 2:
        raise SystemExit(f"no typical and heavy customer found ({chosen}); is the data loaded?")
    return chosen


def build_cases(user: Any, rng: random.Random, support: list[int]) -> tuple[list[Case], dict]:
    from django.http import QueryDict
    from django.utils import timezone

    from clientdesk.activities.services import timeline
    from clientdesk.customers.models import Customer
    from clientdesk.tickets.filtersets import TicketFilterSet
    from clientdesk.tickets.models import Ticket

    chosen = pick_customers(rng)
    customers = {key: Customer.objects.get(pk=pk) for key, (pk, _) in chosen.items()}

    def timeline_case(label: str, key: str, page: int, kind: str = "") -> Case:
        customer = customers[key]
        query = f"?kind={kind}&page={page}" if kind else f"?page={page}"

        def queryset() -> Any:
            qs = timeline(customer)  # customers.views.activities_context
            return qs.filter(kind=kind) if kind else qs

        def main_sql() -> tuple[str, Any]:
            bottom = (page - 1) * TIMELINE_PER_PAGE
            return queryset()[bottom : bottom + TIMELINE_PER_PAGE].query.sql_with_params()

        url = f"/customers/{customer.pk}/activities/{query}"
        return Case(label, "timeline", url, lambda sql: main_table(sql) == "activities_activity",
                    main_sql, queryset().count())  # fmt: skip

    def ticket_case(label: str, params: str, page: int) -> Case:
        def queryset() -> Any:  # tickets.views.TicketListView via core.views.ObjectListView
            filterset = TicketFilterSet(
                QueryDict(params) if params else None,
                queryset=Ticket.objects.visible_to(user).for_list(),
            )
            if filterset.is_bound and not filterset.is_valid():
                raise SystemExit(f"ticket filters {params!r}: {filterset.errors}")
            return filterset.qs

        def page_qs() -> Any:  # for reference: the FilterSet's page, one row more (lazy pager)
            bottom = (page - 1) * LIST_PER_PAGE
            return queryset()[bottom : bottom + LIST_PER_PAGE + 1]

        def answers(sql: str) -> bool:  # the page (keys, rows) and its assignees (prefetch)
            table = main_table(sql)
            return table == "tickets_ticket" or (
                table == "accounts_user" and '"tickets_ticketassignment"' in sql
            )

        url = f"/tickets/?{params}&page={page}" if params else f"/tickets/?page={page}"
        return Case(label, "tickets", url, answers, lambda: page_qs().query.sql_with_params(),
                    queryset().count())  # fmt: skip

    today = timezone.localdate()
    since = today - dt.timedelta(days=365)
    assignee = support[0]
    open_high = "status=open&priority=high&sort=-created"
    combined = (f"status=open&priority=high&assignee={assignee}&created_after={since}"
                f"&created_before={today}&sort=-created")  # fmt: skip
    (typical, typical_n), (heavy, heavy_n) = chosen["typical"], chosen["heavy"]
    cases = [
        timeline_case(f"timeline: typical customer ({typical_n} activities), page 1",
                      "typical", 1),
        timeline_case(f"timeline: heavy customer ({heavy_n} activities), page 1", "heavy", 1),
        timeline_case(f"timeline: heavy customer ({heavy_n} activities), page 10",
                      "heavy", 10),
        timeline_case("timeline: heavy customer, type Call, page 1", "heavy", 1, kind="call"),
        ticket_case("tickets: no filter, page 1", "", 1),
        ticket_case("tickets: no filter, page 50", "", 50),
        ticket_case("tickets: status Open + priority High, newest first, page 1", open_high, 1),
        ticket_case("tickets: status Open + priority High, newest first, page 50",
                    open_high, 50),
        ticket_case("tickets: Open + High + assignee + created in the last year, page 1",
                    combined, 1),
    ]  # fmt: skip
    last = -(-cases[-1].matching // LIST_PER_PAGE) if cases[-1].matching else 1
    if last > 1:
        cases.append(ticket_case(
            f"tickets: Open + High + assignee + created in the last year, page {last} (last)",
            combined, last))  # fmt: skip
    for case in cases:
        if case.group == "tickets" and case.matching is not None:
            page = int(case.url.rsplit("page=", 1)[1])
            if (page - 1) * LIST_PER_PAGE >= case.matching:
                log(f"warning: {case.name} is past the end ({case.matching:,} tickets match)")
    samples = {"typical_customer": [typical, typical_n], "heavy_customer": [heavy, heavy_n],
               "assignee": assignee, "created_range": [str(since), str(today)]}  # fmt: skip
    return cases, samples


def bare_sql(case: Case, user: Any, runs: int) -> dict[str, Any]:
    """The statements that answer the page, taken from the view itself rendered in-process
    (so paginator or view changes are followed), executed alone ``runs`` times with their
    parameters, and each once under EXPLAIN (ANALYZE, BUFFERS)."""
    from django.db import connection

    info, executed = render_in_process(case.url, user)
    statements = [(sql, params) for sql, params in executed if case.answers(sql)]
    samples = []
    with connection.cursor() as cursor:
        for _ in range(3):
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()
        for _ in range(runs):
            started = time.perf_counter()
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()
            samples.append((time.perf_counter() - started) * 1000)
        explained: list[dict[str, Any]] = []
        for sql, params in statements:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            execution = plan.rsplit("Execution Time: ", 1)[-1].split(" ms", 1)[0]
            explained.append({"sql": readable(sql, params), "execution_ms": float(execution),
                              "plan": plan})  # fmt: skip
    main, main_params = case.main_sql()
    return {
        **(summary(samples) if samples else {}), "statements": explained,
        "explain_total_ms": round(sum(e["execution_ms"] for e in explained), 2),
        "filterset_sql": readable(main, main_params), "in_process": info,
    }  # fmt: skip


def readable(sql: str, params: Any) -> str:
    try:
        return sql % tuple(repr(p) for p in params or ())
    except (TypeError, ValueError):
        return f"{sql} -- params: {params!r}"


def measure_pages(cases: list[Case], port: int, args: argparse.Namespace) -> None:
    from clientdesk.customers.demo import demo_password

    browser = Browser(port)
    browser.login("manager", demo_password())
    for case in cases:
        started = time.monotonic()
        for _ in range(args.warmup):
            browser.request("GET", case.url)
            if time.monotonic() - started > args.budget / 4:
                break
        timings: list[float] = []
        errors: dict[int, int] = {}
        started = time.monotonic()
        for _ in range(args.requests):
            t0 = time.perf_counter()
            status, _ = browser.request("GET", case.url)
            timings.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                errors[status] = errors.get(status, 0) + 1
            if len(timings) >= 5 and time.monotonic() - started > args.budget:
                break
        case.result = {"http": summary(timings), "errors": errors}
        log(f"{case.name}: p50 {case.result['http']['p50']} ms, "
            f"p95 {case.result['http']['p95']} ms")  # fmt: skip


# --- call intake ---------------------------------------------------------------------------


def intake_rows(people: People, calls: int, run_id: str) -> list[dict[str, Any]]:
    """80% to customers' mobiles (as phones write them), 20% to unknown numbers."""
    from django.utils import timezone

    from clientdesk.calls.models import CallStatus
    from clientdesk.customers.models import Customer

    rng = random.Random(run_id)
    sample = rng.sample(range(len(people.ids)), min(len(people.ids), calls))
    mobiles: list[str] = []
    for start in range(0, len(sample), 5000):
        pks = [people.ids[i] for i in sample[start : start + 5000]]
        mobiles += Customer.objects.filter(pk__in=pks).values_list("mobile", flat=True)
    now = timezone.now()
    rows = []
    for i in range(calls):
        if rng.random() < 0.8:
            number = rng.choice(mobiles)
            if number.startswith("+91"):
                number = rng.choice([number, number[3:], "0" + number[3:]])
        else:
            number = f"+9190{rng.randrange(10**8):08d}"
        outgoing = rng.random() < 0.7
        rows.append({
            "device_id": f"{run_id}-{i % 10}",
            "device_call_id": f"c{i:07d}",
            "direction": "Outgoing" if outgoing else "Incoming",
            "from_number": "" if outgoing else number,
            "to_number": number if outgoing else "",
            "started_at": (now - dt.timedelta(seconds=rng.randint(60, 30 * 86400))).isoformat(),
            "duration_seconds": rng.randint(0, 900),
            "status": rng.choice(CallStatus.labels),
            "notes": "Discussed the account opening" if rng.random() < 0.3 else "",
        })  # fmt: skip
    return rows


def post_batches(port: int, token: str, batches: list[list[dict[str, Any]]]) -> dict[str, Any]:
    timings, totals = [], {"created": 0, "existing": 0, "errors": 0}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json",
               "Host": f"127.0.0.1:{port}"}  # fmt: skip
    try:
        for batch in batches:
            body = json.dumps(batch)
            t0 = time.perf_counter()
            conn.request("POST", "/api/v1/calls/intake/", body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
            timings.append((time.perf_counter() - t0) * 1000)
            if response.status != 200:
                raise SystemExit(f"intake answered {response.status}: {content[:300]!r}")
            answer = json.loads(content)
            totals["created"] += answer["created_count"]
            totals["existing"] += answer["existing_count"]
            totals["errors"] += answer["error_count"]
    finally:
        conn.close()
    return {"timings": timings, **totals}


def intake_pass(
    port: int, token: str, rows: list[dict[str, Any]], batch: int, clients: int
) -> dict[str, Any]:
    batches = [rows[i : i + batch] for i in range(0, len(rows), batch)]
    shares = [batches[c::clients] for c in range(clients)]
    results: list[dict[str, Any]] = [{} for _ in shares]
    failures: list[BaseException] = []

    def work(c: int) -> None:
        try:
            results[c] = post_batches(port, token, shares[c])
        except BaseException as exc:  # reported below, in the main thread
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if failures:
        raise failures[0]
    timings = [t for r in results for t in r["timings"]]
    return {
        "calls": len(rows), "batch": batch, "batches": len(batches), "clients": clients,
        "seconds": round(seconds, 2), "calls_per_s": round(len(rows) / seconds),
        "batch_ms": summary(timings),
        **{k: sum(r[k] for r in results) for k in ("created", "existing", "errors")},
    }  # fmt: skip


def drain_deferred(env: dict[str, str], result: dict[str, Any]) -> None:
    """Run the background tasks the pass left (last-activity dates of large batches)."""
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(status="READY").count()
    started = time.perf_counter()
    manage(env, "db_worker", "--batch", "--no-startup-delay")
    seconds = time.perf_counter() - started
    result["deferred"] = {"tasks": queued, "seconds": round(seconds, 2)}
    result["calls_per_s_with_deferred"] = round(result["calls"] / (result["seconds"] + seconds))


def measure_intake(
    people: People, port: int, token: str, args: argparse.Namespace, env: dict[str, str]
) -> dict[str, Any]:
    from clientdesk.calls.models import CallLog

    run_id = f"bench-rel-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}"
    rows = intake_rows(people, args.calls, run_id)
    warmup = [dict(r, device_id=f"{run_id}-warmup") for r in rows[:20]]
    for _ in range(4):  # both workers: imports, caches, connections
        post_batches(port, token, [warmup])
    drain_deferred(env, {"calls": 0, "seconds": 1})  # anything queued before this run
    passes = {"new": intake_pass(port, token, rows, args.batch, 1)}
    drain_deferred(env, passes["new"])
    log(f"intake: {passes['new']['calls_per_s']:,} calls/s (new calls, one client); "
        f"deferred updates {passes['new']['deferred']['seconds']} s")  # fmt: skip
    passes["resend"] = intake_pass(port, token, rows, args.batch, 1)
    log(f"intake: {passes['resend']['calls_per_s']:,} calls/s (the same calls again)")
    second = intake_rows(people, args.calls, run_id + "-b")  # other customers: as cold
    passes["new_two_clients"] = intake_pass(port, token, second, args.batch, 2)
    drain_deferred(env, passes["new_two_clients"])
    log(f"intake: {passes['new_two_clients']['calls_per_s']:,} calls/s (new, two clients)")
    stored = CallLog.objects.filter(device_id__startswith=run_id).exclude(
        device_id__endswith="-warmup"
    )
    linked = stored.filter(customer__isnull=False).count()
    return {"run_id": run_id, "passes": passes, "stored": stored.count(),
            "linked_to_customers": linked}  # fmt: skip


# --- report ---------------------------------------------------------------------------------


def markdown(results: dict[str, Any]) -> str:
    data = results["data"]
    lines = [
        f"### {results['machine']['engine']}: {data['customers']:,} customers, "
        f"{data['activities']:,} activities, {data['tickets']:,} tickets "
        f"({results['date'][:10]})",
        "",
        "| Page | Rows | HTTP p50 | HTTP p95 | Bare SQL p50 / p95 | EXPLAIN ANALYZE "
        "| In-process render (SQL, queries) | ≤ 50 ms p95 |",
        "|---|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for case in results["cases"]:
        http_, sql, inproc = case["http"], case["sql"], case["in_process"]
        errors = f" ({sum(case['errors'].values())} errors)" if case["errors"] else ""
        explain = " + ".join(f"{s['execution_ms']:.2f}" for s in sql["statements"])
        lines.append(
            f"| {case['name']} | {case['matching']:,} | {http_['p50']:.1f} ms | "
            f"{http_['p95']:.1f} ms{errors} | "
            f"{sql.get('p50', 0):.2f} / {sql.get('p95', 0):.2f} ms | "
            f"{explain} ms | {inproc['in_process_ms']:.0f} ms ({inproc['query_ms']:.0f} ms, "
            f"{inproc['queries']}) | {'yes' if case['met'] else '**no**'} |"
        )
    intake = results.get("intake")
    if intake:
        lines += [
            "",
            "| Call intake | Calls | Batches | Clients | Seconds | Calls/s | Batch p50 / p95 "
            "| Created / existing | Deferred last-activity updates | Calls/s with them "
            "| ≥ 2,000/s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
        ]
        labels = {"new": "new calls", "resend": "the same calls again (idempotent)",
                  "new_two_clients": "new calls, two clients"}  # fmt: skip
        for key, p in intake["passes"].items():
            met = p["calls_per_s"] >= TARGET_CALLS_PER_S
            lines.append(
                f"| {labels[key]} | {p['calls']:,} | {p['batches']} × {p['batch']} | "
                f"{p['clients']} | {p['seconds']} | {p['calls_per_s']:,} | "
                f"{p['batch_ms']['p50']:.0f} / {p['batch_ms']['p95']:.0f} ms | "
                f"{p['created']:,} / {p['existing']:,} | "
                + (
                    f"{p['deferred']['tasks']} tasks, {p['deferred']['seconds']} s | "
                    f"{p['calls_per_s_with_deferred']:,} | "
                    if "deferred" in p
                    else "— | — | "
                )
                + f"{'yes' if met else '**no**'} |"
            )
    return "\n".join(lines) + "\n"


def iter_missed(results: dict[str, Any]) -> Iterator[str]:
    for case in results["cases"]:
        if not case["met"]:
            yield f"{case['name']}: p95 {case['http']['p95']} ms"
    for key, p in results.get("intake", {}).get("passes", {}).items():
        if p["calls_per_s"] < TARGET_CALLS_PER_S:
            yield f"intake {key}: {p['calls_per_s']:,} calls/s"


# --- main ------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--activities", type=int, default=5_000_000, help="rows in all")
    parser.add_argument("--tickets", type=int, default=500_000)
    parser.add_argument("--reseed", action="store_true", help="drop and seed the database")
    parser.add_argument("--load-only", action="store_true", help="prepare the data only")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--budget", type=float, default=60, help="seconds per page at most")
    parser.add_argument("--sql-runs", type=int, default=100)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--no-intake", action="store_true")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--sample-seed", type=int, default=11)
    parser.add_argument(
        "--quiet",
        type=float,
        default=0.0,
        metavar="LOAD",
        help="wait for the 1-minute load average to fall to LOAD first",
    )
    parser.add_argument("--quiet-timeout", type=int, default=1800)
    parser.add_argument(
        "--ignore-others",
        action="store_true",
        help="do not wait for other benchmarks on this machine (the figures suffer)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    env = bench_env(args.database)
    os.environ.update(env)
    waited = wait_for_other_benchmarks(args.quiet_timeout, args.ignore_others)
    prepared = prepare_customers(args.database, args.customers, args.reseed, env)

    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    users = get_user_model().objects.filter(is_active=True)
    staff = sorted(users.exclude(username__startswith="bench-").values_list("pk", flat=True))
    support = support_users(SUPPORT_USERS)
    people = People.load()
    loads: dict[str, Any] = {
        "activities": load_activities(people, args.activities, staff),
        "tickets": load_tickets(people, args.tickets, support, staff),
    }
    loaded = bool(loads["activities"]["loaded"] or loads["tickets"]["loaded"])
    loads["analyze_seconds"] = vacuum_analyze(full=loaded)
    if args.load_only:
        return 0

    manager = get_user_model().objects.get(username="manager")
    cases, samples = build_cases(manager, random.Random(args.sample_seed), support)
    waited += wait_for_other_benchmarks(args.quiet_timeout, args.ignore_others)
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": args.database,
        "machine": machine_info(),
        "prepared": prepared,
        "loads": loads,
        "samples": samples,
        "method": {
            "server": "gunicorn clientdesk.wsgi -w 2 (sync workers), DEBUG off, 127.0.0.1",
            "client": "one sequential client (http.client), logged in as manager",
            "warmup_per_page": args.warmup,
            "requests_per_page": args.requests,
            "budget_s_per_page": args.budget,
            "sql_runs": args.sql_runs,
            "intake": f"{args.calls:,} calls in batches of {args.batch} per pass",
        },
        "waited_for_other_benchmarks_s": waited,
        "waited_for_quiet_s": wait_for_quiet(args.quiet, args.quiet_timeout),
        "load_average_before": os.getloadavg(),
    }
    if not args.no_intake:
        token = manage(env, "create_api_token", "manager", capture=True).strip()
    connection.close()  # the server gets the database to itself while it is measured
    RESULTS.mkdir(parents=True, exist_ok=True)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    with Server(env, args.port, VAR_DIR / "bench-gunicorn-relationship.log"):
        measure_pages(cases, args.port, args)
        if not args.no_intake:
            results["intake"] = measure_intake(people, args.port, token, args, env)
    results["load_average_after"] = os.getloadavg()
    for case in cases:  # the bare SQL, with the server stopped
        case.result["sql"] = bare_sql(case, manager, args.sql_runs)
        case.result["in_process"] = case.result["sql"].pop("in_process")
        case.result["met"] = (not case.result["errors"]
                              and case.result["http"]["p95"] <= TARGET_PAGE_P95_MS)  # fmt: skip
    results["data"] = data_sizes()
    results["cases"] = [{"name": c.name, "group": c.group, "url": c.url, "matching": c.matching,
                         **c.result} for c in cases]  # fmt: skip
    name = "relationship" if args.database == DEFAULT_DATABASE else f"relationship-{args.database}"
    out = RESULTS / f"{name}-{dt.datetime.now(dt.UTC).date().isoformat()}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    print(markdown(results))
    log(f"results written to {out.relative_to(REPO)}")
    missed = list(iter_missed(results))
    for line in missed:
        log(f"missed: {line}")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
