"""`make run` is the whole product: web server, task worker and scheduler start together and
Ctrl+C stops them all.

The test runs the real `make run` (a fresh SQLite database in a temporary var dir, a free
port; the demo-loaded mark is set beforehand so the demo load is skipped), waits for /login/
to answer, for the scheduler to enqueue the periodic tasks and for the worker to finish one,
then sends SIGINT to the process group, as a terminal's Ctrl+C does. Every process started
for it carries the temporary var dir in its environment; none may be left afterwards.
Waits poll with generous bounds; nothing asserts how long a step took.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, probe: Callable[[], Any], *, bound: float = 240.0, log: Path) -> Any:
    """Poll ``probe`` until it returns something truthy; fail (with the log) after ``bound``."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"gave up waiting for {what}; output:\n{log.read_text()[-4000:]}")


def processes_with(marker: str) -> list[int]:
    """Pids whose environment holds ``marker`` (every process `make run` started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if marker.encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def status_of(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[0]


def login_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # not migrated yet, or locked for a moment
        return []


@pytest.fixture
def run_env(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    var = tmp_path / "var"
    var.mkdir()
    (var / ".demo-loaded").touch()  # skip the demo load: this test is about the processes
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TASKS_BACKEND"}}
    env.update(CLIENTDESK_VAR_DIR=str(var), CLIENTDESK_ENV="development", PYTHONUNBUFFERED="1")
    env.pop("MAKEFLAGS", None)
    env.pop("MAKELEVEL", None)
    yield env, var
    for pid in processes_with(f"CLIENTDESK_VAR_DIR={var}"):  # never leave one behind
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find the processes")
def test_make_run_starts_web_worker_scheduler_and_ctrl_c_stops_them_all(
    run_env: tuple[dict[str, str], Path],
) -> None:
    env, var = run_env
    port = free_port()
    log = var / "make-run.log"
    marker = f"CLIENTDESK_VAR_DIR={var}"
    db = var / "clientdesk.sqlite3"
    with log.open("wb") as out:
        make = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PORT={port}", "HOST=127.0.0.1"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, like a terminal's foreground job
        )  # fmt: skip
    try:
        wait_for("/login/", lambda: login_answers(f"http://127.0.0.1:{port}/login/"), log=log)
        # The scheduler enqueued the periodic tasks; the worker finished at least one.
        wait_for(
            "the scheduler",
            lambda: rows(
                db, "SELECT name FROM core_schedulestate WHERE last_enqueued_at IS NOT NULL"
            ),
            log=log,
        )  # fmt: skip
        done = wait_for(
            "the worker to finish a task",
            lambda: rows(
                db,
                "SELECT task_path FROM django_tasks_database_dbtaskresult "
                "WHERE status = 'SUCCESSFUL'",
            ),
            log=log,
        )
        assert any("clientdesk." in path for (path,) in done)
        started = processes_with(marker)
        assert len(started) >= 4, started  # make, honcho, and the three processes

        os.killpg(make.pid, signal.SIGINT)  # Ctrl+C
        wait_for("make to exit", lambda: make.poll() is not None, log=log)
        left = wait_for(
            "every process to exit",
            lambda: (
                [p for p in processes_with(marker) if status_of(p) not in ("", "Z")] == [] or None
            ),
            log=log,
        )
        assert left is True
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()
    output = log.read_text()
    for name in ("web.1", "worker.1", "scheduler.1"):
        assert f" {name} " in output or f"{name} |" in output, output[-3000:]
    assert "No demo users yet" in output  # demo_logins ran (its URL: test_demo_logins_url)


def test_demo_logins_prints_the_url_it_is_given(db: None, roles: Any) -> None:
    import io

    from django.core.management import call_command

    from clientdesk.customers.demo import ensure_demo_users

    ensure_demo_users("a-demo-password-1")
    out = io.StringIO()
    call_command("demo_logins", "--url", "http://127.0.0.1:8107/", stdout=out)
    assert "Sign in at http://127.0.0.1:8107/" in out.getvalue()
