"""Report pages and downloads. Thin: parse the form, compute the figures, render."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from clientdesk.core import audit
from clientdesk.core.views import ModuleView

from . import exports
from .catalogue import catalogue
from .charts import bar_chart
from .figures import Report, Result, compute
from .forms import ReportForm


def report_named(name: str) -> Report:
    try:
        return catalogue()[name]
    except KeyError:
        raise Http404("No such report.") from None


def bound_form(request: HttpRequest, report: Report) -> ReportForm:
    params = request.GET.copy()
    params.setdefault("period", "last_30")
    params.setdefault("group", report.default_grouping)
    form = ReportForm(params, report=report)
    form.is_valid()
    return form


class ReportIndexView(ModuleView):
    module = "reports"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "reports/index.html", {"reports": catalogue().values()})


class ReportView(ModuleView):
    module = "reports"

    def get(self, request: HttpRequest, report: str) -> HttpResponse:
        spec = report_named(report)
        form = bound_form(request, spec)
        result = (
            compute(spec, form.chosen_period, form.grouping, request.user)
            if form.is_valid()
            else None
        )
        query = request.GET.urlencode()
        context = {
            "report": spec,
            "form": form,
            "result": result,
            "chart": bar_chart(result) if result else "",
            "query": query,
            "formats": exports.FORMATS,
            "money_unit": settings.BASE_CURRENCY,
        }
        return render(request, "reports/report.html", context)


class ReportExportView(ModuleView):
    """One download of the report as on the page; refused when the form is invalid;
    audited with its filters and row count."""

    module = "reports"

    def get(self, request: HttpRequest, report: str, fmt: str) -> HttpResponseBase:
        spec = report_named(report)
        if fmt not in exports.FORMATS:
            raise Http404("No such format.")
        form = bound_form(request, spec)
        if not form.is_valid():
            return HttpResponse(
                "Invalid report parameters: "
                + "; ".join(str(m) for errors in form.errors.values() for m in errors),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        result = compute(spec, form.chosen_period, form.grouping, request.user)
        _audit(request, result, form, fmt)
        if fmt == "csv":
            return exports.as_csv(result)
        if fmt == "xlsx":
            return exports.as_xlsx(result, user=request.user)
        return exports.as_pdf(result, user=request.user)


def _audit(request: HttpRequest, result: Result, form: ReportForm, fmt: str) -> None:
    audit.record(
        actor=request.user,
        action="export",
        target=audit.Target("reports.report", result.name, f"{result.title} report"),
        changes={"format": fmt, "filters": form.filters(), "rows": len(result.rows)},
    )
