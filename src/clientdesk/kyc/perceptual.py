"""Look-alike copies of a document: perceptual hashes (imagehash) of the first page.

Two fingerprints per document, both of the grey page, auto-contrasted:

* ``phash`` - the 64-bit DCT perceptual hash of the whole page (``imagehash.phash``): the
  same for a re-saved, re-compressed or re-scaled copy, but **also nearly the same for
  another person's document of the same design** (measured on the generated cards: 2-4 bits
  apart, while a re-photographed copy is 8-10 apart). It only finds *candidates*.
* ``tiles`` - the 64-bit phash of each cell of a 4 x 4 grid (1,024 bits, 256 hex): another
  person's name or number changes the cells it is printed in by 12-31 bits, a re-saved copy
  changes none by more than a few. The largest cell distance decides (:data:`TILE_LIMIT`).

Lookup without scanning every document: the 64-bit hash is stored split into four 16-bit
bands (indexed columns). Two hashes at most 7 bits apart agree in at least one band up to
one bit (pigeonhole), so the candidates are the rows whose band equals one of the 17 values
(the band and its 16 one-bit neighbours) for any band - an indexed ``IN`` per band - and
only they are compared in Python. The upload is hashed in its four quarter-turn rotations,
so a copy turned on its side is found too.

Not caught, and said so in docs/kyc.md: a re-photographed copy (perspective, blur, crop)
- global hashes cannot tell it from another person's document of the same design.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps

from clientdesk.core.imaging import strict_decoding
from clientdesk.kyc.results import CheckResult

__all__ = [
    "BAND_BITS",
    "CANDIDATE_DISTANCE",
    "TILE_LIMIT",
    "Fingerprint",
    "NotHashable",
    "band_values",
    "bands",
    "fingerprints",
    "near_duplicate_check",
    "tile_distance",
]

BAND_BITS = 16
CANDIDATE_DISTANCE = 7  # whole-page hash: candidates at most this many bits apart
TILE_LIMIT = 4  # a copy: no grid cell more than this many bits apart
_GRID = 4
_SIDE = 256
ROTATIONS = (0, 90, 180, 270)


class NotHashable(Exception):
    """The page could not be hashed (damaged file, no renderer): the check is *not run*."""


@dataclass(frozen=True)
class Fingerprint:
    phash: int  # unsigned 64-bit
    tiles: str  # 256 hex digits
    rotation: int = 0

    @property
    def signed(self) -> int:
        """For a signed 64-bit database column."""
        return self.phash - (1 << 64) if self.phash >= 1 << 63 else self.phash


def _bits(hash_: object) -> int:
    return int(str(hash_), 16)


def _fingerprint(grey: Image.Image, rotation: int) -> Fingerprint:
    import imagehash

    page = grey.rotate(rotation, expand=True) if rotation else grey
    square = ImageOps.autocontrast(page).resize((_SIDE, _SIDE), Image.Resampling.LANCZOS)
    cell = _SIDE // _GRID
    tiles = "".join(
        str(imagehash.phash(square.crop((x * cell, y * cell, (x + 1) * cell, (y + 1) * cell))))
        for y in range(_GRID)
        for x in range(_GRID)
    )
    return Fingerprint(_bits(imagehash.phash(square)), tiles, rotation)


def fingerprints(image: Image.Image | bytes) -> list[Fingerprint]:
    """The page's fingerprint upright first, then turned by 90, 180 and 270 degrees.
    Raises :class:`NotHashable` (never anything else) when the image cannot be read."""
    try:
        if isinstance(image, bytes):
            with strict_decoding():
                image = Image.open(io.BytesIO(image))
                image.load()
        grey = ImageOps.exif_transpose(image).convert("L")
        grey.thumbnail((1024, 1024))
        if min(grey.size) < 8:
            raise NotHashable("the image is too small to hash")
        return [_fingerprint(grey, rotation) for rotation in ROTATIONS]
    except NotHashable:
        raise
    except Exception as exc:  # truncated, corrupt, unsupported: never crash a check run
        raise NotHashable(f"the image could not be decoded for hashing ({exc})") from exc


def bands(phash: int) -> tuple[int, int, int, int]:
    """The 64-bit hash as four 16-bit bands, most significant first."""
    return tuple((phash >> (48 - 16 * i)) & 0xFFFF for i in range(4))  # type: ignore[return-value]


def band_values(phash: int) -> list[list[int]]:
    """Per band: its value and the 16 values one bit away (see the module docstring)."""
    return [[band, *(band ^ (1 << bit) for bit in range(BAND_BITS))] for band in bands(phash)]


def tile_distance(one: str, two: str) -> int:
    """The largest Hamming distance between corresponding grid cells."""
    if len(one) != len(two) or not one:
        return 1 << 10
    step = 16  # hex digits per 64-bit cell
    return max(
        (int(one[i : i + step], 16) ^ int(two[i : i + step], 16)).bit_count()
        for i in range(0, len(one), step)
    )


@dataclass(frozen=True)
class Match:
    client_id: str
    same_customer: bool
    distance: int  # whole-page bits
    tile_distance: int
    rotation: int


def near_duplicate_check(matches: list[Match], *, problem: str = "") -> CheckResult:
    """The verdict: a look-alike copy for another customer fails, for the same customer
    warns; ``problem`` (why the page could not be hashed) makes it *not run*."""
    code = "near_duplicate"
    if problem:
        return CheckResult.not_run(code, problem, advice="look-alike copies were not searched")
    others = sorted((m for m in matches if not m.same_customer), key=lambda m: m.tile_distance)
    same = [m for m in matches if m.same_customer]

    def describe(m: Match) -> str:
        turned = f", turned {m.rotation}°" if m.rotation else ""
        return (
            f"{m.client_id} (Hamming distance {m.distance} of 64 bits, at most "
            f"{m.tile_distance} per grid cell{turned})"
        )

    data = {
        "matches": [
            {"customer": m.client_id, "distance": m.distance, "cell_distance": m.tile_distance,
             "rotation": m.rotation}
            for m in (others + same)[:10]
        ]
    }  # fmt: skip
    if others:
        return CheckResult.failed(
            code,
            "A look-alike copy of this document (re-saved, re-sized or turned) was uploaded "
            "for another customer: " + ", ".join(describe(m) for m in others[:3]) + ".",
            **data,
        )
    if same:
        return CheckResult.warning(
            code,
            "A look-alike copy of this document was already uploaded for this customer: "
            + describe(min(same, key=lambda m: m.tile_distance))
            + ".",
            **data,
        )
    return CheckResult.passed(
        code,
        "No look-alike copy (re-saved, re-sized or turned) among the other documents. "
        "A re-photographed copy is not detectable this way.",
        **data,
    )
