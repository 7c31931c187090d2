"""How a client authenticates to the broker: SASL/SCRAM-SHA-512 principals, one per service.

Every Kafka client of the platform (producer, consumer, admin, health watch, faust) is built with
``**auth.client_kwargs()`` of one :class:`KafkaAuth`. A service takes its own from its settings
(``<SVC>_KAFKA_USERNAME`` / ``<SVC>_KAFKA_PASSWORD``, see ``CommonSettings.kafka_auth``); tools and
tests take :meth:`KafkaAuth.from_env` (``KAFKA_USERNAME`` / ``KAFKA_PASSWORD``, else the ``admin``
entry of the credentials file).

The local setup (``deploy/local/engines.py``) generates a random password per principal at the
broker's first start and writes them to ``<state>/conf/kafka-credentials.json`` (mode 600):
``{"protocol": "SASL_PLAINTEXT", "mechanism": "SCRAM-SHA-512", "users": {"intake": "...", ...}}``.
``KAFKA_CREDENTIALS_FILE`` points clients at it. Without credentials a client speaks PLAINTEXT
(a broker without authentication, e.g. one started before this existed).
"""

from __future__ import annotations

import json
import os
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Protocol = Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"]
MECHANISM = "SCRAM-SHA-512"
ADMIN = "admin"
CREDENTIALS_FILE_ENV = "KAFKA_CREDENTIALS_FILE"


@dataclass(frozen=True)
class KafkaAuth:
    protocol: Protocol = "PLAINTEXT"
    username: str = ""
    password: str = field(default="", repr=False)
    mechanism: str = MECHANISM
    cafile: str = ""  # SASL_SSL: the CA bundle of the broker's certificate (empty: the system's)

    @property
    def enabled(self) -> bool:
        return self.protocol != "PLAINTEXT"

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for any aiokafka client (producer, consumer, admin, AIOKafkaClient)."""
        if not self.enabled:
            return {}
        kwargs: dict[str, Any] = {
            "security_protocol": self.protocol,
            "sasl_mechanism": self.mechanism,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
        }
        if self.protocol == "SASL_SSL":
            kwargs["ssl_context"] = self.ssl_context()
        return kwargs

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cafile or None)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], username: str = ADMIN) -> KafkaAuth:
        """The principal ``username`` of a credentials file written by the local setup."""
        data = read_credentials(path)
        users = data.get("users", {})
        if username not in users:
            raise ValueError(f"{path}: no Kafka credentials for principal {username!r}")
        protocol = data.get("protocol", "SASL_PLAINTEXT")
        return cls(protocol, username, users[username], data.get("mechanism", MECHANISM))

    @classmethod
    def from_env(cls, username: str | None = None) -> KafkaAuth:
        """Tools and tests: ``KAFKA_USERNAME``/``KAFKA_PASSWORD`` (+ ``KAFKA_SECURITY_PROTOCOL``), else
        the principal ``username`` (default ``admin``) of ``KAFKA_CREDENTIALS_FILE``, else PLAINTEXT."""
        env = os.environ
        if env.get("KAFKA_USERNAME") and env.get("KAFKA_PASSWORD") and username is None:
            protocol = env.get("KAFKA_SECURITY_PROTOCOL") or "SASL_PLAINTEXT"
            return cls(
                _protocol(protocol),
                env["KAFKA_USERNAME"],
                env["KAFKA_PASSWORD"],
                env.get("KAFKA_SASL_MECHANISM") or MECHANISM,
                env.get("KAFKA_SSL_CAFILE", ""),
            )
        path = env.get(CREDENTIALS_FILE_ENV)
        if path:
            return cls.from_file(path, username or ADMIN)
        return cls()


def local_credentials_file(state: str | os.PathLike[str]) -> Path | None:
    """The credentials file of the local setup's state folder, if its broker authenticates clients."""
    conf = Path(state) / "conf"
    props, creds = conf / "server.properties", conf / "kafka-credentials.json"
    if creds.exists() and props.exists() and "sasl.enabled.mechanisms=" in props.read_text():
        return creds
    return None


def read_credentials(path: str | os.PathLike[str]) -> dict[str, Any]:
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a Kafka credentials file")
    return data


def _protocol(value: str) -> Protocol:
    if value not in ("PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"):
        raise ValueError(f"KAFKA_SECURITY_PROTOCOL: {value!r} is not PLAINTEXT, SASL_PLAINTEXT or SASL_SSL")
    return value  # type: ignore[return-value]


def resolve(
    *,
    protocol: str,
    username: str,
    password: str,
    mechanism: str,
    credentials_file: str,
    cafile: str = "",
) -> KafkaAuth:
    """A service's principal from its settings: an explicit password wins; else the credentials file."""
    if password:
        return KafkaAuth(_protocol(protocol or "SASL_PLAINTEXT"), username, password, mechanism, cafile)
    if credentials_file:
        auth = KafkaAuth.from_file(credentials_file, username)
        return KafkaAuth(_protocol(protocol or auth.protocol), username, auth.password, auth.mechanism, cafile)
    return KafkaAuth(_protocol(protocol or "PLAINTEXT"), username, "", mechanism, cafile)
