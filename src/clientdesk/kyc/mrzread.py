"""Reading an MRZ off a page image: several OCR readings, repaired, the one that validates.

Tesseract's general English model reads long runs of the filler ``<`` with one too many or
one too few, and now and then adds or drops a character. Every MRZ field is protected by
an ICAO 9303 check digit, and the composite digit protects line 2 as a whole, so it is safe
to try several readings and repairs and keep the first one whose check digits all verify;
a misreading that still validated would have to get five digits right by chance. When none
validates, the first parsed reading is returned so the reviewer sees what failed.

Readings (see :func:`read_mrz`), each tried only when the ones before did not validate: the
bottom 40% of the page read as one block, each of the two lowest text lines read on its own
at twice the size (``--psm 7``), the block again at 1.5 times the size; all without
Tesseract's dictionaries. Repairs: look-alike glyphs (:func:`clean_line`); the longest
run of fillers on a line stretched or shrunk so the line has its format's length; a line
read too long also tried without each of its characters in turn. A repair is kept only
when every check digit then verifies.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Iterator

from PIL import Image

from clientdesk.kyc import ocr
from clientdesk.kyc.mrz import MRZFormatError, MRZResult, parse_mrz

__all__ = ["best_mrz", "candidates", "clean_line", "read_mrz", "stretch_fillers"]

_LINE_RE = re.compile(r"^[A-Z0-9<]{26,}$")
_FORMATS = ((2, 44), (2, 36), (3, 30))
_NO_DICTIONARY = ("-c", "load_system_dawg=0", "-c", "load_freq_dawg=0")


def stretch_fillers(line: str, length: int) -> str:
    """``line`` with its longest run of ``<`` stretched or shrunk to make ``length``."""
    if len(line) == length:
        return line
    runs = list(re.finditer(r"<{2,}", line))
    if not runs:
        return line
    longest = max(runs, key=lambda m: len(m.group()))
    size = len(longest.group()) + length - len(line)
    if size < 1:
        return line
    return line[: longest.start()] + "<" * size + line[longest.end() :]


# What Tesseract's English model makes of MRZ glyphs: long filler runs come out as lower-case
# c / e (an MRZ has no lower case), S as $, 5 as §, 7 as /, 2 as ?, I as |, << as «.
# Any such guess is kept only if the check digits then verify.
_GLYPH_FIXES = str.maketrans({"$": "S", "§": "5", "/": "7", "?": "2", "|": "I", "«": "<", "‹": "<"})


def clean_line(raw: str) -> str:
    """One OCR line as MRZ characters: spaces dropped, filler look-alikes repaired."""
    line = re.sub(r"\s+", "", raw.replace("«", "<<")).translate(_GLYPH_FIXES)
    line = re.sub(r"[<ce]{2,}", lambda m: "<" * len(m.group()), line)
    return re.sub(r"[^A-Z0-9<]", "", line.upper())  # "?" and other debris dropped


def _mrz_lines(text: str) -> list[str]:
    return [x for x in (clean_line(raw) for raw in text.splitlines()) if _LINE_RE.match(x)]


def _line_variants(line: str, length: int) -> list[str]:
    """The line with its fillers fitted; a line read too long also without each one of its
    characters in turn (OCR adds a stray ``1`` beside an ``I`` now and then)."""
    variants = [stretch_fillers(line, length)]
    if len(line) > length:
        variants += [stretch_fillers(line[:i] + line[i + 1 :], length) for i in range(len(line))]
    return list(dict.fromkeys(v for v in variants if len(v) == length))


def candidates(text: str) -> Iterator[tuple[str, ...]]:
    """Line sets that could be the MRZ in ``text``: the last lines, as read, then repaired
    (cheapest repairs first)."""
    lines = _mrz_lines(text)
    for count, length in _FORMATS:
        if len(lines) < count:
            continue
        block = lines[-count:]
        if not all(abs(len(x) - length) <= 8 for x in block):
            continue
        yield tuple(block)
        yield from itertools.product(*(_line_variants(x, length) for x in block))


def best_mrz(texts: Iterable[str], *, today: dt.date | None = None) -> MRZResult | None:
    """The first reading whose check digits all verify, else the first one that parsed."""
    first: MRZResult | None = None
    for text in texts:
        for lines in candidates(text):
            try:
                parsed = parse_mrz(list(lines), today=today)
            except (MRZFormatError, ValueError, IndexError):
                continue
            if parsed.valid:
                return parsed
            first = first or parsed
    return first


def _text_bands(image: Image.Image, *, threshold: int = 128) -> list[tuple[int, int]]:
    """Rows holding dark pixels, grouped into bands (text lines), top to bottom."""
    grey = image.convert("L")
    small = grey.resize((max(grey.width // 4, 1), grey.height))
    dark = small.point(lambda p: 255 if p < threshold else 0)
    data, width = dark.tobytes(), dark.width
    rows = [data[y * width : (y + 1) * width].count(255) for y in range(dark.height)]
    bands, start = [], None
    for y, count in enumerate([*rows, 0]):
        if count > 1 and start is None:
            start = y
        elif count <= 1 and start is not None:
            if y - start >= 8:
                bands.append((start, y))
            start = None
    return bands


def line_images(bottom: Image.Image, count: int = 2, scale: int = 2) -> list[Image.Image]:
    """The lowest ``count`` text lines of ``bottom``, each cut out and enlarged."""
    crops = []
    for top, end in _text_bands(bottom)[-count:]:
        crop = bottom.crop((0, max(top - 6, 0), bottom.width, min(end + 6, bottom.height)))
        crops.append(
            crop.resize((crop.width * scale, crop.height * scale), Image.Resampling.LANCZOS)
        )
    return crops


def read_mrz(
    page: Image.Image, *, timeout: float = 20.0, today: dt.date | None = None
) -> MRZResult | None:
    """Read the MRZ at the bottom of a prepared (grey, upright) page image."""
    bottom = page.crop((0, int(page.height * 0.6), page.width, page.height))

    def reading(image: Image.Image, psm: int) -> str:
        # No character whitelist: with it the LSTM model reads filler runs worse.
        return ocr.ocr_image(image, psm=psm, timeout=timeout, extra=_NO_DICTIONARY)

    def texts() -> Iterator[str]:
        yield reading(bottom, 6)
        yield "\n".join(reading(line, 7) for line in line_images(bottom))
        yield reading(bottom.resize((bottom.width * 3 // 2, bottom.height * 3 // 2)), 6)

    return best_mrz(texts(), today=today)
