"""Shared fixtures for the screening tests: the published list samples, loaded once."""

from __future__ import annotations

import os
from pathlib import Path

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
