"""Monitoring rules: parameter validation per rule type, and their evaluation.

Two kinds of rule:

- **Per-transaction** (``INTAKE_TYPES``) run inside the intake, on the transactions of the
  batch just stored, with what the intake already holds in memory (customer, account,
  device link, merchant) plus one query per batch for the velocity window.
- **Aggregate** (``NIGHTLY_TYPES``) look at a period of a customer's transactions; they run
  in the nightly task (``tasks.run_nightly_rules``), one grouped query per rule.

Boundaries, stated once (tests pin each one):

- amounts compare with ``>``: exactly the threshold does not fire; all amounts are in the base
  currency (``amount_base``);
- velocity fires when the customer has more than ``count`` transactions in the
  ``minutes`` ending at (and including) this one: window ``(t - minutes, t]``;
- structuring counts amounts in ``[threshold * (1 - margin_percent/100), threshold)`` within
  ``days`` days; fires at ``min_count`` or more;
- new device: amount ``>`` ``amount`` and the transaction is at most ``within_hours`` after the
  customer first used the device;
- dormant account: more than ``days`` days since the account's previous successful
  transaction (an account's first transaction never fires);
- income mismatch: successful volume over ``period_days`` ``>`` ``ratio`` x the top of the
  customer's declared annual income band (no band, or the open top band: no alert).

Rules look at successful and pending transactions; failed ones moved no money (blocked
attempts raise their own alert in the intake).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.utils import timezone

from .models import Merchant, Rule, RuleType, Transaction, TransactionStatus

ACTIVE_STATUSES = (TransactionStatus.SUCCESSFUL, TransactionStatus.PENDING)

INTAKE_TYPES = frozenset(
    {
        RuleType.AMOUNT_THRESHOLD,
        RuleType.VELOCITY,
        RuleType.NEW_DEVICE_LARGE,
        RuleType.HIGH_RISK_MERCHANT,
        RuleType.DORMANT_ACCOUNT,
    }
)
NIGHTLY_TYPES = frozenset({RuleType.VOLUME_LIMIT, RuleType.STRUCTURING, RuleType.INCOME_MISMATCH})
# Nightly rules over a rolling window: the same condition holds night after night, so a
# customer with an open alert of the rule is not alerted again until that one is closed.
ROLLING_TYPES = frozenset({RuleType.STRUCTURING, RuleType.INCOME_MISMATCH})

# Top of each declared annual income band, in the base currency (None: open-ended).
INCOME_BAND_TOP: dict[str, Decimal | None] = {
    "below_1l": Decimal("100000"),
    "1l_5l": Decimal("500000"),
    "5l_10l": Decimal("1000000"),
    "10l_25l": Decimal("2500000"),
    "25l_1cr": Decimal("10000000"),
    "above_1cr": None,
}


# ----------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class Param:
    kind: str  # decimal | int | choice | codes | bool | bands
    help: str
    required: bool = True
    default: Any = None
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None
    choices: tuple[str, ...] = ()
    exclusive_min: bool = False


def _money(help_text: str, **kw: Any) -> Param:
    return Param("decimal", help_text, minimum=Decimal(0), exclusive_min=True, **kw)


PARAMETERS: dict[str, dict[str, Param]] = {
    RuleType.AMOUNT_THRESHOLD: {"amount": _money("Fires above this amount (base currency).")},
    RuleType.VELOCITY: {
        "count": Param("int", "Fires above this many transactions ...", minimum=1),
        "minutes": Param("int", "... within this many minutes.", minimum=1, maximum=10080),
    },
    RuleType.VOLUME_LIMIT: {
        "period": Param("choice", "day or month", choices=("day", "month")),
        "amount": _money("Fires when the period's successful volume is above this."),
    },
    RuleType.STRUCTURING: {
        "threshold": _money("The reporting threshold (base currency)."),
        "margin_percent": Param(
            "decimal",
            "How far below the threshold counts as 'just below' (percent).",
            required=False,
            default="10",
            minimum=Decimal(0),
            maximum=Decimal(50),
            exclusive_min=True,
        ),
        "min_count": Param(
            "int", "Fires at this many such amounts.", required=False, default=3, minimum=2
        ),
        "days": Param(
            "int", "Within this many days.", required=False, default=7, minimum=1, maximum=90
        ),
    },
    RuleType.NEW_DEVICE_LARGE: {
        "amount": _money("Fires above this amount ..."),
        "within_hours": Param(
            "int",
            "... within this many hours of the device's first use by the customer.",
            required=False,
            default=24,
            minimum=1,
            maximum=720,
        ),
    },
    RuleType.HIGH_RISK_MERCHANT: {
        "mcc_codes": Param(
            "codes", "Merchant category codes (4 digits).", required=False, default=[]
        ),
        "include_flagged_merchants": Param(
            "bool", "Also merchants flagged high risk.", required=False, default=True
        ),
        "min_amount": Param(
            "decimal",
            "Ignore amounts up to this.",
            required=False,
            default="0",
            minimum=Decimal(0),
        ),
    },
    RuleType.DORMANT_ACCOUNT: {
        "days": Param(
            "int",
            "Dormant after this many days without activity.",
            required=False,
            default=180,
            minimum=1,
        ),
        "min_amount": Param(
            "decimal",
            "Ignore amounts up to this.",
            required=False,
            default="0",
            minimum=Decimal(0),
        ),
    },
    RuleType.INCOME_MISMATCH: {
        "period_days": Param(
            "int",
            "Volume over this many days ...",
            required=False,
            default=30,
            minimum=1,
            maximum=366,
        ),
        "ratio": Param(
            "decimal",
            "... above this share of the income band's annual top.",
            required=False,
            default="0.5",
            minimum=Decimal(0),
            exclusive_min=True,
        ),
    },
}


def _clean_one(name: str, spec: Param, value: Any) -> Any:
    """The cleaned, JSON-safe value; raises ValueError with the message."""
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise ValueError("Enter true or false.")
        return value
    if spec.kind == "choice":
        if value not in spec.choices:
            raise ValueError("Choose one of: " + ", ".join(spec.choices) + ".")
        return value
    if spec.kind == "codes":
        if not isinstance(value, list) or not all(
            isinstance(c, str) and len(c) == 4 and c.isdigit() for c in value
        ):
            raise ValueError("Enter a list of 4-digit merchant category codes.")
        return sorted(set(value))
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError("Enter a whole number.")
        try:
            number: Any = int(value)
        except ValueError:
            raise ValueError("Enter a whole number.") from None
    else:
        if isinstance(value, bool | float) or not isinstance(value, int | str | Decimal):
            raise ValueError('Enter a number as a string, e.g. "100000.00".')
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValueError('Enter a number, e.g. "100000.00".') from None
        if not number.is_finite():
            raise ValueError("Enter a finite number.")
    low, high = spec.minimum, spec.maximum
    if low is not None and (number < low or (spec.exclusive_min and number == low)):
        raise ValueError(
            f"Enter a number {'above' if spec.exclusive_min else 'of at least'} {low}."
        )
    if high is not None and number > high:
        raise ValueError(f"Enter a number of at most {high}.")
    return number if spec.kind == "int" else str(number)


def validate(rule_type: str, parameters: Any) -> dict[str, Any]:
    """Cleaned parameters (defaults filled, decimals as strings) or a ValidationError on
    ``parameters`` naming each bad key."""
    specs = PARAMETERS.get(rule_type) if isinstance(rule_type, str) else None
    if specs is None:
        raise ValidationError({"rule_type": "Choose a rule type."})
    if not isinstance(parameters, Mapping):
        raise ValidationError({"parameters": "Send the parameters as a JSON object."})
    errors: list[str] = []
    cleaned: dict[str, Any] = {}
    for key in sorted(set(parameters) - set(specs)):
        errors.append(f"{key}: not a parameter of this rule type ({', '.join(specs)}).")
    for name, spec in specs.items():
        if name not in parameters or parameters[name] in (None, ""):
            if spec.required:
                errors.append(f"{name}: required. {spec.help}")
            elif spec.default is not None:
                cleaned[name] = spec.default
            continue
        try:
            cleaned[name] = _clean_one(name, spec, parameters[name])
        except ValueError as exc:
            errors.append(f"{name}: {exc}")
    if (
        rule_type == RuleType.HIGH_RISK_MERCHANT
        and not errors
        and not cleaned.get("mcc_codes")
        and not cleaned.get("include_flagged_merchants")
    ):
        errors.append("mcc_codes: give at least one code, or include flagged merchants.")
    if errors:
        raise ValidationError({"parameters": errors})
    return cleaned


def money(value: Any) -> str:
    """An amount for people: base currency, thousands separated, two decimals."""
    try:
        return f"{settings.BASE_CURRENCY} {Decimal(str(value)):,.2f}"
    except (ArithmeticError, ValueError):
        return str(value)


def describe(rule: Rule) -> str:
    """One line for lists: what the rule looks for, with its figures."""
    p = rule.parameters
    t = rule.rule_type
    texts: dict[str, Callable[[], str]] = {
        RuleType.AMOUNT_THRESHOLD: lambda: f"Amount above {money(p.get('amount'))}",
        RuleType.VELOCITY: lambda: f"More than {p.get('count')} in {p.get('minutes')} min",
        RuleType.VOLUME_LIMIT: lambda: (
            f"{'Monthly' if p.get('period') == 'month' else 'Daily'} volume above "
            f"{money(p.get('amount'))}"
        ),
        RuleType.STRUCTURING: lambda: (
            f"{p.get('min_count')}+ amounts within "
            f"{p.get('margin_percent')}% below {money(p.get('threshold'))} in {p.get('days')} days"
        ),
        RuleType.NEW_DEVICE_LARGE: lambda: (
            f"Above {money(p.get('amount'))} within {p.get('within_hours')} h of a new device"
        ),
        RuleType.HIGH_RISK_MERCHANT: lambda: (
            "High-risk merchant"
            + (f" (MCC {', '.join(p.get('mcc_codes') or [])})" if p.get("mcc_codes") else "")
        ),
        RuleType.DORMANT_ACCOUNT: lambda: f"Activity after {p.get('days')} dormant days",
        RuleType.INCOME_MISMATCH: lambda: (
            f"{p.get('period_days')}-day volume above {p.get('ratio')} x income band"
        ),
    }
    return texts.get(str(t), lambda: "")()


# ----------------------------------------------------------------------------- per transaction


@dataclass
class Candidate:
    """An alert a rule wants to raise (the intake or the nightly task stores it)."""

    rule: Rule
    customer_id: int
    title: str
    details: dict[str, Any]
    dedupe_key: str
    transaction_ids: list[int] = field(default_factory=list)


@dataclass
class TxFacts:
    """What the per-transaction rules need to know about one stored transaction."""

    tx: Transaction
    merchant: Merchant | None
    device_first_seen_at: dt.datetime | None  # the customer's first use of this device
    previous_activity_at: dt.datetime | None  # the account's previous successful transaction


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def _velocity_fires(times: list[dt.datetime], at: dt.datetime, rule: Rule) -> int | None:
    """The number of transactions in (at - minutes, at] when above ``count``, else None."""
    start = at - dt.timedelta(minutes=int(rule.parameters["minutes"]))
    n = bisect.bisect_right(times, at) - bisect.bisect_right(times, start)
    return n if n > int(rule.parameters["count"]) else None


def evaluate_transaction(
    rules: Iterable[Rule], facts: TxFacts, customer_times: list[dt.datetime]
) -> list[Candidate]:
    """Per-transaction rules on one transaction. ``customer_times``: sorted times of the
    customer's transactions around it (stored and in this batch), for velocity."""
    tx = facts.tx
    if tx.status not in ACTIVE_STATUSES:
        return []
    found = []
    for rule in rules:
        hit = _check(rule, facts, customer_times)
        if hit is None:
            continue
        title, details, key = hit
        details = {"amount_base": str(tx.amount_base), **details}
        found.append(
            Candidate(rule, tx.customer_id, title, details, key or f"r{rule.pk}:t{tx.pk}", [tx.pk])
        )
    return found


def _check(
    rule: Rule, facts: TxFacts, times: list[dt.datetime]
) -> tuple[str, dict[str, Any], str | None] | None:
    tx, p, t = facts.tx, rule.parameters, rule.rule_type
    amount = tx.amount_base
    if t == RuleType.AMOUNT_THRESHOLD:
        if amount > _d(p["amount"]):
            title = f"Amount {money(amount)} above {money(p['amount'])}"
            return title, {"threshold": p["amount"]}, None
        return None
    if t == RuleType.VELOCITY:
        n = _velocity_fires(times, tx.occurred_at, rule)
        if n is None:
            return None
        minutes = int(p["minutes"])
        bucket = int(tx.occurred_at.timestamp() // (minutes * 60))
        details = {"count": n, "limit": p["count"], "minutes": minutes}
        title = f"{n} transactions in {minutes} minutes (limit {p['count']})"
        return title, details, f"r{rule.pk}:c{tx.customer_id}:w{bucket}"
    if t == RuleType.NEW_DEVICE_LARGE:
        first = facts.device_first_seen_at
        window = dt.timedelta(hours=int(p["within_hours"]))
        if first is None or amount <= _d(p["amount"]) or tx.occurred_at - first > window:
            return None
        details = {"device_first_seen_at": first.isoformat(), "threshold": p["amount"]}
        return f"Amount {money(amount)} soon after a new device", details, None
    if t == RuleType.HIGH_RISK_MERCHANT:
        m = facts.merchant
        if m is None or amount <= _d(p.get("min_amount", "0")):
            return None
        by_code = bool(m.mcc) and m.mcc in (p.get("mcc_codes") or [])
        flagged = m.is_high_risk and p.get("include_flagged_merchants", True)
        if not (by_code or flagged):
            return None
        details = {"merchant": m.merchant_id, "mcc": m.mcc, "flagged": m.is_high_risk}
        return f"High-risk merchant {m}", details, None
    if t == RuleType.DORMANT_ACCOUNT:
        prev = facts.previous_activity_at
        if prev is None or amount <= _d(p.get("min_amount", "0")):
            return None
        gap = tx.occurred_at - prev
        if gap <= dt.timedelta(days=int(p["days"])):
            return None
        details = {"previous_activity_at": prev.isoformat(), "dormant_days": gap.days}
        return f"Activity after {gap.days} dormant days", details, None
    return None


# ----------------------------------------------------------------------------- nightly


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def _month_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return _day_bounds(first)[0], _day_bounds(nxt)[0]


def evaluate_aggregate(rule: Rule, *, today: dt.date) -> list[Candidate]:
    """Run one aggregate rule for the period ending before ``today`` (site time zone)."""
    if rule.rule_type == RuleType.VOLUME_LIMIT:
        return _volume(rule, today)
    if rule.rule_type == RuleType.STRUCTURING:
        return _structuring(rule, today)
    if rule.rule_type == RuleType.INCOME_MISMATCH:
        return _income(rule, today)
    return []


def _successful(start: dt.datetime, end: dt.datetime) -> Any:
    return Transaction.objects.filter(
        status=TransactionStatus.SUCCESSFUL, occurred_at__gte=start, occurred_at__lt=end
    )


def _volume(rule: Rule, today: dt.date) -> list[Candidate]:
    yesterday = today - dt.timedelta(days=1)
    monthly = rule.parameters["period"] == "month"
    start, end = _month_bounds(yesterday) if monthly else _day_bounds(yesterday)
    end = min(end, _day_bounds(today)[0])
    period = yesterday.strftime("%Y-%m") if monthly else yesterday.isoformat()
    limit = _d(rule.parameters["amount"])
    rows = (
        _successful(start, end)
        .values("customer_id")
        .annotate(total=Sum("amount_base"), n=Count("id"))
        .filter(total__gt=limit)
    )
    return [
        Candidate(
            rule,
            r["customer_id"],
            f"{'Monthly' if monthly else 'Daily'} volume {money(r['total'])} above "
            f"{money(limit)} ({period})",
            {"period": period, "total": str(r["total"]), "count": r["n"], "limit": str(limit)},
            f"r{rule.pk}:c{r['customer_id']}:{period}",
        )
        for r in rows
    ]


def _structuring(rule: Rule, today: dt.date) -> list[Candidate]:
    p = rule.parameters
    threshold = _d(p["threshold"])
    low = threshold * (1 - _d(p["margin_percent"]) / 100)
    end = _day_bounds(today)[0]
    start = end - dt.timedelta(days=int(p["days"]))
    rows = (
        Transaction.objects.filter(
            status__in=ACTIVE_STATUSES,
            occurred_at__gte=start,
            occurred_at__lt=end,
            amount_base__gte=low,
            amount_base__lt=threshold,
        )
        .values("customer_id")
        .annotate(n=Count("id"), total=Sum("amount_base"))
        .filter(n__gte=int(p["min_count"]))
    )
    period = f"{start.date().isoformat()}..{(end - dt.timedelta(days=1)).date().isoformat()}"
    return [
        Candidate(
            rule,
            r["customer_id"],
            f"{r['n']} amounts just below {money(threshold)} in {p['days']} days",
            {
                "count": r["n"],
                "total": str(r["total"]),
                "band_low": str(low),
                "threshold": str(threshold),
                "period": period,
            },
            f"r{rule.pk}:c{r['customer_id']}:{end.date().isoformat()}",
        )
        for r in rows
    ]


def _income(rule: Rule, today: dt.date) -> list[Candidate]:
    p = rule.parameters
    ratio = _d(p["ratio"])
    end = _day_bounds(today)[0]
    start = end - dt.timedelta(days=int(p["period_days"]))
    found = []
    for band, top in INCOME_BAND_TOP.items():
        if top is None:
            continue
        limit = top * ratio
        rows = (
            _successful(start, end)
            .filter(customer__income_band=band)
            .values("customer_id")
            .annotate(total=Sum("amount_base"))
            .filter(total__gt=limit)
        )
        found += [
            Candidate(
                rule,
                r["customer_id"],
                f"{p['period_days']}-day volume {money(r['total'])} out of line with income band",
                {
                    "income_band": band,
                    "total": str(r["total"]),
                    "limit": str(limit),
                    "period_days": p["period_days"],
                },
                f"r{rule.pk}:c{r['customer_id']}:{end.date().isoformat()}",
            )
            for r in rows
        ]
    return found


def evidence_for(candidate: Candidate, *, today: dt.date, limit: int = 200) -> list[int]:
    """The transactions behind an aggregate alert (largest first, at most ``limit``)."""
    rule, p = candidate.rule, candidate.rule.parameters
    end = _day_bounds(today)[0]
    qs = Transaction.objects.filter(customer_id=candidate.customer_id)
    if rule.rule_type == RuleType.VOLUME_LIMIT:
        yesterday = today - dt.timedelta(days=1)
        bounds = _month_bounds(yesterday) if p["period"] == "month" else _day_bounds(yesterday)
        qs = qs.filter(
            status=TransactionStatus.SUCCESSFUL,
            occurred_at__gte=bounds[0],
            occurred_at__lt=min(bounds[1], end),
        )
    elif rule.rule_type == RuleType.STRUCTURING:
        threshold = _d(p["threshold"])
        qs = qs.filter(
            status__in=ACTIVE_STATUSES,
            occurred_at__gte=end - dt.timedelta(days=int(p["days"])),
            occurred_at__lt=end,
            amount_base__gte=threshold * (1 - _d(p["margin_percent"]) / 100),
            amount_base__lt=threshold,
        )
    else:
        qs = qs.filter(
            status=TransactionStatus.SUCCESSFUL,
            occurred_at__gte=end - dt.timedelta(days=int(p["period_days"])),
            occurred_at__lt=end,
        )
    return list(qs.order_by("-amount_base", "-id").values_list("id", flat=True)[:limit])
