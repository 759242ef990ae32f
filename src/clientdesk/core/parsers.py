"""The JSON parser every API view uses: refuses bodies nested too deeply, as a 400.

Python's ``json`` recurses once per nesting level, so a body of a few thousand ``[`` raised
``RecursionError`` (a 500) inside DRF's parser. Here that is a field-less parse error, and
any body nested deeper than ``API_MAX_JSON_DEPTH`` is refused before a serializer (which
recurses too) ever sees it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError


def nesting_depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (a scalar is 0), without recursion.

    Raises ``ValueError`` for a text (value or key) holding a NUL character, which no
    PostgreSQL text column accepts (a DataError, a 500, from any service storing it).
    """
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                raise ValueError("Text may not contain NUL (\\x00) characters.")
            continue
        if isinstance(node, dict):
            stack.extend((key, depth) for key in node)
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            data = self.load(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(self.too_deep()) from exc
        try:
            too_deep = nesting_depth(data) > settings.API_MAX_JSON_DEPTH
        except ValueError as exc:
            raise ParseError(str(exc)) from exc
        if too_deep:
            raise ParseError(self.too_deep())
        return data

    def load(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        """The parsed body (a subclass may parse differently, e.g. numbers as Decimal)."""
        return super().parse(stream, media_type, parser_context)

    @staticmethod
    def too_deep() -> str:
        return f"JSON nested more than {settings.API_MAX_JSON_DEPTH} levels deep is refused."
