"""Text recognition with the Tesseract command line, and PDF pages as PNG with pdftoppm.

Both are Debian packages (``tesseract-ocr``, ``poppler-utils``) called as subprocesses with a
time limit; nothing is installed in the virtualenv. Settings ``KYC_TESSERACT_PATH`` and
``KYC_PDFTOPPM_PATH`` name the programs (default: found on PATH). When a program is missing
the functions say so (:class:`OcrUnavailable`, "tesseract is not installed") and the checks
that need it are recorded as *not run* with that reason, never as passed.

``OMP_THREAD_LIMIT=1`` keeps one Tesseract run on one core: the worker runs several tasks
side by side, and Tesseract's own threads only slow that down.
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

__all__ = [
    "MRZ_ALPHABET",
    "OcrText",
    "OcrUnavailable",
    "ocr_image",
    "pdf_text",
    "render_pdf_page",
]

MRZ_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
# Longer side of the image handed to Tesseract: enough for ID text, bounded for speed.
OCR_MAX_SIDE = 2000


class OcrUnavailable(RuntimeError):
    """Tesseract or pdftoppm is not installed, or did not finish in time."""


@dataclass(frozen=True)
class OcrText:
    text: str
    engine: str  # "tesseract 5.3.0", "pdf text layer"


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def _configured(name: str) -> str:
    """The program the settings name for ``name`` (KYC_<NAME>_PATH), else ``name`` itself."""
    try:
        from django.conf import settings

        return str(getattr(settings, f"KYC_{name.upper()}_PATH", "") or name)
    except Exception:  # used without Django settings (a script, the benchmark)
        return name


def _binary(name: str) -> str:
    configured = _configured(name)
    path = shutil.which(configured)
    if path is None:
        where = "" if configured == name else f" (looked for {configured})"
        raise OcrUnavailable(f"{name} is not installed{where}")
    return path


@functools.lru_cache(maxsize=4)
def _version(path: str) -> str:
    try:
        out = subprocess.run(  # noqa: S603 - fixed program, no shell
            [path, "--version"], capture_output=True, text=True, timeout=10
        )
    except (subprocess.SubprocessError, OSError):
        return "tesseract (not installed)"
    first = (out.stdout or out.stderr).splitlines()
    return first[0].strip() if first else "tesseract"


def tesseract_version() -> str:
    try:
        return _version(_binary("tesseract"))
    except OcrUnavailable:
        return "tesseract (not installed)"


def prepare(image: Image.Image) -> Image.Image:
    """Upright, grey, at most ``OCR_MAX_SIDE`` px; small images doubled (Tesseract likes
    capital letters at least ~20 px high)."""
    grey = ImageOps.exif_transpose(image).convert("L")
    longest = max(grey.size)
    if longest > OCR_MAX_SIDE:
        grey.thumbnail((OCR_MAX_SIDE, OCR_MAX_SIDE))
    elif longest < 1000:
        grey = grey.resize((grey.width * 2, grey.height * 2), Image.Resampling.LANCZOS)
    return grey


def ocr_image(
    image: Image.Image,
    *,
    psm: int = 3,
    whitelist: str = "",
    timeout: float = 20.0,
    extra: tuple[str, ...] = (),
) -> str:
    """The text Tesseract reads in ``image`` (English model)."""
    binary = _binary("tesseract")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    args = [binary, "stdin", "stdout", "-l", "eng", "--psm", str(psm)]
    if whitelist:
        args += ["-c", f"tessedit_char_whitelist={whitelist}"]
    args += list(extra)
    try:
        done = subprocess.run(  # noqa: S603 - fixed program and arguments, no shell
            args, input=buffer.getvalue(), capture_output=True, timeout=timeout, env=_env()
        )
    except subprocess.TimeoutExpired as exc:
        raise OcrUnavailable(f"tesseract took longer than {timeout:g} s") from exc
    if done.returncode != 0:
        raise OcrUnavailable(done.stderr.decode(errors="replace").strip()[:200] or "failed")
    return done.stdout.decode("utf-8", errors="replace")


def pdf_text(data: bytes, *, max_pages: int = 3) -> str:
    """The text layer of the first pages (empty for a scanned PDF)."""
    import warnings

    from pypdf import PdfReader

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            return "\n".join((page.extract_text() or "") for page in reader.pages[:max_pages])
    except Exception:
        return ""


def render_pdf_page(data: bytes, page: int, *, dpi: int = 110, timeout: float = 30.0) -> bytes:
    """One page (1-based) of a PDF as PNG bytes, drawn by pdftoppm."""
    binary = _binary("pdftoppm")
    with tempfile.TemporaryDirectory(prefix="kyc-") as tmp:
        source = Path(tmp) / "in.pdf"  # decrypted: owner-only, in an owner-only directory
        with os.fdopen(os.open(source, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            out.write(data)
        target = Path(tmp) / "page"
        args = [binary, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile"]
        try:
            done = subprocess.run(  # noqa: S603 - fixed program and arguments, no shell
                [*args, str(source), str(target)], capture_output=True, timeout=timeout
            )
        except subprocess.TimeoutExpired as exc:
            raise OcrUnavailable(f"pdftoppm took longer than {timeout:g} s") from exc
        png = Path(f"{target}.png")
        if done.returncode != 0 or not png.exists():
            raise OcrUnavailable(done.stderr.decode(errors="replace").strip()[:200] or "failed")
        return png.read_bytes()
