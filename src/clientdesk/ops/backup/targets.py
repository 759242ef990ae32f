"""Where archives are kept: a local folder or an S3-compatible bucket (``BACKUP_STORAGE``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings


class Target(Protocol):
    def describe(self) -> str: ...
    def put(self, local: Path, name: str) -> None: ...
    def fetch(self, name: str, local: Path) -> None: ...
    def names(self) -> list[str]: ...
    def delete(self, name: str) -> None: ...


class FolderTarget:
    """Archives as files in one folder; written as ``.partial`` and renamed when complete."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def describe(self) -> str:
        return f"folder {self.folder}"

    def put(self, local: Path, name: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{name}.partial"
        shutil.copyfile(local, partial)
        os.chmod(partial, 0o600)
        partial.replace(self.folder / name)

    def fetch(self, name: str, local: Path) -> None:
        shutil.copyfile(self.folder / name, local)

    def names(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.iterdir() if p.is_file())

    def delete(self, name: str) -> None:
        (self.folder / name).unlink(missing_ok=True)


class S3Target:
    """Archives as objects under a prefix of a bucket; boto3 uploads large files in parts."""

    def __init__(self, *, bucket: str, prefix: str = "", **client: Any) -> None:
        import boto3

        self.bucket, self.prefix = bucket, prefix
        self.client = boto3.client("s3", **{k: v for k, v in client.items() if v})

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def put(self, local: Path, name: str) -> None:
        self.client.upload_file(str(local), self.bucket, self.prefix + name)

    def fetch(self, name: str, local: Path) -> None:
        self.client.download_file(self.bucket, self.prefix + name, str(local))

    def names(self) -> list[str]:
        found = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            found += [o["Key"][len(self.prefix) :] for o in page.get("Contents", ())]
        return sorted(n for n in found if n and "/" not in n)

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + name)


def configured_target() -> Target:
    if settings.BACKUP_STORAGE == "s3":
        return S3Target(
            bucket=settings.BACKUP_S3_BUCKET,
            prefix=settings.BACKUP_S3_PREFIX,
            endpoint_url=settings.BACKUP_S3_ENDPOINT_URL,
            aws_access_key_id=settings.BACKUP_S3_ACCESS_KEY_ID,
            aws_secret_access_key=settings.BACKUP_S3_SECRET_ACCESS_KEY,
            region_name=settings.BACKUP_S3_REGION,
        )
    return FolderTarget(settings.BACKUP_DIR)
