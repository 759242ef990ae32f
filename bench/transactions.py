#!/usr/bin/env python
"""Transactions at scale, on PostgreSQL: intake throughput with rules, analytics, nightly
rules and reconciliation.

Uses its own database ``clientdesk_bench_tx`` (postgres@127.0.0.1; never ``clientdesk_bench``).

    .venv/bin/python bench/transactions.py generate --customers 1000000 --transactions 20000000
    .venv/bin/python bench/transactions.py measure
    .venv/bin/python bench/transactions.py all --customers 200000 --transactions 2000000

``generate`` (re)creates the database, migrates it and fills it in SQL (``INSERT ... SELECT
FROM generate_series`` with the secondary indexes dropped and rebuilt afterwards — the
quickest honest way on this machine): customers (97% Active), one INR wallet each, 20,000
merchants (1% flagged high risk), one phone per customer plus 5,000 POS terminals, the
transactions (a year, 55% payments, 25% deposits, 10% withdrawals, 10% transfers; 95%
successful), ledger entries for the successful ones with running balances, balances and
customer totals derived from the ledger, customer-device links; and one customer with exactly
10,000 transactions for the analytics figures.

``measure`` prints the table sizes (rows and bytes) and the server settings the figures
depend on (docs/operations.md), loads the hot indexes and per-customer tables into shared
buffers (``pg_prewarm``, as on a server that has been taking intake for a while), then:
- intake: batches of 5,000 new transactions (random existing customers, 70% on their known
  phone, 10% on a new phone, 20% POS; some new merchants) through
  ``intake.intake_transactions`` in-process, with the 8 default monitoring rules enabled;
  transactions per second per batch; then the same batches again (idempotent path);
- intake over HTTP (gunicorn): one client, then two, a few batches each; then the sustained
  run the target is checked by: two clients, ``--sustained`` batches each (150: 1,500,000
  transactions, ~5 minutes), starting right after a ``CHECKPOINT``, per-minute rates;
- analytics: each ``analytics`` function for the 10,000-transaction customer, 30 runs, p50 / p95;
- nightly rules: ``services.run_nightly_rules`` over the whole table;
- ``reconcile_balances`` over every account and customer, and every reference.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DB = os.environ.get("BENCH_TX_DB", "clientdesk_bench_tx")
assert DB != "clientdesk_bench", "never the page benchmark's database"
DSN = f"postgres://postgres@127.0.0.1:5432/{DB}"
RESULTS = REPO / "bench" / "results"
HEAVY = 10_000  # transactions of the analytics customer (customer id 1)
MERCHANTS, POS = 20_000, 5_000
SEED = 11


def setup_django() -> None:
    os.environ.update(
        CLIENTDESK_ENV="development",
        DJANGO_SETTINGS_MODULE="clientdesk.settings",
        DEBUG="0",
        DATABASE_URL=DSN,
        TASKS_BACKEND="database",
    )
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ----------------------------------------------------------------------------- generate


def _admin_conn() -> Any:
    import psycopg

    return psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True)


def create_database() -> None:
    assert DB != "clientdesk_bench"
    with _admin_conn() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')


def _columns(cur: Any, table: str) -> list[tuple[str, str, bool, bool]]:
    cur.execute(
        "SELECT column_name, data_type, is_nullable = 'YES', column_default IS NOT NULL "
        "FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return list(cur.fetchall())


_TYPE_DEFAULTS = {
    "character varying": "''",
    "text": "''",
    "numeric": "0",
    "integer": "0",
    "bigint": "0",
    "smallint": "0",
    "boolean": "false",
    "timestamp with time zone": "now()",
    "jsonb": "'{}'",
    "date": "current_date",
}


def insert_series(cur: Any, table: str, count: str, values: dict[str, str]) -> None:
    """INSERT INTO table SELECT ... FROM generate_series(1, count) g; NOT NULL columns not
    given get a neutral value of their type."""
    cols, exprs = [], []
    for name, dtype, nullable, has_default in _columns(cur, table):
        if name in values:
            cols.append(name)
            exprs.append(values[name])
        elif not nullable and not has_default:
            cols.append(name)
            exprs.append(_TYPE_DEFAULTS[dtype])
    sql = (
        f'INSERT INTO "{table}" ({", ".join(cols)}) SELECT {", ".join(exprs)} '
        f"FROM generate_series(1, {count}) AS g"
    )
    cur.execute(sql)


def _drop_secondary(cur: Any, table: str) -> list[str]:
    """Drop the table's indexes and constraints except the primary key; return the SQL that
    rebuilds them."""
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('u', 'c', 'f')",
        [table],
    )
    constraints = list(cur.fetchall())
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        [table, table],
    )
    indexes = list(cur.fetchall())
    rebuild = []
    for name, definition in constraints:
        cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        rebuild.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    for name, definition in indexes:
        if name.endswith("_pkey"):
            continue
        cur.execute(f'DROP INDEX "{name}"')
        rebuild.append(definition)
    return rebuild


def generate(customers: int, transactions: int) -> dict[str, Any]:
    started = time.perf_counter()
    log(f"creating {DB}")
    create_database()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    log("migrated")
    import psycopg

    timings: dict[str, float] = {}
    with psycopg.connect(DSN, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("SET work_mem = '512MB'; SET maintenance_work_mem = '1GB'")
        cur.execute("SET synchronous_commit = off")

        def step(name: str, *sqls: str) -> None:
            t = time.perf_counter()
            for sql in sqls:
                cur.execute(sql)
            timings[name] = round(time.perf_counter() - t, 1)
            log(f"{name}: {timings[name]} s")

        t = time.perf_counter()
        rebuild_c = _drop_secondary(cur, "customers_customer")
        # Totals rows are written in one go below, not by the per-row insert trigger.
        cur.execute("ALTER TABLE customers_customer DISABLE TRIGGER tx_customer_totals_create")
        cur.execute("TRUNCATE transactions_customertotals")
        rebuild_totals = _drop_secondary(cur, "transactions_customertotals")
        insert_series(
            cur,
            "customers_customer",
            str(customers),
            {
                "id": "g",
                "client_id": "'B' || lpad(g::text, 9, '0')",
                "first_name": "'Bench'",
                "last_name": "'C' || g",
                "search_name": "'bench c' || g",
                "mobile": "'+91' || (7000000000 + g)::text",
                "country": "'IN'",
                "status": "CASE WHEN g % 100 = 0 THEN 'suspended' ELSE 'active' END",
                "income_band": "(ARRAY['below_1l','1l_5l','5l_10l','10l_25l','25l_1cr',"
                "'above_1cr'])[1 + g % 6]",
                "created_at": "now() - interval '2 years'",
                "updated_at": "now()",
                "kyc_status": "'approved'",
                "risk_level": "''",
            },
        )
        timings["customers"] = round(time.perf_counter() - t, 1)
        log(f"customers: {timings['customers']} s")
        insert_series(
            cur,
            "transactions_account",
            str(customers),
            {
                "id": "g",
                "customer_id": "g",
                "kind": "'wallet'",
                "currency": "'INR'",
                "created_at": "now() - interval '2 years'",
                "updated_at": "now()",
            },
        )
        insert_series(
            cur,
            "transactions_merchant",
            str(MERCHANTS),
            {
                "id": "g",
                "merchant_id": "'M' || g",
                "name": "'Merchant ' || g",
                "mcc": "(ARRAY['5411','5812','5999','4829','7995','6051','5311','5732'])"
                "[1 + g % 8]",
                "country": "'IN'",
                "city": "'Mumbai'",
                "is_high_risk": "g % 100 = 0",
                "created_at": "now()",
                "updated_at": "now()",
            },
        )
        insert_series(
            cur,
            "transactions_device",
            str(customers + POS),
            {
                "id": "g",
                "device_id": "'D' || g",
                "device_type": f"CASE WHEN g > {customers} THEN 'pos' ELSE 'mobile' END",
                "first_seen_at": "now() - interval '400 days'",
                "last_seen_at": "now()",
                "status": "CASE WHEN g % 1000 = 0 THEN 'blocked' ELSE 'trusted' END",
            },
        )
        log("accounts, merchants, devices")
        rebuild_t = _drop_secondary(cur, "transactions_transaction")
        rebuild_l = _drop_secondary(cur, "transactions_ledgerentry")
        t = time.perf_counter()
        chunk = 2_000_000
        for start in range(0, transactions, chunk):
            n = min(chunk, transactions - start)
            cur.execute(_tx_sql(n, start, customers, "B"))
            log(f"  transactions {start + n:,}")
        cur.execute(_tx_sql(HEAVY, transactions, customers, "H", customer="1"))
        timings["transactions"] = round(time.perf_counter() - t, 1)
        log(f"transactions: {timings['transactions']} s")
        step(
            "ledger",
            "INSERT INTO transactions_ledgerentry (account_id, transaction_id, kind, amount, "
            "balance_after, created_at) SELECT account_id, id, 'posting', s, "
            "sum(s) OVER (PARTITION BY account_id ORDER BY occurred_at, id), now() FROM "
            "(SELECT account_id, id, occurred_at, CASE WHEN type IN ('deposit','refund') OR "
            "(type = 'transfer' AND direction = 'in') THEN amount ELSE -amount END AS s "
            "FROM transactions_transaction WHERE status = 'successful') x",
        )
        step("rebuild transaction indexes", *rebuild_t)
        step("rebuild ledger indexes", *rebuild_l)
        step(
            "balances",
            "UPDATE transactions_account a SET balance = s.total, entry_count = s.n, "
            "overdraft_limit = GREATEST(0, -s.lowest), last_transaction_at = s.last FROM "
            "(SELECT l.account_id, sum(l.amount) total, count(*) n, min(l.balance_after) lowest,"
            " max(t.occurred_at) last FROM transactions_ledgerentry l JOIN "
            "transactions_transaction t ON t.id = l.transaction_id GROUP BY l.account_id) s "
            "WHERE s.account_id = a.id",
        )
        step(
            "customer totals",
            "INSERT INTO transactions_customertotals (customer_id, volume, count, "
            "last_transaction_at) SELECT c.id, COALESCE(s.total, 0), COALESCE(s.n, 0), s.last "
            "FROM customers_customer c LEFT JOIN (SELECT customer_id, sum(amount_base) total, "
            "count(*) n, max(occurred_at) last FROM transactions_transaction "
            "WHERE status = 'successful' GROUP BY customer_id) s ON s.customer_id = c.id",
            *rebuild_totals,
            "ALTER TABLE customers_customer ENABLE TRIGGER tx_customer_totals_create",
        )
        step("rebuild customer indexes", *rebuild_c)
        step(
            "customer devices",
            "INSERT INTO transactions_customerdevice (customer_id, device_id, first_seen_at, "
            "last_seen_at, transaction_count, failed_count) SELECT customer_id, device_id, "
            "min(occurred_at), max(occurred_at), count(*), count(*) FILTER (WHERE status = "
            "'failed') FROM transactions_transaction WHERE device_id IS NOT NULL "
            "GROUP BY customer_id, device_id",
        )
        for table in (
            "customers_customer",
            "transactions_account",
            "transactions_merchant",
            "transactions_device",
            "transactions_transaction",
            "transactions_customerdevice",
            "transactions_ledgerentry",
        ):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        step("vacuum analyze", "VACUUM ANALYZE")
    total = round(time.perf_counter() - started, 1)
    log(f"generated in {total} s")
    return {
        "customers": customers,
        "transactions": transactions + HEAVY,
        "timings": timings,
        "total_seconds": total,
    }


def _tx_sql(n: int, offset: int, customers: int, prefix: str, customer: str = "") -> str:
    """n transactions with ids offset+1..offset+n; r1 decides the type, r2 the device, r3
    the status. The customer's wallet has the customer's id (one account each)."""
    c = customer or f"1 + floor(random() * {customers})::int"
    return f"""
    INSERT INTO transactions_transaction (id, source, external_id, customer_id, account_id,
        occurred_at, amount, currency, amount_base, type, direction, merchant_id, device_id,
        channel, status, reported_status, failure_reason, description, created_at, updated_at)
    SELECT g + {offset}, 'bench', '{prefix}' || (g + {offset}), c, c, occurred_at, amount, 'INR',
        amount, type, direction, merchant_id, device_id, channel, status, status,
        CASE WHEN status = 'failed' THEN 'Declined by issuer' ELSE '' END, '', now(), now()
    FROM (
      SELECT g, c, now() - random() * interval '365 days' AS occurred_at,
        CASE WHEN r1 < 0.25 THEN round((50 + random() * 20000)::numeric, 2)
             ELSE round((10 + random() * 5000)::numeric, 2) END AS amount,
        CASE WHEN r1 < 0.25 THEN 'deposit' WHEN r1 < 0.80 THEN 'payment'
             WHEN r1 < 0.90 THEN 'withdrawal' ELSE 'transfer' END AS type,
        CASE WHEN r1 >= 0.95 THEN 'out' WHEN r1 >= 0.90 THEN 'in' ELSE '' END AS direction,
        CASE WHEN r1 >= 0.25 AND r1 < 0.80 THEN 1 + floor(random() * {MERCHANTS})::int
             END AS merchant_id,
        CASE WHEN r2 < 0.8 THEN c ELSE {customers} + 1 + floor(random() * {POS})::int
             END AS device_id,
        CASE WHEN r2 < 0.8 THEN 'mobile_app' ELSE 'pos' END AS channel,
        CASE WHEN r3 < 0.95 THEN 'successful' WHEN r3 < 0.99 THEN 'failed'
             ELSE 'pending' END AS status
      FROM (SELECT g, {c} AS c, random() AS r1, random() AS r2, random() AS r3
            FROM generate_series(1, {n}) AS g) a
    ) b"""


# ----------------------------------------------------------------------------- measure


def sizes() -> dict[str, Any]:
    from django.db import connection

    found = {}
    with connection.cursor() as cur:
        for table in (
            "customers_customer",
            "transactions_account",
            "transactions_merchant",
            "transactions_device",
            "transactions_customerdevice",
            "transactions_customertotals",
            "transactions_transaction",
            "transactions_ledgerentry",
            "transactions_alert",
            "activities_activity",
        ):
            cur.execute(f"SELECT count(*), pg_total_relation_size('{table}') FROM {table}")
            rows, size = cur.fetchone()
            found[table] = {"rows": rows, "bytes": size, "mb": round(size / 2**20)}
    return found


def default_rules(actor: Any) -> None:
    from clientdesk.transactions import services
    from clientdesk.transactions.models import Rule

    Rule.objects.all().delete() if not Rule.objects.filter(alerts__isnull=False).exists() else None
    specs = [
        ("Large amount", "amount_threshold", {"amount": "19900"}),
        ("Burst", "velocity", {"count": 10, "minutes": 60}),
        ("Daily volume", "volume_limit", {"period": "day", "amount": "50000"}),
        ("Monthly volume", "volume_limit", {"period": "month", "amount": "500000"}),
        ("Structuring", "structuring", {"threshold": "10000", "min_count": 3, "days": 7}),
        ("New device large", "new_device_large", {"amount": "15000"}),
        (
            "High-risk MCC",
            "high_risk_merchant",
            {"mcc_codes": ["7995"], "min_amount": "19000"},
        ),
        ("Dormant", "dormant_account", {"days": 180}),
        ("Income", "income_mismatch", {"period_days": 30, "ratio": "0.5"}),
    ]
    for name, kind, params in specs:
        if not Rule.objects.filter(name=name).exists():
            services.create_rule(
                actor=actor,
                data={"name": name, "rule_type": kind, "parameters": params, "severity": "high"},
            )


def bench_actor() -> Any:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench-tx", defaults={"is_superuser": True})
    if not user.is_superuser:
        user.is_superuser = True
        user.save()
    return user


def make_batches(n_batches: int, size: int) -> list[list[dict[str, Any]]]:
    from clientdesk.customers.models import Customer

    top = Customer.objects.order_by("-id").values_list("id", flat=True).first() or 1
    now = dt.datetime.now(dt.UTC)
    run = int(time.time())
    # A new draw each run: with a fixed seed, runs repeated within the hour would send the
    # same customers again and again, and the velocity rule would fire for all of them.
    rng = random.Random(SEED * 1_000_003 + run)
    batches = []
    for b in range(n_batches):
        rows = []
        for i in range(size):
            c = rng.randint(2, top)
            r = rng.random()
            kind = "deposit" if r < 0.3 else "payment" if r < 0.85 else "withdrawal"
            d = rng.random()
            device = (
                f"D{c}"
                if d < 0.7
                else f"N{run}-{b}-{i}"
                if d < 0.8
                else f"D{top + 1 + rng.randrange(POS)}"
            )
            row = {
                "transaction_id": f"I{run}-{b}-{i}",
                "source": "bench-intake",
                "customer": f"B{c:09d}",
                "occurred_at": (now - dt.timedelta(seconds=rng.randint(0, 3600))).isoformat(),
                "amount": str(
                    Decimal(
                        rng.randint(100_000, 2_000_000)
                        if kind == "deposit"
                        else rng.randint(1000, 150_000)
                    )
                    / 100
                ),
                "currency": "INR",
                "type": kind,
                "device_id": device,
                "channel": "mobile_app",
            }
            if kind == "payment":
                m = rng.randint(1, MERCHANTS + 200)
                row.update(
                    merchant_id=f"M{m}",
                    merchant_name=f"Merchant {m}",
                    merchant_mcc=rng.choice(["5411", "5812", "7995"]),
                )
            rows.append(row)
        batches.append(rows)
    return batches


def measure_intake(n_batches: int, size: int) -> dict[str, Any]:
    from clientdesk.transactions.intake import intake_transactions

    actor = bench_actor()
    default_rules(actor)
    batches = make_batches(n_batches, size)
    rates, alerts, failed = [], 0, 0
    loads = [os.getloadavg()[0]]
    for rows in batches:
        t = time.perf_counter()
        result = intake_transactions(rows, actor=actor, source="bench-intake")
        took = time.perf_counter() - t
        assert not result.errors, result.errors[:3]
        rates.append(len(result.created) / took)
        alerts += result.alerts
        failed += sum(1 for c in result.created if c["status"] == "failed")
        loads.append(os.getloadavg()[0])
        log(f"  batch of {size}: {took:.2f} s = {rates[-1]:,.0f} tx/s ({result.alerts} alerts)")
    again = []
    for rows in batches[:3]:
        t = time.perf_counter()
        result = intake_transactions(rows, actor=actor, source="bench-intake")
        assert len(result.existing) == size and not result.created
        again.append(size / (time.perf_counter() - t))
    return {
        "batches": n_batches,
        "batch_size": size,
        "tx_per_s_median": round(statistics.median(rates)),
        "tx_per_s_min": round(min(rates)),
        "tx_per_s_max": round(max(rates)),
        "tx_per_s_overall": round(n_batches * size / sum(size / r for r in rates)),
        "alerts": alerts,
        "failed": failed,
        "resend_tx_per_s_median": round(statistics.median(again)),
        "load_1min": [round(x, 2) for x in loads],
    }


def measure_http(
    clients: int, n_batches: int, size: int, port: int = 8766, checkpoint: bool = False
) -> dict[str, Any]:
    """``POST /api/v1/transactions/`` through gunicorn (a sync worker per client, at least
    two; DEBUG off) from ``clients`` threads at once, each sending its own ``n_batches``
    batches; throughput = all created rows / wall time, and per minute.

    ``checkpoint``: start right after a ``CHECKPOINT`` — the slowest point of PostgreSQL's
    checkpoint cycle, when the first change to each page writes the whole page to the WAL
    (docs/performance.md)."""
    import http.client
    import subprocess
    import threading

    from clientdesk.accounts.services import issue_api_token

    actor = bench_actor()
    default_rules(actor)
    key = issue_api_token(actor, actor=None)
    batches = make_batches(clients * n_batches, size)
    env = dict(
        os.environ,
        CLIENTDESK_ENV="development",
        DEBUG="0",
        DATABASE_URL=DSN,
        TASKS_BACKEND="database",
        ALLOWED_HOSTS="127.0.0.1",
    )
    log_path = Path("/tmp") / f"bench-tx-gunicorn-{port}.log"
    with log_path.open("wb") as log_file:
        server = subprocess.Popen(
            [str(REPO / ".venv" / "bin" / "gunicorn"), "clientdesk.wsgi",
             "-w", str(max(2, clients)),
             "-b", f"127.0.0.1:{port}", "--pythonpath", str(REPO / "src"), "--timeout", "300"],
            env=env, cwd=REPO, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            return _post_all(clients, batches, key, port, http.client, threading, checkpoint)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _post_all(
    clients: int,
    batches: list[Any],
    key: str,
    port: int,
    http: Any,
    threading: Any,
    checkpoint: bool = False,
) -> dict[str, Any]:
    from django.db import connection

    for _ in range(100):  # wait for the server
        try:
            conn = http.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/transactions/?page_size=1", headers=_headers(key))
            conn.getresponse().read()
            break
        except OSError:
            time.sleep(0.3)
    created, alerts, failed, seconds = [0], [0], [0], []
    done: list[tuple[float, int]] = []  # (seconds since start, rows created) per batch
    lock = threading.Lock()

    def client(mine: list[Any]) -> None:
        conn = http.HTTPConnection("127.0.0.1", port, timeout=600)
        for rows in mine:
            t = time.perf_counter()
            conn.request("POST", "/api/v1/transactions/", json.dumps(rows), _headers(key))
            response = conn.getresponse()
            body = json.loads(response.read())
            took = time.perf_counter() - t
            assert response.status in (200, 201), (response.status, str(body)[:300])
            with lock:
                done.append((time.perf_counter() - started, body["created_count"]))
                created[0] += body["created_count"]
                alerts[0] += body["alert_count"]
                failed[0] += sum(1 for c in body["created"] if c["status"] == "failed")
                seconds.append(took)

    threads = [threading.Thread(target=client, args=(batches[i::clients],)) for i in range(clients)]
    with connection.cursor() as cur:
        if checkpoint:
            cur.execute("CHECKPOINT")
        cur.execute("SELECT pg_current_wal_lsn()")
        wal_start = cur.fetchone()[0]
    load_before = os.getloadavg()
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [wal_start])
        wal_bytes = float(cur.fetchone()[0])
    per_minute: dict[int, int] = {}
    for at, count in done:
        per_minute[int(at // 60)] = per_minute.get(int(at // 60), 0) + count
    result = {
        "clients": clients,
        "batches": len(batches),
        "batch_size": len(batches[0]),
        "created": created[0],
        "tx_per_s": round(created[0] / wall),
        "batch_seconds_median": round(statistics.median(seconds), 2),
        "alerts": alerts[0],
        "failed": failed[0],
        "after_checkpoint": checkpoint,
        "wal_mb_per_batch": round(wal_bytes / 1e6 / len(batches), 1),
        # rows stored per second, minute by minute (the last one over what ran of it)
        "tx_per_s_by_minute": [
            round(per_minute[m] / min(60.0, wall - 60 * m)) for m in sorted(per_minute)
        ],
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    log(f"  http, {clients} client(s): {json.dumps(result)}")
    return result


def _headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Token {key}", "Content-Type": "application/json"}


def measure_analytics(runs: int = 30) -> dict[str, Any]:
    from clientdesk.transactions import analytics
    from clientdesk.transactions.filtersets import TransactionFilterSet
    from clientdesk.transactions.models import Transaction

    actor = bench_actor()
    count = Transaction.objects.filter(customer_id=1).count()
    out: dict[str, Any] = {"customer_transactions": count}
    cases = {
        "summary": lambda qs: analytics.summary(qs),
        "volume_by_currency": lambda qs: analytics.volume_by_currency(qs),
        "counts_per_day": lambda qs: analytics.counts_over_time(qs, "day"),
        "counts_per_week": lambda qs: analytics.counts_over_time(qs, "week"),
        "counts_per_month": lambda qs: analytics.counts_over_time(qs, "month"),
        "top_merchants": lambda qs: analytics.top_merchants(qs),
        "device_usage": lambda qs: analytics.device_usage(qs),
        "success_rate": lambda qs: analytics.success_rate(qs),
        "list_page_1": lambda qs: list(qs.for_list()[:50]),
    }
    filters = {
        "all": {"customer": "1"},
        "filtered": {"customer": "1", "period": "last_30_days", "status": ["successful"]},
    }
    for label, params in filters.items():
        for name, fn in cases.items():
            times = []
            for _ in range(runs):
                qs = TransactionFilterSet(params, queryset=Transaction.objects.visible_to(actor)).qs
                t = time.perf_counter()
                fn(qs)
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            out[f"{label}.{name}"] = {
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
            }
    return out


def measure_nightly() -> dict[str, Any]:
    from clientdesk.transactions import services

    t = time.perf_counter()
    counts = services.run_nightly_rules(actor=bench_actor())
    return {"seconds": round(time.perf_counter() - t, 1), "alerts": counts}


def measure_reconcile() -> dict[str, Any]:
    """``reconcile_balances``: the balances and totals, then the references (timed apart)."""
    from clientdesk.transactions.reconcile import check_references, reconcile

    t = time.perf_counter()
    found = reconcile(references=False)
    balances = time.perf_counter() - t
    t = time.perf_counter()
    broken = check_references()
    return {
        "seconds": round(balances + time.perf_counter() - t, 1),
        "balances_seconds": round(balances, 1),
        "references_seconds": round(time.perf_counter() - t, 1),
        "mismatches": len(found) + len(broken),
    }


# The server settings the figures depend on (docs/operations.md, "PostgreSQL for transaction
# intake"); recorded with every result.
SETTINGS = (
    "shared_buffers",
    "max_wal_size",
    "checkpoint_timeout",
    "wal_compression",
    "synchronous_commit",
    "autovacuum",
)
# What a warm intake server keeps in memory: the indexes every new transaction is inserted
# into at a random place, and the per-customer rows the intake reads and updates.
HOT_RELATIONS = (
    "tx_customer_time_idx",
    "tx_device_time_idx",
    "tx_merchant_time_idx",
    "tx_ledger_account_idx",
    "transactions_account",
    "tx_account_unique",
    "transactions_account_pkey",
    "transactions_customertotals",
    "transactions_customertotals_pkey",
    "tx_totals_volume_idx",
    "transactions_customerdevice",
    "tx_customer_device_unique",
    "tx_device_customer_idx",
    "transactions_customerdevice_pkey",
    "transactions_device",
    "transactions_device_pkey",
    "tx_device_seen_idx",
    "customers_customer",
    "customers_customer_pkey",
)


def machine() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        version = cur.fetchone()[0]
        cur.execute(
            "SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)", [list(SETTINGS)]
        )
        settings = {name: f"{value}{' × ' + unit if unit else ''}" for name, value, unit in cur}
    mem = Path("/proc/meminfo").read_text().split("\n")[0]
    return {
        "cpus": os.cpu_count(),
        "memory": mem,
        "postgres": version.split(" on ")[0],
        "settings": settings,
    }


def prewarm() -> float:
    """Load the hot relations into shared buffers (``pg_prewarm``), as a server that has been
    taking intake for a while has them; returns the seconds it took."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cur.execute(
            "SELECT sum(pg_prewarm(c.oid)) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relname = ANY(%s)",
            [list(HOT_RELATIONS)],
        )
        pages = cur.fetchone()[0]
    log(f"prewarmed {pages:,} pages")
    return round(time.perf_counter() - started, 1)


def measure(batches: int, size: int, http_batches: int = 0, sustained: int = 0) -> dict[str, Any]:
    setup_django()
    result: dict[str, Any] = {"machine": machine()}
    result["sizes_before"] = sizes()
    log(f"sizes: {json.dumps(result['sizes_before'])}")
    log(f"server settings: {json.dumps(result['machine']['settings'])}")
    result["prewarm_seconds"] = prewarm()
    log("intake")
    result["intake"] = measure_intake(batches, size)
    log(json.dumps(result["intake"]))
    if http_batches:
        log("intake over HTTP (gunicorn, a worker per client), one client, then two")
        result["http"] = [measure_http(n, http_batches, size) for n in (1, 2)]
    if sustained:
        log(f"sustained intake over HTTP, two clients, {sustained} batches each, from a checkpoint")
        result["http_sustained"] = measure_http(2, sustained, size, checkpoint=True)
    log("analytics")
    result["analytics"] = measure_analytics()
    log(json.dumps(result["analytics"]))
    log("nightly rules")
    result["nightly"] = measure_nightly()
    log(json.dumps(result["nightly"]))
    log("reconcile")
    result["reconcile"] = measure_reconcile()
    log(json.dumps(result["reconcile"]))
    result["sizes_after"] = sizes()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["generate", "measure", "all"])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--transactions", type=int, default=20_000_000)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument(
        "--http-batches", type=int, default=4, help="per client, over HTTP (0: skip)"
    )
    parser.add_argument(
        "--sustained",
        type=int,
        default=150,
        help="batches per client over HTTP, two clients, starting at a checkpoint (0: skip)",
    )
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {}
    if args.command in ("generate", "all"):
        out["generate"] = generate(args.customers, args.transactions)
    if args.command in ("measure", "all"):
        out["measure"] = measure(args.batches, args.batch_size, args.http_batches, args.sustained)
    path = RESULTS / f"transactions-{args.command}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(out, indent=2, default=str))
    log(f"written {path}")


if __name__ == "__main__":
    main()
