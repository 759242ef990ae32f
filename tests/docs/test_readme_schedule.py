"""The README's table of periodic tasks lists exactly the tasks the apps register."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from clientdesk.core import schedule

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| `(?P<name>[a-z_]+\.[a-z_]+)` \| (?P<every>[^|]+) \| (?P<what>[^|]+) \|$")
CONDITION = re.compile(r"only when `(?P<setting>[A-Z_]+)`")


def _table() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("**Periodic tasks**")
    rows = {}
    for line in text[start:].splitlines()[1:]:
        if line.startswith("## "):
            break
        match = ROW.match(line.strip())
        if match:
            rows[match["name"]] = match["what"]
    return rows


def test_every_registered_task_is_in_the_readme_table():
    missing = {p.name for p in schedule.registered()} - set(_table())
    assert not missing, f"README's schedule table lacks {sorted(missing)}"


def test_every_readme_row_is_registered_or_names_the_setting_that_registers_it():
    registered = {p.name for p in schedule.registered()}
    for name, what in _table().items():
        if name in registered:
            continue
        condition = CONDITION.search(what)
        assert condition, f"README lists {name}, which is not registered and names no setting"
        setting = condition["setting"]
        assert hasattr(settings, setting), f"{name}: no setting {setting}"
        assert not getattr(settings, setting), f"{name} should be registered: {setting} is on"


def test_the_table_is_read():
    assert len(_table()) >= 8
