"""Automatic checks of an uploaded image, on its bytes, with Pillow only.

:func:`check_image` returns, in order:

* ``image_decode`` - the whole image decodes (a truncated or corrupt file fails); an image
  whose header announces more than ``max_pixels`` pixels fails as a decompression bomb
  *before* any pixel is decoded (Pillow's own ``DecompressionBombError`` / warning are
  caught too); HEIC is recognised but Pillow cannot decode it without a plug-in: a warning,
  and the remaining checks are skipped.
* ``resolution`` - the shorter side against ``min_side``: below half of it the image is far
  too small to read (fail), below it a warning.
* ``sharpness`` - the variance of the Laplacian (``ImageFilter.Kernel`` 3x3, ``0 1 0 / 1 -4
  1 / 0 1 0``) of the grey image scaled to at most 1,024 px on its longer side, measured
  with ``ImageStat``; below ``blur_threshold`` the image looks blurred (warning). A focused
  photo of a document scores in the hundreds or thousands, a blurred one in single digits.
* ``metadata_editing`` - signs of editing in the metadata: an EXIF ``Software`` tag (or PNG
  ``Software`` text) naming an image editor, or an EXIF ``DateTime`` (last change) that
  differs from ``DateTimeOriginal`` (capture). A warning, never a fail: a person decides.
  An image with none of these tags (nor a camera make/model) is *not run*: "no metadata to
  judge" - most scans and forwarded photos carry none, and that is no sign either way.
  No pixel-level (error-level) analysis is made: see docs/kyc.md.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, ImageFilter, ImageOps, ImageStat, UnidentifiedImageError

from clientdesk.core.imaging import strict_decoding
from clientdesk.kyc.filetype import sniff
from clientdesk.kyc.results import CheckResult

__all__ = ["EDITING_SOFTWARE", "check_image", "laplacian_variance"]

#: Substrings (lower case) of a Software tag that name an image editor.
EDITING_SOFTWARE = (
    "photoshop",
    "gimp",
    "lightroom",
    "affinity",
    "pixelmator",
    "paint.net",
    "paintshop",
    "corel",
    "snapseed",
    "picsart",
    "canva",
    "fotor",
    "photopea",
    "pixlr",
    "facetune",
    "inkscape",
    "krita",
    "luminar",
    "acdsee",
    "photoscape",
)
_LAPLACIAN = ImageFilter.Kernel((3, 3), (0, 1, 0, 1, -4, 1, 0, 1, 0), scale=1, offset=128)
_SHARPNESS_SIDE = 1024
_EXIF_SOFTWARE, _EXIF_DATETIME, _EXIF_IFD, _EXIF_ORIGINAL = 0x0131, 0x0132, 0x8769, 0x9003
_EXIF_MAKE, _EXIF_MODEL = 0x010F, 0x0110


@contextmanager
def _bomb_warnings_as_errors() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _open(data: bytes, max_pixels: int) -> tuple[Image.Image | None, CheckResult]:
    """Open and fully decode; the size is checked from the header before decoding."""
    try:
        with _bomb_warnings_as_errors(), strict_decoding():
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                return None, _bomb(width, height, max_pixels)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None, CheckResult.failed(
            "image_decode", "The image is a decompression bomb: far too many pixels."
        )
    except UnidentifiedImageError:
        return None, CheckResult.failed("image_decode", "The file is not an image Pillow can read.")
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        return None, CheckResult.failed(
            "image_decode", f"The image is damaged and cannot be decoded ({exc})."
        )
    return image, CheckResult.passed(
        "image_decode",
        f"The {image.format} image decodes ({width} x {height} px).",
        format=image.format,
        width=width,
        height=height,
    )


def _bomb(width: int, height: int, max_pixels: int) -> CheckResult:
    return CheckResult.failed(
        "image_decode",
        f"The image claims {width} x {height} pixels ({width * height:,}), more than the "
        f"{max_pixels:,} allowed: refused as a decompression bomb.",
        width=width,
        height=height,
    )


def _resolution(image: Image.Image, min_side: int) -> CheckResult:
    width, height = image.size
    shorter = min(width, height)
    data = {"width": width, "height": height, "min_side": min_side}
    if shorter < min_side / 2:
        return CheckResult.failed(
            "resolution",
            f"The image is far too small to read: {width} x {height} px "
            f"(at least {min_side} px on the shorter side needed).",
            **data,
        )
    if shorter < min_side:
        return CheckResult.warning(
            "resolution",
            f"The image is small: {width} x {height} px ({min_side} px recommended on the "
            "shorter side).",
            **data,
        )
    return CheckResult.passed("resolution", f"Resolution {width} x {height} px.", **data)


def laplacian_variance(image: Image.Image) -> float:
    """Variance of the Laplacian of the grey image scaled to at most 1,024 px (blur measure)."""
    grey = ImageOps.exif_transpose(image).convert("L")
    grey.thumbnail((_SHARPNESS_SIDE, _SHARPNESS_SIDE))
    width, height = grey.size
    if width < 3 or height < 3:
        return 0.0
    # Pillow copies the 1-pixel border unfiltered; it must not count as edges.
    edges = grey.filter(_LAPLACIAN).crop((1, 1, width - 1, height - 1))
    return float(ImageStat.Stat(edges).var[0])


def _sharpness(image: Image.Image, blur_threshold: float) -> CheckResult:
    score = round(laplacian_variance(image), 1)
    if score < blur_threshold:
        return CheckResult.warning(
            "sharpness",
            f"The image looks blurred (sharpness {score:g}, below {blur_threshold:g}).",
            score=score,
            threshold=blur_threshold,
        )
    return CheckResult.passed(
        "sharpness", f"The image is sharp (sharpness {score:g}).", score=score
    )


def _metadata(image: Image.Image) -> CheckResult:
    exif = image.getexif()
    software = str(exif.get(_EXIF_SOFTWARE) or image.info.get("Software") or "").strip()
    changed = str(exif.get(_EXIF_DATETIME) or "").strip()
    taken = str(exif.get_ifd(_EXIF_IFD).get(_EXIF_ORIGINAL) or "").strip()
    signs = []
    if any(editor in software.lower() for editor in EDITING_SOFTWARE):
        signs.append(f"it was saved by {software}")
    if changed and taken and changed != taken:
        signs.append(f"it was modified ({changed}) after it was taken ({taken})")
    data = {"software": software or None, "datetime": changed or None, "original": taken or None}
    if signs:
        return CheckResult.warning(
            "metadata_editing",
            "The image metadata shows signs of editing: " + "; ".join(signs) + ".",
            **data,
        )
    judged = [
        name
        for name, value in (("software", software), ("dates", changed or taken),
                            ("camera", exif.get(_EXIF_MAKE) or exif.get(_EXIF_MODEL)))
        if value
    ]  # fmt: skip
    if not judged:
        # Scans, screenshots and forwarded photos carry none; saying "no signs of editing"
        # would claim a judgement that was not made.
        return CheckResult.not_run(
            "metadata_editing",
            "no metadata to judge (the image carries no software, dates or camera tags)",
            advice="look at the document itself",
            **data,
        )
    return CheckResult.passed(
        "metadata_editing",
        "No signs of editing in the metadata (read: " + ", ".join(judged) + ").",
        **data,
    )


def check_image(
    data: bytes,
    *,
    min_side: int = 600,
    blur_threshold: float = 100.0,
    max_pixels: int = 50_000_000,
) -> list[CheckResult]:
    """Integrity, resolution, sharpness and metadata checks (see the module docstring)."""
    found = sniff(data)
    if found is not None and found.kind == "heic":
        try:
            Image.open(io.BytesIO(data))
        except UnidentifiedImageError:
            return [
                CheckResult.warning(
                    "image_decode",
                    "HEIC image: no HEIC decoder is installed, so a person must check it.",
                    format="HEIC",
                )
            ]
    image, decoded = _open(data, max_pixels)
    if image is None:
        return [decoded]
    with image:
        return [
            decoded,
            _resolution(image, min_side),
            _sharpness(image, blur_threshold),
            _metadata(image),
        ]
