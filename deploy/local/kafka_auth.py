"""Authentication of the local Kafka broker: SASL/SCRAM-SHA-512 users, ACLs, a StandardAuthorizer.

On the broker's first start ``engines.py`` generates a random password per principal (``admin`` —
the one super user, for setup, tools and tests —, one per service, and ``controller`` for the
KRaft controller listener) into ``<state>/conf/kafka-credentials.json`` (mode 600), formats the
storage with ``kafka-storage format --add-scram`` (KRaft keeps SCRAM credentials in its metadata
log, so they must be there before the first start) and configures the listeners:

- ``SASL_PLAINTEXT`` on ``PM_LOCAL_KAFKA_PORT`` (clients and inter-broker, SCRAM-SHA-512);
- the controller listener on ``PM_LOCAL_KAFKA_CONTROLLER_PORT`` with SASL PLAIN (KRaft controllers
  cannot use SCRAM; its one user lives in the generated config), so it is no unauthenticated side door;
- ``StandardAuthorizer``, ``allow.everyone.if.no.acl.found=false``, super users admin and controller.

After the broker is ready ``python -m pm_common.kafka.acls apply`` creates the topics and the ACLs.
Data formatted before authentication existed is upgraded once: started as before, the users added
with ``kafka-configs``, restarted with authentication.
``PM_LOCAL_KAFKA_AUTH=none`` starts the broker as before (PLAINTEXT, no ACLs).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

# the console uses no topic: its principal has no ACL, it only lets its broker probe authenticate;
# bi is the external, read-only subscriber (BI, 12345 bridges): READ on the external topics only
PRINCIPALS = ("admin", "intake", "triage", "dispatch", "sla-monitor", "notifier", "console", "bi", "insights")
CONTROLLER_USER = "controller"
MECHANISM = "SCRAM-SHA-512"


def enabled() -> bool:
    return os.environ.get("PM_LOCAL_KAFKA_AUTH", "scram").lower() not in ("none", "off", "0", "false")


def credentials_file(conf: Path) -> Path:
    return conf / "kafka-credentials.json"


def ensure_credentials(conf: Path) -> dict[str, object]:
    """The generated credentials (created once; new principals are added, existing ones kept)."""
    path = credentials_file(conf)
    data: dict[str, object] = json.loads(path.read_text()) if path.exists() else {}
    users = dict(data.get("users", {}))  # type: ignore[call-overload]
    for name in (*PRINCIPALS, CONTROLLER_USER):
        users.setdefault(name, secrets.token_urlsafe(24))
    data = {"protocol": "SASL_PLAINTEXT", "mechanism": MECHANISM, "users": users}
    conf.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.chmod(0o600)
    tmp.replace(path)
    return data


def broker_auth(conf: Path) -> bool:
    """Whether the broker of this state folder was (last) configured with authentication."""
    props = conf / "server.properties"
    return props.exists() and "sasl.enabled.mechanisms=" in props.read_text() and credentials_file(conf).exists()


def read_credentials(conf: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(credentials_file(conf).read_text())
    return data


def _users(data: dict[str, object]) -> dict[str, str]:
    return dict(data["users"])  # type: ignore[call-overload]


def server_properties(data: dict[str, object], kafka_port: int, controller_port: int) -> list[str]:
    """The listener and authorizer lines of server.properties (replacing the PLAINTEXT ones)."""
    users = _users(data)
    admin, controller = users["admin"], users[CONTROLLER_USER]
    return [
        f"listeners=SASL_PLAINTEXT://127.0.0.1:{kafka_port},CONTROLLER://127.0.0.1:{controller_port}",
        f"advertised.listeners=SASL_PLAINTEXT://127.0.0.1:{kafka_port}",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=SASL_PLAINTEXT",
        "listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
        f"sasl.enabled.mechanisms={MECHANISM}",
        f"sasl.mechanism.inter.broker.protocol={MECHANISM}",
        "sasl.mechanism.controller.protocol=PLAIN",
        "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
        "listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule "
        f'required username="{CONTROLLER_USER}" password="{controller}" user_{CONTROLLER_USER}="{controller}";',
        f"listener.name.sasl_plaintext.{MECHANISM.lower()}.sasl.jaas.config="
        f'org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="{admin}";',
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        f"super.users=User:admin;User:{CONTROLLER_USER}",
        "allow.everyone.if.no.acl.found=false",
    ]


def format_args(data: dict[str, object]) -> list[str]:
    """``kafka-storage format`` arguments that put every principal's SCRAM credential in the metadata."""
    args: list[str] = []
    for name, password in _users(data).items():
        if name != CONTROLLER_USER:
            args += ["--add-scram", f"{MECHANISM}=[name={name},password={password}]"]
    return args


def add_user_args(
    data: dict[str, object], kafka_port: int, names: tuple[str, ...] | None = None, command_config: Path | None = None
) -> list[list[str]]:
    """``kafka-configs`` invocations adding principals' SCRAM credentials to a running broker: every
    one to a broker without authentication (data formatted before authentication existed), or the
    ``names`` added since the data was formatted, as admin (``command_config``: ``admin_properties``)."""
    auth = ["--command-config", str(command_config)] if command_config else []
    return [
        [
            "kafka.admin.ConfigCommand",
            "--bootstrap-server",
            f"127.0.0.1:{kafka_port}",
            *auth,
            "--alter",
            "--add-config",
            f"{MECHANISM}=[password={password}]",
            "--entity-type",
            "users",
            "--entity-name",
            name,
        ]
        for name, password in _users(data).items()
        if name != CONTROLLER_USER and (names is None or name in names)
    ]


def admin_properties(data: dict[str, object], path: Path) -> Path:
    """A Kafka client config of the admin principal (mode 600) for the broker's own tools."""
    path.write_text(
        "security.protocol=SASL_PLAINTEXT\n"
        f"sasl.mechanism={MECHANISM}\n"
        f"sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="admin" password="{_users(data)["admin"]}";\n'
    )
    path.chmod(0o600)
    return path


def client_kwargs(data: dict[str, object]) -> dict[str, str]:
    """aiokafka keyword arguments for the admin principal (readiness probe)."""
    return {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": MECHANISM,
        "sasl_plain_username": "admin",
        "sasl_plain_password": _users(data)["admin"],
    }
