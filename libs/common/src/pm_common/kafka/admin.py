"""Topic creation and broker readiness checks (real metadata requests, never sleeps)."""

from __future__ import annotations

import asyncio
import logging
import time

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from pm_common.kafka.security import KafkaAuth
from pm_common.topics import TopicSpec, all_topic_specs

log = logging.getLogger(__name__)
_DYNAMIC_TOPIC_CONFIG = 1


async def kafka_reachable(bootstrap: str, timeout: float = 3.0, auth: KafkaAuth | None = None) -> bool:
    auth = auth if auth is not None else KafkaAuth.from_env()
    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000), **auth.client_kwargs())
    try:
        await asyncio.wait_for(client.bootstrap(), timeout)
        await asyncio.wait_for(client.fetch_all_metadata(), timeout)
        return True
    except (KafkaError, TimeoutError, OSError):
        return False
    finally:
        await client.close()


async def wait_for_kafka(bootstrap: str, deadline_seconds: float = 60.0, auth: KafkaAuth | None = None) -> None:
    end = time.monotonic() + deadline_seconds
    while time.monotonic() < end:
        if await kafka_reachable(bootstrap, auth=auth):
            return
        await asyncio.sleep(0.5)
    raise TimeoutError(f"Kafka at {bootstrap} not ready after {deadline_seconds}s")


async def ensure_topics(
    bootstrap: str,
    prefix: str = "",
    specs: list[TopicSpec] | None = None,
    replication_factor: int = 1,
    auth: KafkaAuth | None = None,
) -> None:
    """Create every contract topic and its DLQ if missing, with its declared configs; bring the
    retention/cleanup configs of existing topics in line with the declaration (idempotent)."""
    wanted = specs if specs is not None else all_topic_specs(prefix)
    admin = admin_client(bootstrap, auth)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in wanted if s.name not in existing]
        raced = await _create(admin, missing, replication_factor) if missing else []
        # a topic the broker's metadata did not list yet, or that another process created meanwhile,
        # exists after all: align its configs like any present one
        present = [s for s in wanted if s.name in existing] + raced
        if present:
            await align_topic_configs(admin, present)
    finally:
        await admin.close()


def admin_client(bootstrap: str, auth: KafkaAuth | None = None, timeout_ms: int = 10000) -> AIOKafkaAdminClient:
    """An admin client authenticated as ``auth`` (default: :meth:`KafkaAuth.from_env`)."""
    auth = auth if auth is not None else KafkaAuth.from_env()
    return AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=timeout_ms, **auth.client_kwargs())


async def _create(admin: AIOKafkaAdminClient, missing: list[TopicSpec], replication_factor: int) -> list[TopicSpec]:
    """Create ``missing``; returns the specs of those that turned out to exist already."""
    new = [NewTopic(s.name, s.partitions, replication_factor, topic_configs=dict(s.configs)) for s in missing]
    try:
        response = await admin.create_topics(new)
    except TopicAlreadyExistsError:
        return list(missing)
    existed: set[str] = set()
    for name, code, *_ in response.topic_errors:
        if code == TopicAlreadyExistsError.errno:
            existed.add(name)
        elif code != 0:
            raise KafkaError(f"could not create topic {name}: error code {code}")
    log.info("created topics %s", [s.name for s in missing if s.name not in existed])
    return [s for s in missing if s.name in existed]


async def topic_configs(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, dict[str, tuple[str, bool]]]:
    """Per topic: config name -> (value, set on the topic itself rather than a broker default)."""
    responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in names])
    found: dict[str, dict[str, tuple[str, bool]]] = {}
    for response in responses:
        for code, message, _type, name, entries in response.resources:
            if code:
                raise KafkaError(f"could not describe configs of {name}: {code} {message}")
            if response.API_VERSION == 0:  # (name, value, read_only, is_default, is_sensitive)
                found[name] = {e[0]: (e[1], not e[3]) for e in entries}
            else:  # (name, value, read_only, config_source, is_sensitive, ...); 1 = dynamic topic config
                found[name] = {e[0]: (e[1], e[3] == _DYNAMIC_TOPIC_CONFIG) for e in entries}
    return found


async def align_topic_configs(admin: AIOKafkaAdminClient, specs: list[TopicSpec]) -> list[str]:
    """Alter the topics whose configs differ from their spec; returns the names altered.

    AlterConfigs replaces a topic's whole set of overrides, so the overrides already set on the
    topic (by an operator, say) are sent along unchanged with the declared ones.
    """
    current = await topic_configs(admin, [s.name for s in specs])
    changes: list[ConfigResource] = []
    for spec in specs:
        configs = current.get(spec.name, {})
        if all(configs.get(k, ("", False))[0] == v for k, v in spec.configs.items()):
            continue
        overrides = {k: value for k, (value, is_override) in configs.items() if is_override and value is not None}
        changes.append(ConfigResource(ConfigResourceType.TOPIC, spec.name, {**overrides, **spec.configs}))
    if not changes:
        return []
    for response in await admin.alter_configs(changes):
        for code, message, _type, name in response.resources:
            if code:
                raise KafkaError(f"could not alter configs of {name}: {code} {message}")
    altered = [c.name for c in changes]
    log.info("aligned retention/cleanup configs of topics %s", altered)
    return altered
