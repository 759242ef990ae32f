"""The scale-out recipe, what of it runs on one machine: two RQ worker processes draining
one queue on the real Redis, and S3-compatible storage (moto's server) for documents and
backups."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks import TaskResultStatus
from factories import make_customer

from clientdesk.kyc import services as kyc
from clientdesk.ops.backup.service import create_backup, restore_archive, verify_backup
from clientdesk.ops.backup.targets import S3Target

from . import rq_tasks

HERE = Path(__file__).resolve().parent


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(django_settings.REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def rq_queue(settings: Any) -> Iterator[str]:
    """A queue name unique to this run (opsback-<random>), removed afterwards."""
    if not _redis_up():
        pytest.skip("needs the local Redis at REDIS_URL")
    import django_rq

    name = f"opsback-{uuid.uuid4().hex[:10]}"
    settings.RQ_QUEUES = {**settings.RQ_QUEUES, name: {"URL": settings.REDIS_URL}}
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", name]}
    }
    yield name
    queue = django_rq.get_queue(name)
    for registry in (queue.finished_job_registry, queue.failed_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)
    queue.delete(delete_jobs=True)


def _workers(queue: str) -> list[Any]:
    import django_rq
    from rq import Worker

    return Worker.all(queue=django_rq.get_queue(queue))


@pytest.mark.django_db
def test_two_rq_worker_processes_drain_one_queue(rq_queue: str, tmp_path: Path) -> None:
    env = {**os.environ, "CLIENTDESK_ENV": "test", "TASKS_BACKEND": "rq"}
    logs = [open(tmp_path / f"worker{i}.log", "w") for i in range(2)]  # noqa: SIM115
    procs = [
        subprocess.Popen(
            [sys.executable, str(HERE / "rq_worker.py"), rq_queue],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 60
        while len(_workers(rq_queue)) < 2:
            assert time.monotonic() < deadline, "the two workers did not start"
            assert all(p.poll() is None for p in procs), [p.returncode for p in procs] + [
                _logs(tmp_path)
            ]
            time.sleep(0.2)
        task = rq_tasks.which_process.using(queue_name=rq_queue)
        results = [task.enqueue(n) for n in range(12)]
        deadline = time.monotonic() + 60
        for result in results:
            while True:
                result.refresh()
                if result.status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
                    break
                assert time.monotonic() < deadline, "the queue was not drained"
                time.sleep(0.1)
        assert all(r.status == TaskResultStatus.SUCCESSFUL for r in results), [
            e.traceback for r in results for e in r.errors
        ][:1]
        assert sorted(r.return_value["n"] for r in results) == list(range(12))
        # Each job ran in a work horse forked by its worker; the result names the worker.
        workers = {r.worker_ids[-1] for r in results}
        assert workers == {f"{rq_queue}-{p.pid}" for p in procs}  # both took work from one queue
        assert {r.return_value["pid"] for r in results}.isdisjoint({p.pid for p in procs})
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()


def _logs(folder: Path) -> str:
    return "\n".join(p.read_text()[-2000:] for p in sorted(folder.glob("worker*.log")))


# ----------------------------------------------------------------------------- S3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(settings: Any, s3_endpoint: str, monkeypatch: Any) -> dict[str, Any]:
    """The app's default storage switched to S3 (new buckets on the local moto server)."""
    import boto3

    creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **creds)
    run = uuid.uuid4().hex[:8]
    buckets = {k: f"opsback-{k}-{run}" for k in ("media", "restored", "backups")}
    for bucket in buckets.values():
        client.create_bucket(Bucket=bucket)

    def storage_options(bucket: str) -> dict[str, Any]:
        return {
            "bucket_name": bucket,
            "endpoint_url": s3_endpoint,
            "access_key": "testing",
            "secret_key": "testing",
            "region_name": "us-east-1",
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        }

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": storage_options(buckets["media"]),
        },
    }
    settings.KYC_OCR = False
    target = S3Target(
        bucket=buckets["backups"],
        prefix="nightly/",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        **creds,
    )
    from storages.backends.s3 import S3Storage

    return {
        "client": client,
        "buckets": buckets,
        "target": target,
        "restored": S3Storage(**storage_options(buckets["restored"])),
    }


def _passport() -> bytes:
    from kyc import makedocs

    return makedocs.passport_page()


@pytest.mark.django_db
def test_a_kyc_document_is_stored_in_s3_and_read_back(
    s3: dict[str, Any], admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert type(storages["default"]).__name__ == "S3Storage"
    customer = make_customer(actor=admin_user)
    content = _passport()
    with django_capture_on_commit_callbacks(execute=True):
        document = kyc.upload_document(
            customer,
            actor=admin_user,
            upload=SimpleUploadedFile("passport.jpg", content),
            kind="id_proof",
        )
    keys = [
        o["Key"] for o in s3["client"].list_objects_v2(Bucket=s3["buckets"]["media"])["Contents"]
    ]
    assert keys == [document.file]
    stored = s3["client"].get_object(Bucket=s3["buckets"]["media"], Key=document.file)
    with default_storage.open(document.file, "rb") as f:  # the app's storage: S3
        assert f.read() == stored["Body"].read()  # the bytes as stored (encrypted or not)
    assert kyc._read_stored(document) == content  # read back through the app's KYC code


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("audit_rows_removable")
def test_backup_to_s3_then_verify_and_restore_from_s3(
    s3: dict[str, Any], admin_user: Any, empty_database: str
) -> None:
    customer = make_customer(actor=admin_user)
    content = _passport()
    document = kyc.upload_document(
        customer,
        actor=admin_user,
        upload=SimpleUploadedFile("passport.jpg", content),
        kind="id_proof",
    )
    result = create_backup(target=s3["target"])
    assert s3["target"].names() == [result.name]
    listed = s3["client"].list_objects_v2(Bucket=s3["buckets"]["backups"])["Contents"]
    assert [o["Key"] for o in listed] == [f"nightly/{result.name}"]
    assert result.manifest["media"]["files"] == 1

    report = verify_backup(target=s3["target"])  # the newest archive, fetched from S3
    assert report.ok, report.problems

    report = restore_archive(
        result.name, alias=empty_database, storage=s3["restored"], target=s3["target"]
    )
    assert report.ok, report.problems
    with s3["restored"].open(document.file, "rb") as f:
        assert f.read() == default_storage.open(document.file, "rb").read()
