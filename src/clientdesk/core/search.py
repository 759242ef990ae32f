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

    def search(self, user: Any, term: str, limit: int = 8) -> list[tuple[str, list[SearchHit]]]:
        from .permissions import has_access

        term = term.strip()
        if not term:
            return []
        groups = []
        for provider in self.providers:
            if has_access(user, provider.module):
                hits = provider.search(user, term, limit)
                if hits:
                    groups.append((provider.label, hits))
        return groups


registry = SearchRegistry()
