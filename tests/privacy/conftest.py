from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def dpo(user_factory: Any) -> Any:
    return user_factory("dpo", username="dpo1")
