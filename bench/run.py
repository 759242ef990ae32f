#!/usr/bin/env python
"""ClientDesk benchmarks (``make bench``).

For each engine: a dedicated database (PostgreSQL ``clientdesk_bench`` on
postgres@127.0.0.1, or SQLite ``var/bench.sqlite3``), migrated and seeded with
``seed_demo`` unless it already holds exactly N customers; a real HTTP server (gunicorn, two
workers, DEBUG off) on 127.0.0.1; a logged-in demo "manager"; then p50/p95 over R sequential
requests per page (after a warm-up), beside the bare SQL that answers each page: the
statements the view itself sends for the page's table, recorded in-process as (sql, params)
and executed alone (PostgreSQL: plus EXPLAIN ANALYZE), so the app's own share is visible.

    .venv/bin/python bench/run.py                     # SQLite 100,000, then PostgreSQL 1,000,000
    .venv/bin/python bench/run.py --engine sqlite --customers 20000 --requests 50

Results: bench/results/<engine>-<UTC date>.json and a markdown table on stdout. Everything runs
on the loopback interface; the server is always stopped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PYTHON = REPO / ".venv" / "bin" / "python"
GUNICORN = REPO / ".venv" / "bin" / "gunicorn"
RESULTS = REPO / "bench" / "results"
VAR_DIR = Path(os.environ.get("CLIENTDESK_VAR_DIR", REPO / "var"))
DEFAULT_CUSTOMERS = {"sqlite": 100_000, "postgres": 1_000_000}
PG_DATABASE = "clientdesk_bench"
PG_SERVER = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}"
TARGET_MS = {"search": 50, "list": 100, "profile": 50}  # p95, from the issue
SEED = 1


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- one engine, in a process of its own (Django is configured once per process) ---------


def engine_env(engine: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.update(
        CLIENTDESK_ENV="development",
        DJANGO_SETTINGS_MODULE="clientdesk.settings",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=PG_URL if engine == "postgres" else f"sqlite:///{VAR_DIR / 'bench.sqlite3'}",
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


def existing_customers(engine: str) -> int | None:
    """How many customers the bench database holds (None: no usable database)."""
    if engine == "postgres":
        try:
            psql("-c", "SELECT 1")
        except (OSError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", "") or exc
            message = f"PostgreSQL on 127.0.0.1:5432 (user postgres) unreachable: {detail}"
            raise SystemExit(message) from exc
        exists = psql("-c", f"SELECT 1 FROM pg_database WHERE datname = '{PG_DATABASE}'")
        if not exists:
            return None
        try:
            return int(psql("-c", "SELECT count(*) FROM customers_customer", database=PG_DATABASE))
        except subprocess.CalledProcessError:
            return None
    import sqlite3

    path = VAR_DIR / "bench.sqlite3"
    if not path.exists():
        return None
    try:
        with sqlite3.connect(path) as db:
            return int(db.execute("SELECT count(*) FROM customers_customer").fetchone()[0])
    except sqlite3.Error:
        return None


def fresh_database(engine: str) -> None:
    if engine == "postgres":
        subprocess.run(["dropdb", *PG_SERVER, "--if-exists", PG_DATABASE], check=True)
        subprocess.run(["createdb", *PG_SERVER, PG_DATABASE], check=True)
    else:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (VAR_DIR / f"bench.sqlite3{suffix}").unlink(missing_ok=True)


def prepare_database(engine: str, customers: int, reseed: bool, env: dict[str, str]) -> dict:
    """Migrated and seeded; the seeding figures (kept beside the database) for the report."""
    seed_file = VAR_DIR / f"bench-seed-{engine}.json"
    have = existing_customers(engine)
    if have == customers and not reseed:
        log(f"[{engine}] reusing the bench database: {have:,} customers")
        manage(env, "migrate", "--noinput", "-v0")
        if seed_file.exists():
            return {**json.loads(seed_file.read_text()), "reused": True}
        return {"customers": customers, "reused": True}
    log(f"[{engine}] new bench database for {customers:,} customers (had {have})")
    fresh_database(engine)
    manage(env, "migrate", "--noinput", "-v0")
    started = time.perf_counter()
    output = manage(
        env, "seed_demo", "--customers", str(customers), "--seed", str(SEED), "--progress",
        "-v2", capture=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    log(output.rstrip())
    match = re.search(r"([\d,.]+) rows/s while loading", output)
    seed = {
        "customers": customers,
        "seconds": round(seconds, 1),
        "rows_per_s": round(customers / seconds),
        "rows_per_s_loading": float(match.group(1).replace(",", "")) if match else None,
        "command": f"seed_demo --customers {customers} --seed {SEED}",
        "output": output.strip().splitlines(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    seed_file.write_text(json.dumps(seed, indent=2))
    return {**seed, "reused": False}


# --- the HTTP side -----------------------------------------------------------------------


class Server:
    """gunicorn on 127.0.0.1:port; a context manager that always stops it."""

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
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/login/")
                conn.getresponse().read()
                conn.close()
                return self
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
    ) -> tuple[int, bytes, dict[str, str]]:
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
        return response.status, content, dict(response.getheaders())

    def login(self, username: str, password: str) -> None:
        status, content, _ = self.request("GET", "/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        if status != 200 or not match:
            raise RuntimeError(f"GET /login/ gave {status} without a CSRF token")
        status, _, _ = self.request(
            "POST", "/login/",
            {"username": username, "password": password,
             "csrfmiddlewaretoken": match.group(1).decode()},
        )  # fmt: skip
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login as {username} failed: HTTP {status}")


def summary(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "n": len(ordered),
        "min": round(ordered[0], 2),
        "p50": round(statistics.median(ordered), 2),
        "p95": round(cuts[94], 2),
        "p99": round(cuts[98], 2),
        "max": round(ordered[-1], 2),
        "mean": round(statistics.fmean(ordered), 2),
    }


# --- the cases ---------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    kind: str  # search | list | profile (which target applies)
    url: str
    tables: tuple[str, ...] = ("customers_customer",)  # the statements that answer the page
    list_page: tuple[str, int] | None = None  # (filter query string, page) of a list case
    result: dict[str, Any] = field(default_factory=dict)


def build_cases(user: Any, rng: random.Random) -> tuple[list[Case], dict[str, Any]]:
    from clientdesk.customers.models import Customer

    low, high = (Customer.objects.order_by("pk").values_list("pk", flat=True)[0],
                 Customer.objects.order_by("-pk").values_list("pk", flat=True)[0])  # fmt: skip

    def some_customer(**filters: Any) -> Customer:
        for _ in range(100):
            found = (Customer.objects.filter(pk__gte=rng.randint(low, high), **filters)
                     .order_by("pk").first())  # fmt: skip
            if found:
                return found
        raise RuntimeError(f"no customer with {filters}")

    indian = some_customer(country="IN")
    by_id = some_customer()
    profile = some_customer(status="active")
    samples = {
        "name_prefix": "pri",
        "name_substring": "kuma",
        "mobile_suffix_6": indian.mobile[-6:],
        "mobile_suffix_4": indian.mobile[-4:],
        "client_id": by_id.client_id,
        "profile_pk": profile.pk,
        "profile_client_id": profile.client_id,
    }

    q = urllib.parse.quote
    list_params = "status=active&sort=-last_activity"
    cases = [
        Case("search: name prefix “pri”", "search", f"/search/?q={q('pri')}"),
        Case("search: name substring “kuma”", "search", f"/search/?q={q('kuma')}"),
        Case(f"search: mobile suffix “{samples['mobile_suffix_6']}”", "search",
             f"/search/?q={samples['mobile_suffix_6']}"),
        Case(f"search: mobile suffix “{samples['mobile_suffix_4']}”", "search",
             f"/search/?q={samples['mobile_suffix_4']}"),
        Case(f"search: client ID “{by_id.client_id}”", "search", f"/search/?q={by_id.client_id}"),
        Case("list: active, by last activity, page 1", "list",
             f"/customers/?{list_params}&page=1", list_page=(list_params, 1)),
        Case("list: active, by last activity, page 1,000", "list",
             f"/customers/?{list_params}&page=1000", list_page=(list_params, 1000)),
        Case("profile (overview tab)", "profile", f"/customers/{profile.pk}/",
             tables=("customers_customer", "customers_statuschange")),
    ]  # fmt: skip
    return cases, samples


def time_sql(statements: list[tuple[str, Any]], runs: int, vendor: str) -> dict[str, Any]:
    """Execute the page's SQL alone (same statements, same parameters) ``runs`` times."""
    from django.db import connection

    samples = []
    with connection.cursor() as cursor:
        for _ in range(3):  # warm
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()
        for _ in range(runs):
            started = time.perf_counter()
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()
            samples.append((time.perf_counter() - started) * 1000)
        plans = []
        for sql, params in statements:
            if vendor == "postgresql":
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plans.append("\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall()))
    result: dict[str, Any] = {**summary(samples), "statements": len(statements)}
    result["sql"] = [_readable(sql, params) for sql, params in statements]
    result["plans"] = plans
    if vendor == "postgresql":
        times = [re.search(r"Execution Time: ([\d.]+) ms", plan) for plan in plans]
        result["explain_execution_ms"] = [float(t.group(1)) if t else None for t in times]
    return result


WHAT_IF_INDEX = (
    "CREATE INDEX bench_what_if_status_activity ON customers_customer "
    "(status, last_activity_at, id)"
)


def what_if_list(user: Any, params: str, page: int, runs: int, vendor: str) -> dict[str, Any]:
    """The list page's SQL after the fixes proposed in docs/performance.md, timed on the same
    data: without DISTINCT; plus an index on (status, last_activity_at, id); plus fetching the
    page's ids first (index-only) and then their rows. The index lives only inside a
    transaction that is rolled back, so the bench database keeps the app's schema."""
    from django.core.exceptions import EmptyResultSet
    from django.db import connection, transaction
    from django.http import QueryDict

    from clientdesk.customers.filtersets import CustomerFilterSet
    from clientdesk.customers.models import Customer

    base = CustomerFilterSet(QueryDict(params), queryset=Customer.objects.visible_to(user)
                             .for_list()).qs  # fmt: skip
    plain = base.all()
    plain.query.distinct = False
    bottom = (page - 1) * 50
    page_qs = plain[bottom : bottom + 51]
    ids_qs = plain.values_list("pk", flat=True)[bottom : bottom + 51]

    def execute(qs: Any) -> list[Any]:
        try:
            sql, sql_params = qs.query.sql_with_params()
        except EmptyResultSet:  # pk__in=[]: an empty page
            return []
        with connection.cursor() as cursor:
            cursor.execute(sql, sql_params)
            return cursor.fetchall()

    def run_page() -> None:
        execute(page_qs)

    def run_ids_first() -> None:
        ids = [pk for (pk,) in execute(ids_qs)]
        execute(Customer.objects.select_related("assigned_to").filter(pk__in=ids))

    def timed(fn: Callable[[], None]) -> dict[str, float]:
        """Raw execution of the statements, as time_sql does for the page as it is."""
        for _ in range(3):
            fn()
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - started) * 1000)
        return summary(samples)

    def plan(qs: Any) -> str:
        sql, sql_params = qs.query.sql_with_params()
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql, sql_params)
            return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())

    result: dict[str, Any] = {"no_distinct": {**timed(run_page), "plan": plan(page_qs)}}
    with transaction.atomic():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(WHAT_IF_INDEX)
        result["index_build_s"] = round(time.perf_counter() - started, 1)
        result["no_distinct_with_index"] = {**timed(run_page), "plan": plan(page_qs)}
        result["ids_first_with_index"] = {**timed(run_ids_first), "plan": plan(ids_qs)}
        transaction.set_rollback(True)
    return result


def _readable(sql: str, params: Any) -> str:
    try:
        return sql % tuple(repr(p) for p in params)
    except (TypeError, ValueError):
        return f"{sql} -- params: {params!r}"


def render_in_process(case: Case, user: Any) -> tuple[list[tuple[str, Any]], dict[str, Any]]:
    """Render the page once in-process and record every statement it sends.

    Returns the statements that answer it (those reading ``case.tables``: the querysets the
    view builds, as (sql, params) pairs, i.e. what ``qs.query.sql_with_params()`` gives) and
    a summary: how many queries the page runs and their total time. Taking them from the
    view itself keeps the bare SQL in step with the app (paginator, search providers ...).
    """
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    client.get(case.url)  # warm
    executed: list[tuple[str, Any, float]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if not many:
                executed.append((sql, params, (time.perf_counter() - started) * 1000))

    with connection.execute_wrapper(record):
        started = time.perf_counter()
        response = client.get(case.url)
        elapsed = (time.perf_counter() - started) * 1000

    def main_table(sql: str) -> str | None:
        found = re.search(r' FROM "([^"]+)"', sql) if sql.startswith("SELECT") else None
        return found.group(1) if found else None

    statements = [(sql, params) for sql, params, _ in executed if main_table(sql) in case.tables]
    slowest = max(executed, key=lambda e: e[2], default=None)
    info = {
        "status": response.status_code,
        "queries": len(executed),
        "query_ms": round(sum(e[2] for e in executed), 2),
        "slowest_query_ms": round(slowest[2], 2) if slowest else None,
        "slowest_query": slowest[0][:300] if slowest else None,
        "in_process_ms": round(elapsed, 2),
    }
    return statements, info


def machine_info(vendor: str) -> dict[str, Any]:
    from django.db import connection

    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    import django

    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SHOW server_version")
            engine_version = "PostgreSQL " + cursor.fetchone()[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            engine_version = "SQLite " + cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "engine": engine_version,
    }


def data_sizes(vendor: str) -> dict[str, Any]:
    from django.db import connection

    from clientdesk.activities.models import Activity
    from clientdesk.customers.models import Customer

    sizes: dict[str, Any] = {
        "customers": Customer.objects.count(),
        "active_customers": Customer.objects.filter(status="active").count(),
        "activities": Activity.objects.count(),
    }
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            sizes["database_mib"] = round(cursor.fetchone()[0] / 2**20)
            cursor.execute("SELECT pg_total_relation_size('customers_customer')")
            sizes["customers_table_with_indexes_mib"] = round(cursor.fetchone()[0] / 2**20)
        else:
            path = VAR_DIR / "bench.sqlite3"
            sizes["database_mib"] = round(path.stat().st_size / 2**20)
    return sizes


def git_state() -> dict[str, Any]:
    """The code measured: commit plus files changed since (others work in this tree)."""

    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return result.stdout.strip()

    changed = git("status", "--porcelain", "--untracked-files=no").splitlines()
    return {"commit": git("rev-parse", "--short", "HEAD"), "changed": changed}


def wait_for_quiet(load: float, timeout: int) -> float:
    started = time.monotonic()
    if load <= 0:
        return 0.0
    while os.getloadavg()[0] > load and time.monotonic() - started < timeout:
        log(f"waiting for a quieter machine: load average {os.getloadavg()[0]:.1f} > {load}")
        time.sleep(20)
    return round(time.monotonic() - started)


def run_engine(args: argparse.Namespace) -> int:
    engine = args.engine
    customers = args.customers or DEFAULT_CUSTOMERS[engine]
    env = engine_env(engine)
    os.environ.update(env)
    seed = prepare_database(engine, customers, args.reseed, env)
    if args.prepare_only:
        return 0

    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from clientdesk.customers.demo import demo_password

    vendor = connection.vendor
    user = get_user_model().objects.get(username="manager")
    rng = random.Random(args.sample_seed)
    cases, samples = build_cases(user, rng)
    results: dict[str, Any] = {
        "engine": engine,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(vendor),
        "data": data_sizes(vendor),
        "seed": seed,
        "samples": samples,
        "method": {
            "server": "gunicorn clientdesk.wsgi -w 2 (sync workers), DEBUG off, 127.0.0.1",
            "client": "one sequential client (http.client), logged in as manager",
            "warmup_per_case": args.warmup,
            "requests_per_case": args.requests,
            "sql_runs_per_case": args.sql_runs,
        },
        "load_average_before": os.getloadavg(),
        "git": git_state(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    results["waited_for_quiet_s"] = wait_for_quiet(args.quiet, args.quiet_timeout)
    results["load_average_before"] = os.getloadavg()
    with Server(env, args.port, VAR_DIR / f"bench-gunicorn-{engine}.log"):
        browser = Browser(args.port)
        browser.login("manager", demo_password())
        for case in cases:
            case_started = time.monotonic()
            for _ in range(args.warmup):
                browser.request("GET", case.url)
                if time.monotonic() - case_started > args.budget / 4:
                    break
            timings, errors = [], {}
            case_started = time.monotonic()
            for _ in range(args.requests):  # bounded: R requests or the time budget
                started = time.perf_counter()
                status, _, _ = browser.request("GET", case.url)
                timings.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    errors[status] = errors.get(status, 0) + 1
                if len(timings) >= 5 and time.monotonic() - case_started > args.budget:
                    break
            case.result = {"http": summary(timings), "errors": errors}
            log(f"[{engine}] {case.name}: p50 {case.result['http']['p50']} ms, "
                f"p95 {case.result['http']['p95']} ms")  # fmt: skip
    for case in cases:  # the bare SQL, with the server stopped
        statements, case.result["in_process"] = render_in_process(case, user)
        case.result["sql"] = time_sql(statements, args.sql_runs, vendor)
        if case.list_page and args.what_if:
            case.result["what_if"] = what_if_list(user, *case.list_page, args.sql_runs, vendor)
        target = TARGET_MS[case.kind]
        case.result["target_p95_ms"] = target
        case.result["met"] = not case.result["errors"] and case.result["http"]["p95"] <= target
    results["load_average_after"] = os.getloadavg()
    results["cases"] = [{"name": c.name, "kind": c.kind, "url": c.url, **c.result} for c in cases]
    out = RESULTS / f"{engine}-{dt.datetime.now(dt.UTC).date().isoformat()}.json"  # UTC date
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(markdown(results))
    log(f"[{engine}] results written to {out.relative_to(REPO)}")
    missed = [c.name for c in cases if not c.result["met"]]
    return 1 if missed and args.strict else 0


def markdown(results: dict[str, Any]) -> str:
    data = results["data"]
    lines = [
        f"### {results['machine']['engine']}: {data['customers']:,} customers "
        f"({results['date'][:10]})",
        "",
        "| Page | Target p95 | HTTP p50 | HTTP p95 | Bare SQL p50 | Bare SQL p95 | Queries | Met |",
        "|---|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for case in results["cases"]:
        http_, sql = case["http"], case["sql"]
        errors = f" ({sum(case['errors'].values())} errors)" if case["errors"] else ""
        lines.append(
            f"| {case['name']} | ≤ {case['target_p95_ms']} ms | {http_['p50']:.1f} ms | "
            f"{http_['p95']:.1f} ms{errors} | {sql['p50']:.1f} ms | {sql['p95']:.1f} ms | "
            f"{case['in_process']['queries']} | {'yes' if case['met'] else '**no**'} |"
        )
    what_ifs = [c for c in results["cases"] if c.get("what_if")]
    if what_ifs:
        lines += [
            "",
            "List page SQL variants (--what-if; bare SQL, p50 / p95):",
            "",
            "| Page | As is | No DISTINCT | + index (status, last_activity_at, id) | + ids first |",
            "|---|---:|---:|---:|---:|",
        ]
        for case in what_ifs:
            w = case["what_if"]
            cells = [case["sql"], w["no_distinct"], w["no_distinct_with_index"],
                     w["ids_first_with_index"]]  # fmt: skip
            lines.append(
                f"| {case['name']} | "
                + " | ".join(f"{c['p50']:.1f} / {c['p95']:.1f} ms" for c in cells)
                + " |"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    # Stopped with SIGTERM: unwind normally, so the server is stopped too (``finally``).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres", "all"), default="all")
    parser.add_argument("--customers", type=int, help="default: sqlite 100,000; postgres 1,000,000")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests per page")
    parser.add_argument("--sql-runs", type=int, default=100, help="timed runs of the bare SQL")
    parser.add_argument(
        "--budget", type=float, default=90,
        help="seconds per page: stop measuring it after this (at least 5 requests)",
    )  # fmt: skip
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--what-if", action="store_true",
        help="also time the list page's SQL without DISTINCT, with an index on (status, "
        "last_activity_at, id) and ids-first (index built in a rolled-back transaction)",
    )  # fmt: skip
    parser.add_argument("--reseed", action="store_true", help="always start a new database")
    parser.add_argument(
        "--prepare-only", action="store_true", help="create and seed the database, measure nothing"
    )
    parser.add_argument("--sample-seed", type=int, default=7, help="picks the sample records")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--quiet", type=float, default=0.0, metavar="LOAD",
        help="before measuring, wait (up to --quiet-timeout s) for the 1-minute load average "
        "to fall to LOAD; the machine is shared, so busy neighbours distort the figures",
    )  # fmt: skip
    parser.add_argument("--quiet-timeout", type=int, default=1800)
    args = parser.parse_args()
    if args.engine != "all":
        return run_engine(args)
    passed: list[str] = []  # the command line minus --engine
    skip = False
    for arg in sys.argv[1:]:
        if skip or arg.startswith("--engine="):
            skip = False
            continue
        if arg == "--engine":
            skip = True
            continue
        passed.append(arg)
    status = 0
    for engine in ("sqlite", "postgres"):
        argv = [str(PYTHON), str(Path(__file__).resolve()), "--engine", engine, *passed]
        status |= subprocess.run(argv, cwd=REPO, check=False).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
