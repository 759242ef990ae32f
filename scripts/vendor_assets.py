#!/usr/bin/env python3
"""Copy the npm-installed front-end assets into src/clientdesk/static/vendor/.

Run by `make install` after `npm ci`. Standard library only. Idempotent: a file is written
only when its content differs, and files we no longer vendor are removed, so a second run
changes nothing and takes milliseconds.

What ends up in static/vendor/ (gitignored; nothing third-party is committed and nothing is
loaded from a CDN at run time):

    inter/inter.css                 @font-face rules for Inter Variable, latin + latin-ext
    inter/files/*.woff2             the matching variable-weight font files
    inter/LICENSE                   SIL Open Font License 1.1
    lucide/<name>.svg               the icons listed in LUCIDE_ICONS
    lucide/LICENSE                  ISC
    chartjs/chart.umd.min.js        Chart.js, the one charting library (customer analytics)
    chartjs/chart.umd.min.js.map    its source map: the script names it, and production's
                                    manifest storage (collectstatic) fails on a missing one
    chartjs/LICENSE.md              MIT

htmx is not copied: django-htmx ships it and Django's staticfiles serves it from the
installed package as django_htmx/htmx-2.min.js. This script only checks that it is there.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO / "node_modules"
LOCKFILE = REPO / "package-lock.json"
VENDOR = REPO / "src" / "clientdesk" / "static" / "vendor"

INTER_PKG = NODE_MODULES / "@fontsource-variable" / "inter"
# Subsets of the upright variable-weight font. Latin covers the UI; latin-ext carries the rupee
# sign (U+20B9) and names with diacritics, and the browser downloads it only when such a
# character is on the page (unicode-range).
INTER_SUBSETS = ("latin", "latin-ext")

LUCIDE_PKG = NODE_MODULES / "lucide-static"
LUCIDE_ICONS = (
    "users", "user-plus", "search", "layout-dashboard", "shield-check", "history", "log-out",
    "settings", "file-text", "phone", "message-circle", "ticket", "download", "filter",
    "chevron-left", "chevron-right", "eye", "pencil", "plus", "check", "x", "alert-triangle",
    "arrow-up-down", "briefcase", "bell", "list-checks", "banknote", "smartphone",
    "webhook",
)  # fmt: skip

# Chart.js's UMD build is self-contained (its one dependency, @kurkle/color, is bundled in) and
# defines window.Chart; static/js/charts.js draws the charts from JSON on the page.
CHARTJS_PKG = NODE_MODULES / "chart.js"
# The script ends with `//# sourceMappingURL=chart.umd.min.js.map`; ManifestStaticFilesStorage
# rewrites that reference to the hashed name and fails collectstatic when the file is absent,
# so the map is vendored too (it also makes the minified code debuggable in the browser).
CHARTJS_FILES = {
    "chart.umd.min.js": "dist/chart.umd.min.js",
    "chart.umd.min.js.map": "dist/chart.umd.min.js.map",
    "LICENSE.md": "LICENSE.md",
}

HTMX_STATIC_PATH = "django_htmx/htmx-2.min.js"

FONT_FACE = re.compile(r"/\* (?P<name>[\w-]+) \*/\s*@font-face\s*\{[^}]*\}", re.MULTILINE)
URL = re.compile(r"url\(\./files/(?P<file>[\w.-]+)\)")


class VendorError(Exception):
    """A problem the person running `make install` can fix; printed without a traceback."""


def main() -> int:
    try:
        check_node_modules()
        changed = vendor_inter() + vendor_lucide() + vendor_chartjs()
        check_htmx()
    except VendorError as exc:
        print(f"vendor_assets: error: {exc}", file=sys.stderr)
        return 1
    print(f"vendor_assets: {VENDOR.relative_to(REPO)} up to date ({changed} file(s) written)")
    return 0


def check_node_modules() -> None:
    """Fail clearly when `npm ci` has not run or installed other versions than the lock file."""
    if not NODE_MODULES.is_dir():
        raise VendorError(
            f"{NODE_MODULES} is missing. Run `npm ci` (or `make install`) in {REPO} first."
        )
    locked = json.loads(LOCKFILE.read_text())["packages"]
    for pkg_dir in (INTER_PKG, LUCIDE_PKG, CHARTJS_PKG):
        key = pkg_dir.relative_to(REPO).as_posix()
        manifest = pkg_dir / "package.json"
        if not manifest.is_file():
            raise VendorError(f"{key} is not installed. Run `npm ci` (or `make install`).")
        installed = json.loads(manifest.read_text())["version"]
        wanted = locked.get(key, {}).get("version")
        if installed != wanted:
            raise VendorError(
                f"{key} is {installed} but package-lock.json wants {wanted}. Run `npm ci`."
            )


def vendor_inter() -> int:
    """Write inter.css with only the wanted subsets, and copy the woff2 files it names."""
    source_css = (INTER_PKG / "index.css").read_text()
    wanted = {f"inter-{subset}-wght-normal" for subset in INTER_SUBSETS}
    blocks = [m.group(0) for m in FONT_FACE.finditer(source_css) if m.group("name") in wanted]
    found = {m.group("name") for m in FONT_FACE.finditer(source_css)} & wanted
    if found != wanted:
        raise VendorError(f"Inter CSS has no @font-face for {sorted(wanted - found)}.")
    css = "\n\n".join(blocks) + "\n"
    fonts = [m.group("file") for m in URL.finditer(css)]
    header = "/* Inter Variable, from @fontsource-variable/inter by scripts/vendor_assets.py */\n"
    target = VENDOR / "inter"
    files = {
        target / "inter.css": (header + css).encode(),
        target / "LICENSE": _read(INTER_PKG / "LICENSE"),
    }
    for font in fonts:
        files[target / "files" / font] = _read(INTER_PKG / "files" / font)
    return sync(target, files)


def vendor_lucide() -> int:
    """Copy each listed icon as its own SVG file."""
    icons_dir = LUCIDE_PKG / "icons"
    missing = [name for name in LUCIDE_ICONS if not (icons_dir / f"{name}.svg").is_file()]
    if missing:
        raise VendorError(f"lucide-static has no icon(s) named {', '.join(missing)}.")
    target = VENDOR / "lucide"
    files = {target / f"{name}.svg": _read(icons_dir / f"{name}.svg") for name in LUCIDE_ICONS}
    files[target / "LICENSE"] = _read(LUCIDE_PKG / "LICENSE")
    return sync(target, files)


def vendor_chartjs() -> int:
    """Copy Chart.js's minified UMD build and its licence."""
    target = VENDOR / "chartjs"
    files = {target / name: _read(CHARTJS_PKG / source) for name, source in CHARTJS_FILES.items()}
    return sync(target, files)


def check_htmx() -> None:
    """htmx is served from the django-htmx package by staticfiles; make sure it is installed."""
    spec = importlib.util.find_spec("django_htmx")
    if spec is not None and spec.submodule_search_locations:
        candidates = [Path(p) for p in spec.submodule_search_locations]
    else:  # run with a Python other than the project's: look in the project's .venv
        candidates = list(REPO.glob(".venv/lib/python3*/site-packages/django_htmx"))
    if not candidates:
        raise VendorError("django-htmx is not installed. Run `uv sync --frozen` (make install).")
    if not any((c / "static" / HTMX_STATIC_PATH).is_file() for c in candidates):
        raise VendorError(f"django-htmx does not ship static/{HTMX_STATIC_PATH}; see decisions.md.")


def sync(target: Path, files: dict[Path, bytes]) -> int:
    """Make `target` hold exactly `files`; write only what differs. Returns files written."""
    written = 0
    for path, content in files.items():
        if path.is_file() and path.read_bytes() == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written += 1
    if target.is_dir():
        for path in sorted(target.rglob("*"), reverse=True):
            if path.is_file() and path not in files:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return written


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise VendorError(f"{path.relative_to(REPO)} is missing; run `npm ci`.")
    return path.read_bytes()


if __name__ == "__main__":
    sys.exit(main())
