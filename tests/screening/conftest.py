"""Shared fixtures for the screening tests: the published list samples, loaded once."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clientdesk.screening import LoadedList, ScreeningIndex, load_ofac, load_un_xml

FIXTURES = Path(
    os.environ.get(
        "SANCTIONS_FIXTURES",
        Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "sanctions",
    )
)


def _need_fixtures() -> None:
    if not (FIXTURES / "README.md").is_file():
        pytest.skip(f"sanctions samples not found at {FIXTURES}")


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    _need_fixtures()
    return FIXTURES


@pytest.fixture(scope="session")
def ofac_sdn(fixtures_dir: Path) -> LoadedList:
    return load_ofac(fixtures_dir / "ofac_sdn")


@pytest.fixture(scope="session")
def ofac_tiny(fixtures_dir: Path) -> LoadedList:
    return load_ofac(fixtures_dir / "ofac_sdn_tiny")


@pytest.fixture(scope="session")
def ofac_cons(fixtures_dir: Path) -> LoadedList:
    return load_ofac(fixtures_dir / "ofac_cons")


@pytest.fixture(scope="session")
def un_list(fixtures_dir: Path) -> LoadedList:
    return load_un_xml(fixtures_dir / "un" / "consolidated.xml")


@pytest.fixture(scope="session")
def sample_index(
    ofac_sdn: LoadedList, ofac_cons: LoadedList, un_list: LoadedList
) -> ScreeningIndex:
    """All three published samples in one index (about 1,270 entries)."""
    return ScreeningIndex([*ofac_sdn, *ofac_cons, *un_list])


# --- Django-layer fixtures (the module's models, services and pages) ------------------------

PEP_CSV = """id,name,aliases,type,date_of_birth,nationality,program,remarks
PEP-1,Mohammed Ali Khan,Md. Ali Khan,pep,1970-05-01,India,PEP,Former state minister
PEP-2,Aadhya Sharma,,pep,1985-02-11,India,PEP,Member of a state assembly
PEP-3,Acme Trading LLC,,entity,,,WATCH,In-house watch list
"""


@pytest.fixture(autouse=True)
def _fresh_index() -> Any:
    """Each test builds its own index: rolled-back versions may reuse ids (SQLite)."""
    from clientdesk.screening import indexing

    indexing.clear()
    yield
    indexing.clear()


@pytest.fixture
def pep_file(tmp_path: Path) -> Path:
    path = tmp_path / "pep.csv"
    path.write_text(PEP_CSV, encoding="utf-8")
    return path


@pytest.fixture
def pep_list(db: None, pep_file: Path) -> Any:
    """An in-house PEP list loaded as version 1 (no re-screen: no customers yet)."""
    from clientdesk.screening import services

    return services.load_list_version(
        actor=None,
        source="pep",
        path=pep_file,
        name="In-house PEP",
        category="pep",
        rescreen=False,
    ).version


@pytest.fixture
def load(db: None) -> Callable[..., Any]:
    """``load(source, path, **kw)`` -> LoadResult, running on-commit work like production."""
    from django.test import TestCase

    from clientdesk.screening import services

    def run(source: str, path: Path, **kwargs: Any) -> Any:
        with TestCase.captureOnCommitCallbacks(execute=True):
            return services.load_list_version(actor=None, source=source, path=path, **kwargs)

    return run


@pytest.fixture
def register(admin_user: Any) -> Callable[..., Any]:
    """``register(first, last, **fields)``: a customer registered with hooks run on commit."""
    from django.test import TestCase
    from factories import make_customer

    def make(first_name: str, last_name: str = "", **fields: Any) -> Any:
        with TestCase.captureOnCommitCallbacks(execute=True):
            return make_customer(
                actor=admin_user, first_name=first_name, last_name=last_name, **fields
            )

    return make
