"""KYC document and identity checks: pure functions the Django layer calls.

* :mod:`~clientdesk.kyc.documents` - :func:`check_document` (size, type from the bytes,
  then image or PDF checks) and :func:`refusal` (should the upload be rejected?);
* :mod:`~clientdesk.kyc.checks_image`, :mod:`~clientdesk.kyc.checks_pdf`,
  :mod:`~clientdesk.kyc.filetype` - the individual checks;
* :mod:`~clientdesk.kyc.identifiers` - PAN, Aadhaar, passport and other numbers;
* :mod:`~clientdesk.kyc.mrz` - ICAO 9303 machine-readable zones;
* :mod:`~clientdesk.kyc.results` - :class:`CheckResult` and :func:`overall_outcome`;
* :mod:`~clientdesk.kyc.ocr`, :mod:`~clientdesk.kyc.textchecks`,
  :mod:`~clientdesk.kyc.mrzread`, :mod:`~clientdesk.kyc.verification` - Tesseract OCR and
  pdftoppm, checks on the text read, reading an MRZ off a page, and :func:`verify` (every
  automatic check of one document).

The Django app around them (models, services, the background task, pages, API) is
described in ``docs/kyc.md``.

Every check returns :class:`CheckResult` values (pass / warning / fail with a detail);
none raises for bad input. The check modules touch neither the database nor the storage.
"""

from clientdesk.kyc.documents import check_document, refusal
from clientdesk.kyc.results import CheckResult, CheckStatus, Outcome, overall_outcome

__all__ = ["CheckResult", "CheckStatus", "Outcome", "check_document", "overall_outcome", "refusal"]
