"""Where browsers send Content-Security-Policy violation reports (the policy's ``report-uri``).

Each report is logged as one warning on the ``clientdesk.csp`` logger with the fields that say
what was refused and where; nothing is stored. Browsers send these without a session or CSRF
token, so the view is open; it answers 204 to anything, reads at most 16 KB and 10 reports
of a body, and drops a malformed one.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger("clientdesk.csp")

MAX_REPORT_BYTES = 16 * 1024
# The fields worth a log line, in both report formats (report-uri's "csp-report" and the
# Reporting API's "body"), each cut to a sane length.
FIELDS = {
    "document-uri": "document",
    "documentURL": "document",
    "violated-directive": "directive",
    "effective-directive": "directive",
    "effectiveDirective": "directive",
    "blocked-uri": "blocked",
    "blockedURL": "blocked",
    "source-file": "source",
    "sourceFile": "source",
    "line-number": "line",
    "lineNumber": "line",
    "disposition": "disposition",
    "script-sample": "sample",
    "sample": "sample",
}


def _reports(payload: Any) -> list[dict[str, Any]]:
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        return [payload["csp-report"]]
    if isinstance(payload, list):  # application/reports+json: [{"type": ..., "body": {...}}]
        bodies = [r.get("body") for r in payload if isinstance(r, dict)]
        return [body for body in bodies if isinstance(body, dict)]
    return []


def summarise(report: dict[str, Any]) -> dict[str, str]:
    """The loggable part of one violation report."""
    found: dict[str, str] = {}
    for key, name in FIELDS.items():
        if key in report and name not in found:
            found[name] = str(report[key])[:300]
    return found


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Log the violation reports a browser POSTs; always 204."""
    if int(request.META.get("CONTENT_LENGTH") or 0) <= MAX_REPORT_BYTES:
        try:
            payload = json.loads(request.body[:MAX_REPORT_BYTES] or b"null")
        except (ValueError, UnicodeDecodeError):
            payload = None
        for report in _reports(payload)[:10]:
            logger.warning("CSP violation: %s", json.dumps(summarise(report), sort_keys=True))
    return HttpResponse(status=204)
