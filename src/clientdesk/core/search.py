"""Universal search (Ctrl+K): each domain registers a provider; results grouped by type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    subtitle: str = ""
    badge: str = ""
    badge_tone: str = ""
    matched: str = ""


class SearchProvider(Protocol):
    label: str
    module: str

    def search(self, user: Any, term: str, limit: int) -> list[SearchHit]: ...


@dataclass
class SearchRegistry:
    providers: list[SearchProvider] = field(default_factory=list)

    def register(self, provider: SearchProvider) -> None:
        if all(p.label != provider.label for p in self.providers):
            self.providers.append(provider)

    def search(
        self, user: Any, term: str, limit: int = 8, *, identifier: bool = False
    ) -> list[tuple[str, list[SearchHit]]]:
        """``identifier``: the term came by POST as an exact identifier; providers with a
        ``lookup`` method (customers) answer it with their audited identifier lookup."""
        from .permissions import has_access

        term = term.strip()
        if not term:
            return []
        groups = []
        for provider in self.providers:
            if has_access(user, provider.module):
                lookup = getattr(provider, "lookup", None) if identifier else None
                hits = lookup(user, term, limit) if lookup else provider.search(user, term, limit)
                if hits:
                    groups.append((provider.label, hits))
        return groups


registry = SearchRegistry()
