"""gunicorn.conf.py: the Prometheus multiprocess folder is emptied at start, a dead worker's
live gauges are dropped."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings

CONF = Path(settings.REPO_DIR) / "gunicorn.conf.py"


@pytest.fixture
def hooks() -> dict[str, Any]:
    return runpy.run_path(str(CONF))


def test_start_empties_the_metrics_folder(
    hooks: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "prom"
    folder.mkdir()
    (folder / "counter_123.db").write_bytes(b"old run")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    hooks["on_starting"](SimpleNamespace())
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_without_the_setting_start_touches_nothing(
    hooks: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    hooks["on_starting"](SimpleNamespace())
    hooks["child_exit"](SimpleNamespace(), SimpleNamespace(pid=1))


def test_child_exit_drops_the_workers_live_gauge_files(
    hooks: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"x")
    (tmp_path / "counter_4242.db").write_bytes(b"x")
    hooks["child_exit"](SimpleNamespace(), SimpleNamespace(pid=4242))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_4242.db"]
