"""Transaction intake: one transaction or a batch (JSON or CSV), idempotent by (source, id).

One call = one database transaction (retried when a concurrent request stored the same keys
or the database broke a deadlock). The work per batch, not per row:

1. parse every row (field-named errors, by row number); repeats inside the batch are dropped;
2. look up which (source, id) pairs are stored already: same status -> "existing", nothing
   changes; a new status is a status change (``TRANSACTION_TRANSITIONS``);
3. read the batch's customers (not locked: the intake does not write them), lock their
   accounts in id order (so two batches never deadlock), creating unknown accounts, merchants
   and devices on first sight (merchants and devices inserted in key order for the same
   reason); devices are read, not locked (see ``_update_devices``);
4. gate and post in batch order, in memory: customer not Active / device blocked -> failed
   with the reason (+ alert, + SMS); a debit that would overdraw -> failed "Insufficient
   funds"; a successful one -> a ledger entry and the new balance;
5. write new rows with ``COPY`` (PostgreSQL; ``bulk_create`` elsewhere) and one
   ``UPDATE ... FROM unnest(...)`` (SQLite: ``FROM (VALUES ...)``) per table for balances,
   customer totals, devices and customer-device links (absolute values computed in Python
   under the row locks, so Decimal arithmetic stays exact on SQLite too);
6. per-transaction monitoring rules on the stored rows, alerts with their evidence, timeline
   entries for what matters, one audit record for the batch; SMS after commit (many: one
   task), customers' last-activity dates after commit when there are many.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import importlib.util
import io
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, models, transaction
from django.db.models import Q
from django.db.models.base import ModelState
from django.utils import timezone

from clientdesk.activities.models import Activity, Kind
from clientdesk.activities.services import touch_last_activity
from clientdesk.core import audit
from clientdesk.core.permissions import Access, Module, require
from clientdesk.core.validators import parse_event_time
from clientdesk.customers.models import Customer, Status

from . import currencies, rules
from .models import (
    AMOUNT_DIGITS,
    AMOUNT_PLACES,
    TRANSACTION_TRANSITIONS,
    Account,
    AccountKind,
    Alert,
    AlertKind,
    Channel,
    CustomerDevice,
    CustomerTotals,
    Device,
    DeviceType,
    Direction,
    FailureReason,
    LedgerEntry,
    Merchant,
    Rule,
    Severity,
    Transaction,
    TransactionStatus,
    TransactionType,
)

logger = logging.getLogger(__name__)


@contextmanager
def _array_cursor() -> Iterator[Any]:
    """PostgreSQL: a cursor that binds parameters on the server, in binary.

    Django's cursor writes every parameter into the SQL text; for the intake's arrays of
    thousands of values that quoting costs more than the statement itself. Statements run
    in the same connection and transaction, and errors come out as Django's
    (``IntegrityError``, ``OperationalError``), as from ``connection.cursor()``."""
    import psycopg

    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        yield cursor


def _instances(model: type[Any], names: tuple[str, ...], rows: Iterable[Any]) -> list[Any]:
    """Model instances from ``values_list(*names)`` rows, as ``.only(*names)`` would give
    them (the other fields deferred: read on first access), without ``Model.__init__``.

    ``__init__`` walks every concrete field of the model (sixty on a customer) and
    ``from_db`` builds a placeholder for each; for the 15,000-20,000 rows a batch reads that
    was a tenth of the intake's Python time. No model here has ``pre_init``/``post_init``
    receivers or an ``__init__`` of its own (``tests/transactions/test_intake_internals``
    checks that)."""
    alias = connection.alias
    found = []
    for values in rows:
        obj = object.__new__(model)
        state = ModelState()
        state.adding, state.db = False, alias
        obj.__dict__.update(zip(names, values, strict=True), _state=state)
        found.append(obj)
    return found


def _by_key(model: type[Any], key: str, names: tuple[str, ...], keys: list[str]) -> dict[str, Any]:
    """The rows whose ``key`` is one of ``keys``, as ``_instances``, by that key (unordered:
    a model's default ordering would only add a sort, or a join)."""
    rows = model.objects.filter(**{f"{key}__any": keys}).order_by().values_list(*names)
    return {getattr(obj, key): obj for obj in _instances(model, names, rows)}


RISK_INLINE_MAX = 10  # above this many customers, risk is recomputed by a background task
SMS_INLINE_MAX = 10  # above this many messages, one background task queues them
# Above this many customers, ``last_activity_at`` moves forward after commit (a background
# task), as for call intake: the column is indexed, so each update rewrites the wide customer
# row and its ~30 indexes (docs/decisions.md, "Large call-intake batches ...").
DEFER_LAST_ACTIVITY = 50
MAX_AMOUNT = Decimal(10) ** (AMOUNT_DIGITS - AMOUNT_PLACES) - 1
QUANT = Decimal(1).scaleb(-AMOUNT_PLACES)


def _aliases(choices: Any, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    found = {c.value: c.value for c in choices}
    found.update({str(c.label).lower().replace(" ", "_"): c.value for c in choices})
    found.update(extra or {})
    return found


_TYPES = _aliases(TransactionType, {"purchase": "payment", "debit_card": "payment"})
_STATUSES = _aliases(
    TransactionStatus,
    {
        "success": "successful",
        "succeeded": "successful",
        "completed": "successful",
        "declined": "failed",
        "rejected": "failed",
        "reversal": "reversed",
    },
)
_DIRECTIONS = _aliases(
    Direction,
    {
        "incoming": "in",
        "inbound": "in",
        "credit": "in",
        "outgoing": "out",
        "outbound": "out",
        "debit": "out",
    },
)
_CHANNELS = _aliases(Channel, {"app": "mobile_app", "mobile": "mobile_app", "netbanking": "web"})
_DEVICE_TYPES = _aliases(DeviceType, {"pos_terminal": "pos", "phone": "mobile", "browser": "web"})
_ACCOUNT_KINDS = _aliases(AccountKind)
# Labels for the "Choose one of" messages, computed once (a choices class builds its
# ``labels`` list anew on every access).
_TYPE_LABELS = tuple(str(label) for label in TransactionType.labels)
_STATUS_LABELS = tuple(str(label) for label in TransactionStatus.labels)
_CHANNEL_LABELS = tuple(str(label) for label in Channel.labels)
_ACCOUNT_LABELS = tuple(str(label) for label in AccountKind.labels)
_DEVICE_LABELS = tuple(str(label) for label in DeviceType.labels)

CSV_COLUMNS = (
    "transaction_id",
    "customer",
    "occurred_at",
    "amount",
    "currency",
    "type",
    "direction",
    "status",
    "failure_reason",
    "channel",
    "account",
    "description",
    "merchant_id",
    "merchant_name",
    "merchant_mcc",
    "merchant_category",
    "merchant_city",
    "merchant_country",
    "device_id",
    "device_type",
    "device_model",
    "device_os",
    "original_transaction_id",
    "source",
)


class BatchRejected(Exception):
    """``atomic=true`` and at least one row is bad: nothing was stored."""

    def __init__(self, result: IntakeResult) -> None:
        super().__init__("batch rejected")
        self.result = result


# ----------------------------------------------------------------------------- parsing


@dataclass
class TxInput:
    """One parsed, normalized transaction, ready to store."""

    index: int
    row: int
    source: str
    external_id: str
    customer_ref: str | int
    account_kind: str
    occurred_at: dt.datetime
    amount: Decimal
    currency: str
    amount_base: Decimal
    type: str
    direction: str
    status: str
    failure_reason: str = ""
    channel: str = ""
    description: str = ""
    merchant: dict[str, str] | None = None
    device: dict[str, str] | None = None
    original_ref: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.external_id)


class _Errors(dict[str, list[str]]):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


def _text(raw: Mapping[str, Any], name: str, errors: _Errors, max_length: int) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        errors.add(name, "Enter text.")
        return ""
    text = str(value).strip()
    if len(text) > max_length:
        errors.add(name, f"Keep it under {max_length:,} characters.")
        return text[:max_length]
    return text


def _choice(
    raw: Mapping[str, Any],
    name: str,
    aliases: Mapping[str, str],
    errors: _Errors,
    labels: Iterable[str],
    default: str | None = None,
) -> str:
    value = raw.get(name)
    if value in (None, "") and default is not None:
        return default
    found = None
    if isinstance(value, str):
        found = aliases.get(value.strip().lower().replace(" ", "_").replace("-", "_"))
    if found is None:
        errors.add(name, "Choose one of: " + ", ".join(labels) + ".")
        return ""
    return found


def parse_amount(value: Any, currency: str) -> Decimal | str:
    """A Decimal with at most the currency's decimals, or the error message.

    Amounts travel as strings ("1250.50") or exact JSON numbers (the API parses JSON numbers
    as Decimal); a Python float is refused, since it may already have lost the exact value.
    """
    if isinstance(value, bool | float):
        return 'Send the amount as a string or an exact decimal, e.g. "1250.50".'
    if isinstance(value, str):
        value = value.strip().replace(",", "")
    if value in (None, ""):
        return "Enter the amount."
    try:
        amount = Decimal(value) if isinstance(value, int | str | Decimal) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        return 'Enter the amount as a number, e.g. "1250.50".'
    if amount <= 0:
        return "Enter an amount above zero; the type says whether money comes in or goes out."
    if amount > MAX_AMOUNT:
        return "The amount is too large."
    places = currencies.minor_units(currency) if currency else AMOUNT_PLACES
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        return f"{currency or 'This currency'} has {places} decimal places; the amount has more."
    return amount.quantize(QUANT)


def _currency(raw: Mapping[str, Any], errors: _Errors) -> str:
    value = raw.get("currency")
    code = value.strip().upper() if isinstance(value, str) else ""
    if not code:
        errors.add("currency", "Enter the ISO 4217 currency code, e.g. INR.")
    elif not currencies.is_valid(code):
        errors.add("currency", f"“{code[:10]}” is not an ISO 4217 currency code.")
    elif currencies.rate(code) is None:
        errors.add(
            "currency",
            f"No exchange rate to {currencies.base_currency()} is configured for {code} "
            "(TRANSACTION_FX_RATES).",
        )
    else:
        return code
    return ""


def _occurred_at(value: Any, now: dt.datetime) -> dt.datetime | str:
    return parse_event_time(value, now, what="of the transaction")


def _customer_ref(raw: Mapping[str, Any], errors: _Errors) -> str | int:
    value = raw.get("customer", raw.get("client_id"))
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.strip():
        return value.strip()[:20]
    errors.add("customer", "Give the customer's client ID (e.g. CD000123) or id.")
    return ""


def _nested(raw: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """``{"merchant": {"id": ...}}`` and flat ``merchant_id`` columns read the same."""
    nested = raw.get(prefix)
    flat = {k[len(prefix) + 1 :]: v for k, v in raw.items() if k.startswith(prefix + "_")}
    if isinstance(nested, Mapping):
        flat.update(nested)
    elif isinstance(nested, str | int) and nested != "":
        flat.setdefault("id", nested)
    return flat


def _merchant(raw: Mapping[str, Any], errors: _Errors) -> dict[str, str] | None:
    data = _nested(raw, "merchant")
    mid = _text(data, "id", errors, 64)
    if not mid:
        return None
    found = {
        "merchant_id": mid,
        "name": _text(data, "name", errors, 200),
        "mcc": _text(data, "mcc", errors, 4),
        "category": _text(data, "category", errors, 100),
        "city": _text(data, "city", errors, 100),
        "country": _text(data, "country", errors, 2).upper(),
    }
    if found["mcc"] and not (len(found["mcc"]) == 4 and found["mcc"].isdigit()):
        errors.add("merchant_mcc", "Enter the 4-digit merchant category code.")
    return found


def _device(raw: Mapping[str, Any], errors: _Errors) -> dict[str, str] | None:
    data = _nested(raw, "device")
    did = _text(data, "id", errors, 128)
    if not did:
        return None
    kind = ""
    if data.get("type") not in (None, ""):
        kind = _choice(data, "type", _DEVICE_TYPES, errors, _DEVICE_LABELS)
    return {
        "device_id": did,
        "device_type": kind,
        "model": _text(data, "model", errors, 100),
        "os": _text(data, "os", errors, 100),
    }


def parse_transaction(
    raw: Any,
    *,
    now: dt.datetime | None = None,
    source: str = "api",
    index: int = 0,
    row: int = 1,
) -> TxInput:
    """Check and normalize one transaction; raises ValidationError naming every bad field."""
    if not isinstance(raw, Mapping):
        raise ValidationError({"non_field_errors": ["Each transaction must be a JSON object."]})
    errors = _Errors()
    now = now or timezone.now()
    external_id = _text(raw, "transaction_id", errors, 64)
    if not external_id and "transaction_id" not in errors:
        errors.add("transaction_id", "Give the transaction's id (unique per source).")
    src = _text(raw, "source", errors, 64) or source
    customer_ref = _customer_ref(raw, errors)
    currency = _currency(raw, errors)
    amount = parse_amount(raw.get("amount"), currency)
    if isinstance(amount, str):
        errors.add("amount", amount)
    type_ = _choice(raw, "type", _TYPES, errors, _TYPE_LABELS)
    direction = ""
    if type_ == TransactionType.TRANSFER:
        direction = _choice(raw, "direction", _DIRECTIONS, errors, ["in", "out"])
    status = _choice(raw, "status", _STATUSES, errors, _STATUS_LABELS, "successful")
    when = _occurred_at(raw.get("occurred_at"), now)
    if isinstance(when, str):
        errors.add("occurred_at", when)
    channel = ""
    if raw.get("channel") not in (None, ""):
        channel = _choice(raw, "channel", _CHANNELS, errors, _CHANNEL_LABELS)
    kind = _choice(raw, "account", _ACCOUNT_KINDS, errors, _ACCOUNT_LABELS, "wallet")
    failure_reason = _text(raw, "failure_reason", errors, 255)
    description = _text(raw, "description", errors, 255)
    merchant = _merchant(raw, errors)
    device = _device(raw, errors)
    original = _text(raw, "original_transaction_id", errors, 64)
    if errors:
        raise ValidationError(dict(errors))
    assert isinstance(amount, Decimal) and isinstance(when, dt.datetime)
    return TxInput(
        index=index,
        row=row,
        source=src,
        external_id=external_id,
        customer_ref=customer_ref,
        account_kind=kind,
        occurred_at=when,
        amount=amount,
        currency=currency,
        amount_base=currencies.to_base(amount, currency),
        type=type_,
        direction=direction,
        status=status,
        failure_reason=failure_reason if status == TransactionStatus.FAILED else "",
        channel=channel,
        description=description,
        merchant=merchant,
        device=device,
        original_ref=original,
    )


def rows_from_csv(data: bytes | str) -> list[dict[str, str]]:
    """CSV (UTF-8, header row, columns as ``CSV_COLUMNS``) -> row dicts for the intake."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "transaction_id" not in reader.fieldnames:
        raise ValidationError(
            {
                "file": ValidationError(
                    "The CSV needs a header row with at least transaction_id, "
                    "customer, occurred_at, amount, currency, type.",
                    code="invalid_csv",
                )
            }
        )
    unknown = set(reader.fieldnames) - set(CSV_COLUMNS)
    if unknown:
        raise ValidationError(
            {
                "file": ValidationError(
                    "Unknown columns: " + ", ".join(sorted(unknown)) + ".", code="invalid_csv"
                )
            }
        )
    return [{k: v for k, v in r.items() if k and v not in (None, "")} for r in reader]


# ----------------------------------------------------------------------------- result


@dataclass
class IntakeResult:
    received: int = 0
    created: list[dict[str, Any]] = field(default_factory=list)
    updated: list[dict[str, Any]] = field(default_factory=list)
    existing: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    alerts: int = 0
    stored: bool = True

    def merge(self, other: IntakeResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.existing += other.existing
        self.errors += other.errors
        self.alerts += other.alerts

    def as_dict(self) -> dict[str, Any]:
        def by_index(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return sorted(items, key=lambda e: e["index"])

        return {
            "received": self.received,
            "stored": self.stored,
            "created_count": len(self.created),
            "updated_count": len(self.updated),
            "existing_count": len(self.existing),
            "error_count": len(self.errors),
            "alert_count": self.alerts,
            "created": by_index(self.created),
            "updated": by_index(self.updated),
            "existing": by_index(self.existing),
            "errors": by_index(self.errors),
        }


def _row_error(index: int, row: int, raw: Any, errors: Mapping[str, list[str]]) -> dict[str, Any]:
    tid = raw.get("transaction_id") if isinstance(raw, Mapping) else None
    return {"index": index, "row": row, "transaction_id": tid, "errors": dict(errors)}


# ----------------------------------------------------------------------------- entry point


def intake_transactions(
    rows: Any, *, actor: Any, source: str = "api", atomic: bool = False, first_row: int = 1
) -> IntakeResult:
    """Store a batch; see the module docstring. ``first_row`` numbers the rows in reports
    (1 for a JSON list; 2 for a CSV file, whose line 1 is the header).

    With ``atomic=True`` a batch with any bad row stores nothing (``BatchRejected``).
    """
    require(actor, Module.TRANSACTIONS, Access.WRITE)
    _check_batch(rows)
    result = IntakeResult(received=len(rows))
    now = timezone.now()
    parsed = _parse_batch(rows, result, source=source, now=now, first_row=first_row)
    unique = _drop_repeats(parsed, result)
    if atomic and result.errors:
        raise BatchRejected(_rejected(result))
    stored = IntakeResult(received=result.received)
    pending, first_pass = unique, True
    while pending:
        # First pass: rows whose account a concurrent batch holds locked are set aside
        # (``SKIP LOCKED``), so two batches sharing a few customers do not wait for each
        # other's commit; the second pass stores those, waiting for the lock. An atomic batch
        # is one pass that waits.
        try:
            part, pending = _store_pass(
                pending, actor=actor, now=now, atomic=atomic, skip_locked=first_pass and not atomic
            )
        except BatchRejected as exc:
            exc.result.received = result.received
            exc.result.errors += result.errors
            raise BatchRejected(_rejected(exc.result)) from None
        stored.merge(part)
        first_pass = False
    stored.existing += result.existing
    stored.errors += result.errors
    _count_rows(stored)
    return stored


def _count_rows(stored: IntakeResult) -> None:
    """The intake-rate counter of /metrics, once the rows are committed."""
    from clientdesk.ops.metrics import count_intake

    counts = (len(stored.created), len(stored.updated), len(stored.existing), len(stored.errors))
    transaction.on_commit(lambda: count_intake(*counts))


def _store_pass(
    rows: list[TxInput], *, actor: Any, now: dt.datetime, atomic: bool, skip_locked: bool
) -> tuple[IntakeResult, list[TxInput]]:
    """One database transaction of the intake, retried from scratch when a concurrent
    request stored some of the same keys or the database broke a deadlock. Returns what it
    stored and the rows it set aside (accounts locked by another batch)."""
    for attempt in range(4):
        part = IntakeResult()
        try:
            with transaction.atomic():
                _no_parallel_query()
                deferred = _store_batch(
                    rows, actor=actor, result=part, now=now, skip_locked=skip_locked
                )
                if atomic and part.errors:
                    raise BatchRejected(part)
            return part, deferred
        except BatchRejected:
            raise
        except (IntegrityError, OperationalError) as exc:
            # Everything rolled back, so look again.
            logger.info("transaction intake retry %s: %s", attempt + 1, exc)
            if attempt == 3:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _no_parallel_query() -> None:
    """PostgreSQL: no parallel workers for this transaction's queries. Each of them reads a
    few thousand rows by index; a parallel plan (the planner picks one for some of the
    5,000-key look-ups) starts worker processes that compete with the concurrent batches
    for the same cores and finishes later, not sooner."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")


def _rejected(result: IntakeResult) -> IntakeResult:
    return IntakeResult(received=result.received, errors=result.errors, stored=False)


def _check_batch(rows: Any) -> None:
    if not isinstance(rows, list):
        raise ValidationError(
            {
                "non_field_errors": ValidationError(
                    "Send a JSON list of transactions.", code="invalid_batch"
                )
            }
        )
    if len(rows) > settings.TRANSACTION_MAX_BATCH:
        message = f"Send at most {settings.TRANSACTION_MAX_BATCH:,} transactions per batch."
        raise ValidationError(
            {"non_field_errors": ValidationError(message, code="batch_too_large")}
        )


def _parse_batch(
    rows: list[Any], result: IntakeResult, *, source: str, now: dt.datetime, first_row: int
) -> list[TxInput]:
    parsed = []
    for index, raw in enumerate(rows):
        try:
            parsed.append(
                parse_transaction(raw, now=now, source=source, index=index, row=index + first_row)
            )
        except ValidationError as exc:
            result.errors.append(_row_error(index, index + first_row, raw, exc.message_dict))
    return parsed


def _drop_repeats(rows: list[TxInput], result: IntakeResult) -> list[TxInput]:
    first: dict[tuple[str, str], int] = {}
    unique = []
    for row in rows:
        if row.key in first:
            result.existing.append(
                {
                    "index": row.index,
                    "row": row.row,
                    "transaction_id": row.external_id,
                    "of": first[row.key],
                }
            )
        else:
            first[row.key] = row.index
            unique.append(row)
    return unique


# ----------------------------------------------------------------------------- storing


@dataclass
class _TotalsChange:
    """What one batch adds to a customer's totals (reversals subtract)."""

    volume: Decimal = Decimal(0)
    count: int = 0
    latest: dt.datetime | None = None


@dataclass
class _Books:
    """Balances of one batch, kept in memory under the account row locks and written once at
    the end; and what the batch adds to each customer's totals, added to the stored figures
    when written (``add_to_totals``), so the totals rows need no lock of their own."""

    accounts: dict[int, Account]
    totals: dict[int, _TotalsChange] = field(default_factory=dict)
    entries: list[tuple[Transaction, str, Decimal, Decimal]] = field(default_factory=list)
    touched_accounts: set[int] = field(default_factory=set)

    def post(self, tx: Transaction, kind: str, signed: Decimal) -> None:
        account = self.accounts[tx.account_id]  # type: ignore[index]
        account.balance += signed
        account.entry_count += 1
        self.entries.append((tx, kind, signed, account.balance))
        self.touched_accounts.add(account.pk)

    def count_success(self, tx: Transaction, sign: int) -> None:
        change = self.totals.get(tx.customer_id)
        if change is None:
            change = self.totals[tx.customer_id] = _TotalsChange()
        change.volume += sign * tx.amount_base
        change.count += sign
        if sign > 0:
            at = tx.occurred_at
            if change.latest is None or change.latest < at:
                change.latest = at
            account = self.accounts[tx.account_id]  # type: ignore[index]
            if account.last_transaction_at is None or account.last_transaction_at < at:
                account.last_transaction_at = at


@dataclass
class _Batch:
    """What the store step learned, for the rules, timeline and messages."""

    rows: list[TxInput]
    txs: list[Transaction]
    customers: dict[int, Customer]
    merchants: dict[str, Merchant]
    devices: dict[str, Device]
    # (customer, device) -> when the customer first used the device (after this batch)
    first_use: dict[tuple[int, int], dt.datetime]
    gated: dict[int, str] = field(default_factory=dict)  # tx index in txs -> reason
    accounts_before: dict[int, dt.datetime | None] = field(default_factory=dict)


def _store_batch(
    rows: list[TxInput],
    *,
    actor: Any,
    result: IntakeResult,
    now: dt.datetime,
    skip_locked: bool = False,
) -> list[TxInput]:
    """Store what can be stored now; return the rows set aside because ``skip_locked`` found
    their account locked by a concurrent batch."""
    known = _known(rows)
    new = [r for r in rows if r.key not in known]
    changes: list[tuple[TxInput, dict[str, Any]]] = []
    for r in rows:
        if r.key not in known:
            continue
        stored = known[r.key]
        if stored["reported_status"] == r.status:
            result.existing.append(
                {
                    "index": r.index,
                    "row": r.row,
                    "transaction_id": r.external_id,
                    "id": stored["id"],
                }
            )
        else:
            changes.append((r, stored))
    customers = _find_customers(new, [s["customer_id"] for _, s in changes], result)
    new = [r for r in new if _customer_of(r, customers) is not None]
    by_id = {c.pk: c for c in customers.values()}
    accounts, busy = _lock_accounts(
        new, customers, [s["account_id"] for _, s in changes], skip_locked=skip_locked
    )
    deferred: list[TxInput] = []
    if busy:
        deferred = [r for r in new if _account_key(r, customers) in busy]
        deferred += [r for r, s in changes if s["account_id"] in busy]
        new = [r for r in new if _account_key(r, customers) not in busy]
        changes = [(r, s) for r, s in changes if s["account_id"] not in busy]
        deferred.sort(key=lambda r: r.index)
    merchants = _ensure_merchants(new)
    devices = _ensure_devices(new)
    books = _Books(accounts=accounts)
    batch = _Batch(
        rows=new,
        txs=[],
        customers=by_id,
        merchants=merchants,
        devices=devices,
        first_use={},
        accounts_before={a.pk: a.last_transaction_at for a in accounts.values()},
    )
    _build(new, customers, batch, books)
    insert_rows(Transaction, batch.txs)
    for row, tx in zip(new, batch.txs, strict=True):
        result.created.append(
            {
                "index": row.index,
                "row": row.row,
                "transaction_id": row.external_id,
                "id": tx.pk,
                "status": tx.status,
            }
        )
    changed = _apply_changes(changes, books, result)
    batch.first_use = _upsert_links(batch)
    _write_books(books)
    alerts = _run_rules(batch, now=now)
    alerts += _blocked_alerts(batch, now=now)
    result.alerts = len(alerts)
    _timeline(batch, alerts)
    _after_commit(batch, alerts, actor=actor)
    _update_devices(batch)
    if batch.txs or changed:
        audit.record(
            actor=actor,
            action="create",
            target=audit.Target(
                Transaction._meta.label_lower,
                "",
                f"Transaction intake of {len(batch.txs)} transactions",
            ),
            changes={
                "created": len(batch.txs),
                "status_changes": changed,
                "failed": sum(1 for t in batch.txs if t.status == "failed"),
                "alerts": [a.pk for a in alerts][:1000],
                "first_id": batch.txs[0].pk if batch.txs else None,
                "last_id": batch.txs[-1].pk if batch.txs else None,
            },
        )
    return deferred


_KNOWN_FIELDS = (
    "id",
    "source",
    "external_id",
    "status",
    "reported_status",
    "customer_id",
    "account_id",
)


def _known(rows: list[TxInput]) -> dict[tuple[str, str], dict[str, Any]]:
    """The stored transactions among the rows' (source, id) keys.

    PostgreSQL: the keys as two arrays joined to ``tx_unique_source_id`` (one index probe a
    key); ``source = x AND external_id = ANY(...)`` would make the planner read every row of
    the source and test each against the array."""
    if not rows:
        return {}
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Transaction._meta.db_table)
        columns = ", ".join(f"t.{name}" for name in _KNOWN_FIELDS)
        with _array_cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM unnest(%b::text[], %b::text[]) AS k(source, external_id) "  # noqa: S608 - quoted name, bound values
                f"JOIN {table} t ON t.source = k.source AND t.external_id = k.external_id",
                [[r.source for r in rows], [r.external_id for r in rows]],
            )
            found = [dict(zip(_KNOWN_FIELDS, values, strict=True)) for values in cursor]
        return {(v["source"], v["external_id"]): v for v in found}
    by_source: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_source[row.source].append(row.external_id)
    condition = Q()
    for src, ids in by_source.items():
        condition |= Q(source=src, external_id__in=ids)
    return {
        (v["source"], v["external_id"]): v
        for v in Transaction.objects.filter(condition).values(*_KNOWN_FIELDS)
    }


_CUSTOMER_FIELDS = (
    "id",
    "client_id",
    "status",
    "first_name",
    "last_name",
    "mobile",
    "income_band",
)


def _find_customers(
    rows: list[TxInput], extra_ids: list[int], result: IntakeResult
) -> dict[str | int, Customer]:
    """Customers by the reference the rows used (client ID or id); rows naming an unknown
    customer become row errors.

    Read without a row lock: the intake never writes the customer row (its totals live in
    ``CustomerTotals``, its accounts are locked), and locking the wide row would dirty its
    heap page for nothing."""
    refs = {r.customer_ref for r in rows}
    codes = [r for r in refs if isinstance(r, str)]
    ids = [r for r in refs if isinstance(r, int)] + list(extra_ids)
    found: dict[str | int, Customer] = {}
    condition = Q(client_id__any=codes) if codes else Q()
    if ids:
        condition |= Q(pk__any=ids)
    if condition:
        values = Customer.objects.filter(condition).order_by().values_list(*_CUSTOMER_FIELDS)
        for c in _instances(Customer, _CUSTOMER_FIELDS, values):
            found[c.pk] = c
            found[c.client_id] = c
    for r in rows:
        if r.customer_ref not in found:
            result.errors.append(
                {
                    "index": r.index,
                    "row": r.row,
                    "transaction_id": r.external_id,
                    "errors": {"customer": [f"No customer “{r.customer_ref}”."]},
                }
            )
    return found


def _customer_of(row: TxInput, customers: Mapping[str | int, Customer]) -> Customer | None:
    return customers.get(row.customer_ref)


# What the intake reads of accounts and devices (the rest stays in the database).
_ACCOUNT_FIELDS = (
    "id",
    "customer_id",
    "kind",
    "currency",
    "balance",
    "overdraft_limit",
    "entry_count",
    "last_transaction_at",
)
_DEVICE_FIELDS = ("id", "device_id", "status", "first_seen_at", "last_seen_at")
# What the rules, the timeline and the transaction list read of a merchant.
_MERCHANT_FIELDS = (
    "id",
    "merchant_id",
    "name",
    "mcc",
    "category",
    "city",
    "country",
    "is_high_risk",
)


def _account_key(row: TxInput, customers: Mapping[str | int, Customer]) -> tuple[int, str, str]:
    return (customers[row.customer_ref].pk, row.account_kind, row.currency)


def _lock_accounts(
    rows: list[TxInput],
    customers: Mapping[str | int, Customer],
    extra_ids: list[int | None],
    *,
    skip_locked: bool = False,
) -> tuple[dict[int, Account], set[Any]]:
    """The accounts the rows post to, opened on first sight, locked in id order.

    With ``skip_locked`` (PostgreSQL) accounts another transaction holds locked are not
    waited for: they come back in the second value, as (customer, kind, currency) keys and
    ids, for the caller to set their rows aside."""
    wanted = {_account_key(r, customers) for r in rows}
    customer_ids = sorted({k[0] for k in wanted})
    ids = [i for i in extra_ids if i is not None]
    condition = Q(customer_id__any=customer_ids)
    if ids:
        condition |= Q(pk__any=ids)
    skip_locked = skip_locked and connection.vendor == "postgresql"
    qs = (
        Account.objects.select_for_update(skip_locked=skip_locked)
        .filter(condition)
        .order_by("pk")
        .values_list(*_ACCOUNT_FIELDS)
    )
    found = {a.pk: a for a in _instances(Account, _ACCOUNT_FIELDS, qs)}
    existing = {(a.customer_id, a.kind, a.currency) for a in found.values()}
    busy: set[Any] = set()
    if skip_locked and (len(found) < len(ids) or not wanted <= existing):
        # Skipped rows look missing: those that exist are locked by another batch.
        # No ordering: the model's default (by customer name) would join the customers.
        keys = Account.objects.filter(condition).order_by().values_list(*_ACCOUNT_FIELDS[:4])
        for pk, customer_id, kind, currency in keys:
            if pk not in found:
                busy |= {pk, (customer_id, kind, currency)}
    missing = sorted(wanted - existing - busy)
    if missing:
        # New rows are invisible to other transactions until commit; a concurrent batch
        # opening the same account fails on tx_account_unique and the intake retries.
        opened = [Account(customer_id=c, kind=k, currency=cur) for c, k, cur in missing]
        insert_rows(Account, opened)
        found.update({a.pk: a for a in opened})
    return found, busy


def _ensure_merchants(rows: list[TxInput]) -> dict[str, Merchant]:
    """Merchants by merchant_id; unknown ones created (in key order) from the first row."""
    first: dict[str, dict[str, str]] = {}
    for r in rows:
        if r.merchant and r.merchant["merchant_id"] not in first:
            first[r.merchant["merchant_id"]] = r.merchant
    if not first:
        return {}
    found = _by_key(Merchant, "merchant_id", _MERCHANT_FIELDS, list(first))
    missing = sorted(set(first) - set(found))
    if missing:
        Merchant.objects.bulk_create([Merchant(**first[m]) for m in missing], ignore_conflicts=True)
        found.update(_by_key(Merchant, "merchant_id", _MERCHANT_FIELDS, missing))
    return found


def _ensure_devices(rows: list[TxInput]) -> dict[str, Device]:
    """Devices by device_id, created on first sight (in key order).

    Read, not locked: a POS terminal or a shared phone appears in many batches at once, and
    holding its row lock from here to commit would make concurrent batches wait for each
    other. The seen times are added at the end (``_update_devices``); a device blocked while
    the batch runs takes effect from the next batch, as with any read-committed read."""
    first: dict[str, tuple[dict[str, str], dt.datetime]] = {}
    for r in rows:
        if r.device:
            did = r.device["device_id"]
            if did not in first or r.occurred_at < first[did][1]:
                first[did] = (r.device, r.occurred_at)
    if not first:
        return {}
    # PostgreSQL moves the seen times forward in SQL (``_update_devices``), without them.
    names = _DEVICE_FIELDS if connection.vendor != "postgresql" else _DEVICE_FIELDS[:3]
    found = _by_key(Device, "device_id", names, list(first))
    missing = sorted(set(first) - set(found))
    if missing:
        Device.objects.bulk_create(
            [
                Device(**first[d][0], first_seen_at=first[d][1], last_seen_at=first[d][1])
                for d in missing
            ],
            ignore_conflicts=True,
        )
        found.update(_by_key(Device, "device_id", names, missing))
    return found


def _build(
    rows: list[TxInput], customers: Mapping[str | int, Customer], batch: _Batch, books: _Books
) -> None:
    """Gate, check funds and post each new row in batch order (in memory)."""
    by_key = {(a.customer_id, a.kind, a.currency): a for a in books.accounts.values()}
    originals = _originals(rows)
    for row in rows:
        customer = customers[row.customer_ref]
        account = by_key[(customer.pk, row.account_kind, row.currency)]
        device = batch.devices.get(row.device["device_id"]) if row.device else None
        merchant = batch.merchants.get(row.merchant["merchant_id"]) if row.merchant else None
        tx = _new_transaction(
            source=row.source,
            external_id=row.external_id,
            customer_id=customer.pk,
            account_id=account.pk,
            occurred_at=row.occurred_at,
            amount=row.amount,
            currency=row.currency,
            amount_base=row.amount_base,
            type=row.type,
            direction=row.direction,
            merchant_id=merchant.pk if merchant else None,
            device_id=device.pk if device else None,
            channel=row.channel,
            status=row.status,
            reported_status=row.status,
            failure_reason=row.failure_reason,
            description=row.description,
            original_id=originals.get((row.source, row.original_ref)),
        )
        tx._state.fields_cache.update(customer=customer, merchant=merchant, device=device)
        reason = _gate(customer, device) if row.status != TransactionStatus.FAILED else None
        if reason:
            tx.status, tx.failure_reason = TransactionStatus.FAILED, reason
            batch.gated[len(batch.txs)] = reason
        elif tx.status == TransactionStatus.SUCCESSFUL:
            _post_new(tx, account, books)
        batch.txs.append(tx)


# Set by the database or by ``insert_rows``, not by the intake.
_TX_LATER = {"id": None, "created_at": None, "updated_at": None}


def _new_transaction(**values: Any) -> Transaction:
    """A new, unsaved ``Transaction`` from every field's value, built as ``_instances``
    builds read ones: ``Transaction(**values)`` (every field's default looked up, each
    foreign key through its descriptor) was the largest single cost of building a batch."""
    tx = object.__new__(Transaction)
    tx.__dict__.update(_TX_LATER, **values, _state=ModelState())
    return tx


def _originals(rows: list[TxInput]) -> dict[tuple[str, str], int]:
    refs = {(r.source, r.original_ref) for r in rows if r.original_ref}
    if not refs:
        return {}
    condition = Q()
    for src, ext in refs:
        condition |= Q(source=src, external_id=ext)
    return {
        (s, e): pk
        for pk, s, e in Transaction.objects.filter(condition).values_list(
            "pk", "source", "external_id"
        )
    }


def _gate(customer: Customer, device: Device | None) -> str | None:
    if customer.status != Status.ACTIVE:
        return FailureReason.CUSTOMER_INACTIVE
    if device is not None and device.is_blocked:
        return FailureReason.DEVICE_BLOCKED
    return None


def _post_new(tx: Transaction, account: Account, books: _Books) -> None:
    """Post a successful transaction, or fail it for insufficient funds."""
    signed = tx.signed_amount
    if signed < 0 and account.balance + signed < -account.overdraft_limit:
        tx.status, tx.failure_reason = TransactionStatus.FAILED, FailureReason.INSUFFICIENT_FUNDS
        return
    books.post(tx, LedgerEntry.Kind.POSTING, signed)
    books.count_success(tx, +1)


# ----------------------------------------------------------------------------- status changes


def _apply_changes(
    changes: list[tuple[TxInput, dict[str, Any]]], books: _Books, result: IntakeResult
) -> int:
    """A known transaction sent with a new status: pending -> successful/failed,
    successful -> reversed. Anything else is a row error; the row stays as stored."""
    if not changes:
        return 0
    ids = [s["id"] for _, s in changes]
    locked = {t.pk: t for t in Transaction.objects.select_for_update().filter(pk__in=ids)}
    done = 0
    for row, stored in changes:
        tx = locked[stored["id"]]
        message = change_status(tx, row.status, books=books, reason=row.failure_reason)
        entry = {"index": row.index, "row": row.row, "transaction_id": row.external_id}
        if message:
            result.errors.append({**entry, "errors": {"status": [message]}})
        else:
            done += 1
            result.updated.append({**entry, "id": tx.pk, "status": tx.status})
    return done


def change_status(tx: Transaction, target: str, *, books: _Books, reason: str = "") -> str | None:
    """Apply a status change to a locked transaction (ledger and totals in ``books``);
    return an error message instead when the transition table forbids it."""
    if target == tx.status:
        tx.reported_status = target
        tx.save(update_fields=["reported_status", "updated_at"])
        return None
    if target not in TRANSACTION_TRANSITIONS[tx.status]:
        return (
            f"A {tx.get_status_display().lower()} transaction cannot become "
            f"{TransactionStatus(target).label.lower()}."
        )
    old = tx.status
    tx.status, tx.reported_status = target, target
    if target == TransactionStatus.SUCCESSFUL:
        account = books.accounts[tx.account_id]  # type: ignore[index]
        _post_new(tx, account, books)
        if tx.status == TransactionStatus.FAILED:
            tx.reported_status = target
    elif target == TransactionStatus.FAILED:
        tx.failure_reason = reason
    elif target == TransactionStatus.REVERSED and old == TransactionStatus.SUCCESSFUL:
        books.post(tx, LedgerEntry.Kind.REVERSAL, -tx.signed_amount)
        books.count_success(tx, -1)
    tx.save(update_fields=["status", "reported_status", "failure_reason", "updated_at"])
    return None


# ----------------------------------------------------------------------------- writes


_LEDGER_COLUMNS = ("account_id", "transaction_id", "kind", "amount", "balance_after")


def _write_books(books: _Books) -> None:
    insert_values(
        LedgerEntry,
        _LEDGER_COLUMNS,
        [(tx.account_id, tx.pk, kind, amount, after) for tx, kind, amount, after in books.entries],
    )
    accounts = [books.accounts[pk] for pk in sorted(books.touched_accounts)]
    set_values(
        Account,
        ("balance", "entry_count", "last_transaction_at"),
        [(a.pk, a.balance, a.entry_count, a.last_transaction_at) for a in accounts],
    )
    add_to_totals(books.totals)


def add_to_totals(changes: Mapping[int, _TotalsChange]) -> None:
    """Add a batch's changes to the customers' ``CustomerTotals`` rows (created if missing).

    PostgreSQL: one ``UPDATE ... FROM unnest(...)`` that adds to the stored figures, so
    concurrent batches for the same customer both count without locking the row first.
    SQLite: the stored figures are read and the sums written back, exact in Python (SQLite
    would add decimals as floats); a writing SQLite transaction runs alone, and a snapshot
    that went stale fails instead of losing an update.
    """
    if not changes:
        return
    ids = sorted(changes)
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(CustomerTotals._meta.db_table)
        sql = (
            f"UPDATE {table} AS t SET volume = t.volume + v.volume, count = t.count + v.count, "  # noqa: S608 - quoted name, bound values
            "last_transaction_at = GREATEST(t.last_transaction_at, v.latest) "
            "FROM unnest(%b::bigint[], %b::numeric[], %b::integer[], %b::timestamptz[]) "
            "AS v(customer_id, volume, count, latest) WHERE t.customer_id = v.customer_id "
            "RETURNING t.customer_id"
        )

        def add(pks: list[int]) -> set[int]:
            with _array_cursor() as cursor:
                cursor.execute(
                    sql,
                    [
                        pks,
                        [changes[pk].volume for pk in pks],
                        [changes[pk].count for pk in pks],
                        [changes[pk].latest for pk in pks],
                    ],
                )
                return {row[0] for row in cursor.fetchall()}

        missing = sorted(set(ids) - add(ids))
        if missing:  # every customer has a row (a trigger makes it); one missing is made here
            CustomerTotals.objects.bulk_create(
                [CustomerTotals(customer_id=pk) for pk in missing], ignore_conflicts=True
            )
            add(missing)
        return
    stored = {t.customer_id: t for t in CustomerTotals.objects.filter(customer_id__in=ids)}
    made = [CustomerTotals(customer_id=pk) for pk in ids if pk not in stored]
    CustomerTotals.objects.bulk_create(made)
    stored.update({t.customer_id: t for t in made})
    rows = []
    for pk in ids:
        totals, change = stored[pk], changes[pk]
        latest = totals.last_transaction_at
        if change.latest is not None and (latest is None or latest < change.latest):
            latest = change.latest
        rows.append((pk, totals.volume + change.volume, totals.count + change.count, latest))
    set_values(CustomerTotals, ("volume", "count", "last_transaction_at"), rows)


def _insert_fields(
    model: type[models.Model],
) -> tuple[models.Field[Any, Any], list[Any], list[Any]]:
    """The primary key, the other concrete fields, and those stamped with the time."""
    pk = cast(models.Field[Any, Any], model._meta.pk)
    fields = [f for f in model._meta.concrete_fields if f is not pk]
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    return pk, fields, stamped


def insert_rows(model: type[models.Model], objs: list[Any]) -> None:
    """Insert new rows and set their primary keys, like ``bulk_create``.

    PostgreSQL: the ids come from the table's sequence in one query and the rows go in by
    ``COPY``: Django's multi-row ``INSERT`` spends more time compiling the statement and
    psycopg more time splitting its placeholders than the server spends storing the rows.
    Field values are the instances' attributes as they are (str, int, Decimal, aware
    datetime, None), ``auto_now``/``auto_now_add`` set as Django would; a field needing
    another conversion goes through its ``get_db_prep_save``. Elsewhere: ``bulk_create``.
    """
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=500)
        return
    meta = model._meta
    pk, fields, stamped = _insert_fields(model)
    converted = [f for f in fields if f.get_internal_type() in _CONVERTED_TYPES]
    now = timezone.now()
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    attnames = [pk.attname] + [f.attname for f in fields]

    def rows() -> Iterator[list[Any]]:
        for obj, new_id in zip(objs, ids, strict=True):
            setattr(obj, pk.attname, new_id)
            for f in stamped:
                setattr(obj, f.attname, now)
            row = [getattr(obj, name) for name in attnames]
            if converted:
                row = [
                    f.get_db_prep_save(v, connection) if f in converted else v
                    for f, v in zip([pk, *fields], row, strict=True)
                ]
            yield row

    _copy(model, [pk, *fields], rows())
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_values(
    model: type[models.Model], names: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert rows given as value tuples (attribute ``names``; ``auto_now``/``auto_now_add``
    fields get the time, every other field must be named): for rows nobody reads back, so
    no model instance is built. PostgreSQL: ``COPY``; elsewhere ``bulk_create``."""
    if not rows:
        return
    meta = model._meta
    _, fields, stamped = _insert_fields(model)
    unnamed = {f.attname for f in fields} - set(names) - {f.attname for f in stamped}
    assert not unnamed, f"insert_values({meta.label}) needs values for {sorted(unnamed)}"
    if connection.vendor != "postgresql" or any(
        f.get_internal_type() in _CONVERTED_TYPES for f in fields if f.attname in names
    ):
        model._default_manager.bulk_create(
            [model(**dict(zip(names, row, strict=True))) for row in rows], batch_size=500
        )
        return
    stamps = (timezone.now(),) * len(stamped)
    by_name = {f.attname: f for f in fields}
    _copy(model, [by_name[n] for n in names] + stamped, (row + stamps for row in rows))


def _copy(model: type[models.Model], fields: list[Any], rows: Iterable[Sequence[Any]]) -> None:
    """PostgreSQL ``COPY`` of ``rows`` (values in ``fields`` order) into the model's table.
    ``wrap_database_errors``: a duplicate key raises Django's ``IntegrityError`` (the intake
    retries on it), as an ``INSERT`` would."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)


# Field types whose Python value is not what COPY should get as it is.
_CONVERTED_TYPES = frozenset({"JSONField", "UUIDField", "BinaryField", "DurationField"})


def set_values(
    model: type[models.Model], names: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Write absolute values to many rows at once: ``rows`` are ``(pk, a, b, ...)``.

    PostgreSQL: one ``UPDATE ... FROM unnest(%s::bigint[], %s::numeric[], ...)``, one array
    parameter per column however many rows (thousands of placeholders cost more to build
    and bind than the update itself). SQLite: ``UPDATE ... FROM (VALUES ...)`` per 300 rows.
    Raw SQL because the ORM's per-row alternative (a CASE per row, or a save per row) costs
    far more than the rest of a batch. Names are quoted, values bound; callers hold the row
    locks, so absolute values are safe. ``auto_now`` fields not named get the time, as
    ``save()`` would set them.
    """
    if not rows:
        return
    stamped = tuple(
        f.name
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) and f.name not in names
    )
    if stamped:
        stamps = (timezone.now(),) * len(stamped)
        names, rows = names + stamped, [row + stamps for row in rows]
    quote = connection.ops.quote_name
    fields = [cast(models.Field[Any, Any], model._meta.get_field(n)) for n in names]
    table = quote(model._meta.db_table)
    # v's columns: column1 (the pk), column2 ... (SQLite's names for a VALUES list)
    where = f"WHERE {table}.{quote(str(model._meta.pk.column))} = v.column1"
    sets = ", ".join(f"{quote(f.column)} = v.column{i + 2}" for i, f in enumerate(fields))
    columns = ", ".join(f"column{i + 1}" for i in range(len(fields) + 1))
    if connection.vendor == "postgresql":
        types = ["bigint"] + [str(f.db_type(connection)) for f in fields]
        arrays: list[list[Any]] = [[row[0] for row in rows]]
        for i, f in enumerate(fields, start=1):
            if f.get_internal_type() in _CONVERTED_TYPES:
                arrays.append([f.get_db_prep_value(row[i], connection) for row in rows])
            else:  # int, Decimal, str, aware datetime: psycopg binds them as they are
                arrays.append([row[i] for row in rows])
        unnest = ", ".join(f"%b::{t}[]" for t in types)  # %b: bound in binary
        with _array_cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM unnest({unnest}) AS v({columns}) {where}",  # noqa: S608 - quoted names, bound values
                arrays,
            )
        return
    with connection.cursor() as cursor:
        one = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
        for start in range(0, len(rows), 300):
            chunk = rows[start : start + 300]
            params: list[Any] = []
            for row in chunk:
                params.append(row[0])
                params += [
                    f.get_db_prep_value(v, connection) for f, v in zip(fields, row[1:], strict=True)
                ]
            values = ", ".join([one] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS v {where}",  # noqa: S608 - quoted names, bound values
                params,
            )


def _upsert_links(batch: _Batch) -> dict[tuple[int, int], dt.datetime]:
    """Customer-device links: new pairs created (a new association), known ones counted.
    Returns each pair's ``first_seen_at`` as stored after the batch (for the new-device
    rule)."""
    seen: dict[tuple[int, int], list[Transaction]] = defaultdict(list)
    for tx in batch.txs:
        if tx.device_id:
            seen[(tx.customer_id, tx.device_id)].append(tx)
    if not seen:
        return {}
    pairs = sorted(seen)
    figures = []
    for pair in pairs:
        txs = seen[pair]
        first = last = txs[0].occurred_at
        failed = 0
        for t in txs:
            first, last = min(first, t.occurred_at), max(last, t.occurred_at)
            failed += t.status == TransactionStatus.FAILED
        figures.append((first, last, len(txs), failed))
    if connection.vendor == "postgresql":
        return _upsert_links_pg(pairs, figures)
    links = {(link.customer_id, link.device_id): link for link in _known_links(pairs)}
    new, known = [], []
    for pair, (first, last, count, failed) in zip(pairs, figures, strict=True):
        link = links.get(pair)
        if link is None:
            link = CustomerDevice(
                customer_id=pair[0],
                device_id=pair[1],
                first_seen_at=first,
                last_seen_at=last,
                transaction_count=count,
                failed_count=failed,
            )
            new.append(link)
            links[pair] = link
        else:
            link.first_seen_at = min(link.first_seen_at, first)
            link.last_seen_at = max(link.last_seen_at, last)
            link.transaction_count += count
            link.failed_count += failed
            known.append(link)
    CustomerDevice.objects.bulk_create(new, batch_size=1000)
    set_values(
        CustomerDevice,
        ("first_seen_at", "last_seen_at", "transaction_count", "failed_count"),
        [
            (x.pk, x.first_seen_at, x.last_seen_at, x.transaction_count, x.failed_count)
            for x in known
        ],
    )
    return {pair: link.first_seen_at for pair, link in links.items()}


def _upsert_links_pg(
    pairs: list[tuple[int, int]], figures: list[tuple[dt.datetime, dt.datetime, int, int]]
) -> dict[tuple[int, int], dt.datetime]:
    """PostgreSQL: one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` for every pair, in
    (customer, device) order: finds, creates and counts in one statement."""
    table = connection.ops.quote_name(CustomerDevice._meta.db_table)
    columns = list(zip(*figures, strict=True))
    with _array_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} AS l (customer_id, device_id, first_seen_at, last_seen_at, "  # noqa: S608 - quoted name, bound values
            "transaction_count, failed_count) SELECT * FROM unnest(%b::bigint[], %b::bigint[], "
            "%b::timestamptz[], %b::timestamptz[], %b::integer[], %b::integer[]) "
            "ON CONFLICT (customer_id, device_id) DO UPDATE SET "
            "first_seen_at = LEAST(l.first_seen_at, EXCLUDED.first_seen_at), "
            "last_seen_at = GREATEST(l.last_seen_at, EXCLUDED.last_seen_at), "
            "transaction_count = l.transaction_count + EXCLUDED.transaction_count, "
            "failed_count = l.failed_count + EXCLUDED.failed_count "
            "RETURNING customer_id, device_id, first_seen_at",
            [[c for c, _ in pairs], [d for _, d in pairs], *map(list, columns)],
            binary=True,  # timestamps loaded in C (Django's text loader is Python)
        )
        return {(c, d): first for c, d, first in cursor.fetchall()}


def _known_links(pairs: list[tuple[int, int]]) -> Iterable[CustomerDevice]:
    """The stored links among these (customer, device) pairs (SQLite: the customers' links
    to any of the devices)."""
    return CustomerDevice.objects.filter(
        customer_id__in={c for c, _ in pairs}, device_id__in={d for _, d in pairs}
    ).order_by()


def _update_devices(batch: _Batch) -> None:
    """Move the devices' first/last seen times out to the batch's (the last write of the
    batch, so the row locks it takes are held only until the commit that follows).

    PostgreSQL: ``LEAST``/``GREATEST`` against the stored values, in device-id order, so two
    batches using the same POS terminal both count and never deadlock. SQLite: the values
    read at the start (a writing SQLite transaction runs alone)."""
    earliest: dict[int, dt.datetime] = {}
    latest: dict[int, dt.datetime] = {}
    for tx in batch.txs:
        if tx.device_id:
            at = tx.occurred_at
            if tx.device_id not in latest:
                earliest[tx.device_id] = latest[tx.device_id] = at
            elif at > latest[tx.device_id]:
                latest[tx.device_id] = at
            elif at < earliest[tx.device_id]:
                earliest[tx.device_id] = at
    if not latest:
        return
    if connection.vendor != "postgresql":
        rows = []
        for device in batch.devices.values():
            if device.pk not in latest:
                continue
            first = min(device.first_seen_at, earliest[device.pk])
            last = max(device.last_seen_at, latest[device.pk])
            if (first, last) != (device.first_seen_at, device.last_seen_at):
                device.first_seen_at, device.last_seen_at = first, last
                rows.append((device.pk, first, last))
        set_values(Device, ("first_seen_at", "last_seen_at"), sorted(rows))
        return
    rows = sorted((pk, earliest[pk], latest[pk]) for pk in latest)
    table = connection.ops.quote_name(Device._meta.db_table)
    with _array_cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS d SET first_seen_at = LEAST(d.first_seen_at, v.first), "  # noqa: S608 - quoted name, bound values
            "last_seen_at = GREATEST(d.last_seen_at, v.last) "
            "FROM unnest(%b::bigint[], %b::timestamptz[], %b::timestamptz[]) AS v(id, first, last) "
            "WHERE d.id = v.id AND (v.first < d.first_seen_at OR v.last > d.last_seen_at)",
            [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]],
        )


# ----------------------------------------------------------------------------- rules and alerts


def _run_rules(batch: _Batch, *, now: dt.datetime) -> list[Alert]:
    active = [r for r in Rule.objects.filter(enabled=True) if r.rule_type in rules.INTAKE_TYPES]
    if not active or not batch.txs:
        return []
    times = _customer_times(batch, active)
    previous = _previous_activity(batch)
    found: list[rules.Candidate] = []
    for tx in batch.txs:
        first_use = batch.first_use.get((tx.customer_id, tx.device_id)) if tx.device_id else None  # type: ignore[arg-type]
        facts = rules.TxFacts(
            tx=tx,
            merchant=tx.merchant,
            previous_activity_at=previous.get(tx.pk),
            device_first_seen_at=first_use,
        )
        found += rules.evaluate_transaction(active, facts, times.get(tx.customer_id, []))
    from .services import store_candidates

    return store_candidates(found, now=now)


def _customer_times(batch: _Batch, active: list[Rule]) -> dict[int, list[dt.datetime]]:
    """Sorted times of each batch customer's successful/pending transactions in the widest
    velocity window around the customer's rows (one query, after the batch was stored).

    PostgreSQL: each customer's own window, ``[first - window, last]`` of its rows, read
    through ``tx_customer_time_idx`` (one index range per customer; a single window over the
    whole batch would read every customer's rows of the busiest hours). SQLite: one window
    for the batch."""
    minutes = [int(r.parameters["minutes"]) for r in active if r.rule_type == "velocity"]
    if not minutes:
        return {}
    window = dt.timedelta(minutes=max(minutes))
    spans: dict[int, list[dt.datetime]] = {}
    for tx in batch.txs:
        span = spans.get(tx.customer_id)
        if span is None:
            spans[tx.customer_id] = [tx.occurred_at, tx.occurred_at]
        elif tx.occurred_at < span[0]:
            span[0] = tx.occurred_at
        elif tx.occurred_at > span[1]:
            span[1] = tx.occurred_at
    times: dict[int, list[dt.datetime]] = defaultdict(list)
    statuses = [str(s) for s in rules.ACTIVE_STATUSES]
    if connection.vendor == "postgresql":
        ids = sorted(spans)
        table = connection.ops.quote_name(Transaction._meta.db_table)
        with _array_cursor() as cursor:
            cursor.execute(
                "SELECT v.customer_id, t.occurred_at FROM unnest(%b::bigint[], "  # noqa: S608 - quoted name, bound values
                "%b::timestamptz[], %b::timestamptz[]) AS v(customer_id, start, until) "
                f"CROSS JOIN LATERAL (SELECT occurred_at FROM {table} "
                "WHERE customer_id = v.customer_id AND occurred_at > v.start "
                "AND occurred_at <= v.until AND status = ANY(%b)) AS t",
                [
                    ids,
                    [spans[c][0] - window for c in ids],
                    [spans[c][1] for c in ids],
                    statuses,
                ],
                binary=True,  # timestamps loaded in C (Django's text loader is Python)
            )
            rows: Iterable[tuple[int, dt.datetime]] = cursor.fetchall()
    else:
        rows = Transaction.objects.filter(
            customer_id__in=list(spans),
            occurred_at__gt=min(s[0] for s in spans.values()) - window,
            occurred_at__lte=max(s[1] for s in spans.values()),
            status__in=statuses,
        ).values_list("customer_id", "occurred_at")
    for customer_id, at in rows:
        times[customer_id].append(at)
    for values in times.values():
        values.sort()
    return times


def _previous_activity(batch: _Batch) -> dict[int, dt.datetime | None]:
    """Each new successful transaction's previous successful one on its account (the
    account's last before the batch, or an earlier one in the batch)."""
    by_account: dict[int, list[Transaction]] = defaultdict(list)
    for tx in batch.txs:
        if tx.status == TransactionStatus.SUCCESSFUL:
            by_account[tx.account_id].append(tx)  # type: ignore[index]
    if not by_account:
        return {}
    before = batch.accounts_before
    found: dict[int, dt.datetime | None] = {}
    for account_id, txs in by_account.items():
        prev = before.get(account_id)
        for tx in sorted(txs, key=lambda t: t.occurred_at):
            found[tx.pk] = prev
            prev = tx.occurred_at if prev is None else max(prev, tx.occurred_at)
    return found


def _blocked_key(tx: Transaction, reason: str) -> str:
    """Attempts of one customer refused for one reason within one minute share an alert."""
    minute = tx.occurred_at.astimezone(dt.UTC).strftime("%Y%m%d%H%M")
    digest = hashlib.sha256(reason.encode()).hexdigest()[:12]
    return f"blocked:c{tx.customer_id}:{digest}:{minute}"


def _blocked_alerts(batch: _Batch, *, now: dt.datetime) -> list[Alert]:
    """One alert per customer, refusal reason and minute (customer not active, device
    blocked), with every attempt of that minute as its evidence: a client retrying a refused
    payment five times raises one alert, not five. Attempts joining an alert raised by an
    earlier batch are added to its evidence; only new alerts are returned."""
    if not batch.gated:
        return []
    groups: dict[str, list[Transaction]] = defaultdict(list)
    reasons: dict[str, str] = {}
    for i, reason in batch.gated.items():
        key = _blocked_key(batch.txs[i], reason)
        groups[key].append(batch.txs[i])
        reasons[key] = reason
    existing = {a.dedupe_key: a for a in Alert.objects.filter(dedupe_key__in=list(groups))}
    fresh = [
        Alert(
            kind=AlertKind.BLOCKED_ATTEMPT,
            customer_id=txs[0].customer_id,
            severity=Severity.HIGH,
            title=f"Blocked attempt: {reasons[key]}",
            details={
                "reason": reasons[key],
                "attempts": len(txs),
                "amount_base": str(sum((t.amount_base for t in txs), Decimal(0))),
            },
            dedupe_key=key,
            created_at=now,
        )
        for key, txs in groups.items()
        if key not in existing
    ]
    Alert.objects.bulk_create(fresh)
    by_key = {**existing, **{a.dedupe_key: a for a in fresh}}
    Through = Alert.transactions.through
    Through.objects.bulk_create(
        [
            Through(alert_id=by_key[key].pk, transaction_id=t.pk)
            for key, txs in groups.items()
            for t in txs
        ]
    )
    for alert in fresh:
        alert.evidence_ids = [t.pk for t in groups[alert.dedupe_key]]  # type: ignore[attr-defined]
    return fresh


# ----------------------------------------------------------------------------- timeline, SMS


def large_amount() -> Decimal:
    return Decimal(str(settings.TRANSACTION_LARGE_AMOUNT))


def _describe(tx: Transaction) -> str:
    kind = tx.get_type_display()
    if tx.type == TransactionType.TRANSFER:
        kind = f"{tx.get_direction_display()} transfer"
    where = f" at {tx.merchant}" if tx.merchant else ""
    text = f"{kind} of {tx.currency} {tx.amount_display}{where}"
    if tx.status == TransactionStatus.FAILED:
        text += " failed" + (f": {tx.failure_reason}" if tx.failure_reason else "")
    elif tx.status != TransactionStatus.SUCCESSFUL:
        text += f" ({tx.get_status_display().lower()})"
    return text


def _timeline(batch: _Batch, alerts: list[Alert]) -> None:
    """One "transaction" activity for each transaction that matters: large, failed or
    blocked, or with an alert. Ordinary ones stay off the timeline."""
    flagged: dict[int, list[str]] = defaultdict(list)
    for alert in alerts:
        for pk in getattr(alert, "evidence_ids", []):
            flagged[pk].append(alert.title)
    limit = large_amount()
    entries: list[Activity] = []
    latest: dict[int, dt.datetime] = {}
    for tx in batch.txs:
        reasons = []
        if tx.amount_base >= limit:
            reasons.append("large")
        if tx.status == TransactionStatus.FAILED:
            reasons.append("failed")
        if flagged.get(tx.pk):
            reasons.append("alert")
        if not reasons:
            continue
        entries.append(
            Activity(
                customer_id=tx.customer_id,
                subject_type=Transaction._meta.label_lower,
                subject_id=str(tx.pk),
                kind=Kind.TRANSACTION,
                body=_describe(tx),
                data={
                    "transaction": tx.pk,
                    "transaction_id": tx.external_id,
                    "amount": str(tx.amount),
                    "currency": tx.currency,
                    "status": tx.status,
                    "reasons": reasons,
                    "alerts": flagged.get(tx.pk, []),
                },
                created_at=tx.occurred_at,
            )
        )
        latest[tx.customer_id] = max(latest.get(tx.customer_id, tx.occurred_at), tx.occurred_at)
    Activity.objects.bulk_create(entries, batch_size=1000)
    touch_last_activity(Customer, latest, defer_over=DEFER_LAST_ACTIVITY)


def _after_commit(batch: _Batch, alerts: list[Alert], *, actor: Any) -> None:
    """SMS for large transactions and blocked attempts; risk recompute for alerted customers.
    Both run only once the batch has committed."""
    limit = large_amount()
    gated = set(batch.gated)
    sms: list[tuple[Transaction, bool]] = []
    for i, tx in enumerate(batch.txs):
        blocked = i in gated
        if blocked or (tx.status == TransactionStatus.SUCCESSFUL and tx.amount_base >= limit):
            sms.append((tx, blocked))
    if len(sms) <= SMS_INLINE_MAX:
        for tx, blocked in sms:
            transaction.on_commit(partial(send_sms_alert, tx, actor=actor, blocked=blocked))
    elif sms:
        # Queueing a message renders it, stores it and its timeline entry, and enqueues its
        # delivery (~10 ms each): for many, one background task does it after commit.
        from .tasks import send_sms_alerts

        items: list[list[object]] = [[tx.pk, blocked] for tx, blocked in sms]
        actor_id = getattr(actor, "pk", None)
        transaction.on_commit(partial(send_sms_alerts.enqueue, items, actor_id))
    customers = {a.customer_id for a in alerts}
    if customers:
        request_risk_recompute(
            [batch.customers[c] for c in sorted(customers)], reason="Transaction monitoring alert"
        )


def send_sms_alert(tx: Transaction, *, actor: Any, blocked: bool) -> None:
    from clientdesk.comms.services import queue_customer_message

    label = tx.get_type_display()
    if tx.type == TransactionType.TRANSFER:
        label = f"{tx.get_direction_display()} transfer"
    if blocked:
        label = f"Blocked {label.lower()} attempt"
    local = timezone.localtime(tx.occurred_at)
    try:
        queue_customer_message(
            tx.customer,
            actor=actor,
            event="transaction_alert",
            channel="sms",
            context={
                "transaction_type": label,
                "amount": tx.amount_display,
                "currency": tx.currency,
                "reference": tx.external_id,
                "occurred_at": local.strftime("%d %b %Y, %H:%M"),
            },
        )
    except Exception:  # the transaction is stored; a message problem must not hide that
        logger.exception("SMS alert for transaction %s not queued", tx.pk)


def request_risk_recompute(customers: Iterable[Customer], *, reason: str) -> None:
    """Ask the screening module to recompute risk (when it has the risk registry).

    A few customers: through ``request_recompute`` (after commit, in this process). Many (a
    bulk intake or the nightly run): one background task after commit, so the intake does
    not wait for hundreds of risk profiles."""
    if importlib.util.find_spec("clientdesk.screening.risk") is None:
        return
    from clientdesk.screening.risk import request_recompute

    customers = list(customers)
    if len(customers) <= RISK_INLINE_MAX:
        for customer in customers:
            request_recompute(customer, reason=reason)
        return
    from .tasks import recompute_risk

    ids = sorted(c.pk for c in customers)
    transaction.on_commit(partial(recompute_risk.enqueue, ids, reason))
