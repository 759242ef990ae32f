"""Encryption at rest on the S3 backend (django-storages against moto's in-process S3):
uploads, downloads and checks work, the object holds no plaintext, reads stream the object
body instead of django-storages' whole-object download, and a multipart upload (a file past
boto3's 8 MB threshold) streams from the encrypting reader."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from django.urls import reverse
from moto import mock_aws
from storages.backends.s3 import S3File

from clientdesk.core import stored_files
from clientdesk.core.envelope import MAGIC, FileIntegrityError

from . import makedocs

pytestmark = pytest.mark.django_db

BUCKET = "clientdesk-kycenc-test"


@pytest.fixture
def s3(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "access_key": "testing",
                    "secret_key": "testing",
                    "region_name": "us-east-1",
                    "default_acl": "private",
                    "file_overwrite": False,
                },
            },
        }
        yield client


@pytest.fixture
def no_whole_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    """django-storages' S3File reads the whole object before the first byte: forbidden."""

    def refuse(self: Any) -> Any:
        raise AssertionError("the whole object was downloaded")

    monkeypatch.setattr(S3File, "_get_file", refuse)


def object_bytes(s3: Any, name: str) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=name)["Body"].read()  # type: ignore[no-any-return]


def test_upload_download_and_checks_on_s3(
    s3: Any, no_whole_downloads: None, asha: Any, sales_user: Any, compliance: Any,
    upload: Callable[..., Any], client_for: Any,
) -> None:  # fmt: skip
    data = makedocs.passport_page()
    document = upload(asha, sales_user, data=data)
    raw = object_bytes(s3, document.file)
    assert raw.startswith(MAGIC) and data[:64] not in raw
    head = s3.head_object(Bucket=BUCKET, Key=document.file)
    assert head["ContentType"] == "application/octet-stream"
    assert document.check_outcome == "passed"  # the checks read through the stream
    response = client_for(compliance).get(reverse("kyc:download", args=[document.pk]))
    assert b"".join(response.streaming_content) == data

    s3.put_object(Bucket=BUCKET, Key=document.file, Body=raw[:-1])  # truncated object
    with pytest.raises(FileIntegrityError):
        stored_files.read_stored(document)


class Generated(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left, self.digest, self._block = size, hashlib.sha256(), os.urandom(70_001)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = min(len(buffer), self.left, len(self._block))
        buffer[:size] = self._block[:size]
        self.digest.update(self._block[:size])
        self._block = self._block[size:] + self._block[:size]
        self.left -= size
        return size


def test_a_multipart_upload_streams_and_reads_back(s3: Any, no_whole_downloads: None) -> None:
    from clientdesk.kyc.models import Document

    source = Generated(12 * 1024 * 1024)
    name, key = stored_files.save_encrypted("kyc/0/big.enc", source)
    row = Document(file=name, file_key=key.token, file_key_id=key.key_id)
    digest = hashlib.sha256()
    with stored_files.open_stored(row) as handle:
        while chunk := handle.read(1 << 16):
            digest.update(chunk)
    assert digest.hexdigest() == source.digest.hexdigest()
