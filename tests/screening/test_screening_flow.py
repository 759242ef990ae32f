"""Screening customers: registration and edit hooks, dismissal memory, bulk re-screens."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import TestCase

from clientdesk.customers import services as customer_services
from clientdesk.screening import services
from clientdesk.screening.models import (
    HitStatus,
    RunStatus,
    ScreeningCheck,
    ScreeningHit,
    ScreeningRun,
    Trigger,
)

pytestmark = pytest.mark.django_db


def rescreen() -> ScreeningRun:
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.start_rescreen(actor=None, trigger=Trigger.MANUAL)
    run.refresh_from_db()
    return run


KHAN_DOB, SHARMA_DOB = dt.date(1970, 5, 1), dt.date(1985, 2, 11)


@pytest.mark.parametrize(
    "first, last, dob, listed",
    [
        ("Muhammad", "Ali Khan", KHAN_DOB, "Mohammed Ali Khan"),  # spelling variant
        ("Khan", "Mohammed Ali", KHAN_DOB, "Mohammed Ali Khan"),  # word order
        ("M.", "Ali Khan", KHAN_DOB, "Mohammed Ali Khan"),  # initial
        ("Adhya", "Sharma", SHARMA_DOB, "Aadhya Sharma"),  # transliteration
    ],
)
def test_registration_raises_a_hit(
    pep_list: Any, register: Any, first: str, last: str, dob: dt.date, listed: str
) -> None:
    customer = register(first, last, date_of_birth=dob)
    hit = ScreeningHit.objects.get(customer=customer)
    assert hit.entry_name == listed and hit.status == HitStatus.OPEN
    assert hit.trigger == Trigger.REGISTRATION and hit.score >= 85
    assert hit.explanation["reasons"][-1].startswith("Score")
    check = ScreeningCheck.objects.get(customer=customer)
    assert check.new_hits == 1 and check.versions == ["In-house PEP v1"]


def test_unrelated_name_raises_nothing_but_is_recorded(pep_list: Any, register: Any) -> None:
    customer = register("Priya", "Nair")
    assert not ScreeningHit.objects.exists()
    assert ScreeningCheck.objects.get(customer=customer).match_count == 0


def test_date_of_birth_lifts_and_lowers(pep_list: Any, register: Any) -> None:
    same = register("Mohammed", "Ali Khan", date_of_birth=dt.date(1970, 5, 1))
    slip = register("Mohammed", "Ali Khan", date_of_birth=dt.date(1970, 1, 5))
    close = register("Mohammed", "Ali Khan", date_of_birth=dt.date(1971, 9, 20))
    namesake = register("Mohammed", "Ali Khan", date_of_birth=dt.date(1999, 1, 1))
    lifted = ScreeningHit.objects.get(customer=same)
    slipped = ScreeningHit.objects.get(customer=slip)
    lowered = ScreeningHit.objects.get(customer=close)
    assert lifted.score >= slipped.score > lowered.score
    assert any("Date of birth on file is listed" in r for r in lifted.explanation["reasons"])
    assert any("typing slip (day and month swapped)" in r for r in slipped.explanation["reasons"])
    # a namesake 29 years apart is not raised; the check says so in its record
    assert not ScreeningHit.objects.filter(customer=namesake).exists()
    # the stored explanation never holds the customer's full date of birth
    assert "1970-01-05" not in str(slipped.explanation)
    assert "1971-09-20" not in str(lowered.explanation)


def test_name_change_rescreens(pep_list: Any, register: Any, admin_user: Any) -> None:
    customer = register("Priya", "Nair")
    with TestCase.captureOnCommitCallbacks(execute=True):
        customer_services.update_customer(
            customer, actor=admin_user, data={"first_name": "Aadhya", "last_name": "Sharma"}
        )
    hit = ScreeningHit.objects.get(customer=customer)
    assert hit.trigger == Trigger.PROFILE_CHANGE
    with TestCase.captureOnCommitCallbacks(execute=True):
        customer_services.update_customer(customer, actor=admin_user, data={"city": "Pune"})
    assert ScreeningCheck.objects.filter(customer=customer).count() == 2  # not for a city


def test_dismissed_pair_is_not_raised_again(
    pep_list: Any, register: Any, compliance: Any, load: Any, pep_file: Path
) -> None:
    customer = register("Aadhya", "Sharma")
    hit = ScreeningHit.objects.get(customer=customer)
    services.decide_hit(
        hit, actor=compliance, to_status="dismissed", reason="Different DOB and city"
    )
    run = rescreen()
    assert run.status == RunStatus.DONE and run.matched == 1 and run.new_hits == 0
    assert ScreeningHit.objects.filter(customer=customer).count() == 1
    # the list entry changes: the pair is raised again, the old decision stays on record
    pep_file.write_text(pep_file.read_text().replace("Member of a state assembly", "Minister"))
    load("pep", pep_file)
    hits = ScreeningHit.objects.filter(customer=customer).order_by("id")
    assert [h.status for h in hits] == [HitStatus.DISMISSED, HitStatus.OPEN]
    assert hits[0].content_hash != hits[1].content_hash


def test_open_hit_follows_a_changed_entry(
    pep_list: Any, register: Any, load: Any, pep_file: Path
) -> None:
    customer = register("Aadhya", "Sharma")
    before = ScreeningHit.objects.get(customer=customer)
    pep_file.write_text(pep_file.read_text().replace("Member of a state assembly", "Minister"))
    load("pep", pep_file)
    after = ScreeningHit.objects.get(customer=customer)  # still one hit, brought up to date
    assert after.pk == before.pk and after.content_hash != before.content_hash


def test_run_is_chunked_and_resumable(pep_list: Any, register: Any) -> None:
    for i in range(5):
        register(f"Person{'ABCDE'[i]}", "Verma")
    register("Aadhya", "Sharma")
    run = services.start_rescreen(actor=None, trigger=Trigger.MANUAL)  # task not run
    assert not services.continue_run(run.pk, budget_seconds=0, chunk_size=2)
    run.refresh_from_db()
    assert (run.status, run.processed, run.total) == (RunStatus.RUNNING, 2, 6)
    # a new worker picks up at the cursor
    assert services.continue_run(run.pk, chunk_size=2)
    run.refresh_from_db()
    assert (run.status, run.processed, run.matched) == (RunStatus.DONE, 6, 1)


def test_stalled_run_is_resumed(pep_list: Any, register: Any) -> None:
    register("Aadhya", "Sharma")
    run = services.start_rescreen(actor=None, trigger=Trigger.MANUAL)
    ScreeningRun.objects.filter(pk=run.pk).update(created_at=run.created_at - dt.timedelta(hours=1))
    assert services.resume_stalled_runs() == [run.pk]  # immediate backend: runs now
    run.refresh_from_db()
    assert run.status == RunStatus.DONE


def test_a_new_run_supersedes_an_unfinished_one(pep_list: Any) -> None:
    first = services.start_rescreen(actor=None, trigger=Trigger.MANUAL)
    services.start_rescreen(actor=None, trigger=Trigger.MANUAL)
    first.refresh_from_db()
    assert first.status == RunStatus.SUPERSEDED
    assert services.continue_run(first.pk)  # nothing left to do for it


def test_no_lists_loaded_screens_to_nothing(register: Any) -> None:
    customer = register("Aadhya", "Sharma")
    check = ScreeningCheck.objects.get(customer=customer)
    assert check.match_count == 0 and check.versions == []


def test_real_ofac_entry_is_found(fixtures_dir: Path, load: Any, register: Any) -> None:
    load("ofac_sdn", fixtures_dir / "ofac_sdn_tiny")
    customer = register("Dmitriy", "Khoroshev", date_of_birth=dt.date(1993, 4, 17), country="RU")
    hit = ScreeningHit.objects.get(customer=customer)
    assert hit.external_id == "48603" and hit.score >= 90


def test_forked_workers_record_hits(
    pep_list: Any, register: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Matches from ``screen_many``'s worker processes come back as copies of the entries."""
    customer = register("Aadhya", "Sharma")
    register("Priya", "Nair")
    ScreeningHit.objects.all().delete()
    monkeypatch.setattr(services, "MIN_FORK", 1)
    run = services.start_rescreen(actor=None, trigger=Trigger.MANUAL)
    assert services.continue_run(run.pk, processes=2)
    run.refresh_from_db()
    assert (run.status, run.processed, run.new_hits) == (RunStatus.DONE, 2, 1)
    assert ScreeningHit.objects.get().customer == customer


def test_same_record_on_two_lists_gives_a_hit_per_list(
    fixtures_dir: Path, load: Any, register: Any
) -> None:
    load("ofac_sdn", fixtures_dir / "ofac_sdn_tiny")
    load("ofac_copy", fixtures_dir / "ofac_sdn_tiny", file_format="ofac")
    customer = register("Dmitriy", "Khoroshev", date_of_birth=dt.date(1993, 4, 17))
    lists = set(
        ScreeningHit.objects.filter(customer=customer).values_list(
            "screening_list__source", flat=True
        )
    )
    assert lists == {"ofac_sdn", "ofac_copy"}


def test_nationality_lifts_or_lowers_the_score(
    fixtures_dir: Path, load: Any, register: Any
) -> None:
    """The list entry is Russian: a Russian national living in India scores higher than an
    Indian one of the same name and birth date (without a nationality, the country counts)."""
    load("ofac_sdn", fixtures_dir / "ofac_sdn_tiny")
    born = dt.date(1993, 4, 17)
    indian = register("Dmitriy", "Khoroshev", date_of_birth=born, country="IN")
    russian = register(
        "Dmitriy", "Khoroshev", date_of_birth=born, country="IN", nationality="RU",
        mobile="+919812300077", email="dk2@example.com",
    )  # fmt: skip
    assert russian.nationality == "RU"
    russian_hit = ScreeningHit.objects.get(customer=russian)
    indian_hit = ScreeningHit.objects.filter(customer=indian).first()
    assert russian_hit.score > (indian_hit.score if indian_hit else 0)
