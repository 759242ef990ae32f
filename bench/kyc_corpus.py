#!/usr/bin/env python
"""KYC document checks on a generated corpus: the confusion table per check (issue 17).

    .venv/bin/python bench/kyc_corpus.py                 # 13 documents per family (117)
    .venv/bin/python bench/kyc_corpus.py --per 20 --json var/bench/kyc_corpus.json
    make bench BENCH=kyc-corpus

The corpus is generated here, with Pillow, from a seed (no binary files in the repository):
nine families of documents, each with the outcome every check of it is expected to give.

=============  ======================================================================
good_card      a PAN-style card of the customer, camera EXIF: name, date of birth, id pass
good_passport  a passport page: MRZ digits, MRZ date of birth, expiry pass
blurred        the good card photographed out of focus: sharpness warns
edited         the good card saved by Photoshop (EXIF Software): editing warns
no_metadata    the good card as a scan with no metadata: editing *not run*
duplicate      another customer's card re-saved (JPEG 50), re-sized or turned: look-alike fails
mismatched     another person's card uploaded for the customer: name and birth date fail
expired        a passport expired before today: expiry fails
old_address    a bill older than 92 days: document date fails; its address matches
other_address  a fresh bill at another address and PIN: address fails
=============  ======================================================================

Each document goes through ``verification.verify`` (OCR included) as the background task
runs it; the look-alike check uses ``kyc.perceptual`` against the corpus's earlier documents
the way ``services._look_alikes`` uses the database. Prints, per check, a table of expected
(rows) against actual (columns) statuses, and the accuracy.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import io
import json
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clientdesk.settings")
os.environ.setdefault("CLIENTDESK_ENV", "development")

import django  # noqa: E402

django.setup()

from kyc import makedocs  # noqa: E402
from PIL import Image, ImageFilter  # noqa: E402

from clientdesk.kyc import ocr, perceptual  # noqa: E402
from clientdesk.kyc.verification import Record, verify  # noqa: E402

TODAY = dt.date(2026, 6, 1)
GIVEN = ["ASHA", "RAHUL", "PRIYA", "VIKRAM", "ANANYA", "KABIR", "MEERA", "ARJUN", "DIVYA",
         "ROHAN", "SNEHA", "ADITYA", "KAVYA", "NIKHIL", "POOJA", "SAMEER"]  # fmt: skip
SURNAMES = ["VERMA", "SHARMA", "IYER", "REDDY", "KHAN", "PILLAI", "BANERJEE", "NAIR", "GUPTA",
            "KULKARNI", "SINGH", "MENON", "JOSHI", "DAS", "RAO", "MEHTA"]  # fmt: skip
PLACES = [("12 MG Road", "Bengaluru", "560001"), ("4 Park Street", "Kolkata", "700016"),
          ("7 FC Road", "Pune", "411004"), ("21 Anna Salai", "Chennai", "600002"),
          ("9 Linking Road", "Mumbai", "400050"), ("3 Ashoka Road", "Delhi", "110001")]  # fmt: skip
FAMILIES = ("good_card", "good_passport", "blurred", "edited", "no_metadata", "duplicate",
            "mismatched", "expired", "old_address", "other_address")  # fmt: skip


def _person(rng: random.Random) -> dict[str, object]:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    street, city, pin = rng.choice(PLACES)
    return {
        "given": rng.choice(GIVEN),
        "surname": rng.choice(SURNAMES),
        "birth": dt.date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28)),
        "pan": "".join(rng.choice(letters) for _ in range(3)) + "P"
        + rng.choice(letters) + f"{rng.randint(1000, 9999)}" + rng.choice(letters),
        "passport": rng.choice("JKLMNPRSTUVWZ") + str(rng.randint(1_000_000, 9_999_999)),
        "street": street, "city": city, "pin": pin,
    }  # fmt: skip


def _jpeg(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", **options)  # type: ignore[arg-type]
    return buffer.getvalue()


def _card(p: dict[str, object], **kw: object) -> bytes:
    return makedocs.id_card(name=f"{p['given']} {p['surname']}", birth=p["birth"],  # type: ignore[arg-type]
                            number=str(p["pan"]), **kw)  # type: ignore[arg-type]  # fmt: skip


def document(family: str, rng: random.Random) -> tuple[bytes, str, Record, dict[str, str]]:
    """(bytes, kind, record, expected status per check code) of one corpus document."""
    p = _person(rng)
    name = f"{p['given']} {p['surname']}".title()
    card_record = Record(name=name, birth_date=p["birth"], id_type="pan",  # type: ignore[arg-type]
                         id_number=str(p["pan"]))  # fmt: skip
    if family == "good_card":
        return _card(p), "id_proof", card_record, {
            "ocr_name": "pass", "ocr_birth_date": "pass", "ocr_id_number": "pass",
            "metadata_editing": "pass", "sharpness": "pass", "near_duplicate": "pass"}  # fmt: skip
    if family == "blurred":
        image = Image.open(io.BytesIO(_card(p))).filter(ImageFilter.GaussianBlur(6))
        return _jpeg(image, quality=85, exif=makedocs.camera_exif()), "id_proof", card_record, {
            "sharpness": "warning", "near_duplicate": "pass"}  # fmt: skip
    if family == "edited":
        exif = Image.Exif()
        exif[0x0131] = "Adobe Photoshop 25.0 (Windows)"
        image = Image.open(io.BytesIO(_card(p)))
        expected = {"metadata_editing": "warning", "ocr_name": "pass", "ocr_birth_date": "pass"}
        return _jpeg(image, quality=92, exif=exif.tobytes()), "id_proof", card_record, expected
    if family == "no_metadata":
        scan = _jpeg(Image.open(io.BytesIO(_card(p))), quality=90)  # a scan: no EXIF at all
        return scan, "id_proof", card_record, {"metadata_editing": "not_run", "ocr_name": "pass"}
    if family == "duplicate":
        return b"", "duplicate", card_record, {"near_duplicate": "fail"}  # filled by run()
    if family == "mismatched":
        stranger = _person(rng)
        while stranger["given"] == p["given"] or stranger["surname"] == p["surname"]:
            stranger = _person(rng)
        stranger["birth"] = p["birth"] + dt.timedelta(days=rng.randint(800, 9000))  # type: ignore[operator]
        return _card(stranger), "id_proof", card_record, {
            "ocr_name": "fail", "ocr_birth_date": "fail", "ocr_id_number": "warning"}  # fmt: skip
    passport_record = Record(name=name, birth_date=p["birth"], id_type="passport",  # type: ignore[arg-type]
                             id_number=str(p["passport"]))  # fmt: skip
    if family in ("good_passport", "expired"):
        years = (2027, 2034) if family == "good_passport" else (2019, 2025)
        expiry = dt.date(rng.randint(*years), rng.randint(1, 12), rng.randint(1, 28))
        page = makedocs.passport_page(surname=str(p["surname"]), given=str(p["given"]),
                                      number=str(p["passport"]), birth=p["birth"],  # type: ignore[arg-type]
                                      expiry=expiry)  # fmt: skip
        expected = {"mrz_check_digits": "pass", "mrz_birth_date": "pass", "ocr_name": "pass",
                    "document_expiry": "pass" if family == "good_passport" else "fail"}  # fmt: skip
        return page, "id_proof", passport_record, expected
    address_record = Record(name=name, address=f"{p['street']}, {p['city']}",
                            postal_code=str(p["pin"]))  # fmt: skip
    if family == "old_address":
        bill = makedocs.utility_bill(
            name=name, address=f"{p['street']}, {p['city']} {p['pin']}",
            bill_date=TODAY - dt.timedelta(days=rng.randint(100, 400)))  # fmt: skip
        return bill, "address_proof", address_record, {
            "document_date": "fail", "address_match": "pass", "ocr_name": "pass"}  # fmt: skip
    elsewhere = rng.choice([x for x in PLACES if x[2] != p["pin"]])
    bill = makedocs.utility_bill(
        name=name, address=f"{elsewhere[0]}, {elsewhere[1]} {elsewhere[2]}",
        bill_date=TODAY - dt.timedelta(days=rng.randint(1, 60)))  # fmt: skip
    return bill, "address_proof", address_record, {
        "document_date": "pass", "address_match": "fail", "ocr_name": "pass"}  # fmt: skip


Index = list[tuple[str, perceptual.Fingerprint]]


def _look_alike(prints: list[perceptual.Fingerprint], index: Index, owner: str) -> object:
    matches = []
    for client, stored in index:
        for fp in prints:
            whole = (fp.phash ^ stored.phash).bit_count()
            cells = perceptual.tile_distance(fp.tiles, stored.tiles)
            if whole <= perceptual.CANDIDATE_DISTANCE and cells <= perceptual.TILE_LIMIT:
                matches.append(perceptual.Match(client, client == owner, whole, cells, fp.rotation))
                break
    return perceptual.near_duplicate_check(matches)


def run(per: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    index: list[tuple[str, perceptual.Fingerprint]] = []
    originals: list[tuple[bytes, Record]] = []
    table: dict[str, collections.Counter[tuple[str, str]]] = collections.defaultdict(
        collections.Counter
    )
    misses: list[str] = []
    started = time.perf_counter()
    count = 0
    for round_ in range(per):
        for family in FAMILIES:
            data, kind, record, expected = document(family, rng)
            if family == "duplicate":
                source, record = originals[rng.randrange(len(originals))]
                image = Image.open(io.BytesIO(source))
                change = round_ % 3
                if change == 1:
                    image = image.resize((image.width * 3 // 4, image.height * 3 // 4))
                elif change == 2:
                    image = image.rotate(rng.choice((90, 180, 270)), expand=True)
                data, kind = _jpeg(image, quality=50), "other"
            owner = f"C{count:04d}"
            page = ocr.render_pdf_page(data, 1, dpi=72) if data[:5] == b"%PDF-" else data
            prints = perceptual.fingerprints(page)
            near = _look_alike(prints, index, owner)
            report = verify(data, kind=kind, record=record, near_duplicate=near,  # type: ignore[arg-type]
                            today=TODAY)  # fmt: skip
            got = {r.code: str(r.status) for r in report.results}
            for code, want in expected.items():
                actual = got.get(code, "absent")
                table[code][(want, actual)] += 1
                if actual != want:
                    misses.append(f"{family}#{round_} {code}: expected {want}, got {actual}")
            index.append((owner, prints[0]))
            if family == "good_card":
                originals.append((data, record))
            count += 1
    seconds = time.perf_counter() - started
    return {"documents": count, "seed": seed, "seconds": round(seconds, 1),
            "table": {code: {f"{w}->{a}": n for (w, a), n in sorted(c.items())}
                      for code, c in sorted(table.items())},
            "misses": misses}  # fmt: skip


def markdown(result: dict[str, object]) -> str:
    statuses = ("pass", "warning", "fail", "not_run", "absent")
    lines = [f"{result['documents']} documents, seed {result['seed']}, {result['seconds']} s.", "",
             "| Check | expected | " + " | ".join(statuses) + " | correct |",
             "|---|---|" + "---|" * (len(statuses) + 1)]  # fmt: skip
    for code, cells in result["table"].items():  # type: ignore[attr-defined]
        wanted = sorted({key.split("->")[0] for key in cells})
        for want in wanted:
            row = [cells.get(f"{want}->{s}", 0) for s in statuses]
            total = sum(row)
            right = cells.get(f"{want}->{want}", 0)
            lines.append(f"| `{code}` | {want} | " + " | ".join(str(n) for n in row)
                         + f" | {right}/{total} |")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per", type=int, default=13, help="documents per family")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--json", default="var/bench/kyc_corpus.json")
    args = parser.parse_args()
    result = run(args.per, args.seed)
    print(markdown(result))
    for miss in result["misses"]:  # type: ignore[attr-defined]
        print("  miss:", miss)
    path = REPO / args.json
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
