from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response

from clientdesk.core.api import ModulePermission
from clientdesk.core.permissions import Module

from .. import services
from ..filtersets import TaskFilterSet
from ..models import Task
from .serializers import TaskSerializer, TaskStatusSerializer, TaskUpdateSerializer


class TaskPagination(LimitOffsetPagination):
    """Offset pages: tasks sort by due time, which may be empty (no keyset cursor)."""

    default_limit = 50
    max_limit = 500

    def get_offset(self, request: Any) -> int:
        # An offset past any bigint is past every row: an empty page, not a database error.
        return min(super().get_offset(request), 2**62)


class TaskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Follow-up tasks: the same filters as the task list (`status`, `priority`, `assignee`,
    `due_after`, `due_before`, `overdue`, `customer`, `subject_type` + `subject_id`, `q`)
    and ordering (`sort`). Sales and Support users see tasks assigned to or created by them."""

    module = Module.TASKS
    serializer_class = TaskSerializer
    permission_classes = [ModulePermission]
    filterset_class = TaskFilterSet
    pagination_class = TaskPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Task]:
        return Task.objects.visible_to(self.request.user).for_list()

    def get_serializer_class(self) -> Any:
        return TaskUpdateSerializer if self.action == "partial_update" else TaskSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subject = services.resolve_subject(
            request.user,
            serializer.validated_data.get("subject_type", ""),
            serializer.validated_data.get("subject_id", ""),
        )
        task = services.create_task(
            actor=request.user,
            data=serializer.service_data(),  # type: ignore[attr-defined]
            subject=subject,
        )
        return Response(self._present(task), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        task = self.get_object()
        serializer = self.get_serializer(task, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        task = services.update_task(task, actor=request.user, data=serializer.service_data())  # type: ignore[attr-defined]
        return Response(self._present(task))

    @extend_schema(request=TaskStatusSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        body = TaskStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = services.change_status(
            task, actor=request.user, to_status=body.validated_data["status"]
        )
        return Response(self._present(task))

    def _present(self, task: Task) -> dict[str, Any]:
        return TaskSerializer(task, context=self.get_serializer_context()).data
