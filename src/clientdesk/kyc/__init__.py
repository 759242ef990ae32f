"""KYC document and identity checks: pure functions the Django layer calls.

* :mod:`~clientdesk.kyc.documents` - :func:`check_document` (size, type from the bytes,
  then image or PDF checks) and :func:`refusal` (should the upload be rejected?);
* :mod:`~clientdesk.kyc.checks_image`, :mod:`~clientdesk.kyc.checks_pdf`,
  :mod:`~clientdesk.kyc.filetype` - the individual checks;
* :mod:`~clientdesk.kyc.identifiers` - PAN, Aadhaar, passport and other numbers;
* :mod:`~clientdesk.kyc.mrz` - ICAO 9303 machine-readable zones;
* :mod:`~clientdesk.kyc.results` - :class:`CheckResult` and :func:`overall_outcome`.

Every check returns :class:`CheckResult` values (pass / warning / fail with a detail);
none raises for bad input. Nothing here touches the database or the file storage.
"""

from clientdesk.kyc.documents import check_document, refusal
from clientdesk.kyc.results import CheckResult, CheckStatus, Outcome, overall_outcome

__all__ = ["CheckResult", "CheckStatus", "Outcome", "check_document", "overall_outcome", "refusal"]
