from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from pm_common.settings import CommonSettings
from pm_console.domain.accounts import LockoutPolicy
from pm_console.domain.estates import DEMO_ESTATES, Estate, EstateDirectory
from pm_console.domain.sessions import SessionPolicy


class ConsoleSettings(CommonSettings):
    """Env vars: CONSOLE_* (plus the shared MONGO_URL, PM_AUTH_SECRET, PM_ENV)."""

    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore", populate_by_name=True)

    service_name: str = "console"
    mongo_db: str = "pm_console"
    port: int = 8006
    readiness_requires_kafka: bool = False  # the console uses no topic: only the other services' APIs
    max_body_bytes: int = 12 * 1024 * 1024  # owner photo uploads
    intake_url: str = "http://127.0.0.1:8001"
    triage_url: str = "http://127.0.0.1:8002"
    dispatch_url: str = "http://127.0.0.1:8003"
    sla_url: str = "http://127.0.0.1:8004"
    notifier_url: str = "http://127.0.0.1:8005"
    insights_url: str = "http://127.0.0.1:8007"
    platform_token_ttl_seconds: int = 300  # bearer tokens minted per request for the session
    session_lifetime_seconds: int = 10 * 3600
    session_idle_seconds: int = 30 * 60
    lockout_threshold: int = 5
    lockout_base_seconds: int = 30
    lockout_cap_seconds: int = 15 * 60
    cookie_secure: bool = False  # set true behind HTTPS (required in prod)
    seed_demo: bool = True  # dev/test only: demo accounts with the documented passwords
    estates_file: Path | None = None
    upload_store: Literal["local", "s3"] = "local"  # where owner photos are kept
    upload_dir: Path = Path(".local/uploads")  # the local folder (upload_store=local)
    s3_endpoint_url: str | None = None  # an S3-compatible API (MinIO: http://minio:9000); none: AWS S3
    s3_bucket: str = "pm-console-uploads"
    s3_prefix: str = "owner-photos/"
    s3_region: str = "us-east-1"
    s3_access_key: str | None = None  # none: boto3's usual chain (AWS_* variables, instance role)
    s3_secret_key: SecretStr | None = None
    s3_create_bucket: bool = False  # create the bucket at start-up if missing (docker-compose's MinIO)
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_rate_limit: int = 30  # photo uploads per client address and window
    upload_rate_window_seconds: int = 600
    housekeeping_seconds: float = 300.0

    @model_validator(mode="after")
    def _secure_cookies_in_prod(self) -> ConsoleSettings:
        if self.env == "prod" and not self.cookie_secure:
            raise ValueError("CONSOLE_COOKIE_SECURE must be true in prod (session cookies over HTTPS only)")
        return self

    def lockout(self) -> LockoutPolicy:
        return LockoutPolicy(
            self.lockout_threshold,
            timedelta(seconds=self.lockout_base_seconds),
            timedelta(seconds=self.lockout_cap_seconds),
        )

    def sessions(self) -> SessionPolicy:
        return SessionPolicy(
            lifetime=timedelta(seconds=self.session_lifetime_seconds), idle=timedelta(seconds=self.session_idle_seconds)
        )

    def estates(self) -> EstateDirectory:
        if self.estates_file is None:
            return EstateDirectory(DEMO_ESTATES)
        rows = json.loads(self.estates_file.read_text(encoding="utf-8"))
        return EstateDirectory(tuple(Estate.model_validate(r) for r in rows))
