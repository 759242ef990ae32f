"""The result type every automatic KYC check returns, and the overall outcome.

A check never raises for bad input: it returns a :class:`CheckResult` whose ``status`` is
pass, warning, fail or not run (it could not run: a program such as tesseract is missing, or
the check is switched off; ``detail`` says why), a ``detail`` sentence a reviewer can read,
and ``data`` with the measured values (JSON-ready: numbers, strings, booleans, lists).
``code`` is stable: the Django layer stores it and the pages group by it. Details never
contain a full identifier number (design rule 5): the identifier checks mask them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CheckResult", "CheckStatus", "Outcome", "overall_outcome"]


class CheckStatus(enum.StrEnum):
    PASS = "pass"  # noqa: S105 - a status, not a password
    WARNING = "warning"
    FAIL = "fail"
    NOT_RUN = "not_run"


class Outcome(enum.StrEnum):
    """Overall result of a document's automatic checks."""

    PASSED = "passed"
    NEEDS_REVIEW = "needs_review"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One automatic check's verdict (see the module docstring)."""

    code: str
    status: CheckStatus
    detail: str
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def passed(cls, code: str, detail: str, **data: Any) -> CheckResult:
        return cls(code, CheckStatus.PASS, detail, data)

    @classmethod
    def warning(cls, code: str, detail: str, **data: Any) -> CheckResult:
        return cls(code, CheckStatus.WARNING, detail, data)

    @classmethod
    def failed(cls, code: str, detail: str, **data: Any) -> CheckResult:
        return cls(code, CheckStatus.FAIL, detail, data)

    @classmethod
    def not_run(cls, code: str, reason: str, *, advice: str = "", **data: Any) -> CheckResult:
        """A check that could not run, and why ("tesseract is not installed"). Never a pass:
        the document needs a person's review."""
        detail = f"Not run: {reason}" + (f"; {advice}" if advice else "") + "."
        return cls(code, CheckStatus.NOT_RUN, detail, {"reason": reason, **data})

    @property
    def ok(self) -> bool:
        return self.status is CheckStatus.PASS

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "status": str(self.status), "detail": self.detail, **self.data}


def overall_outcome(results: Iterable[CheckResult]) -> Outcome:
    """Failed if any check failed, needs review if any warned or could not run, else passed.

    A passed outcome still goes to a person (four eyes); it only orders the queue.
    """
    statuses = {r.status for r in results}
    if CheckStatus.FAIL in statuses:
        return Outcome.FAILED
    if CheckStatus.WARNING in statuses or CheckStatus.NOT_RUN in statuses:
        return Outcome.NEEDS_REVIEW
    return Outcome.PASSED
