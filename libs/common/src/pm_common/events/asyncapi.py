"""The AsyncAPI 3.0 document of the event contract, generated from the topic registry and the models.

Every topic is a channel (with its Kafka binding: partitions, retention, cleanup policy) carrying one
message per published version of its event type; every dead-letter topic is a channel too. A
message's payload is the whole CloudEvent (structured mode): the envelope, with ``data`` pinned to
that version's payload schema. Each message has an example in Chinese.
"""

from __future__ import annotations

from typing import Any

from pm_common import topics
from pm_common.events.envelope import CONTENT_TYPE
from pm_common.events.examples import example_event
from pm_common.events.registry import AGGREGATES, EVENT_TYPES, versions
from pm_common.events.schemas import envelope_schema, payload_schema, rewrite_refs

KAFKA_BINDING = "0.5.0"
ENVELOPE = "CloudEvent"
DESCRIPTION = """\
Events of the complaint & feedback platform of a property-management group (物业集团投诉与意见反馈平台).

**Wire format**: CloudEvents 1.0, Kafka protocol binding in *structured content mode*: the message
value is the whole event in the CloudEvents JSON format and the only header is
`content-type: application/cloudevents+json; charset=UTF-8`. The key is the `subject`: the aggregate's
id, so each aggregate's events stay in order (one task per complaint, so task ids order per complaint).

**Subject**: the id of the aggregate the event is about (complaint, task, notification or incident);
`complaintid` names the complaint where an event concerns one.

**Versions**: `schemaversion` / `dataschema` (`urn:pm:event:<type>:v<N>`) name the payload version.
Versions of one type only ever add optional fields; a breaking change is a new event type. Read
tolerantly: ignore attributes and fields you do not know, accept newer versions of a type.

**Retention**: the event topics keep every event forever (no deletion by age or size, no compaction),
so read models can be rebuilt by replaying from offset 0; dead-letter topics keep a year.
"""


def _message_name(event_type: str, version: int) -> str:
    return f"{event_type}.v{version}"


def _channel_binding(spec: topics.TopicSpec) -> dict[str, Any]:
    config: dict[str, Any] = {
        "cleanup.policy": [spec.configs["cleanup.policy"]],
        "retention.ms": int(spec.configs["retention.ms"]),
        "retention.bytes": int(spec.configs["retention.bytes"]),
    }
    kafka = {"topic": spec.name, "partitions": spec.partitions, "topicConfiguration": config}
    return {"kafka": {**kafka, "bindingVersion": KAFKA_BINDING}}


def _message(event_type: str, version: int) -> dict[str, Any]:
    name = _message_name(event_type, version)
    current = EVENT_TYPES[event_type][0]
    example = example_event(event_type, version)
    payload = {
        "allOf": [
            {"$ref": f"#/components/schemas/{ENVELOPE}"},
            {
                "type": "object",
                "properties": {
                    "type": {"const": event_type},
                    "schemaversion": {"const": version},
                    "dataschema": {"const": example["dataschema"]},
                    "data": {"$ref": f"#/components/schemas/{name}"},
                },
            },
        ]
    }
    key = AGGREGATES[event_type].replace("_", " ")
    return {
        "name": name,
        "title": f"{event_type} v{version}" + (" (current)" if version == current else " (still in the log)"),
        "summary": topics.TOPICS[event_type].description,
        "contentType": "application/cloudevents+json",
        "headers": {"$ref": "#/components/schemas/StructuredModeHeaders"},
        "payload": payload,
        "correlationId": {"location": "$message.payload#/correlationid"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": f"the subject: the {key}"},
                "bindingVersion": KAFKA_BINDING,
            }
        },
        "examples": [
            {
                "name": f"{name}-zh",
                "summary": f"示例：{topics.TOPICS[event_type].description}",
                "headers": {"content-type": CONTENT_TYPE},
                "payload": example,
            }
        ],
    }


def _dead_letter_message() -> dict[str, Any]:
    dlq_headers = {
        "type": "object",
        "properties": {
            "dlq_reason": {"type": "string", "description": "why it can never succeed (parse error, handler error)"},
            "dlq_topic": {"type": "string"},
            "dlq_partition": {"type": "string"},
            "dlq_offset": {"type": "string"},
            "dlq_group": {"type": "string", "description": "the consumer group that gave up"},
            "dlq_failed_at": {"type": "string", "format": "date-time"},
        },
        "required": ["dlq_reason", "dlq_topic", "dlq_partition", "dlq_offset", "dlq_group", "dlq_failed_at"],
    }
    return {
        "name": "dead-letter",
        "title": "A message a consumer could not process",
        "summary": "The original value, key and headers, unchanged, plus the dlq_* headers.",
        "headers": dlq_headers,
        "payload": {"description": "the original message value, byte for byte (possibly not even JSON)"},
    }


def document() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    schemas: dict[str, Any] = {
        ENVELOPE: rewrite_refs(_without_meta(envelope_schema()), f"#/components/schemas/{ENVELOPE}"),
        "StructuredModeHeaders": {
            "type": "object",
            "properties": {"content-type": {"const": CONTENT_TYPE}},
            "required": ["content-type"],
        },
    }
    messages: dict[str, Any] = {"dead-letter": _dead_letter_message()}
    for event_type, spec in topics.TOPICS.items():
        names = []
        for version in versions(event_type):
            name = _message_name(event_type, version)
            schemas[name] = rewrite_refs(
                _without_meta(payload_schema(event_type, version)), f"#/components/schemas/{name}"
            )
            messages[name] = _message(event_type, version)
            names.append(name)
        channels[event_type] = {
            "address": event_type,
            "title": event_type,
            "description": f"{spec.description} Producer: {spec.producer}. Key: the subject.",
            "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in names},
            "bindings": _channel_binding(spec),
        }
        operations[f"publish.{event_type}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{_escape(event_type)}"},
            "title": f"{spec.producer} publishes {event_type}",
            "messages": [{"$ref": f"#/channels/{_escape(event_type)}/messages/{_escape(n)}"} for n in names],
        }
        dead = topics.dlq_spec(spec)
        channels[dead.name] = {
            "address": dead.name,
            "title": dead.name,
            "description": f"{dead.description} Written by {dead.producer}; redriven by operators.",
            "messages": {"dead-letter": {"$ref": "#/components/messages/dead-letter"}},
            "bindings": _channel_binding(dead),
        }
    return {
        "asyncapi": "3.0.0",
        "id": "urn:pm:complaint-platform:events",
        "info": {
            "title": "物业投诉与意见反馈平台 · 事件契约 (Complaint & feedback platform events)",
            "version": contract_version(),
            "description": DESCRIPTION,
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "local": {"host": "127.0.0.1:9092", "protocol": "kafka", "description": "make run / make up"},
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def contract_version() -> str:
    """Changes whenever any event type gets a new version: 1.<sum of current versions>.0."""
    return f"1.{sum(v for v, _ in EVENT_TYPES.values())}.0"


def _without_meta(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k not in ("$schema", "$id")}


def _escape(name: str) -> str:
    """A JSON Pointer token (RFC 6901)."""
    return name.replace("~", "~0").replace("/", "~1")
