"""Generic pieces every domain's views are built from (NetBox-style list views)."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django_tables2 import RequestConfig

from . import audit
from .exports import safe_row
from .pagination import DeferredJoinPaginator
from .permissions import Access, require
from .search import registry


class ModuleView(LoginRequiredMixin, View):
    """A view inside one module: needs READ for safe methods, WRITE for the rest."""

    module: ClassVar[str]
    write_methods = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            level = Access.WRITE if request.method in self.write_methods else Access.READ
            require(request.user, self.module, level)
        return super().dispatch(request, *args, **kwargs)


def apply_errors(form: Any, error: ValidationError) -> None:
    """Put a service's ValidationError beside the form fields it names."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The ``next`` parameter when it points inside this site, else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else fallback


def parse_int(value: object) -> int | None:
    """An integer from user input, or None (``"²".isdigit()`` is True, int() would fail)."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdecimal() and len(text) < 19 else None


class _Echo:
    def write(self, value: str) -> str:
        return value


def stream_csv(
    filename: str, header: Iterable[str], rows: Iterable[Iterable[Any]]
) -> StreamingHttpResponse:
    """A CSV response written row by row, so a million rows never sit in memory. Every
    export goes through here; cells that a spreadsheet would run as formulas are
    neutralised (``core.exports.safe_cell``)."""
    writer = csv.writer(_Echo())

    def generate() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(safe_row(header))
        for row in rows:
            yield writer.writerow(safe_row(row))

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ObjectListView(ModuleView):
    """queryset (restricted) + FilterSet + Table = a list page with sort, paging and export."""

    model: ClassVar[type[Model]]
    filterset_class: ClassVar[Any]
    table_class: ClassVar[Any]
    template_name = "core/object_list.html"
    title = ""
    export_name = "export"
    per_page: int | None = None  # default: settings.LIST_PAGE_SIZE

    def get_queryset(self) -> QuerySet[Any]:
        return self.model.objects.visible_to(self.request.user)  # type: ignore[attr-defined]

    def export_rows(self, queryset: QuerySet[Any]) -> tuple[list[str], Iterable[Iterable[Any]]]:
        raise NotImplementedError

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        filterset = self.filterset_class(
            request.GET or None, queryset=self.get_queryset(), request=request
        )
        # Unbound (no query string) means "everything"; bound with bad input means nothing.
        invalid = filterset.is_bound and not filterset.is_valid()
        queryset = self.get_queryset().none() if invalid else filterset.qs
        if request.GET.get("export") == "csv":
            return self.export(queryset, filterset)
        table = self.table_class(self.table_queryset(queryset))
        RequestConfig(
            request,
            paginate={
                "per_page": self.per_page or settings.LIST_PAGE_SIZE,
                "paginator_class": DeferredJoinPaginator,
            },
        ).configure(table)
        context = {
            "table": table,
            "filterset": filterset,
            "title": self.title,
            "view": self,
            **self.extra_context(),
        }
        template = "core/_list_results.html" if request.htmx else self.template_name  # type: ignore[attr-defined]
        return render(request, template, context)

    def table_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """What the page's table reads (the export reads ``queryset`` itself)."""
        return queryset

    def extra_context(self) -> dict[str, Any]:
        return {}

    def export(self, queryset: QuerySet[Any], filterset: Any) -> HttpResponseBase:
        header, rows = self.export_rows(queryset)
        params = {k: v for k, v in self.request.GET.items() if k not in {"export", "page"}}
        if params.get("q"):
            params["q"] = audit.REDACTED  # a search may be an exact PAN, Aadhaar or ID number
        _gate_large_export(self.request, queryset, params)
        audit.record(
            actor=self.request.user,
            action="export",
            target=audit.Target(self.model._meta.label_lower, "", self.title),
            changes={"filters": params},
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return stream_csv(f"{self.export_name}-{stamp}.csv", header, rows)


def _gate_large_export(
    request: HttpRequest, queryset: QuerySet[Any], params: dict[str, Any]
) -> None:
    """Maker-checker: an export above ``APPROVALS_EXPORT_ROWS`` rows needs a second person
    (the approval lets the maker run the same export once)."""
    from clientdesk.approvals import gate

    if not gate.is_active("export.large"):
        return
    rows = queryset.count()
    if rows > settings.APPROVALS_EXPORT_ROWS:
        payload = {"path": request.path, "filters": params, "rows": rows}
        gate.require("export.large", actor=request.user, payload=payload)


class SearchView(LoginRequiredMixin, View):
    """Ctrl+K: grouped hits from every registered provider the user may read.

    Names and phone fragments come by GET; a term shaped like an exact identifier comes by
    POST (static/js/app.js), so it never sits in a URL, and only then is it looked up as
    one (audited; customers.lookup)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._answer(request, request.GET.get("q", ""), identifier=False)

    def post(self, request: HttpRequest) -> HttpResponse:
        return self._answer(request, request.POST.get("q", ""), identifier=True)

    def _answer(self, request: HttpRequest, term: str, *, identifier: bool) -> HttpResponse:
        term = term[:100]
        started = time.perf_counter()
        groups = registry.search(request.user, term, identifier=identifier)
        elapsed_ms = (time.perf_counter() - started) * 1000
        return render(
            request,
            "core/_search_results.html",
            {"groups": groups, "term": term.strip(), "elapsed_ms": elapsed_ms},
        )


_Response = TypeVar("_Response", bound=HttpResponseBase)


def private_file(response: _Response, *, inline: bool = False) -> _Response:
    """Headers for a file that must stay private: never cached or sniffed, sandboxed when
    opened, a download unless ``inline`` (documents, ticket attachments; pages and API)."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if not inline:
        response["Content-Disposition"] = response.get("Content-Disposition", "attachment")
    return response
