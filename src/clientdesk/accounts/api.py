"""``/api/v1/users/``: staff users and their roles, read-only (Administration module)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from clientdesk.core.api import ModulePermission

from .filtersets import UserFilterSet
from .models import User


class UserSerializer(serializers.ModelSerializer):
    role: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    role_name = serializers.CharField(source="role.name", read_only=True, default="")
    full_name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "first_name",
            "last_name",
            "email",
            "phone",
            "team",
            "role",
            "role_name",
            "is_active",
            "last_login",
            "date_joined",
        ]
        read_only_fields = fields


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    """Users with the users page's filters (`q`, `role`, `is_active`) and ordering (`sort`).
    Creating and changing users is done on the page, where every change is audited."""

    module = "administration"
    serializer_class = UserSerializer
    permission_classes = [ModulePermission]
    filterset_class = UserFilterSet

    def get_queryset(self) -> QuerySet[Any]:
        return User.objects.select_related("role").order_by("first_name", "last_name", "id")
