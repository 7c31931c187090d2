"""Settings base shared by every service.

Each service subclasses :class:`CommonSettings` with its own ``env_prefix`` (``INTAKE_``, ...).
The engine addresses are read from the un-prefixed ``MONGO_URL`` / ``KAFKA_BOOTSTRAP`` so one
pair of variables points the whole system at other engines without code changes.
"""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_AUTH_SECRET = "dev-only-secret-change-me"


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str = "pm"
    env: Literal["dev", "test", "prod"] = Field("dev", validation_alias=AliasChoices("PM_ENV"))
    mongo_url: str = Field("mongodb://127.0.0.1:27017", validation_alias=AliasChoices("MONGO_URL"))
    mongo_db: str = "pm"
    kafka_bootstrap: str = Field("127.0.0.1:9092", validation_alias=AliasChoices("KAFKA_BOOTSTRAP"))
    topic_prefix: str = Field(
        "",
        validation_alias=AliasChoices("KAFKA_TOPIC_PREFIX"),
        description="Namespace prepended to every topic name (tests use a random one).",
    )
    kafka_replication_factor: int = Field(
        1, validation_alias=AliasChoices("KAFKA_REPLICATION_FACTOR"), description="for topics created at start-up"
    )
    consumer_group_suffix: str = Field(
        "",
        validation_alias=AliasChoices("KAFKA_CONSUMER_GROUP_SUFFIX"),
        description="appended to every consumer group: a new suffix replays every topic from offset 0",
    )
    auth_secret: str = Field(DEV_AUTH_SECRET, validation_alias=AliasChoices("PM_AUTH_SECRET"))
    log_level: str = Field("INFO", validation_alias=AliasChoices("PM_LOG_LEVEL"))
    log_json: bool = Field(True, validation_alias=AliasChoices("PM_LOG_JSON"))
    host: str = "127.0.0.1"
    port: int = 8000
    outbox_sweep_seconds: float = Field(
        5.0, description="how often the relay reads the pending-pointer collection (writes are relayed at once)"
    )
    consumer_max_attempts: int = 5
    max_body_bytes: int = Field(1024 * 1024, ge=1024, description="larger bodies get 413 (<SVC>_MAX_BODY_BYTES)")
    trusted_proxies: str = Field(
        "",
        validation_alias=AliasChoices("PM_TRUSTED_PROXIES"),
        description="comma-separated addresses/CIDRs of reverse proxies whose X-Forwarded-For is believed; "
        "empty: the TCP peer is the client",
    )
    readiness_requires_kafka: bool = Field(
        True, description="/readyz needs the broker (consumers); intake turns it off: its outbox absorbs outages"
    )
    health_check_seconds: float = Field(5.0, gt=0, description="period of the cached broker check behind the probes")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for entry in (p.strip() for p in value.split(",")):
            if entry:
                try:
                    ipaddress.ip_network(entry, strict=False)
                except ValueError:
                    raise ValueError(f"PM_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR network") from None
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> CommonSettings:
        if self.env == "prod" and (self.auth_secret == DEV_AUTH_SECRET or len(self.auth_secret) < 32):
            raise ValueError("PM_AUTH_SECRET must be set to a random value of at least 32 characters in prod")
        return self

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @property
    def consumer_group(self) -> str:
        return f"{self.topic_prefix}{self.service_name}{self.consumer_group_suffix}"
