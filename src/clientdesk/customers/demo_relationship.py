"""Relationship demo data for ``seed_demo``: leads, tickets, calls, tasks, notes, messages.

After ``seed_demo`` has loaded its customers, ``seed_relationships`` plays the last few weeks
of a relationship desk through the same service functions staff use, so every record comes
with its audit records, timeline entries, SLA times, notifications and messages:

- leads (about 1 per 5 customers) walk the pipeline to every status, the two expiry
  statuses included (set by the expiry job); a few become customers through ``convert_lead``
  and are then activated (or, where approved KYC is required, get a compliance task);
- tickets (about 1 per 8 customers) with comments, status changes, follow-up pauses, an
  escalation now and then, SLA breaches recorded by the breach job, and satisfaction
  surveys answered through the link in the survey message;
- calls logged by hand (lead calls, the support line, missed calls and call-backs) and
  synced from the sales users' phones (``intake_calls``); follow-up tasks, some overdue;
  notes, meetings, WhatsApp chats and profile reviews; channel opt-outs and messages typed
  by staff.

How: a small discrete-event simulation. Each record's story is a ``Plan`` of steps (a gap,
an action, office hours or not), laid out on the calendar of the last ``WINDOW_DAYS`` days
(the expiring leads start earlier) and played in time order, one transaction per step.
The periodic jobs play in between as the scheduler would run them: the SLA breach job at
the first 5-minute tick after a ticket's due time, task reminders at the minute after a
task's reminder time, the lead expiry job daily at 02:00; staff read their notifications
every working morning.

Time: while a step plays, ``django.utils.timezone.now`` returns the step's time (the clock
is frozen per step, see ``simulated_clock``). So every time a service stamps — creation
times, SLA due and breach times, status history, notifications, message logs and the audit
records' ``created_at`` — is the story's time, not the time of loading, and no row is
adjusted after creation. The audit chain stays intact: ``seq`` and hashes follow the order
of writing, which is time order, so only the jump back from the customer load (stamped when
it ran) to the first story step breaks the otherwise rising ``created_at``. Audit records
carry source "cli" (the jobs "task"), like the rest of ``seed_demo``.

Deterministic: the same seed over the same customers gives the same records. Every story
draws from its own ``random.Random`` (seed, kind, number), and steps due at the same time
play in planning order. Only secrets differ between runs: survey tokens, audit request ids.

Messages are queued by the services; whether they leave at once depends on the task
backend (``immediate`` in tests: delivered by the test provider; the development default
``database`` leaves them queued for the worker).
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import heapq
import itertools
import random
import re
import time
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from unittest import mock

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from stdnum import verhoeff

from clientdesk.activities.models import Activity
from clientdesk.activities.services import add_manual_activity
from clientdesk.calls import services as calls
from clientdesk.calls.models import CallLog, CallStatus, Direction
from clientdesk.comms import services as comms
from clientdesk.comms.models import Channel, Message
from clientdesk.core import context
from clientdesk.customers import demo
from clientdesk.customers import services as customer_services
from clientdesk.customers.models import Customer
from clientdesk.customers.models import Status as CustomerStatus
from clientdesk.followups import services as followups
from clientdesk.followups.models import CLOSED_STATUSES, Task, TaskStatus
from clientdesk.followups.models import TRANSITIONS as TASK_TRANSITIONS
from clientdesk.followups.models import Priority as TaskPriority
from clientdesk.leads import services as leads
from clientdesk.leads.models import (
    TRANSITIONS as LEAD_TRANSITIONS,
)
from clientdesk.leads.models import (
    AccountType,
    Lead,
    LeadCategory,
    LeadSource,
    LeadStatus,
)
from clientdesk.notifications import services as notifications
from clientdesk.notifications.models import Notification
from clientdesk.tickets import services as tickets
from clientdesk.tickets import sla
from clientdesk.tickets.models import (
    DONE_STATUSES,
    Priority,
    Source,
    Ticket,
    TicketComment,
    TicketSubject,
    TicketSurvey,
)
from clientdesk.tickets.models import Status as TicketStatus

#: Above this many customers (a benchmark load) ``seed_demo`` skips the relationship data.
#: The benchmarks seed 20,000 customers and more, and expect exactly that many customers
#: and none of these records (converted leads add customers).
MAX_CUSTOMERS = 10_000
WINDOW_DAYS = 42
END_MARGIN = dt.timedelta(minutes=5)  # the last step plays this long before "now"
DESK_NUMBER = "+912240001234"  # the support line (a Mumbai landline)
OPENS, CLOSES = dt.time(9, 30), dt.time(19, 0)  # office hours, site time zone, Mon-Sat
ZERO = dt.timedelta(0)

Action = Callable[[], Any]  # returns False to end its story there


# --- the clock and the simulation --------------------------------------------------------


class Clock:
    """What ``timezone.now`` returns while the simulation plays: the current step's time."""

    def __init__(self) -> None:
        self.at: dt.datetime | None = None
        self._real = timezone.now

    def __call__(self) -> dt.datetime:
        return self.at or self._real()


@contextmanager
def simulated_clock(clock: Clock) -> Iterator[Clock]:
    """Patch ``django.utils.timezone.now`` (which the services, ``auto_now`` fields and the
    audit trail all call) to ``clock`` for the duration."""
    with mock.patch("django.utils.timezone.now", clock):
        yield clock


@dataclass
class Step:
    gap: dt.timedelta  # after the previous step (or the story's start)
    action: Action
    office: bool = True  # moved into office hours (staff work); False for customers, jobs


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)

    def then(self, gap: dt.timedelta, action: Action, *, office: bool = True) -> Plan:
        self.steps.append(Step(gap, action, office))
        return self


Timed = list[tuple[dt.datetime, Action]]


class Simulation:
    """Plays the steps of every plan in time order, each in its own transaction."""

    def __init__(
        self, clock: Clock, end: dt.datetime, wrapper: Callable[[], AbstractContextManager[Any]]
    ) -> None:
        self.clock, self.end, self.wrapper = clock, end, wrapper
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.played = 0
        self._queue: list[tuple[dt.datetime, int, int, Timed, str]] = []
        self._order = itertools.count()
        self._jobs: set[tuple[str, dt.datetime]] = set()
        self.planned = 0  # steps queued so far (a progress bar's total; plans may stop early)

    def add(
        self,
        plan: Plan,
        rng: random.Random,
        *,
        earliest: dt.datetime,
        latest: dt.datetime,
        source: str = "cli",
    ) -> None:
        """Start ``plan`` between ``earliest`` and ``latest`` (earlier if it would not end
        before ``end``); steps that still fall after ``end`` never happen."""
        times = self._fit(plan.steps, rng, earliest, latest)
        timed = [(t, s.action) for t, s in zip(times, plan.steps, strict=True) if t <= self.end]
        if timed:
            self._push(timed, 0, source)

    def job(self, name: str, when: dt.datetime, action: Action) -> None:
        """Run a periodic job's action at ``when`` (once per name and time), as a task."""
        when = max(when, self.clock.at or when)
        if when <= self.end and (name, when) not in self._jobs:
            self._jobs.add((name, when))
            self._push([(when, action)], 0, "task")

    def run(self, progress: Any = None) -> None:
        """Play everything; ``progress`` (a tqdm bar) advances by one per step played."""
        while self._queue:
            at, _, index, timed, source = heapq.heappop(self._queue)
            self.clock.at = at
            if self._play(timed[index][1], source) is not False and index + 1 < len(timed):
                self._push(timed, index + 1, source)
            elif progress is not None:  # the rest of a stopped plan never comes
                self.planned -= len(timed) - index - 1
            if progress is not None:
                progress.total = self.planned
                progress.update(1)

    def _play(self, action: Action, source: str) -> Any:
        self.played += 1
        ctx = context.ActionContext(source=source)
        # The wrapper outermost: on-commit callbacks run after the step's commit, still at
        # the step's time.
        with self.wrapper(), context.action_context(ctx), transaction.atomic():
            return action()

    def _push(self, timed: Timed, index: int, source: str) -> None:
        if index == 0:
            self.planned += len(timed)
        heapq.heappush(self._queue, (timed[index][0], next(self._order), index, timed, source))

    def _fit(
        self, steps: Sequence[Step], rng: random.Random, earliest: dt.datetime, latest: dt.datetime
    ) -> list[dt.datetime]:
        jitter = [rng.random() for _ in steps]
        start = earliest + (latest - earliest) * rng.random()
        times = self._times(start, steps, jitter)
        for _ in range(6):
            over = times[-1] - self.end
            if over <= ZERO:
                break
            start -= over + dt.timedelta(hours=1)
            times = self._times(start, steps, jitter)
        return times

    def _times(
        self, start: dt.datetime, steps: Sequence[Step], jitter: Sequence[float]
    ) -> list[dt.datetime]:
        times, at = [], start
        for step, j in zip(steps, jitter, strict=True):
            at = self.office_hours(at + step.gap, j) if step.office else at + step.gap
            times.append(at)
        return times

    def office_hours(self, at: dt.datetime, jitter: float) -> dt.datetime:
        """``at`` if the office is open then, else the next opening (plus up to 2.5 h)."""
        local = at.astimezone(self.tz)
        if OPENS <= local.time() <= CLOSES and local.weekday() != 6:
            return at
        day = local.date() if local.time() < OPENS else local.date() + dt.timedelta(days=1)
        if day.weekday() == 6:  # Sunday
            day += dt.timedelta(days=1)
        opening = dt.datetime.combine(day, OPENS, tzinfo=self.tz)
        return (opening + dt.timedelta(minutes=150 * jitter)).astimezone(dt.UTC)

    def local(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.tz).astimezone(dt.UTC)


def _tick(at: dt.datetime, seconds: int) -> dt.datetime:
    """The first scheduler tick (every ``seconds``) at or after ``at``."""
    stamp = at.timestamp()
    return dt.datetime.fromtimestamp(-(-stamp // seconds) * seconds, tz=dt.UTC)


def _minutes(rng: random.Random, low: float, high: float) -> dt.timedelta:
    return dt.timedelta(minutes=rng.uniform(low, high))


def _hours(rng: random.Random, low: float, high: float) -> dt.timedelta:
    return dt.timedelta(hours=rng.uniform(low, high))


def _days(rng: random.Random, low: float, high: float) -> dt.timedelta:
    return dt.timedelta(days=rng.uniform(low, high))


def _ascii(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


# --- words -------------------------------------------------------------------------------

LEAD_SOURCES = demo.Choice(
    ((LeadSource.WEBSITE, 24), (LeadSource.REFERRAL, 20), (LeadSource.WALK_IN, 10),
     (LeadSource.CAMPAIGN, 14), (LeadSource.SOCIAL_MEDIA, 12), (LeadSource.PARTNER, 8),
     (LeadSource.COLD_CALL, 9), (LeadSource.OTHER, 3))
)  # fmt: skip
ACCOUNT_TYPES = demo.Choice(
    ((AccountType.INDIVIDUAL, 78), (AccountType.JOINT, 9), (AccountType.HUF, 5),
     (AccountType.NRI, 5), (AccountType.CORPORATE, 3))
)  # fmt: skip
S = LeadStatus
LEAD_FINALS = demo.Choice(
    ((S.NEW, 8), (S.CONTACTED, 10), (S.FOLLOWUP_SCHEDULED, 12), (S.FOLLOWUP_COMPLETE, 6),
     (S.DOCUMENTS_COLLECTED, 9), (S.SENT_TO_HO, 7), (S.DOCUMENTS_VERIFIED, 6), (S.REJECTED, 7),
     (S.ACCOUNT_OPENED, 7), (S.ACCOUNT_ACTIVATED, 14), (S.EXPIRED, 9), (S.EXPIRED_OPENED, 5))
)  # fmt: skip
STREETS = (
    "MG Road", "Station Road", "Link Road", "Nehru Nagar", "Gandhi Nagar", "Shivaji Path",
    "Park Street", "Lake View Road", "Temple Street", "Civil Lines", "Sector 14", "Model Town",
)  # fmt: skip
PRODUCTS = (
    "a demat account", "equity trading", "SIPs in index funds", "tax-saving ELSS funds",
    "a portfolio review", "futures and options", "IPO applications", "a family HUF account",
)  # fmt: skip
UNANSWERED = (CallStatus.NO_ANSWER, CallStatus.DID_NOT_PICK, CallStatus.BUSY)
# Most activated leads and some opened ones become customers; expiring ones do not.
CONVERSION_CHANCE: dict[str, float] = {S.ACCOUNT_ACTIVATED: 0.7, S.ACCOUNT_OPENED: 0.4}
REJECTIONS = (
    ("address proof", "Address proof is older than three months; ask for a recent utility bill."),
    ("signature", "Signature on the form does not match the PAN card."),
    ("bank proof", "Cancelled cheque is not legible; ask for a bank statement instead."),
    ("photo", "Photograph is blurred; a fresh passport-size photo is needed."),
)  # fmt: skip

TICKET_FINALS = demo.Choice(
    ((TicketStatus.NEW, 8), (TicketStatus.OPEN, 8), (TicketStatus.IN_PROGRESS, 18),
     (TicketStatus.FOLLOWUP_SCHEDULED, 10), (TicketStatus.FOLLOWUP_COMPLETE, 6),
     (TicketStatus.RESOLVED, 15), (TicketStatus.CLOSED, 35))
)  # fmt: skip
TICKET_SOURCES = demo.Choice(
    ((Source.ON_CALL, 30), (Source.EMAIL, 25), (Source.APP, 20), (Source.WHATSAPP, 15),
     (Source.OFFICE_VISIT, 10))
)  # fmt: skip
PRIORITIES = demo.Choice(
    ((Priority.LOW, 20), (Priority.MEDIUM, 45), (Priority.HIGH, 25), (Priority.URGENT, 10))
)
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "Account opening": (
        "Account opening form submitted {days} days ago; customer asks for the status.",
        "Customer wants to add a nominee while the account is being opened.",
    ),
    "KYC / documents": (
        "Customer moved to {city} and wants to update the address proof.",
        "The PAN copy uploaded in the app does not show in the profile.",
    ),
    "Login issue": (
        "Cannot log in to the mobile app: the OTP does not arrive on the registered mobile.",
        "Account locked after three wrong passwords; customer needs a reset.",
    ),
    "Fund transfer": (
        "INR {amount:,} debited from the bank but not credited to the trading account.",
        "Withdrawal request of INR {amount:,} not processed for two days.",
    ),
    "Trade query": (
        "Buy order rejected for insufficient margin although funds were available.",
        "Contract note for last week's trades not received by email.",
    ),
    "Statement request": (
        "Needs the capital-gains statement for the last financial year for tax filing.",
        "Asks for the ledger statement of the last quarter.",
    ),
    "Other": (
        "Wants to change the nominee details.",
        "Asks how to add a joint holder to the account.",
    ),
}
FIRST_RESPONSES = (
    "Called the customer and confirmed the details; checking with operations.",
    "Acknowledged by email and asked for a screenshot of the error.",
    "Spoke to the customer; raised it with the back office.",
    "Verified the customer's identity on call; looking into it.",
)
RESOLUTIONS = (
    "Operations confirmed the fix; informed the customer on call.",
    "Shared the requested document by email; customer confirmed receipt.",
    "Reset done and tested with the customer on the call.",
    "Credit reflected in the trading account; customer informed.",
)
SURVEY_COMMENTS = (
    "Quick and polite, thank you.", "Took a while but it got sorted.", "",
    "Had to call twice before anyone picked up.", "Very helpful support team.", "",
)  # fmt: skip
RATINGS = demo.Choice(((5, 45), (4, 30), (3, 12), (2, 8), (1, 5)))

CALL_OUTCOMES = demo.Choice(
    ((CallStatus.COMPLETED, 60), (CallStatus.NO_ANSWER, 14), (CallStatus.DID_NOT_PICK, 10),
     (CallStatus.BUSY, 8), (CallStatus.FAILED, 4), (CallStatus.CANCELED, 4))
)  # fmt: skip
CALL_NOTES = (
    "Courtesy call; customer happy with the service.",
    "Reminded about the SIP instalment due next week.",
    "Discussed rebalancing towards debt funds.",
    "Customer asked about the new NFO; will send details.",
    "Informed about the updated brokerage plan.",
)
NOTES: dict[str, tuple[str, ...]] = {
    "note": (
        "Customer prefers calls after 6 pm.",
        "Interested in tax-saving options before March; follow up in February.",
        "Asked for a copy of the updated fee schedule.",
        "Son will be added as nominee; forms to be sent.",
    ),
    "meeting": (
        "Met at the branch: reviewed portfolio allocation and risk profile.",
        "Home visit: explained the SIP step-up feature.",
        "Branch visit to update signature specimen.",
    ),
    "whatsapp": (
        "Shared the fund factsheet on WhatsApp.",
        "Customer sent a photo of the cheque on WhatsApp for the bank update.",
    ),
}
NOTE_KINDS = demo.Choice((("note", 55), ("meeting", 25), ("whatsapp", 20)))
TASK_TITLES = (
    "Portfolio review call with {name}",
    "Offer SIP step-up to {name}",
    "Confirm nominee details with {name}",
    "Send the annual statement to {name}",
)
COMPLIANCE_TITLES = (
    "Re-verify address proof of {name}",
    "Check the PEP declaration of {name}",
    "Periodic KYC update due for {name}",
)
MESSAGES: tuple[tuple[str, str], ...] = (
    ("Your SIP instalment", "Hello {first}, your SIP instalment of INR 5,000 is due on the "
     "5th. Reply if you would like to change the amount."),
    ("Portfolio review", "Hello {first}, could we schedule your half-yearly portfolio review "
     "this week? Reply with a convenient time."),
    ("Documents received", "Hello {first}, we have received your documents. Thank you."),
    ("New fund offer", "Hello {first}, a new index fund opens next Monday. Shall I send you "
     "the details?"),
)  # fmt: skip
TASK_ENDINGS = demo.Choice(
    ((TaskStatus.TODO, 35), (TaskStatus.IN_PROGRESS, 15), (TaskStatus.DONE, 35),
     (TaskStatus.CANCELED, 8), (TaskStatus.BACKLOG, 7))
)  # fmt: skip
MESSAGE_CHANNELS = demo.Choice(((Channel.WHATSAPP, 40), (Channel.SMS, 30), (Channel.EMAIL, 30)))
SURVEY_LINK = re.compile(r"/survey/([A-Za-z0-9_-]+)/")


# --- people ------------------------------------------------------------------------------


@dataclass
class Person:
    """A prospect's contact details (the identifiers come when documents are collected)."""

    first: str
    last: str
    mobile: str
    email: str
    city: str
    state: str
    pin3: str


def _person(rng: random.Random, tag: str) -> Person:
    city, state, pin3, _, region, _ = rng.choices(
        demo.IN_CITIES, weights=[c[5] for c in demo.IN_CITIES]
    )[0]
    gender = "female" if rng.random() < 0.45 else "male"
    first, last = demo.DemoGenerator._indian_name(rng, region, gender)
    domain = demo.EMAIL_DOMAINS_IN.pick(rng)
    email = f"{_ascii(first) or 'lead'}.{_ascii(last) or 'x'}.{tag}@{domain}"
    return Person(first, last, _mobile(rng), email, city, state, pin3)


def _mobile(rng: random.Random) -> str:
    plan = demo.phone_plan("IN")
    while True:
        national = plan.national(rng.randrange(plan.size))
        if plan.valid(national):
            return f"+{plan.country_code}{national}"


def _pan(rng: random.Random, last: str) -> str:
    letters = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(3))
    initial = (_ascii(last)[:1] or "x").upper()
    return f"{letters}P{initial}{rng.randint(1, 9999):04d}{rng.choice('ABCDEFGHJKLMNPQRSTUVWXZ')}"


def _aadhaar(rng: random.Random) -> str:
    while True:
        body = f"{rng.randint(2, 9)}{rng.randrange(10**10):010d}"
        number = body + verhoeff.calc_check_digit(body)
        if number != number[::-1]:
            return number


# --- the story states --------------------------------------------------------------------


@dataclass
class LeadCase:
    number: int
    rng: random.Random
    final: str
    owner: Any
    creator: Any
    source: str
    person: Person
    lead: Lead | None = None
    task: Task | None = None
    customer: Customer | None = None
    wait: dt.timedelta = ZERO  # until the scheduled follow-up


@dataclass
class TicketCase:
    number: int
    rng: random.Random
    final: str
    customer: Customer
    creator: Any
    assignees: list[Any]
    subject: TicketSubject
    source: str
    priority: str
    ticket: Ticket | None = None
    task: Task | None = None


@dataclass
class TaskCase:
    rng: random.Random
    actor: Any
    assignee: Any
    title: str
    subject: Any
    due: dt.timedelta  # after creation
    ending: str  # the status it ends in
    task: Task | None = None


@dataclass
class Summary:
    counts: dict[str, int]
    seconds: float
    steps: int

    def line(self) -> str:
        c = self.counts
        return (
            f"Relationship data: {c['leads']:,} leads ({c['lead_statuses']} statuses, "
            f"{c['converted']} converted), {c['tickets']:,} tickets ({c['breached']} SLA "
            f"breached, {c['surveys']} surveys answered), {c['calls']:,} calls, "
            f"{c['tasks']:,} tasks ({c['overdue']} overdue), {c['activities']:,} timeline "
            f"entries, {c['messages']:,} messages ({c['queued']} queued), "
            f"{c['notifications']:,} notifications in {self.seconds:.1f} s "
            f"({self.steps:,} steps)."
        )


# --- the seeder --------------------------------------------------------------------------


def seed_relationships(
    *,
    customers: Iterable[Customer],
    users: Mapping[str, Any],
    seed: int,
    now: dt.datetime | None = None,
    step_wrapper: Callable[[], AbstractContextManager[Any]] | None = None,
    progress: Any = None,
) -> Summary:
    """Play the relationship stories around ``customers`` (the demo users as staff).

    ``now`` anchors the calendar (default: the real time); ``step_wrapper`` wraps each step
    outside its transaction (tests pass pytest-django's on-commit capture, since a test's
    own transaction never commits); ``progress`` is a tqdm bar advanced per step.
    """
    started = time.perf_counter()
    seeder = RelationshipSeeder(
        customers=customers, users=users, seed=seed, now=now or timezone.now(),
        step_wrapper=step_wrapper or nullcontext,
    )  # fmt: skip
    before = _high_water()
    seeder.plan()
    with simulated_clock(seeder.clock):
        seeder.sim.run(progress)
    counts = _counts(before, now=timezone.now())
    return Summary(counts, time.perf_counter() - started, seeder.sim.played)


COUNTED: dict[str, Any] = {
    "leads": Lead,
    "tickets": Ticket,
    "calls": CallLog,
    "tasks": Task,
    "activities": Activity,
    "messages": Message,
    "notifications": Notification,
    "comments": TicketComment,
}


def _high_water() -> dict[str, int]:
    return {
        name: model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for name, model in COUNTED.items()
    }


def _counts(before: Mapping[str, int], *, now: dt.datetime) -> dict[str, int]:
    new = {name: model.objects.filter(pk__gt=before[name]) for name, model in COUNTED.items()}
    counts = {name: queryset.count() for name, queryset in new.items()}
    counts.update(
        lead_statuses=new["leads"].values("status").distinct().count(),
        converted=new["leads"].filter(customer__isnull=False).count(),
        breached=new["tickets"].filter(sla.status_q("failed", now)).count(),
        surveys=new["tickets"].filter(survey__answered_at__isnull=False).count(),
        overdue=new["tasks"].open().filter(due_at__lt=now).count(),
        queued=new["messages"].filter(status="queued").count(),
    )
    return counts


class RelationshipSeeder:
    """Plans every story (``plan``); ``sim.run()`` plays them under ``clock``."""

    def __init__(
        self,
        *,
        customers: Iterable[Customer],
        users: Mapping[str, Any],
        seed: int,
        now: dt.datetime,
        step_wrapper: Callable[[], AbstractContextManager[Any]],
    ) -> None:
        self.seed = seed
        self.end = now - END_MARGIN
        self.start = self.end - dt.timedelta(days=WINDOW_DAYS)
        self.clock = Clock()
        self.sim = Simulation(self.clock, self.end, step_wrapper)
        self.users = dict(users)
        self.sales = [users[name] for name in demo.SALES_USERNAMES]
        self.support, self.manager = users["support"], users["manager"]
        self.compliance = users["compliance"]
        self.user_by_pk = {u.pk: u for u in users.values()}
        self.customers = sorted(customers, key=lambda c: c.pk)
        # Customers who were there when the story starts; most stories are about active ones.
        settled = [c for c in self.customers if c.created_at <= self.start] or self.customers
        self.active = [c for c in settled if c.status == CustomerStatus.ACTIVE] or settled
        self.size = len(self.customers)
        self.subjects = list(TicketSubject.objects.filter(is_active=True).order_by("position"))
        self.pick = random.Random(f"{seed}/relationship")  # who gets which story

    def _rng(self, kind: str, number: int) -> random.Random:
        return random.Random(f"{self.seed}/{kind}/{number}")

    def _share(self, per_customer: float, minimum: int) -> int:
        return max(minimum, round(self.size * per_customer))

    def _owner_of(self, customer: Customer) -> Any:
        """The customer's relationship manager: the assigned sales user, else the Manager."""
        user = self.user_by_pk.get(customer.assigned_to_id or 0)
        return user if user in self.sales else self.manager

    def plan(self) -> None:
        if not self.customers:
            return
        ticket_customers = self._ticket_customers()
        self._plan_opt_outs(ticket_customers)
        self._plan_leads()
        self._plan_tickets(ticket_customers)
        self._plan_device_calls()
        self._plan_missed_calls()
        self._plan_notes()
        self._plan_reviews()
        self._plan_tasks()
        self._plan_messages()
        self._plan_daily()

    # --- leads ---------------------------------------------------------------------------

    def _plan_leads(self) -> None:
        statuses = list(LeadStatus)
        for i in range(self._share(1 / 5, len(statuses))):
            rng = self._rng("lead", i)
            # The first twelve leads end in each status once: every status is shown.
            final = statuses[i] if i < len(statuses) else LEAD_FINALS.pick(rng)
            owner = rng.choice(self.sales)
            case = LeadCase(
                number=i, rng=rng, final=final, owner=owner,
                creator=self.manager if rng.random() < 0.2 else owner,
                source=LEAD_SOURCES.pick(rng), person=_person(rng, f"l{self.seed}x{i}"),
            )  # fmt: skip
            earliest, latest = self._lead_window(final)
            self.sim.add(self._lead_plan(case), rng, earliest=earliest, latest=latest)

    def _lead_window(self, final: str) -> tuple[dt.datetime, dt.datetime]:
        """When the lead may be created: expiring leads long ago (past the expiry periods),
        opened ones recently enough not to expire, untouched ones in the last days."""
        days = dt.timedelta(days=1)
        windows: dict[str, tuple[dt.datetime, dt.datetime]] = {
            S.EXPIRED: (self.end - 88 * days, self.end - 63 * days),
            S.EXPIRED_OPENED: (self.end - 95 * days, self.end - 80 * days),
            S.NEW: (self.end - 8 * days, self.end - dt.timedelta(hours=2)),
            S.CONTACTED: (self.end - 10 * days, self.end - 2 * days),
            S.ACCOUNT_OPENED: (self.end - 24 * days, self.end - 10 * days),
        }
        return windows.get(final, (self.start, self.end - 3 * days))

    def _lead_plan(self, case: LeadCase) -> Plan:
        rng = case.rng
        plan = Plan().then(ZERO, partial(self._create_lead, case))
        for status in _lead_path(case.final, rng):
            if status == S.CONTACTED:
                if rng.random() < 0.4:
                    plan.then(_hours(rng, 1, 20), partial(self._lead_call, case, None))
                plan.then(_hours(rng, 1, 30), partial(self._lead_contacted, case))
            elif status == S.FOLLOWUP_SCHEDULED:
                case.wait = _days(rng, 1, 4)  # the follow-up happens when the task is due
                plan.then(_minutes(rng, 5, 600), partial(self._lead_followup, case, case.wait))
            elif status == S.FOLLOWUP_COMPLETE:
                plan.then(case.wait, partial(self._lead_followup_done, case))
            else:
                gap, action = self._lead_step(case, status)
                plan.then(gap, action)
        if case.final == S.EXPIRED:  # once the expiry job has run: drop the follow-up
            plan.then(dt.timedelta(days=61), partial(self._drop_followup, case))
        return plan

    def _lead_step(self, case: LeadCase, status: str) -> tuple[dt.timedelta, Action]:
        rng = case.rng
        if status == S.DOCUMENTS_COLLECTED:
            return _hours(rng, 2, 72), partial(self._lead_documents, case)
        if status == S.SENT_TO_HO:
            note = "Application forwarded to head office for verification."
            return _hours(rng, 2, 48), partial(self._lead_move, case, status, case.owner, note)
        if status == S.DOCUMENTS_VERIFIED:
            note = "KYC documents verified by head office."
            return _hours(rng, 4, 72), partial(self._lead_move, case, status, self.manager, note)
        if status == S.REJECTED:
            return _hours(rng, 4, 72), partial(self._lead_rejected, case)
        if status == S.ACCOUNT_OPENED:
            return _hours(rng, 4, 48), partial(self._lead_opened, case)
        assert status == S.ACCOUNT_ACTIVATED, status
        return _days(rng, 1, 4), partial(self._lead_activated, case)

    def _fresh_lead(self, case: LeadCase, to_status: str) -> bool:
        """Reload the lead; False (the story ends) if it can no longer move to ``to_status``
        (the expiry job took it)."""
        assert case.lead is not None
        case.lead.refresh_from_db()
        return to_status in LEAD_TRANSITIONS[case.lead.status]

    def _create_lead(self, case: LeadCase) -> bool:
        person = case.person
        for attempt in range(10):  # a drawn mobile someone already has: draw another
            data = {
                "first_name": person.first, "last_name": person.last, "mobile": person.mobile,
                "email": person.email, "source": case.source, "city": person.city,
                "state": person.state, "country": "IN", "owner": case.owner,
                "category": LeadCategory.INDIRECT
                if case.source == LeadSource.PARTNER else LeadCategory.DIRECT,
            }  # fmt: skip
            try:
                case.lead = leads.create_lead(actor=case.creator, data=data)
                break
            except ValidationError as exc:
                if not {"mobile", "email"} & set(exc.message_dict):
                    raise
                person = case.person = _person(case.rng, f"l{self.seed}x{case.number}a{attempt}")
        else:
            return False
        if case.source == LeadSource.COLD_CALL:  # the call that found the lead
            notes = f"Cold call; interested in {case.rng.choice(PRODUCTS)}."
            self._call(case.owner, person.mobile, Direction.OUTGOING, CallStatus.COMPLETED,
                       case.rng, notes=notes)  # fmt: skip
        return True

    def _lead_call(self, case: LeadCase, status: str | None) -> None:
        """An outgoing call to the lead; unanswered unless ``status`` says otherwise."""
        self._call(case.owner, case.person.mobile, Direction.OUTGOING,
                   status or case.rng.choice(UNANSWERED), case.rng)  # fmt: skip

    def _lead_contacted(self, case: LeadCase) -> bool:
        if not self._fresh_lead(case, S.CONTACTED):
            return False
        product = case.rng.choice(PRODUCTS)
        notes = f"Introduced our services; interested in {product}."
        self._call(case.owner, case.person.mobile, Direction.OUTGOING, CallStatus.COMPLETED,
                   case.rng, notes=notes)  # fmt: skip
        return self._move(case, S.CONTACTED, case.owner, f"Spoke on the phone about {product}.")

    def _lead_followup(self, case: LeadCase, wait: dt.timedelta) -> bool:
        if not self._fresh_lead(case, S.FOLLOWUP_SCHEDULED):
            return False
        due = self.clock() + wait
        local = due.astimezone(self.sim.tz)
        self._move(case, S.FOLLOWUP_SCHEDULED, case.owner,
                   f"Asked to call back on {local:%d %b} around {local:%H:%M}.")  # fmt: skip
        case.task = self._new_task(
            actor=case.owner, assignee=case.owner, subject=case.lead, due_at=due,
            title=f"Follow-up call with {case.person.first} {case.person.last}",
            priority=TaskPriority.HIGH if case.rng.random() < 0.3 else TaskPriority.MEDIUM,
        )  # fmt: skip
        return True

    def _lead_followup_done(self, case: LeadCase) -> bool:
        if not self._fresh_lead(case, S.FOLLOWUP_COMPLETE):
            return False
        self._call(case.owner, case.person.mobile, Direction.OUTGOING, CallStatus.COMPLETED,
                   case.rng, notes="Follow-up call as promised.")  # fmt: skip
        self._finish_task(case.task, case.owner, TaskStatus.DONE)
        return self._move(case, S.FOLLOWUP_COMPLETE, case.owner, "Follow-up call done.")

    def _drop_followup(self, case: LeadCase) -> None:
        assert case.lead is not None
        case.lead.refresh_from_db()
        if case.lead.status == S.EXPIRED:
            self._finish_task(case.task, case.owner, TaskStatus.CANCELED)

    def _lead_documents(self, case: LeadCase) -> bool:
        if not self._fresh_lead(case, S.DOCUMENTS_COLLECTED):
            return False
        rng, person = case.rng, case.person
        data = {
            "pan": _pan(rng, person.last), "aadhaar": _aadhaar(rng),
            "address_line": f"{rng.randint(1, 299)}, {rng.choice(STREETS)}",
            "postal_code": f"{person.pin3}{rng.randint(1, 99):03d}",
            "account_type": ACCOUNT_TYPES.pick(rng),
        }  # fmt: skip
        case.lead = leads.update_lead(case.lead, actor=case.owner, data=data)  # type: ignore[arg-type]
        add_manual_activity(
            None, actor=case.owner, kind="meeting", subject=case.lead,
            body="Met at the branch; collected PAN card, Aadhaar and a cancelled cheque.",
        )  # fmt: skip
        self._finish_task(case.task, case.owner, TaskStatus.DONE)
        return self._move(case, S.DOCUMENTS_COLLECTED, case.owner, "Documents collected.")

    def _lead_move(self, case: LeadCase, status: str, actor: Any, note: str) -> bool:
        if not self._fresh_lead(case, status):
            return False
        return self._move(case, status, actor, note)

    def _move(self, case: LeadCase, status: str, actor: Any, note: str) -> bool:
        assert case.lead is not None
        case.lead = leads.change_lead_status(case.lead, actor=actor, to_status=status, note=note)
        return True

    def _lead_rejected(self, case: LeadCase) -> bool:
        if not self._fresh_lead(case, S.REJECTED):
            return False
        document, reason = case.rng.choice(REJECTIONS)
        self._move(case, S.REJECTED, self.manager, reason)
        case.task = self._new_task(
            actor=case.owner, assignee=case.owner, subject=case.lead,
            title=f"Collect a fresh {document} from {case.person.first} {case.person.last}",
            due_at=self.clock() + _days(case.rng, 1, 3), priority=TaskPriority.HIGH,
        )  # fmt: skip
        return True

    def _lead_opened(self, case: LeadCase) -> bool:
        if not self._fresh_lead(case, S.ACCOUNT_OPENED):
            return False
        self._move(case, S.ACCOUNT_OPENED, self.manager, "Trading and demat account opened.")
        chance = CONVERSION_CHANCE.get(case.final, 0.0)
        if case.rng.random() < chance:
            # A customer who already holds one of its identifiers: it stays a lead.
            with contextlib.suppress(ValidationError):
                case.customer = leads.convert_lead(case.lead, actor=case.owner)  # type: ignore[arg-type]
        return True

    def _lead_activated(self, case: LeadCase) -> bool:
        if not self._fresh_lead(case, S.ACCOUNT_ACTIVATED):
            return False
        self._move(case, S.ACCOUNT_ACTIVATED, case.owner, "First funds received; account live.")
        if case.customer is None:
            return True
        try:
            customer_services.change_status(
                case.customer, actor=case.owner, to_status=CustomerStatus.ACTIVE,
                reason="Account activated: KYC verified and first funds received.",
            )  # fmt: skip
        except ValidationError:  # e.g. an approved KYC is required first
            self._new_task(
                actor=case.owner, assignee=self.compliance, subject=case.customer,
                title=f"Approve the KYC of {case.customer.client_id} so it can be activated",
                due_at=self.clock() + dt.timedelta(days=2), priority=TaskPriority.HIGH,
            )  # fmt: skip
        return True

    # --- tickets -------------------------------------------------------------------------

    def _ticket_customers(self) -> list[Customer]:
        count = self._share(1 / 8, len(TicketStatus))
        pool = [c for c in self.active if c.status != CustomerStatus.CLOSED] or self.customers
        return [self.pick.choice(pool) for _ in range(count)]

    def _plan_tickets(self, customers: Sequence[Customer]) -> None:
        if not self.subjects:  # every ticket subject switched off: no tickets
            return
        statuses = list(TicketStatus)
        for i, customer in enumerate(customers):
            rng = self._rng("ticket", i)
            final = statuses[i] if i < len(statuses) else TICKET_FINALS.pick(rng)
            by_manager = rng.random() < 0.2
            helped = by_manager and rng.random() < 0.5  # the Manager works on it too
            assignees = [self.support, self.manager] if helped else [self.support]
            case = TicketCase(
                number=i, rng=rng, final=final, customer=customer,
                creator=self.manager if by_manager else self.support, assignees=assignees,
                subject=rng.choice(self.subjects), source=TICKET_SOURCES.pick(rng),
                priority=PRIORITIES.pick(rng),
            )  # fmt: skip
            earliest, latest = self._ticket_window(case)
            self.sim.add(self._ticket_plan(case), rng, earliest=earliest, latest=latest)

    def _ticket_window(self, case: TicketCase) -> tuple[dt.datetime, dt.datetime]:
        """When the ticket may be opened: finished ones any time, most open ones recently
        enough to be within their targets (a few are stale and breached)."""
        days = dt.timedelta(days=1)
        if case.final == TicketStatus.CLOSED:
            return self.start, self.end - 6 * days
        if case.final == TicketStatus.RESOLVED:
            return self.end - 20 * days, self.end - 3 * days
        if case.rng.random() < 0.1:
            return self.end - 12 * days, self.end - days
        response, resolution = sla.targets_for(case.priority)
        budget = dt.timedelta(minutes=response if case.final == TicketStatus.NEW else resolution)
        return self.end - 0.9 * budget, self.end - 0.4 * budget

    def _ticket_plan(self, case: TicketCase) -> Plan:
        """Creation, first response, work, maybe a follow-up pause, resolution, closing and
        the survey. The steps up to the resolution keep to the SLA clock (the desk answers
        outside office hours too); a few miss a target."""
        rng, final, T = case.rng, case.final, TicketStatus
        response, resolution = sla.targets_for(case.priority)

        def sla_gap(low: float, high: float, *, of: int = resolution) -> dt.timedelta:
            return _minutes(rng, low * of, high * of)

        plan = Plan().then(ZERO, partial(self._create_ticket, case))
        if final == T.NEW:
            return plan
        low, high = (1.1, 2.5) if rng.random() < 0.05 else (0.1, 0.8)
        plan.then(sla_gap(low, high, of=response), partial(self._acknowledge, case), office=False)
        if case.priority != Priority.URGENT and rng.random() < 0.08:
            plan.then(sla_gap(0.02, 0.1), partial(self._escalate, case), office=False)
        if final == T.OPEN:
            return plan
        in_progress = partial(self._ticket_move, case, T.IN_PROGRESS, "")
        plan.then(sla_gap(0.02, 0.1), in_progress, office=False)
        if final == T.IN_PROGRESS:
            return plan
        if final in (T.FOLLOWUP_SCHEDULED, T.FOLLOWUP_COMPLETE) or rng.random() < 0.3:
            wait = _days(rng, 1, 3)  # the SLA clock stands still meanwhile
            plan.then(sla_gap(0.05, 0.15), partial(self._ticket_followup, case, wait), office=False)
            if final == T.FOLLOWUP_SCHEDULED:
                return plan
            plan.then(wait, partial(self._ticket_followup_done, case))
            if final == T.FOLLOWUP_COMPLETE:
                return plan
        low, high = (0.9, 1.6) if rng.random() < 0.05 else (0.1, 0.35)
        plan.then(sla_gap(low, high), partial(self._resolve, case), office=False)
        if rng.random() < 0.06:  # it came back (and so misses its resolution target)
            plan.then(_days(rng, 1, 3), partial(self._ticket_move, case, T.OPEN, REOPENED))
            plan.then(sla_gap(0.02, 0.1), in_progress, office=False)
            plan.then(sla_gap(0.1, 0.35), partial(self._resolve, case), office=False)
        if final == T.RESOLVED:
            return plan
        plan.then(_days(rng, 1, 3), partial(self._close, case))
        if rng.random() < 0.65:
            plan.then(_hours(rng, 1, 72), partial(self._answer_survey, case), office=False)
        return plan

    def _create_ticket(self, case: TicketCase) -> None:
        rng, customer = case.rng, case.customer
        template = rng.choice(DESCRIPTIONS.get(case.subject.name, DESCRIPTIONS["Other"]))
        description = template.format(
            days=rng.randint(3, 12), city=rng.choice(demo.IN_CITIES)[0],
            amount=rng.choice((5_000, 12_500, 25_000, 50_000, 1_00_000)),
        )  # fmt: skip
        if case.source == Source.ON_CALL:  # the customer rang the support line
            self._call(self.support, customer.mobile, Direction.INCOMING, CallStatus.COMPLETED,
                       rng, customer=customer, notes=description)  # fmt: skip
        data = {
            "customer": customer, "subject": case.subject, "source": case.source,
            "priority": case.priority, "description": description,
        }  # fmt: skip
        case.ticket = tickets.create_ticket(
            actor=case.creator, data={**data, "assignees": case.assignees}
        )
        self._watch_sla(case.ticket)

    def _acknowledge(self, case: TicketCase) -> None:
        assert case.ticket is not None
        tickets.add_comment(case.ticket, actor=self.support, body=case.rng.choice(FIRST_RESPONSES))
        self._ticket_move(case, TicketStatus.OPEN, "We have received your request.")

    def _escalate(self, case: TicketCase) -> None:
        assert case.ticket is not None
        case.ticket = tickets.update_ticket(
            case.ticket, actor=self.manager, data={"priority": Priority.URGENT}
        )
        tickets.add_comment(
            case.ticket, actor=self.manager,
            body="Customer escalated to the branch head; @support please treat as urgent.",
        )  # fmt: skip
        self._watch_sla(case.ticket)

    def _ticket_move(self, case: TicketCase, status: str, note: str) -> bool:
        assert case.ticket is not None
        if status not in case.ticket.allowed_transitions():
            return False
        case.ticket = tickets.change_status(
            case.ticket, actor=self.support, to_status=status, note=note
        )
        self._watch_sla(case.ticket)
        return True

    def _ticket_followup(self, case: TicketCase, wait: dt.timedelta) -> bool:
        due = self.clock() + wait
        local = due.astimezone(self.sim.tz)
        if not self._ticket_move(case, TicketStatus.FOLLOWUP_SCHEDULED,
                                 f"We will call you on {local:%d %b} with an update."):  # fmt: skip
            return False
        case.task = self._new_task(
            actor=self.support, assignee=self.support, subject=case.ticket, due_at=due,
            title=f"Call {case.customer.first_name} back about {case.ticket.number}",  # type: ignore[union-attr]
            priority=TaskPriority.MEDIUM,
        )  # fmt: skip
        return True

    def _ticket_followup_done(self, case: TicketCase) -> bool:
        self._call(self.support, case.customer.mobile, Direction.OUTGOING, CallStatus.COMPLETED,
                   case.rng, customer=case.customer, notes="Call-back as promised.")  # fmt: skip
        self._finish_task(case.task, self.support, TaskStatus.DONE)
        return self._ticket_move(case, TicketStatus.FOLLOWUP_COMPLETE, "")

    def _resolve(self, case: TicketCase) -> bool:
        assert case.ticket is not None
        text = case.rng.choice(RESOLUTIONS)
        tickets.add_comment(case.ticket, actor=self.support, body=text)
        return self._ticket_move(case, TicketStatus.RESOLVED, text)

    def _close(self, case: TicketCase) -> bool:
        return self._ticket_move(
            case, TicketStatus.CLOSED, "Resolved and confirmed with the customer."
        )

    def _answer_survey(self, case: TicketCase) -> None:
        """The customer follows the link in the survey message (email or SMS)."""
        assert case.ticket is not None
        survey = TicketSurvey.objects.filter(ticket_id=case.ticket.pk).first()
        if survey is None:
            return
        bodies = Message.objects.filter(customer=case.customer, event="ticket_survey")
        for body in bodies.order_by("-pk").values_list("body", flat=True)[:6]:
            for token in SURVEY_LINK.findall(body):
                if tickets.hash_token(token) == survey.token_hash:
                    tickets.submit_survey(
                        token, rating=RATINGS.pick(case.rng),
                        comment=case.rng.choice(SURVEY_COMMENTS),
                    )  # fmt: skip
                    return

    def _watch_sla(self, ticket: Ticket) -> None:
        """Have the breach job run at the scheduler's first tick after each due time."""
        if ticket.sla_paused_at is not None or ticket.status in DONE_STATUSES:
            return
        if ticket.first_response_at is None:
            self.sim.job("sla", _tick(ticket.first_response_due_at, 300), self._sla_job)
        if ticket.resolved_at is None:
            self.sim.job("sla", _tick(ticket.resolution_due_at, 300), self._sla_job)

    def _sla_job(self) -> None:
        tickets.check_sla_breaches()

    # --- calls ---------------------------------------------------------------------------

    def _call(
        self,
        staff: Any,
        number: str,
        direction: str,
        status: str,
        rng: random.Random,
        *,
        customer: Customer | None = None,
        notes: str = "",
    ) -> None:
        """One call logged by hand right after it ended (the customer's side: ``number``)."""
        answered = status == CallStatus.COMPLETED
        seconds = rng.randint(60, 900) if answered else 0
        ours, theirs = (DESK_NUMBER if staff == self.support else ""), number
        data = {
            "direction": direction, "status": status, "duration_seconds": seconds,
            "from_number": theirs if direction == Direction.INCOMING else ours,
            "to_number": ours if direction == Direction.INCOMING else theirs,
            "started_at": self.clock() - dt.timedelta(seconds=seconds + 60),
            "notes": notes if answered else "",
        }  # fmt: skip
        calls.log_call(actor=staff, data=data, customer=customer)

    def _plan_device_calls(self) -> None:
        """Calls the sales users made from their phones, synced by the phone app each
        evening (``intake_calls``, idempotent by device call id)."""
        by_day: dict[tuple[int, dt.date], list[dict[str, Any]]] = collections.defaultdict(list)
        for k in range(self._share(1 / 10, 4)):
            rng = self._rng("device-call", k)
            customer = rng.choice(self.active)
            user = self._owner_of(customer)
            if user not in self.sales:
                continue
            at = self.sim.office_hours(self.start + _days(rng, 0, WINDOW_DAYS - 1), rng.random())
            status = CALL_OUTCOMES.pick(rng)
            seconds = rng.randint(45, 1200) if status == CallStatus.COMPLETED else 0
            by_day[(user.pk, at.astimezone(self.sim.tz).date())].append({
                "direction": "outgoing", "to_number": customer.mobile, "status": status,
                "started_at": at.isoformat(), "duration_seconds": seconds,
                "notes": rng.choice(CALL_NOTES) if seconds else "",
                "device_id": f"demo-phone-{user.username}",
                "device_call_id": f"seed{self.seed}-{k}",
            })  # fmt: skip
        for (user_pk, day), rows in sorted(by_day.items()):
            user = self.user_by_pk[user_pk]
            sync = self.sim.local(day, 19, 45)
            sync_action = partial(calls.intake_calls, actor=user, rows=rows)
            plan = Plan().then(ZERO, sync_action, office=False)
            self.sim.add(plan, self.pick, earliest=sync, latest=sync)

    def _plan_missed_calls(self) -> None:
        """Missed calls on the support line (customers and unknown numbers), called back."""
        for k in range(self._share(1 / 50, 3)):
            rng = self._rng("missed-call", k)
            customer = rng.choice(self.active) if rng.random() < 0.7 else None
            number = customer.mobile if customer else _mobile(rng)
            plan = Plan().then(ZERO, partial(self._missed, number, customer, rng))
            if rng.random() < 0.8:
                plan.then(_minutes(rng, 10, 180), partial(self._call_back, number, customer, rng))
            self.sim.add(plan, rng, earliest=self.start, latest=self.end)

    def _missed(self, number: str, customer: Customer | None, rng: random.Random) -> None:
        self._call(self.support, number, Direction.INCOMING, CallStatus.MISSED_CALL, rng,
                   customer=customer)  # fmt: skip

    def _call_back(self, number: str, customer: Customer | None, rng: random.Random) -> None:
        status = CallStatus.COMPLETED if rng.random() < 0.75 else CallStatus.NO_ANSWER
        self._call(self.support, number, Direction.OUTGOING, status, rng, customer=customer,
                   notes="Returned the missed call.")  # fmt: skip

    # --- notes, reviews, tasks, messages -------------------------------------------------

    def _plan_notes(self) -> None:
        for k in range(self._share(1 / 10, 4)):
            rng = self._rng("note", k)
            customer = rng.choice(self.active)
            kind = NOTE_KINDS.pick(rng)
            # Sales and Support note only on their own records (the row rule of ticket
            # comments); a Manager notes on any customer.
            actor = self._owner_of(customer) if rng.random() < 0.85 else self.manager
            action = partial(add_manual_activity, customer, actor=actor, kind=kind,
                             body=rng.choice(NOTES[kind]))  # fmt: skip
            plan = Plan().then(ZERO, action)
            if kind == "whatsapp" and rng.random() < 0.5:  # the quick action on the profile
                plan.then(_minutes(rng, 5, 90), partial(calls.log_whatsapp, customer, actor=actor))
            self.sim.add(plan, rng, earliest=self.start, latest=self.end)

    def _plan_reviews(self) -> None:
        for k in range(self._share(1 / 50, 2)):
            rng = self._rng("review", k)
            checklist = {key: rng.random() < 0.85 for key in customer_services.REVIEW_CHECKLIST}
            action = partial(
                customer_services.review_profile, rng.choice(self.active),
                actor=self.compliance if rng.random() < 0.5 else self.manager,
                checklist=checklist, notes=rng.choice(("", "", "Periodic review.")),
            )  # fmt: skip
            self.sim.add(Plan().then(ZERO, action), rng, earliest=self.start, latest=self.end)

    def _plan_tasks(self) -> None:
        """Tasks the Manager hands to the sales users, the compliance officer's own, and a
        personal to-do per sales user; open, in progress, done or canceled."""
        cases = []
        for k in range(self._share(1 / 50, 3)):
            rng = self._rng("task", k)
            customer = rng.choice(self.active)
            title = rng.choice(TASK_TITLES).format(name=customer.full_name)
            cases.append(self._task_case(rng, self.manager, self._owner_of(customer), title,
                                         customer))  # fmt: skip
        for k in range(self._share(1 / 100, 2)):
            rng = self._rng("compliance-task", k)
            customer = rng.choice(self.active)
            title = rng.choice(COMPLIANCE_TITLES).format(name=customer.full_name)
            cases.append(self._task_case(rng, self.compliance, self.compliance, title, customer))
        for k, user in enumerate(self.sales):
            rng = self._rng("todo", k)
            cases.append(self._task_case(rng, user, user, "Prepare the weekly pipeline report",
                                         None))  # fmt: skip
        for case in cases:
            plan = Plan().then(ZERO, partial(self._create_task, case))
            if case.ending not in (TaskStatus.TODO, TaskStatus.BACKLOG):
                plan.then(case.due * case.rng.uniform(0.3, 1.1), partial(self._end_task, case))
            self.sim.add(plan, case.rng, earliest=self.start, latest=self.end)

    def _task_case(
        self, rng: random.Random, actor: Any, assignee: Any, title: str, subject: Any
    ) -> TaskCase:
        ending = TASK_ENDINGS.pick(rng)
        return TaskCase(rng, actor, assignee, title, subject, _days(rng, 1, 10), ending)

    def _create_task(self, case: TaskCase) -> None:
        case.task = self._new_task(
            actor=case.actor, assignee=case.assignee, subject=case.subject, title=case.title,
            due_at=self.clock() + case.due,
            priority=case.rng.choice(TaskPriority.values),
        )  # fmt: skip
        if case.ending == TaskStatus.BACKLOG:
            self._finish_task(case.task, case.assignee, TaskStatus.BACKLOG)

    def _end_task(self, case: TaskCase) -> None:
        if case.ending == TaskStatus.DONE and case.rng.random() < 0.5:
            self._finish_task(case.task, case.assignee, TaskStatus.IN_PROGRESS)
        self._finish_task(case.task, case.assignee, case.ending)

    def _new_task(self, *, actor: Any, subject: Any, **data: Any) -> Task:
        task = followups.create_task(actor=actor, data=data, subject=subject)
        if task.remind_at is not None:  # the reminder job's next minute after the reminder
            self.sim.job("reminders", _tick(task.remind_at, 60), followups.send_due_reminders)
        return task

    def _finish_task(self, task: Task | None, actor: Any, status: str) -> None:
        if task is not None:
            task.refresh_from_db()
            if status in TASK_TRANSITIONS[task.status] and task.status not in CLOSED_STATUSES:
                followups.change_status(task, actor=actor, to_status=status)

    def _plan_opt_outs(self, ticket_customers: Sequence[Customer]) -> None:
        """A few customers opt out of a channel early on; later messages there are skipped."""
        for k in range(self._share(1 / 100, 1)):
            rng = self._rng("opt-out", k)
            customer = ticket_customers[k % len(ticket_customers)]
            channel = rng.choice((Channel.SMS, Channel.EMAIL, Channel.WHATSAPP))
            action = partial(comms.set_preferences, customer, actor=self._owner_of(customer),
                             opted_out={channel: True})  # fmt: skip
            start = self.start - dt.timedelta(days=2)
            self.sim.add(Plan().then(ZERO, action), rng, earliest=start, latest=self.start)

    def _plan_messages(self) -> None:
        for k in range(self._share(1 / 25, 3)):
            rng = self._rng("message", k)
            customer = rng.choice(self.active)
            actor = self._owner_of(customer) if rng.random() < 0.85 else self.manager
            action = partial(self._send_message, customer, actor, rng)
            self.sim.add(Plan().then(ZERO, action), rng, earliest=self.start, latest=self.end)

    def _send_message(self, customer: Customer, actor: Any, rng: random.Random) -> None:
        subject, body = rng.choice(MESSAGES)
        # Opted out of that channel, or no address for it: staff would not send it.
        with contextlib.suppress(ValidationError):
            comms.send_message(
                customer, actor=actor, channel=MESSAGE_CHANNELS.pick(rng),
                subject=subject, body=body.format(first=customer.first_name),
            )  # fmt: skip

    # --- every day -----------------------------------------------------------------------

    def _plan_daily(self) -> None:
        """The lead expiry job at 02:00; staff reading their notifications each morning."""
        first = (self.end - dt.timedelta(days=96)).astimezone(self.sim.tz).date()
        last = self.end.astimezone(self.sim.tz).date()
        day = first
        while day <= last:
            self.sim.job("expiry", self.sim.local(day, 2), leads.expire_leads)
            if day.weekday() != 6:
                for k, user in enumerate(self.users.values()):
                    read = partial(notifications.mark_read, user)
                    self.sim.job(f"read-{user.pk}", self.sim.local(day, 9, 35 + k), read)
            day += dt.timedelta(days=1)


REOPENED = "The customer reports the problem is back."


def _lead_path(final: str, rng: random.Random) -> list[str]:
    """The statuses a lead passes through after New to end in ``final`` (the expiry job
    sets the two expiry statuses itself)."""
    early: list[str] = [S.CONTACTED, S.FOLLOWUP_SCHEDULED, S.FOLLOWUP_COMPLETE]
    if final in (S.NEW, S.CONTACTED, S.FOLLOWUP_SCHEDULED, S.FOLLOWUP_COMPLETE):
        return early[: [str(S.NEW), *early].index(final)]
    if final == S.EXPIRED:
        return early[: rng.randrange(3)]
    shape = rng.random()  # a walk-in with documents, a quick yes, or the long way
    head: list[str] = [*early, S.DOCUMENTS_COLLECTED]
    if shape < 0.15:
        head = [S.DOCUMENTS_COLLECTED]
    elif shape < 0.45:
        head = [S.CONTACTED, S.DOCUMENTS_COLLECTED]
    if final == S.DOCUMENTS_COLLECTED:
        return head
    if final == S.SENT_TO_HO:
        return [*head, S.SENT_TO_HO]
    if final == S.REJECTED:
        tail: list[str] = [S.REJECTED] if rng.random() < 0.7 else [S.DOCUMENTS_VERIFIED, S.REJECTED]
        return [*head, S.SENT_TO_HO, *tail]
    review: list[str] = [S.SENT_TO_HO]
    if rng.random() < 0.25:  # rejected once, documents collected again
        review = [S.SENT_TO_HO, S.REJECTED, S.DOCUMENTS_COLLECTED, S.SENT_TO_HO]
    path: list[str] = [*head, *review, S.DOCUMENTS_VERIFIED]
    if final == S.DOCUMENTS_VERIFIED:
        return path
    path.append(S.ACCOUNT_OPENED)
    return path if final in (S.ACCOUNT_OPENED, S.EXPIRED_OPENED) else [*path, S.ACCOUNT_ACTIVATED]
