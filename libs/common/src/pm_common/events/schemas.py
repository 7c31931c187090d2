"""JSON Schemas of the contract (draft 2020-12), generated from the pydantic models, and the rules
that keep the published ones honest:

- ``docs/schemas/<type>/v<N>.json`` is the payload (``data``) of one event type at one version; its
  ``$id`` is the envelope's ``dataschema`` (``urn:pm:event:<type>:v<N>``). Once written it is frozen:
  a model that changes structurally without a version bump no longer matches its file.
- ``docs/schemas/cloudevent.json`` is the envelope: one Kafka message value, whatever its type.
- ``additive(old, new)`` checks that a version only added optional fields to the one before.
"""

from __future__ import annotations

import copy
from typing import Any

from pm_common.events.envelope import Envelope, schema_urn
from pm_common.events.registry import EVENT_TYPES, versions

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ENVELOPE_ID = "urn:pm:cloudevent"
# keywords that document a schema without changing what it accepts
ANNOTATIONS = frozenset({"title", "description", "examples", "$comment", "$id", "$schema"})


def payload_schema(event_type: str, version: int) -> dict[str, Any]:
    model = versions(event_type)[version]
    schema = model.model_json_schema(mode="validation")
    schema["title"] = f"{event_type} v{version}"
    return {"$schema": DIALECT, "$id": schema_urn(event_type, version), **schema}


def envelope_schema() -> dict[str, Any]:
    schema = Envelope.model_json_schema(mode="validation")
    schema["properties"]["data"]["description"] = (
        "The payload: validate it with the schema named by dataschema (docs/schemas/<type>/v<N>.json)."
    )
    return {"$schema": DIALECT, "$id": ENVELOPE_ID, **schema}


def all_payload_schemas() -> dict[tuple[str, int], dict[str, Any]]:
    """Every (event type, version) of the registry, oldest first."""
    return {(t, v): payload_schema(t, v) for t in EVENT_TYPES for v in versions(t)}


def structural(schema: Any) -> Any:
    """The schema without annotations, ``$ref``s resolved inline: what it accepts, nothing else."""
    root = schema if isinstance(schema, dict) else {}
    return _strip(_inline(schema, root.get("$defs", {})))


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return _inline({**defs[ref.removeprefix("#/$defs/")], **{k: v for k, v in node.items() if k != "$ref"}}, defs)
    return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}


def _strip(node: Any) -> Any:
    if isinstance(node, list):
        return [_strip(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ANNOTATIONS:
            continue
        if key == "properties" and isinstance(value, dict):  # its keys are field names, not keywords
            out[key] = {name: _strip(sub) for name, sub in value.items()}
        else:
            out[key] = _strip(value)
    return out


def additive(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Why ``new`` is not an additive change of ``old`` (empty list: it is)."""
    return _additive(structural(old), structural(new), "")


def _additive(old: Any, new: Any, path: str) -> list[str]:
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return [] if old == new else [f"{path or '/'}: changed"]
    problems: list[str] = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name in old_props:
        if name not in new_props:
            problems.append(f"{path}/{name}: removed")
        else:
            problems += _additive(old_props[name], new_props[name], f"{path}/{name}")
    for name in set(new_props) - set(old_props):
        if name in new.get("required", []):
            problems.append(f"{path}/{name}: added as required")
    if sorted(old.get("required", [])) != sorted(new.get("required", [])):
        problems.append(f"{path or '/'}: required fields changed")
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        a, b = old.get(key), new.get(key)
        if a is not None or b is not None:
            if not (isinstance(a, list) and isinstance(b, list) and len(a) == len(b)):
                problems.append(f"{path or '/'}: {key} changed")
            else:
                for i, (x, y) in enumerate(zip(a, b, strict=True)):
                    problems += _additive(x, y, f"{path}/{key}[{i}]")
    if "items" in old or "items" in new:
        problems += _additive(old.get("items"), new.get("items"), f"{path}[]")
    skip = {"properties", "required", "anyOf", "oneOf", "allOf", "prefixItems", "items"}
    for key in (set(old) | set(new)) - skip:
        if old.get(key) != new.get(key):
            problems.append(f"{path or '/'}: {key} changed")
    return problems


def rewrite_refs(schema: dict[str, Any], base: str) -> dict[str, Any]:
    """A copy whose ``#/$defs/X`` references point under ``base`` (to embed it in another document)."""

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if isinstance(node, dict):
            return {
                k: (base + v[1:] if k == "$ref" and isinstance(v, str) and v.startswith("#/") else walk(v))
                for k, v in node.items()
            }
        return node

    return walk(copy.deepcopy(schema))  # type: ignore[no-any-return]
