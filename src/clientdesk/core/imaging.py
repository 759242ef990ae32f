"""Decode uploaded images strictly, whatever another library set for the process.

WeasyPrint (the PDF reports) sets Pillow's process-wide ``ImageFile.LOAD_TRUNCATED_IMAGES``
to True when it is imported: from then on a truncated upload decodes "successfully", its
missing half painted grey, and a KYC check would call a damaged file readable. Every decode
of an uploaded file runs inside ``strict_decoding()``, which turns the flag off for the
decode and puts back what it found. The lock keeps two of our decodes from interleaving;
a PDF rendered at the same moment by another thread may find a truncated image refused,
which is the safe way round.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import ImageFile

_lock = threading.RLock()


@contextmanager
def strict_decoding() -> Iterator[None]:
    with _lock:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous
