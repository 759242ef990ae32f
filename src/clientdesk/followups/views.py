"""Task pages. Thin: parse, authorize, call a service, render."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from clientdesk.core.permissions import Access, Module, has_access
from clientdesk.core.scopes import ReadScope, read_scope
from clientdesk.core.views import ModuleView, ObjectListView, apply_errors
from clientdesk.customers.models import Customer

from . import selectors, services
from .filtersets import TaskFilterSet
from .forms import TaskForm
from .models import OPEN_STATUSES, Task, TaskStatus
from .tables import TaskTable

EXPORT_HEADER = [
    "Title",
    "About",
    "Assignee",
    "Priority",
    "Status",
    "Due",
    "Reminder (min before)",
    "Created by",
    "Created",
    "Completed",
    "Description",
]


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and ok else fallback


class TaskListView(ObjectListView):
    module = Module.TASKS
    model = Task
    filterset_class = TaskFilterSet
    table_class = TaskTable
    template_name = "followups/task_list.html"
    title = "Tasks"
    export_name = "tasks"

    def get_queryset(self) -> QuerySet[Task]:
        return Task.objects.visible_to(self.request.user).for_list()

    def extra_context(self) -> dict[str, Any]:
        user = self.request.user
        return {
            "can_add": has_access(user, Module.TASKS, Access.WRITE),
            "own_only": read_scope(user, Module.TASKS) == ReadScope.OWN,
            "team_only": read_scope(user, Module.TASKS) == ReadScope.TEAM,
        }

    def export_rows(self, queryset: QuerySet[Task]) -> tuple[list[str], Iterable[Any]]:
        queryset = queryset.select_related("created_by")

        def rows() -> Iterable[list[Any]]:
            for t in queryset.iterator(chunk_size=2000):
                yield [
                    t.title,
                    t.subject_label,
                    t.assignee.username if t.assignee else "",
                    t.get_priority_display(),
                    t.get_status_display(),
                    _iso(t.due_at),
                    t.reminder_minutes_before,
                    t.created_by.username if t.created_by else "",
                    _iso(t.created_at),
                    _iso(t.completed_at),
                    t.description,
                ]

        return EXPORT_HEADER, rows()


class MyTasksView(ModuleView):
    """The user's tasks grouped Overdue / Today / Upcoming / No date (open ones by default)."""

    module = Module.TASKS

    def get(self, request: HttpRequest) -> HttpResponse:
        mine = Task.objects.filter(assignee=request.user.pk).for_list()
        filterset = TaskFilterSet(request.GET or None, queryset=mine, request=request)
        invalid = filterset.is_bound and not filterset.is_valid()
        queryset = mine.none() if invalid else filterset.qs
        if not request.GET.getlist("status"):
            queryset = queryset.filter(status__in=OPEN_STATUSES)
        now = timezone.now()
        tasks = list(queryset[:500])
        context = {
            "groups": selectors.group_tasks(tasks, now),
            "filterset": filterset,
            "total": len(tasks),
            "now": now,
            "can_add": has_access(request.user, Module.TASKS, Access.WRITE),
            "statuses": TaskStatus.choices,
        }
        template = "followups/_my_tasks.html" if request.htmx else "followups/my_tasks.html"  # type: ignore[attr-defined]
        return render(request, template, context)


class TaskDetailView(ModuleView):
    module = Module.TASKS

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = selectors.task_for(request.user, pk)
        return render(
            request,
            "followups/task_detail.html",
            {
                "task": task,
                "can_edit": services.can_edit(request.user, task),
                "transitions": task.allowed_transitions(),
                "overdue": task.is_overdue(),
            },
        )


class TaskCreateView(ModuleView):
    """ "Add task"; ``?subject_type=customers.customer&subject_id=1`` makes it about a record."""

    module = Module.TASKS
    write_methods = frozenset({"GET", "POST"})

    def get(self, request: HttpRequest) -> HttpResponse:
        subject = self._subject(request, request.GET)
        form = TaskForm(
            initial={
                "subject_type": request.GET.get("subject_type", ""),
                "subject_id": request.GET.get("subject_id", ""),
            },
            user=request.user,
        )
        return self._render(request, form, subject)

    def post(self, request: HttpRequest) -> HttpResponse:
        subject = self._subject(request, request.POST)
        form = TaskForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.service_data()
            data.setdefault("assignee", request.user)
            try:
                task = services.create_task(actor=request.user, data=data, subject=subject)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Task “{task.title}” added.")
                return redirect(_safe_next(request, _after_save_url(task)))
        return self._render(request, form, subject, status=400)

    def _subject(self, request: HttpRequest, params: Any) -> Any:
        try:
            return services.resolve_subject(
                request.user, params.get("subject_type", ""), params.get("subject_id", "")
            )
        except ValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from exc

    def _render(
        self, request: HttpRequest, form: TaskForm, subject: Any, status: int = 200
    ) -> HttpResponse:
        context = {
            "form": form,
            "title": "Add task",
            "subject": subject,
            "subject_label": services.subject_label(subject) if subject else "",
            "next": _safe_next(request, ""),
        }
        return render(request, "followups/task_form.html", context, status=status)


def _after_save_url(task: Task) -> str:
    if task.customer_id:
        return reverse("customers:tab", args=[task.customer_id, "tasks"])
    return services.task_url(task)


class TaskEditView(ModuleView):
    module = Module.TASKS
    write_methods = frozenset({"GET", "POST"})

    def _task(self, request: HttpRequest, pk: int) -> Task:
        task = selectors.task_for(request.user, pk)
        if not services.can_edit(request.user, task):
            raise PermissionDenied("You may change only tasks assigned to you or created by you.")
        return task

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = self._task(request, pk)
        initial = {name: getattr(task, name) for name in services.EDITABLE_FIELDS}
        if task.due_at:
            initial["due_at"] = timezone.localtime(task.due_at)
        return self._render(request, TaskForm(initial=initial, user=request.user), task)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = self._task(request, pk)
        form = TaskForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.service_data()
            data.setdefault("assignee", request.user)
            try:
                services.update_task(task, actor=request.user, data=data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Changes saved.")
                return redirect("followups:detail", pk=task.pk)
        return self._render(request, form, task, status=400)

    def _render(
        self, request: HttpRequest, form: TaskForm, task: Task, status: int = 200
    ) -> HttpResponse:
        context = {
            "form": form,
            "task": task,
            "title": f"Edit task: {task.title}",
            "subject_label": task.subject_label,
        }
        return render(request, "followups/task_form.html", context, status=status)


class TaskStatusView(ModuleView):
    """Quick status change: htmx swaps the task's row; a plain form redirects back."""

    module = Module.TASKS

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = selectors.task_for(request.user, pk)
        to_status = request.POST.get("status", "")
        try:
            task = services.change_status(task, actor=request.user, to_status=to_status)
        except ValidationError as exc:
            # htmx swaps the unchanged row back in and shows why.
            return self._answer(request, task, "error", " ".join(exc.messages))
        label = TaskStatus(task.status).label
        return self._answer(request, task, "success", f"“{task.title}” is now {label}.")

    def _answer(self, request: HttpRequest, task: Task, level: str, text: str) -> HttpResponse:
        if request.htmx:  # type: ignore[attr-defined]
            task = selectors.task_for(request.user, task.pk)
            response = render(
                request,
                "followups/_task_row.html",
                {"task": task, "now": timezone.now(), "statuses": TaskStatus.choices},
            )
            response["HX-Trigger"] = json.dumps({"showMessage": {"level": level, "message": text}})
            return response
        getattr(messages, level)(request, text)
        return redirect(_safe_next(request, services.task_url(task)))


# ----------------------------------------------------------------------------- profile tab


def customer_tab_count(customer: Customer, user: Any) -> int:
    """Open tasks about the customer that the user may see."""
    return Task.objects.visible_to(user).filter(customer=customer, status__in=OPEN_STATUSES).count()


def customer_tab_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    page = Paginator(selectors.customer_tasks(request.user, customer), 25).get_page(
        request.GET.get("page")
    )
    return {
        "task_page": page,
        "now": timezone.now(),
        "can_add_task": has_access(request.user, Module.TASKS, Access.WRITE),
        "statuses": TaskStatus.choices,
    }


def nav_badge(user: Any) -> int:
    """Sidebar badge. Kept on the user object for the request: the sidebar may be built more
    than once per page (django-tables2 renders its template with the context processors)."""
    cached = getattr(user, "_followups_due_count", None)
    if cached is None:
        cached = user._followups_due_count = selectors.due_count(user)
    return int(cached)
