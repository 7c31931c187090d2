"""The S3-compatible object store of the owner photos (boto3): MinIO in docker-compose, versitygw in
the tests, AWS S3 or any S3 API in production. Path-style addressing (what MinIO and gateways
expect without wildcard DNS); checksums only where the API requires them (older S3-compatible
servers reject the newer default trailers)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from pm_console.adapters.uploads import BY_EXTENSION, Photo

MISSING = ("NoSuchKey", "404", "NotFound")


def s3_client(
    endpoint_url: str | None, region: str, access_key: str | None, secret_key: str | None, timeout: float = 10.0
) -> Any:
    config = Config(
        s3={"addressing_style": "path"},
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=timeout,
        read_timeout=timeout,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=config,
    )


class S3Bucket:
    def __init__(self, client: Any, bucket: str, prefix: str = "", create: bool = False) -> None:
        self.client, self.bucket, self.prefix, self.create = client, bucket, prefix, create

    def prepare(self) -> None:
        """The bucket exists (created when ``create``, e.g. MinIO in docker-compose; never in prod)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if not self.create or exc.response.get("Error", {}).get("Code") not in (*MISSING, "NoSuchBucket"):
                raise
            self.client.create_bucket(Bucket=self.bucket)

    def put(self, name: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + name, Body=data, ContentType=content_type)

    def get(self, name: str) -> Photo | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in MISSING:
                return None
            raise
        with answer["Body"] as body:
            return Photo(body.read(), BY_EXTENSION["." + name.rsplit(".", 1)[-1]])  # the type the name was given
