"""Owner photo uploads: checked and named here, kept in an object store — a local folder by default,
or an S3-compatible bucket (MinIO, versitygw, AWS S3; ``adapters/s3.py``) chosen by the settings.

Objects are named by a random id plus the extension of their content type; the reference handed to
intake is ``console-upload://<name>``. A name the console did not produce is never looked up."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}
BY_EXTENSION = {ext: content_type for content_type, ext in TYPES.items()}
PREFIX = "console-upload://"


class UploadRefused(Exception):
    def __init__(self, zh: str, en: str, status: int) -> None:
        super().__init__(en)
        self.zh, self.en, self.status = zh, en, status


@dataclass(frozen=True)
class Photo:
    data: bytes
    content_type: str


class ObjectStore(Protocol):
    """Where the photos are kept (blocking calls: run in a worker thread)."""

    def put(self, name: str, data: bytes, content_type: str) -> None: ...
    def get(self, name: str) -> Photo | None: ...
    def prepare(self) -> None: ...  # at start-up: the folder / bucket exists


class LocalFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def prepare(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def put(self, name: str, data: bytes, content_type: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / name).write_bytes(data)

    def get(self, name: str) -> Photo | None:
        path = self.folder / name
        if not path.is_file():
            return None
        return Photo(path.read_bytes(), BY_EXTENSION[path.suffix])


def valid_name(name: str) -> bool:
    stem, _, ext = name.partition(".")
    return len(stem) == 32 and all(c in "0123456789abcdef" for c in stem) and f".{ext}" in BY_EXTENSION


class Uploads:
    def __init__(self, store: ObjectStore, max_bytes: int) -> None:
        self.store = store
        self.max_bytes = max_bytes

    async def save(self, data: bytes, content_type: str) -> dict[str, object]:
        extension = TYPES.get(content_type)
        if extension is None:
            raise UploadRefused("仅支持 JPEG、PNG、WebP、GIF 图片", "only JPEG, PNG, WebP or GIF images", 415)
        if not data:
            raise UploadRefused("文件为空", "empty file", 422)
        if len(data) > self.max_bytes:
            raise UploadRefused(
                f"图片过大（上限 {self.max_bytes // (1024 * 1024)} MB）",
                f"image too large (limit {self.max_bytes} bytes)",
                413,
            )
        name = secrets.token_hex(16) + extension
        await asyncio.to_thread(self.store.put, name, data, content_type)
        return {"kind": "photo", "ref": PREFIX + name, "content_type": content_type, "size_bytes": len(data)}

    async def read(self, name: str) -> Photo | None:
        """The stored photo of a name this store produced (None for anything else)."""
        if not valid_name(name):
            return None
        return await asyncio.to_thread(self.store.get, name)
