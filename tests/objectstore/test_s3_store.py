"""Owner photos in an S3-compatible object store, against a real S3 server (versitygw from the Go
module proxy, see conftest.py): the store contract run against the S3 bucket and the local folder
alike, and the console process configured with ``CONSOLE_UPLOAD_STORE=s3`` — an owner uploads a
photo on the H5 API, a member of staff reads it back through the console, and the object is in the
bucket with its content type. ``make test-objectstore`` (not part of ``make test``: building the
server takes minutes on a fresh machine)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from s3_kit import S3Server

from pm_common.mongo import Mongo
from pm_common.testing import poll_until, unique_name
from pm_common.testing.fixtures import Engines
from pm_console.adapters.s3 import S3Bucket, s3_client
from pm_console.adapters.uploads import PREFIX, LocalFolder, ObjectStore, UploadRefused, Uploads
from pm_console.bootstrap import adapters_of
from pm_console.config import ConsoleSettings
from pm_console.entrypoints.api import create_app
from pm_console.service_layer import auth

pytestmark = pytest.mark.objectstore
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
JPEG = b"\xff\xd8\xff\xe0" + secrets.token_bytes(300_000) + b"\xff\xd9"  # bytes as a camera would send
SECRET = "objectstore-" + "x" * 32


def _client(server: S3Server) -> object:
    return s3_client(server.endpoint_url, "us-east-1", server.access_key, server.secret_key)


@pytest.fixture(params=["s3", "local"])
def store(request: pytest.FixtureRequest, s3_server: S3Server, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalFolder(tmp_path / "uploads")
    return S3Bucket(_client(s3_server), unique_name("pm-photos-").lower(), "owner-photos/", create=True)


async def test_the_store_keeps_photos_and_finds_nothing_else(store: ObjectStore) -> None:
    store.prepare()
    store.prepare()  # idempotent: the bucket / folder exists already
    uploads = Uploads(store, max_bytes=1_000_000)
    png = await uploads.save(PNG, "image/png")
    jpeg = await uploads.save(JPEG, "image/jpeg")
    assert png["ref"] != jpeg["ref"] and str(png["ref"]).startswith(PREFIX) and png["size_bytes"] == len(PNG)
    back = await uploads.read(str(png["ref"]).removeprefix(PREFIX))
    assert back is not None and (back.data, back.content_type) == (PNG, "image/png")
    back = await uploads.read(str(jpeg["ref"]).removeprefix(PREFIX))
    assert back is not None and (back.data, back.content_type) == (JPEG, "image/jpeg")
    assert await uploads.read("0" * 32 + ".png") is None  # a name it could have made, never stored
    assert await uploads.read("../../etc/passwd") is None  # not one of its names: never looked up
    with pytest.raises(UploadRefused):
        await uploads.save(b"MZ\x90\x00", "application/x-msdownload")
    with pytest.raises(UploadRefused):
        await uploads.save(b"\x00" * 1_000_001, "image/png")


def test_without_create_a_missing_bucket_is_an_error(s3_server: S3Server) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        S3Bucket(_client(s3_server), unique_name("pm-absent-").lower()).prepare()


@pytest.fixture
async def console(engines: Engines, s3_server: S3Server, tmp_path: Path) -> AsyncIterator[tuple[FastAPI, str]]:
    bucket = unique_name("pm-console-").lower()
    settings = ConsoleSettings(
        mongo_url=engines.mongo_url,
        kafka_bootstrap=engines.kafka_bootstrap,
        mongo_db=unique_name("console_s3_"),
        auth_secret=SECRET,
        env="test",
        seed_demo=False,
        upload_store="s3",
        upload_dir=tmp_path / "never-used",
        s3_endpoint_url=s3_server.endpoint_url,
        s3_bucket=bucket,
        s3_access_key=s3_server.access_key,
        s3_secret_key=s3_server.secret_key,  # type: ignore[arg-type]
        s3_create_bucket=True,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app, bucket
        mongo = Mongo(engines.mongo_url, settings.mongo_db)
        await mongo.drop_database()
        mongo.close()


async def test_an_owner_photo_goes_to_the_bucket_and_staff_see_it(
    console: tuple[FastAPI, str], s3_server: S3Server, tmp_path: Path
) -> None:
    app, bucket = console
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console", timeout=30) as client:

        async def ready() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await poll_until(ready, what="console ready (bucket prepared)")
        stored = await client.post("/h5/api/uploads", content=JPEG, headers={"Content-Type": "image/jpeg"})
        assert stored.status_code == 201, stored.text
        name = stored.json()["ref"].removeprefix(PREFIX)

        # the object is in the S3 bucket, under the prefix, with its type (read with a client of its own)
        raw = _client(s3_server).get_object(Bucket=bucket, Key=f"owner-photos/{name}")  # type: ignore[attr-defined]
        assert raw["Body"].read() == JPEG and raw["ContentType"] == "image/jpeg"
        assert not (tmp_path / "never-used").exists()  # nothing in the local folder

        assert (await client.get(f"/uploads/{name}")).status_code == 303  # no session: to the log-in page
        adapters = adapters_of(app.state.runtime)
        await auth.create_account(
            "desk.s3", "desk-s3-pass-2026", "前台", "front_desk", ["SUNNY"], adapters.accounts, adapters.hasher,
            datetime.now(UTC),
        )  # fmt: skip
        page = await client.get("/login")
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        done = await client.post(
            "/login",
            content=f"csrf={csrf}&username=desk.s3&password=desk-s3-pass-2026",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert done.status_code == 303, done.text
        shown = await client.get(f"/uploads/{name}")
        assert shown.status_code == 200 and shown.content == JPEG
        assert shown.headers["content-type"] == "image/jpeg"
        assert (await client.get(f"/uploads/{'f' * 32}.jpg")).status_code == 404  # not in the bucket
