from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.contrib.auth import get_user_model
from django.utils.html import format_html


class UserTable(tables.Table):
    name = tables.Column(
        accessor="first_name",
        verbose_name="Name",
        order_by=("first_name", "last_name", "username"),
        linkify=("accounts:user_edit", {"pk": tables.A("pk")}),
    )
    username = tables.Column()
    email = tables.Column(orderable=False)
    role = tables.Column(accessor="role__name", verbose_name="Role", orderable=False)
    is_active = tables.Column(verbose_name="Status", order_by=("is_active", "username"))
    last_login = tables.DateTimeColumn(verbose_name="Last sign-in", format="d M Y, H:i")

    class Meta:
        model = get_user_model()
        fields = ("name", "username", "email", "role", "is_active", "last_login")
        order_by_field = "sort"
        empty_text = "No users match these filters."
        attrs = {"class": "table"}

    def render_name(self, record: Any) -> str:
        return record.get_full_name() or record.username

    def render_username(self, value: str) -> Any:
        return format_html('<span class="mono">{}</span>', value)

    def render_role(self, record: Any) -> Any:
        if record.is_superuser and not record.role_id:
            return "Superuser"
        return record.role.name if record.role_id else format_html('<span class="muted">—</span>')

    def render_is_active(self, value: bool) -> Any:
        tone, label = ("green", "Active") if value else ("grey", "Deactivated")
        return format_html('<span class="badge badge-{}">{}</span>', tone, label)
