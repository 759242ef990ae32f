"""System checks of a production deploy that Django's own ``check --deploy`` does not make.

``clientdesk.E001``: with a manifest static-files storage (production), every page renders
``{% static %}`` through the manifest; without it, or without an entry, the page answers
500 ("Missing staticfiles manifest entry"). So ``check --deploy`` fails when the manifest
is missing, unreadable or lacks the files the base layout uses. Run it after
``collectstatic`` (docs/operations.md, "Deploying a release").
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.checks import Error, Tags, register

#: Static files every page needs: the app's own, and the vendored ones that only exist after
#: scripts/vendor_assets.py (make install) ran before collectstatic.
REQUIRED_STATIC = (
    "css/app.css",
    "js/app.js",
    "vendor/inter/inter.css",
    "vendor/chartjs/chart.umd.min.js",
    "django_htmx/htmx-2.min.js",
)
HINT = (
    "Run `make install` (vendored assets), then `manage.py collectstatic --noinput` with the "
    "production environment before starting the web processes."
)


@register(Tags.staticfiles, deploy=True)
def check_staticfiles_manifest(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    # staticfiles_storage is lazy; isinstance sees the configured storage's class.
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return []
    return manifest_problems(staticfiles_storage)


def manifest_problems(storage: Any) -> list[Error]:
    """Problems of ``storage``'s manifest (a ManifestFilesMixin storage); [] when sound."""
    name = storage.manifest_name
    location = getattr(storage, "location", "") or "STATIC_ROOT"
    try:
        raw = storage.read_manifest()
    except OSError as exc:
        return [Error(f"The static files manifest {name} cannot be read: {exc}.", hint=HINT,
                      id="clientdesk.E001")]  # fmt: skip
    if raw is None:
        return [
            Error(
                f"The static files manifest {name} is missing from {location}: every page "
                "would answer 500 (Missing staticfiles manifest entry).",
                hint=HINT,
                id="clientdesk.E001",
            )
        ]
    try:
        paths = json.loads(raw).get("paths", {})
    except (ValueError, AttributeError):
        return [Error(f"The static files manifest {name} is not valid JSON.", hint=HINT,
                      id="clientdesk.E001")]  # fmt: skip
    missing = [path for path in REQUIRED_STATIC if path not in paths]
    if missing:
        return [
            Error(
                f"The static files manifest {name} has no entry for {', '.join(missing)}: "
                "pages using them would answer 500.",
                hint=HINT,
                id="clientdesk.E001",
            )
        ]
    return []
