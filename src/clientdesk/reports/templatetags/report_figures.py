from typing import Any

from django import template

register = template.Library()


@register.filter
def figure(value: Any, kind: str) -> str:
    """A report figure as shown: thousands separated, money with two decimals, % for rates."""
    if value is None:
        return "—"
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "percent":
        return f"{value:.1f}%"
    if kind == "number":
        return f"{value:,.2f}"
    return f"{value:,}"


@register.filter
def zip_columns(cells: list[Any], columns: list[Any]) -> list[tuple[Any, Any]]:
    return list(zip(cells, columns, strict=True))
