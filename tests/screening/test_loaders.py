"""The list loaders read the published samples exactly as published (no database needed)."""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter
from pathlib import Path

import pytest

from clientdesk.screening import (
    EntryKind,
    ListFormatError,
    LoadedList,
    load_list,
    parse_inhouse_csv,
    parse_ofac,
    parse_un_xml,
)
from clientdesk.screening.countries import to_iso2
from clientdesk.screening.ofac_remarks import parse_dob, parse_remarks
from clientdesk.screening.records import BirthDate

# ------------------------------------------------------------------------------------------
# OFAC SDN sample: the counts of the README
# ------------------------------------------------------------------------------------------


def test_ofac_sdn_counts_match_the_readme(ofac_sdn: LoadedList) -> None:
    version = ofac_sdn.version
    assert version.source == "ofac_sdn"
    assert version.entry_count == len(ofac_sdn) == 405
    assert version.counts_by_kind == {
        "individual": 224,
        "entity": 131,
        "vessel": 30,
        "aircraft": 20,
    }
    assert version.file_rows == {"main": 405, "alt": 467, "add": 622, "comments": 5}
    assert version.orphans.count == 0
    assert version.problems == ()
    assert version.published is None  # the legacy CSV carries no date


def test_ofac_alt_rows_become_good_aliases_and_inline_aka_low(ofac_sdn: LoadedList) -> None:
    strong = Counter(a.alias_type for e in ofac_sdn for a in e.aliases if a.quality == "good")
    assert strong == {"aka": 448, "fka": 18, "nka": 1}  # exactly the 467 alt.csv rows
    musa = ofac_sdn.by_id()["6368"]  # remarks: a.k.a. ''ABD-AL-'IZ'; a.k.a. 'ABU YASIR'.
    weak = [a.name for a in musa.aliases if a.quality == "low"]
    assert weak == ["ABD-AL-'IZ", "ABU YASIR"]


def test_ofac_individual_fields(ofac_sdn: LoadedList) -> None:
    entry = ofac_sdn.by_id()["6928"]
    assert entry.kind is EntryKind.INDIVIDUAL
    assert entry.name == "MOHAMMED, Khalid Shaikh"
    assert (entry.family_name, entry.given_name) == ("MOHAMMED", "Khalid Shaikh")
    assert [b.date for b in entry.dates_of_birth] == [
        datetime.date(1965, 4, 14),
        datetime.date(1964, 3, 1),
    ]
    assert entry.places_of_birth == ("Kuwait",)
    assert entry.nationalities == ("KW",)  # "citizen Kuwait"
    assert entry.programs == ("SDGT",)


def test_ofac_empty_marker_ctrl_z_and_programs(ofac_sdn: LoadedList) -> None:
    by_id = ofac_sdn.by_id()
    cuba = by_id["36"]  # AEROCARIBBEAN AIRLINES: every optional field is "-0- "
    assert cuba.kind is EntryKind.ENTITY
    assert cuba.remarks == "" and cuba.details == ()
    assert by_id["4711"].programs == ("SDNTK", "FTO", "SDGT")
    last = ofac_sdn.entries[-1]
    assert "\x1a" not in last.remarks and "\x1a" not in last.name
    assert not any("-0-" in (e.remarks + e.name) for e in ofac_sdn)


def test_ofac_vessel_details(ofac_sdn: LoadedList) -> None:
    vessel = ofac_sdn.by_id()["4234"]
    assert vessel.kind is EntryKind.VESSEL
    assert dict(vessel.details) == {
        "call_sign": "CL2685",
        "vessel_type": "General Cargo",
        "tonnage": "2597",
        "grt": "1098",
        "vessel_flag": "Cuba",
        "vessel_owner": "Compania Navegacion Golfo S.A.",
    }
    assert vessel.countries == ("CU",)


def test_ofac_documents_and_addresses(ofac_sdn: LoadedList) -> None:
    entry = ofac_sdn.by_id()["4149"]
    assert [(d.doc_type, d.number, d.country) for d in entry.documents] == [
        ("Cedula No.", "16593470", "CO"),
        ("Passport", "AB151486", "CO"),
        ("Passport", "AC444270", "CO"),
        ("Passport", "OC444290", "CO"),
    ]
    assert [a.text for a in entry.addresses] == [
        "Calle 21 Norte No. 3N-84, Cali, Colombia",
        "c/o CAVIEDES DILEO Y CIA S.C.S., Cali, Colombia",
    ]


def test_ofac_remarks_continue_in_the_comments_file(ofac_sdn: LoadedList) -> None:
    entry = ofac_sdn.by_id()["28263"]  # sdn.csv ends "...a.k.a. 'snowsjo", comments "hn'; ..."
    assert "a.k.a. 'snowsjohn'; Linked To: LAZARUS GROUP." in entry.remarks
    assert "snowsjohn" in [a.name for a in entry.aliases]
    assert entry.remarks.startswith("DOB 12 Jul 1986;")


def test_ofac_date_of_birth_shapes(ofac_sdn: LoadedList) -> None:
    by_id = ofac_sdn.by_id()
    assert by_id["7851"].dates_of_birth[0].precision == "year"  # "DOB 1938"
    circa = by_id["9516"].dates_of_birth[0]  # "DOB circa 1989"
    assert (circa.precision, circa.year, circa.approximate) == ("year", 1989, True)
    span = by_id["21283"].dates_of_birth[0]  # "DOB 01 Jan 1966 to 31 Dec 1968"
    assert (span.precision, span.year_from, span.year_to) == ("range", 1966, 1968)
    assert dict(by_id["9516"].details) == {"title": "Child of Oppah Muchinguri"}


# ------------------------------------------------------------------------------------------
# OFAC tiny sample: orphan rows
# ------------------------------------------------------------------------------------------


def test_orphan_rows_are_skipped_and_reported(ofac_tiny: LoadedList) -> None:
    version = ofac_tiny.version
    assert version.entry_count == 17
    assert version.counts_by_kind == {"individual": 4, "entity": 7, "vessel": 4, "aircraft": 2}
    assert version.orphans.count == 9
    assert version.orphans.ids("alt") == [
        "10416/10278",
        "11935/12685",
        "18820/29702",
        "30221/47371",
        "29445/48727",
    ]
    assert version.orphans.ids("add") == [
        "12562/19709",
        "21765/33151",
        "33723/50544",
        "33997/50972",
    ]
    assert "9 orphan rows skipped" in version.orphans.summary()
    # "KARADH AL-HASSAN" (alt of 10416) must not land on entry 10278, whose ent_num equals
    # the orphan's alt_num.
    logan = ofac_tiny.by_id()["10278"]
    assert [a.name for a in logan.aliases] == ["BURTON BURGESS"]


def test_tiny_comments_join_mid_word(ofac_tiny: LoadedList) -> None:
    suex = ofac_tiny.by_id()["33151"]
    assert "XBT 1B64QRxfaa35MVkf7sDjuGUYAP5izQt7Qi" in suex.remarks
    assert "SUCCESSFUL EXCHANGE" in [a.name for a in suex.aliases]


# ------------------------------------------------------------------------------------------
# OFAC Consolidated sample
# ------------------------------------------------------------------------------------------


def test_ofac_consolidated_counts(ofac_cons: LoadedList) -> None:
    version = ofac_cons.version
    assert version.source == "ofac_cons"
    assert version.entry_count == 442
    assert version.counts_by_kind == {"individual": 79, "entity": 363}
    assert version.file_rows == {"main": 442, "alt": 1073, "add": 574, "comments": 10}
    strong = Counter(a.alias_type for e in ofac_cons for a in e.aliases if a.quality == "good")
    assert strong == {"aka": 932, "fka": 141}
    assert version.orphans.count == 0


# ------------------------------------------------------------------------------------------
# UN consolidated XML
# ------------------------------------------------------------------------------------------


def test_un_counts_match_the_readme(un_list: LoadedList) -> None:
    version = un_list.version
    assert version.source == "un"
    assert version.counts_by_kind == {"individual": 307, "entity": 111}
    people = [e for e in un_list if e.kind is EntryKind.INDIVIDUAL]
    entities = [e for e in un_list if e.kind is EntryKind.ENTITY]
    assert sum(len(e.aliases) for e in people) == 905
    assert sum(len(e.aliases) for e in entities) == 247
    assert version.published == datetime.datetime(2026, 2, 27, 0, 0, 9, 554000, tzinfo=datetime.UTC)
    assert version.problems == ()
    assert version.unmapped_countries == ("former Soviet Union",)


def test_un_individual_fields(un_list: LoadedList) -> None:
    entry = un_list.by_id()["6907995"]
    assert entry.name == "GASTON IYAMUREMYE"
    assert entry.name_parts == ("GASTON", "IYAMUREMYE")
    assert entry.reference == "CDi.003"
    assert entry.version == "1"
    assert entry.listed_on == datetime.date(2010, 12, 1)
    assert entry.programs == ("DRC",)
    assert entry.nationalities == ("RW",)
    assert [(a.name, a.quality) for a in entry.aliases] == [
        ("Rumuli", "low"),
        ("Byiringiro Victor Rumuli", "good"),
        ("Victor Rumuri", "good"),
        ("Michel Byiringiro", "good"),
    ]
    assert [b.describe() for b in entry.dates_of_birth] == ["1948"]
    assert entry.places_of_birth[0] == "Musanze District, Northern Province, Rwanda"
    assert ("designation", "FDLR Interim President") in entry.details


def test_un_dates_of_birth(un_list: LoadedList) -> None:
    by_id = un_list.by_id()
    exact = by_id["6907999"].dates_of_birth[0]
    assert (exact.precision, exact.date) == ("date", datetime.date(1973, 12, 25))
    between = by_id["6908021"].dates_of_birth[0]
    assert (between.precision, between.year_from, between.year_to) == ("range", 1973, 1974)
    approx = by_id["6908062"].dates_of_birth[0]
    assert (approx.precision, approx.year, approx.approximate) == ("year", 1954, True)
    alias = next(a for a in by_id["111796"].aliases if a.name == "Lased Ben Heni")
    assert alias.dates_of_birth[0].date == datetime.date(1969, 2, 5)


def test_un_documents_entities_and_original_script(un_list: LoadedList) -> None:
    by_id = un_list.by_id()
    docs = by_id["6908994"].documents
    assert [(d.doc_type, d.number, d.country) for d in docs] == [
        ("Passport", "AB850901", "TZ"),
        ("Passport", "AB187304", "TZ"),
    ]
    assert by_id["6908048"].original_script_name == "صدام حسين التكريتي"
    adf = by_id["6908402"]
    assert adf.kind is EntryKind.ENTITY and adf.name == "ADF"
    assert [(a.name, a.alias_type) for a in adf.aliases][:2] == [
        ("Allied Democratic Forces", "aka"),
        ("Forces Démocratiques Alliées-Armée Nationale de Libération de l’Ouganda", "fka"),
    ]


# ------------------------------------------------------------------------------------------
# Hashes and versions
# ------------------------------------------------------------------------------------------


def test_content_hash_is_stable_and_sensitive(fixtures_dir: Path, ofac_sdn: LoadedList) -> None:
    again = load_list("ofac_sdn", fixtures_dir / "ofac_sdn")
    assert [e.content_hash for e in again] == [e.content_hash for e in ofac_sdn]
    assert again.version.digest == ofac_sdn.version.digest
    entry = ofac_sdn.by_id()["6928"]
    assert len(entry.content_hash) == 64
    changed = dataclasses.replace(entry, remarks=entry.remarks + " Extra.")
    assert changed.content_hash != entry.content_hash
    assert dataclasses.replace(entry).content_hash == entry.content_hash
    assert entry.to_dict()["content_hash"] == entry.content_hash


def test_a_changed_record_changes_only_its_hash(fixtures_dir: Path, ofac_tiny: LoadedList) -> None:
    folder = fixtures_dir / "ofac_sdn_tiny"
    main = (folder / "sdn.csv").read_bytes().replace(b"28 Jul 1963", b"29 Jul 1963")
    changed = parse_ofac(
        main,
        alt=(folder / "alt.csv").read_bytes(),
        add=(folder / "add.csv").read_bytes(),
        comments=(folder / "sdn_comments.csv").read_bytes(),
    )
    before = {e.external_id: e.content_hash for e in ofac_tiny}
    after = {e.external_id: e.content_hash for e in changed}
    assert [k for k in before if before[k] != after[k]] == ["10278"]
    assert changed.version.digest != ofac_tiny.version.digest


def test_lf_line_endings_without_ctrl_z_read_the_same(fixtures_dir: Path) -> None:
    folder = fixtures_dir / "ofac_sdn"
    crlf = parse_ofac((folder / "sdn.csv").read_bytes())
    lf = parse_ofac((folder / "sdn.csv").read_bytes().replace(b"\r\n", b"\n").rstrip(b"\x1a"))
    assert [e.content_hash for e in lf] == [e.content_hash for e in crlf]


# ------------------------------------------------------------------------------------------
# Malformed input: reported, not fatal
# ------------------------------------------------------------------------------------------


def test_malformed_ofac_rows_are_reported() -> None:
    main = (
        b'1,"GOOD, Name","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 1970."\r\n'
        b'2,"SHORT ROW"\r\n'
        b'1,"DUPLICATE","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
        b'3,"BAD DOB","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 31 Foo 1970."\r\n'
        b"\x1a"
    )
    comments = b'9,"orphan remark"\r\n1,"x"\r\n'
    loaded = parse_ofac(main, alt=b"1,5\r\n", comments=comments)
    assert [e.external_id for e in loaded] == ["1", "3"]
    problems = " | ".join(loaded.version.problems)
    assert "line 2: expected 12 fields" in problems
    assert "duplicate ent_num 1" in problems
    assert "entry 3: unreadable date of birth" in problems
    assert "alt file line 1: malformed row" in problems
    assert loaded.version.orphans.ids("comments") == ["9"]
    assert loaded.by_id()["1"].remarks == "DOB 1970.x"


def test_an_empty_or_foreign_file_is_a_format_error() -> None:
    with pytest.raises(ListFormatError):
        parse_ofac(b"")
    with pytest.raises(ListFormatError):
        parse_un_xml(b"<html><body>not a list</body></html>")
    with pytest.raises(ListFormatError):
        parse_un_xml(b"<CONSOLIDATED_LIST><unclosed></CONSOLIDATED_LIST>")


@pytest.mark.parametrize(
    "document",
    [
        # billion laughs
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<CONSOLIDATED_LIST>&lol2;</CONSOLIDATED_LIST>",
        # external entity pointing at a local file
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<CONSOLIDATED_LIST><INDIVIDUALS>&xxe;</INDIVIDUALS></CONSOLIDATED_LIST>",
        # an external DTD
        b'<?xml version="1.0"?><!DOCTYPE CONSOLIDATED_LIST SYSTEM "http://example.invalid/x.dtd">'
        b"<CONSOLIDATED_LIST/>",
    ],
)
def test_un_loader_refuses_dtds_and_entities(document: bytes) -> None:
    with pytest.raises(ListFormatError, match="DTD or entity"):
        parse_un_xml(document)


def test_un_loader_reads_a_minimal_document() -> None:
    document = """<?xml version="1.0" encoding="UTF-8"?>
    <CONSOLIDATED_LIST dateGenerated="2026-01-02T03:04:05Z"><INDIVIDUALS><INDIVIDUAL>
      <DATAID>1</DATAID><VERSIONNUM>2</VERSIONNUM><FIRST_NAME>JOSÉ</FIRST_NAME>
      <SECOND_NAME>PÉREZ</SECOND_NAME><UN_LIST_TYPE>Haiti</UN_LIST_TYPE>
      <NATIONALITY><VALUE>na</VALUE></NATIONALITY>
      <INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE/></INDIVIDUAL_DATE_OF_BIRTH>
    </INDIVIDUAL></INDIVIDUALS><ENTITIES/></CONSOLIDATED_LIST>""".encode()
    loaded = parse_un_xml(document)
    (entry,) = loaded.entries
    assert (entry.name, entry.aliases, entry.dates_of_birth) == ("JOSÉ PÉREZ", (), ())
    assert entry.nationalities == () and entry.nationality_names == ()
    assert loaded.version.published == datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


# ------------------------------------------------------------------------------------------
# In-house / PEP CSV
# ------------------------------------------------------------------------------------------

INHOUSE = (
    "\ufeffid,name,aliases,type,date_of_birth,nationality,program,remarks\r\n"
    "PEP-1,Rajesh Kumar Verma,R. K. Verma|Rajesh Varma,individual,1961-04-02,India,PEP,"
    "Former MLA\r\n"
    'PEP-2,"Acme Holdings, Ltd",,entity,,AE|IN,internal|watch,\r\n'
    "PEP-3,Circa Person,,person,circa 1950|1948-1952,in,,\r\n"
    "PEP-4,Bad Date,,individual,02/04/1961,,,\r\n"
    ",No Id,,,,,,\r\n"
    "PEP-1,Duplicate,,,,,,\r\n"
    "PEP-5,Odd Kind,,spaceship,,,,\r\n"
)


def test_inhouse_csv() -> None:
    loaded = parse_inhouse_csv(INHOUSE.encode("utf-8"), source="pep")
    by_id = loaded.by_id()
    assert list(by_id) == ["PEP-1", "PEP-2", "PEP-3", "PEP-4"]
    verma = by_id["PEP-1"]
    assert verma.source == "pep"
    assert [a.name for a in verma.aliases] == ["R. K. Verma", "Rajesh Varma"]
    assert verma.dates_of_birth[0].date == datetime.date(1961, 4, 2)
    assert verma.nationalities == ("IN",)
    assert by_id["PEP-2"].kind is EntryKind.ENTITY
    assert by_id["PEP-2"].nationalities == ("AE", "IN")
    assert by_id["PEP-2"].programs == ("internal", "watch")
    assert [b.describe() for b in by_id["PEP-3"].dates_of_birth] == ["1950 (approx.)", "1948-1952"]
    assert by_id["PEP-4"].dates_of_birth == ()
    problems = " | ".join(loaded.version.problems)
    assert "unreadable date of birth '02/04/1961' ignored" in problems
    assert "line 6: id and name are required" in problems
    assert "duplicate id PEP-1 skipped" in problems
    assert "unknown type 'spaceship'" in problems


def test_inhouse_csv_needs_a_header() -> None:
    with pytest.raises(ListFormatError, match="header"):
        parse_inhouse_csv("PEP-1,Someone\n")


# ------------------------------------------------------------------------------------------
# Remarks, dates and countries
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("23 Nov 1952", BirthDate("date", date=datetime.date(1952, 11, 23), year=1952, month=11)),
        ("Nov 1952", BirthDate("month", year=1952, month=11)),
        ("1965", BirthDate("year", year=1965)),
        ("circa 1960", BirthDate("year", year=1960, approximate=True)),
        ("1960 to 1962", BirthDate("range", year_from=1960, year_to=1962)),
        ("01 Jan 1966 to 31 Dec 1968", BirthDate("range", year_from=1966, year_to=1968)),
    ],
)
def test_parse_dob(text: str, expected: BirthDate) -> None:
    assert dataclasses.replace(parse_dob(text), text="") == expected


@pytest.mark.parametrize("text", ["31 Foo 1970", "sometime", "1970 to 1960", "32 Jan 1970"])
def test_parse_dob_rejects(text: str) -> None:
    with pytest.raises((ValueError, KeyError)):
        parse_dob(text)


def test_parse_remarks_items() -> None:
    info = parse_remarks(
        "DOB 24 Jun 1954; alt. DOB 1955; POB Tijuana, Baja California, Mexico; nationality "
        "Korea, North; alt. citizen Syria; Gender Male; Passport 83860 (Sudan) issued 2001; "
        "Business Registration Number 0582030 (Connecticut) (United States); "
        "Nationality of Registration Man, Isle of; a.k.a. 'EL PATRON''; f.k.a. 'OLD NAME'."
    )
    assert [b.describe() for b in info.dates_of_birth] == ["1954-06-24", "1955"]
    assert info.places_of_birth == ["Tijuana, Baja California, Mexico"]
    assert info.nationality_names == ["Korea, North", "Syria"]
    assert info.gender == "male"
    assert info.documents == [
        ("Passport", "83860", "Sudan", "issued 2001"),
        ("Business Registration Number", "0582030", "United States", "(United States)"),
    ]
    assert info.aliases == [("EL PATRON", "aka"), ("OLD NAME", "fka")]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Korea, North", "KP"),
        ("Democratic People's Republic of Korea", "KP"),
        ("Iran (Islamic Republic of)", "IR"),
        ("Congo, Democratic Republic of the", "CD"),
        ("Türkiye", "TR"),
        ("Man, Isle of", "IM"),
        ("the Philippines", "PH"),
        ("Burma", "MM"),
        ("United Kingdom of Great Britain and Northern Ireland", "GB"),
        ("in", "IN"),
        ("India", "IN"),
        ("Region: Gaza", "PS"),
        ("former Soviet Union", None),
        ("Atlantis", None),
        ("", None),
    ],
)
def test_country_names(name: str, code: str | None) -> None:
    assert to_iso2(name) == code


def test_every_sample_nationality_maps(
    ofac_sdn: LoadedList, ofac_cons: LoadedList, ofac_tiny: LoadedList
) -> None:
    for loaded in (ofac_sdn, ofac_cons, ofac_tiny):
        assert loaded.version.unmapped_countries == ()
        for entry in loaded:
            assert len(entry.nationalities) == len(set(entry.nationality_names))
