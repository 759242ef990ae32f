"""Templates WeasyPrint renders into PDF files, never served to a browser: no favicon to
name, and their styles stay inline (a PDF has no Content-Security-Policy and no static
files to fetch)."""

PDF_ONLY = frozenset(
    {
        "reports/report_pdf.html",
        "cases/str_pdf.html",
        "cases/ctr_pdf.html",
        "privacy/export_summary.html",
    }
)
