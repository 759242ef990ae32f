"""Loading the published samples as list versions (models + management command)."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from clientdesk.core.models import AuditEvent
from clientdesk.screening import services
from clientdesk.screening.indexing import entry_from_dict
from clientdesk.screening.models import ListCategory, ListEntryRecord, ListVersion, ScreeningRun

pytestmark = pytest.mark.django_db


def test_ofac_sdn_sample_loads_as_published(fixtures_dir: Path) -> None:
    result = services.load_list_version(
        actor=None, source="ofac_sdn", path=fixtures_dir / "ofac_sdn", rescreen=False
    )
    version = result.version
    assert result.created and version.number == 1 and version.is_current
    assert version.screening_list.name == "OFAC SDN"
    assert version.screening_list.category == ListCategory.SANCTIONS
    assert version.entry_count == 405 == version.entries.count()
    assert version.counts_by_kind == {
        "individual": 224,
        "entity": 131,
        "vessel": 30,
        "aircraft": 20,
    }
    assert version.alias_count > 467  # alt.csv rows plus the weak a.k.a. names in remarks
    assert AuditEvent.objects.filter(object_type="screening.listversion").count() == 1


def test_un_and_consolidated_samples(fixtures_dir: Path) -> None:
    un = services.load_list_version(
        actor=None, source="un", path=fixtures_dir / "un" / "consolidated.xml", rescreen=False
    ).version
    assert un.entry_count == 418 and un.counts_by_kind == {"individual": 307, "entity": 111}
    assert un.published_at is not None and un.published_at.year == 2026
    cons = services.load_list_version(
        actor=None, source="ofac_cons", path=fixtures_dir / "ofac_cons", rescreen=False
    ).version
    assert cons.entry_count == 442


def test_orphan_rows_are_reported_not_fatal(fixtures_dir: Path) -> None:
    version = services.load_list_version(
        actor=None, source="ofac_sdn", path=fixtures_dir / "ofac_sdn_tiny", rescreen=False
    ).version
    assert version.entry_count == 17
    assert version.orphans.startswith("9 orphan rows skipped")


def test_stored_entries_round_trip_to_the_same_hash(fixtures_dir: Path) -> None:
    services.load_list_version(
        actor=None, source="un", path=fixtures_dir / "un" / "consolidated.xml", rescreen=False
    )
    for record in ListEntryRecord.objects.all():
        assert entry_from_dict(record.data).content_hash == record.content_hash


def test_same_file_again_changes_nothing(fixtures_dir: Path) -> None:
    path = fixtures_dir / "ofac_sdn_tiny"
    first = services.load_list_version(actor=None, source="ofac_sdn", path=path, rescreen=False)
    again = services.load_list_version(actor=None, source="ofac_sdn", path=path)
    assert not again.created and again.version == first.version
    assert ListVersion.objects.count() == 1 and not ScreeningRun.objects.exists()


def test_changed_list_adds_a_version_and_rescreens(
    fixtures_dir: Path, tmp_path: Path, load: Any, register: Any
) -> None:
    folder = tmp_path / "sdn"
    shutil.copytree(fixtures_dir / "ofac_sdn_tiny", folder)
    load("ofac_sdn", folder)
    register("Priya", "Nair")
    main = folder / "sdn.csv"
    data = main.read_bytes()
    main.write_bytes(data.replace(b"MORENO, Daniel", b"MORENO, Danny", 1))
    result = load("ofac_sdn", folder)
    v1, v2 = ListVersion.objects.order_by("number")
    assert (v1.is_current, v2.is_current) == (False, True)
    assert (result.version.added_count, result.version.changed_count) == (0, 1)
    run = ScreeningRun.objects.order_by("id").last()  # the first load ran one too
    assert run is not None and run.trigger == "list_change" and run.status == "done"
    assert run.processed == run.total == 1


def test_in_house_csv_and_command(pep_file: Path) -> None:
    out = StringIO()
    call_command("load_screening_list", "pep", str(pep_file), "--category", "pep", stdout=out)
    assert "3 entries" in out.getvalue()
    version = ListVersion.objects.get()
    assert version.screening_list.category == "pep"
    out = StringIO()
    call_command("load_screening_list", "pep", str(pep_file), stdout=out)
    assert "unchanged" in out.getvalue()


def test_bad_file_is_a_clear_command_error(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    bad = tmp_path / "bad.csv"
    bad.write_text("who,what\n1,2\n")
    with pytest.raises(CommandError, match="id and name"):
        call_command("load_screening_list", "pep", str(bad))
    assert not ListVersion.objects.exists()
