"""Load demo users and N realistic customers, fast enough for a million.

How it stays fast:
- rows are generated (Faker pools, encryption, keyed hashes) in a pool of worker processes
  (``--workers``, default 2) while the main process writes the previous batch;
- each batch is one transaction: client IDs reserved in one block, customers and their
  "created" activities written with COPY on PostgreSQL or ``bulk_create`` elsewhere;
- on PostgreSQL a large load (``--customers`` above 100,000) drops the four pg_trgm GIN
  indexes first and builds them again afterwards, which is much faster than maintaining them
  row by row. Their definitions come from ``pg_indexes`` and are restored in a ``finally``
  (SIGTERM included); should a load be killed outright, the next ``seed_demo`` run creates
  any missing one from migration ``customers/0002``'s statements (IF NOT EXISTS).

Bulk-created customers skip the services, so the run writes one audit record for the whole
load (and one per demo user it creates).

Then, for a demo-sized load (at most ``demo_relationship.MAX_CUSTOMERS`` customers, unless
``--no-relationship``), ``demo_relationship`` plays a few weeks of leads, tickets, calls,
tasks, notes and messages around the new customers, through the services, and
``demo_compliance`` KYC documents, transactions, monitoring alerts and risk profiles.
"""

from __future__ import annotations

import collections
import contextlib
import importlib
import itertools
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import TextField, Value
from django.utils import timezone
from tqdm import tqdm

from clientdesk.activities.models import Activity, Kind
from clientdesk.approvals import demo as approvals_demo
from clientdesk.approvals import gate as approvals_gate
from clientdesk.cases.demo import seed_cases
from clientdesk.comms import demo as comms_demo
from clientdesk.core import audit
from clientdesk.core.models import Counter
from clientdesk.customers import demo, demo_compliance, demo_relationship, demo_screening
from clientdesk.customers.models import Customer
from clientdesk.customers.services import new_client_ids
from clientdesk.privacy.demo import seed_privacy
from clientdesk.webhooks.demo import seed_webhooks

Row = tuple[Any, ...]
CREATED_BODY = "Customer registered."
TRGM_INDEXES = ("cust_name_trgm", "cust_mobile_trgm", "cust_alt_mobile_trgm", "cust_email_trgm")
REBUILD_INDEXES_ABOVE = 100_000


class Command(BaseCommand):
    help = "Create the demo users (one per role) and N realistic demo customers."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--customers", type=int, default=500, help="How many (default 500).")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same data.")
        parser.add_argument("--batch", type=int, default=5000, help="Rows per transaction.")
        parser.add_argument(
            "--workers", type=int, default=2,
            help="Processes generating rows (0: generate in this process).",
        )  # fmt: skip
        parser.add_argument(
            "--progress", action="store_true",
            help="Show the progress bar even when stderr is not a terminal.",
        )  # fmt: skip
        parser.add_argument(
            "--no-relationship", action="store_true",
            help="No leads, tickets, calls, tasks, messages, KYC documents or transactions "
            f"(always none above {demo_relationship.MAX_CUSTOMERS:,} customers).",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        total, batch = options["customers"], options["batch"]
        if total < 0 or batch < 1 or options["workers"] < 0:
            raise CommandError("--customers must be >= 0, --batch >= 1, --workers >= 0.")
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            users, created = demo.ensure_demo_users(demo.demo_password())
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        if created:
            self.stdout.write(f"Created demo users: {', '.join(created)}")
        if total:
            self.stdout.write(f"Customers: generating and writing {total:,} ...")
        if total == 0:
            return
        ctx = demo.Context(
            seed=options["seed"],
            now=timezone.now(),
            sales_user_ids=tuple(users[name].pk for name in demo.SALES_USERNAMES),
            client_id_prefix=settings.CLIENT_ID_PREFIX,
        )
        generator = demo.DemoGenerator(ctx)
        writer: Writer = CopyWriter() if connection.vendor == "postgresql" else BulkCreateWriter()
        # Worker processes pay off from the second batch on; inside a transaction (a test)
        # the connection must not be closed for the fork, so generate in this process.
        workers = min(options["workers"], -(-total // batch) - 1)
        if connection.in_atomic_block:
            workers = 0
        bar = tqdm(
            total=total, unit=" customers", unit_scale=True, file=sys.stderr, smoothing=0.05,
            disable=not (options["progress"] or sys.stderr.isatty()),
        )  # fmt: skip
        loader = Loader(generator, writer, batch=batch, workers=workers, progress=bar.update)
        last_before = Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        load_started = time.perf_counter()
        self._ensure_trigram_indexes()
        previous = signal.getsignal(signal.SIGTERM)
        if threading.current_thread() is threading.main_thread():
            # Stopped with SIGTERM: unwind, so the indexes come back and the audit is written.
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        try:
            with self._without_trigram_indexes(total):
                loader.load(total)
        finally:
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGTERM, previous)
            bar.close()
            if loader.inserted:
                with transaction.atomic():
                    audit.record(
                        actor=None, action="create",
                        target=audit.Target("customers.customer", "", "seed_demo"),
                        changes={"count": {"old": None, "new": loader.inserted}},
                    )  # fmt: skip
        load_seconds = time.perf_counter() - load_started
        if options["verbosity"] > 1:
            workers_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
            self.stdout.write(
                f"Loading took {load_seconds:.1f} s: {loader.writing:.1f} s writing, "
                f"{loader.waited:.1f} s waiting for generated rows; CPU time "
                f"{time.process_time() - cpu_started:.1f} s in this process, "
                f"{workers_cpu.ru_utime + workers_cpu.ru_stime:.1f} s in the workers "
                f"(1-minute load average now {os.getloadavg()[0]:.1f})."
            )
        self._analyze()
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Seeded {loader.inserted:,} customers (+{loader.inserted:,} activities) in "
            f"{seconds:.1f} s: {loader.inserted / seconds:,.0f} rows/s overall, "
            f"{loader.inserted / load_seconds:,.0f} rows/s while loading "
            f"({connection.vendor}, {workers} worker processes, batches of {batch:,})."
        )
        small = 0 < loader.inserted <= demo_relationship.MAX_CUSTOMERS
        if small and not options["no_relationship"]:
            self._stories(users, last_before, ctx.now, options)

    def _bar(self, options: dict[str, Any], label: str) -> Any:
        """A progress bar on stderr (a terminal, or --progress), after a line on stdout that
        names the phase (so a log without the bar still shows where the load is)."""
        self.stdout.write(f"{label} ...")
        self.stdout.flush()
        return tqdm(
            total=0, desc=label, unit=" steps", file=sys.stderr, leave=False,
            disable=not (options["progress"] or sys.stderr.isatty()),
        )  # fmt: skip

    def _stories(
        self, users: dict[str, Any], last_before: int, now: Any, options: dict[str, Any]
    ) -> None:
        """The demo-sized extras: watch-list names, relationship and compliance stories, the
        screening list (its re-screening, the KYC checks still waiting for a decision, the
        messages and the periodic jobs are left to the worker of `make run`)."""
        seed = options["seed"]
        new = Customer.objects.filter(pk__gt=last_before)
        planted = demo_screening.plant_matches(
            list(new), seed=seed, count=max(4, round(new.count() / 80))
        )
        self.stdout.write(f"Named {len(planted)} customers after entries of the demo watch list.")
        with approvals_gate.bypass(), self._bar(options, "Relationship stories") as bar:
            summary = demo_relationship.seed_relationships(
                customers=new.all(), users=users, seed=seed, now=now, progress=bar
            )
        self.stdout.write(summary.line())
        with approvals_gate.bypass(), self._bar(options, "Compliance stories") as bar:
            compliance = demo_compliance.seed_compliance(
                customers=new.all(), users=users, seed=seed, now=now, progress=bar
            )
        self.stdout.write(compliance.line())
        self.stdout.write(comms_demo.seed_provider_demo(new.all()))
        self.stdout.write(seed_webhooks(users=users, now=now))
        self.stdout.write(approvals_demo.seed_approvals(customers=new.all(), users=users))
        self.stdout.write(seed_cases(users))
        self.stdout.write(seed_privacy(customers=new.all(), users=users, now=now))
        loaded = demo_screening.load_watchlist()
        version = loaded.version
        self.stdout.write(
            f"Screening list: {version} ({version.entry_count} fictitious entries) "
            + ("loaded; re-screening of every customer queued for the worker."
               if loaded.created else "unchanged.")
        )  # fmt: skip

    def _ensure_trigram_indexes(self) -> None:
        """Create a trigram index an earlier, killed load left dropped (no-op otherwise)."""
        if connection.vendor != "postgresql":
            return
        migration = importlib.import_module("clientdesk.customers.migrations.0002_search_indexes")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = %s",
                [Customer._meta.db_table],
            )
            present = {name for (name,) in cursor.fetchall()}
            for statement in migration.POSTGRES:
                # Only a missing one: even CREATE INDEX IF NOT EXISTS refuses to run inside a
                # transaction with pending deferred-constraint events (a test, a second load).
                if statement.startswith("CREATE INDEX IF NOT EXISTS") and not any(
                    f" {name} " in statement for name in present
                ):
                    cursor.execute(statement)

    @contextlib.contextmanager
    def _without_trigram_indexes(self, total: int) -> Iterator[None]:
        if connection.vendor != "postgresql" or total <= REBUILD_INDEXES_ABOVE:
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = %s AND indexname = ANY(%s)",
                [Customer._meta.db_table, list(TRGM_INDEXES)],
            )
            definitions = cursor.fetchall()
            for name, _ in definitions:
                cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")
        try:
            yield
        finally:
            started = time.perf_counter()
            self.stderr.write(f"Building {len(definitions)} trigram indexes ...")
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '512MB'")
                for _, definition in definitions:
                    cursor.execute(
                        definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1)
                    )
                cursor.execute("RESET maintenance_work_mem")
            self.stderr.write(f"  built in {time.perf_counter() - started:.1f} s")

    def _analyze(self) -> None:
        """Fresh planner statistics, so the first queries after a big load plan well; on
        PostgreSQL also VACUUM, which sets the visibility map (index-only scans) and the
        hint bits the first readers would otherwise write."""
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        statement = "VACUUM (ANALYZE) {}" if vacuum else "ANALYZE {}"
        with connection.cursor() as cursor:
            for model in (Customer, Activity):
                cursor.execute(statement.format(connection.ops.quote_name(model._meta.db_table)))


class Loader:
    """Generate batches (in worker processes) and write them one transaction each."""

    def __init__(
        self, generator: demo.DemoGenerator, writer: Writer, *, batch: int, workers: int,
        progress: Any,
    ) -> None:  # fmt: skip
        self.generator, self.writer = generator, writer
        self.batch, self.workers, self.progress = batch, workers, progress
        self.prefix = generator.ctx.client_id_prefix
        self.inserted = 0
        self.waited = 0.0  # seconds the writer waited for generated rows
        self.writing = 0.0  # seconds spent in write transactions

    def load(self, total: int) -> None:
        pool = None
        if self.workers:
            connections.close_all()  # the forked workers never touch the database
            pool = multiprocessing.get_context("fork").Pool(
                self.workers, initializer=demo.init_worker, initargs=(self.generator,)
            )
        try:
            while self.inserted < total:
                self._run(pool, total - self.inserted)
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()

    def _run(self, pool: Any, remaining: int) -> None:
        """Load ``remaining`` rows numbered from the counter's next value.

        Rows are generated ahead for the numbers the counter will hand out; if someone else
        takes numbers meanwhile, the batch is generated again for its real numbers and the
        rest is planned afresh, so client IDs stay gap-free.
        """
        first = (Counter.objects.filter(name="client_id").values_list("value", flat=True)
                 .first() or 0) + 1  # fmt: skip
        plan = [(first + off, min(self.batch, remaining - off))
                for off in range(0, remaining, self.batch)]  # fmt: skip
        for planned_first, rows in self._generated(pool, plan):
            started = time.perf_counter()
            try:
                count, real_first = self._write(rows, planned_first, check=False)
            except IntegrityError:
                # Someone already has one of these values (a customer entered by hand): look
                # the clashes up, redraw those rows and write the batch again.
                count, real_first = self._write(rows, planned_first, check=True)
            self.writing += time.perf_counter() - started
            self.inserted += count
            self.progress(count)
            if real_first != planned_first:
                return

    def _write(self, rows: list[Row], planned_first: int, *, check: bool) -> tuple[int, int]:
        """One batch, one transaction: reserve its client IDs, write customers and activities."""
        with transaction.atomic():
            ids = new_client_ids(len(rows))
            real_first = int(ids[0][len(self.prefix) :])
            if real_first != planned_first:
                rows = self.generator.rows(real_first, len(rows))
            if check:
                rows = self._without_clashes(rows)
            self.writer.write(rows)
        return len(rows), real_first

    def _generated(
        self, pool: Any, plan: Sequence[tuple[int, int]]
    ) -> Iterator[tuple[int, list[Row]]]:
        if pool is None:
            for first, count in plan:
                started = time.perf_counter()
                rows = self.generator.rows(first, count)
                self.waited += time.perf_counter() - started
                yield first, rows
            return
        todo = iter(plan)
        pending: collections.deque[Any] = collections.deque(
            pool.apply_async(demo.worker_rows, item)
            for item in itertools.islice(todo, self.workers + 1)
        )
        while pending:
            started = time.perf_counter()
            result = pending.popleft().get()
            self.waited += time.perf_counter() - started
            following = next(todo, None)
            if following is not None:
                pending.append(pool.apply_async(demo.worker_rows, following))
            yield result

    def _without_clashes(self, rows: list[Row], attempts: int = 8) -> list[Row]:
        """Redraw the rows whose mobile, email, PAN or Aadhaar someone already has.

        Demo rows never clash with each other (their values are bijections of the client-ID
        number); customers entered by hand can hold any value.
        """
        col = demo.COL
        for attempt in range(1, attempts + 1):
            clashing: set[int] = set()
            for name in demo.UNIQUE_COLUMNS:
                where: dict[str, list[int]] = collections.defaultdict(list)
                for i, row in enumerate(rows):
                    if row[col[name]]:
                        where[row[col[name]]].append(i)
                for positions in where.values():
                    if len(positions) > 1:
                        clashing.update(positions[1:])
                taken = Customer.objects.filter(**{f"{name}__in": list(where)})
                for value in taken.values_list(name, flat=True).iterator():
                    clashing.update(where[value])
            if not clashing:
                return rows
            for i in clashing:
                number = int(rows[i][col["client_id"]][len(self.prefix) :])
                rows[i] = self.generator.row(number, attempt)
        raise CommandError("Could not draw unique demo values; is the customer table full?")


class Writer:
    def write(self, rows: list[Row]) -> None:
        raise NotImplementedError


def created_activities(
    pks: Sequence[int], rows: Sequence[Row]
) -> tuple[list[str], list[list[Any]]]:
    """(columns, values) of the "Customer registered." activity of each new customer,
    written as ``log_activity`` would: by the registering user, at the registration time.
    Only columns the Activity model has (the subject pair arrived with the lead/ticket
    timeline)."""
    col = demo.COL
    created_by, opened = col["created_by_id"], col["account_opened_at"]
    label = Customer._meta.label_lower
    values = {
        "customer_id": lambda pk, row: pk,
        "subject_type": lambda pk, row: label,
        "subject_id": lambda pk, row: str(pk),
        "kind": lambda pk, row: Kind.CREATED.value,
        "body": lambda pk, row: CREATED_BODY,
        "data": lambda pk, row: {},
        "actor_id": lambda pk, row: row[created_by],
        "created_at": lambda pk, row: row[opened],
    }
    fields = {f.attname for f in Activity._meta.concrete_fields}
    columns = [name for name in values if name in fields]
    getters = [values[name] for name in columns]
    return columns, [[get(pk, row) for get in getters] for pk, row in zip(pks, rows, strict=True)]


class BulkCreateWriter(Writer):
    """Any engine: ``bulk_create``. Encrypted columns are already tokens; ``Value`` passes
    them through instead of letting the field encrypt them again."""

    def write(self, rows: list[Row]) -> None:
        encrypted = [i for i, name in enumerate(demo.COLUMNS) if name in demo.ENCRYPTED_COLUMNS]
        objs = []
        for row in rows:
            values = list(row)
            for i in encrypted:
                if values[i]:
                    values[i] = Value(values[i], output_field=TextField())
            objs.append(Customer(**dict(zip(demo.COLUMNS, values, strict=True))))
        Customer.objects.bulk_create(objs)
        columns, activities = created_activities([c.pk for c in objs], rows)
        Activity.objects.bulk_create(
            Activity(**dict(zip(columns, values, strict=True))) for values in activities
        )


class CopyWriter(Writer):
    """PostgreSQL: primary keys from the table's sequence, then COPY both tables."""

    def __init__(self) -> None:
        self.customer_sql, self.customer_extra = _copy_sql(Customer, ["id", *demo.COLUMNS])
        columns, _ = created_activities([], [])
        self.activity_sql, self.activity_extra = _copy_sql(Activity, columns)
        self.data_at = columns.index("data") if "data" in columns else None
        self.empty_data = Activity._meta.get_field("data").get_db_prep_save({}, connection)

    def write(self, rows: list[Row]) -> None:
        # wrap_database_errors: COPY runs on the raw psycopg cursor, and a clash must still
        # surface as Django's IntegrityError.
        with connection.wrap_database_errors, connection.cursor() as cursor:
            # A demo load needs no flush to disk at each commit (this transaction only).
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Customer._meta.db_table, len(rows)],
            )
            pks = [pk for (pk,) in cursor.fetchall()]
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(self.customer_sql) as copy:
                for pk, row in zip(pks, rows, strict=True):
                    copy.write_row((pk, *row, *self.customer_extra))
            _, activities = created_activities(pks, rows)
            with raw.copy(self.activity_sql) as copy:
                for values in activities:
                    if self.data_at is not None:
                        values[self.data_at] = self.empty_data
                    copy.write_row((*values, *self.activity_extra))


def _copy_sql(model: Any, columns: list[str]) -> tuple[str, tuple[Any, ...]]:
    """COPY statement for ``columns`` plus every other column (written with its default,
    so a field added to the model later does not break the load)."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    unknown = set(columns) - set(fields)
    if unknown:
        raise CommandError(f"{model.__name__} has no columns {sorted(unknown)}")
    extra = [f for name, f in fields.items() if name not in columns and not f.primary_key]
    names = [fields[c].column for c in columns] + [f.column for f in extra]
    quote = connection.ops.quote_name
    sql = (f"COPY {quote(model._meta.db_table)} ({', '.join(quote(n) for n in names)}) "
           "FROM STDIN")  # fmt: skip
    defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in extra)
    return sql, defaults
