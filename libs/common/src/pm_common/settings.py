"""Settings base shared by every service.

Each service subclasses :class:`CommonSettings` with its own ``env_prefix`` (``INTAKE_``, ...).
The engine addresses are read from the un-prefixed ``MONGO_URL`` / ``KAFKA_BOOTSTRAP`` so one
pair of variables points the whole system at other engines without code changes.
"""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pm_common.kafka.security import KafkaAuth, resolve

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
    kafka_security_protocol: str = Field(
        "",
        validation_alias=AliasChoices("KAFKA_SECURITY_PROTOCOL"),
        description="PLAINTEXT, SASL_PLAINTEXT or SASL_SSL; empty: SASL_PLAINTEXT when credentials are known",
    )
    kafka_sasl_mechanism: str = Field("SCRAM-SHA-512", validation_alias=AliasChoices("KAFKA_SASL_MECHANISM"))
    kafka_username: str = Field(
        "", description="this service's broker principal (<SVC>_KAFKA_USERNAME); default: the service name"
    )
    kafka_password: SecretStr = Field(SecretStr(""), description="its SCRAM password (<SVC>_KAFKA_PASSWORD)")
    kafka_credentials_file: str = Field(
        "",
        validation_alias=AliasChoices("KAFKA_CREDENTIALS_FILE"),
        description="JSON file of principals' passwords written by the local setup (used when no password is set)",
    )
    kafka_ssl_cafile: str = Field("", validation_alias=AliasChoices("KAFKA_SSL_CAFILE"))
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
        if self.env == "prod" and not self.kafka_auth.enabled:
            raise ValueError(
                "in prod the broker needs authentication: set <SVC>_KAFKA_PASSWORD (SASL/SCRAM) "
                "or KAFKA_CREDENTIALS_FILE, and KAFKA_SECURITY_PROTOCOL=SASL_SSL or SASL_PLAINTEXT"
            )
        return self

    @property
    def kafka_auth(self) -> KafkaAuth:
        """This service's principal on the broker (see ``pm_common.kafka.security``)."""
        return resolve(
            protocol=self.kafka_security_protocol,
            username=self.kafka_username or self.service_name,
            password=self.kafka_password.get_secret_value(),
            mechanism=self.kafka_sasl_mechanism,
            credentials_file=self.kafka_credentials_file,
            cafile=self.kafka_ssl_cafile,
        )

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @property
    def consumer_group(self) -> str:
        return f"{self.topic_prefix}{self.service_name}{self.consumer_group_suffix}"
