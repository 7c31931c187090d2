"""The exported contract: JSON Schema snapshots per type and version, the AsyncAPI 3 document, examples.

Fails when a payload model changes without a version bump, when a new version is not additive, and
when the files under docs/ are stale (fix: ``make contract``).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest
import yaml
from pydantic import Field

from pm_common import topics
from pm_common.events import TaskCompleted, registry
from pm_common.events.examples import example_event, example_payload
from pm_common.events.export import REPO_DOCS, main, plan
from pm_common.events.payloads import _Payload
from pm_common.events.schemas import payload_schema, structural

pytestmark = pytest.mark.unit
ASYNCAPI_3_SCHEMA = Path(__file__).parent / "data" / "asyncapi-3.0.0.schema.json"
ALL_VERSIONS = [(t, v) for t in registry.EVENT_TYPES for v in registry.versions(t)]
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(("event_type", "version"), ALL_VERSIONS, ids=[f"{t}-v{v}" for t, v in ALL_VERSIONS])
def test_schema_snapshot_of_every_type_and_version(event_type: str, version: int) -> None:
    stored = REPO_DOCS / "schemas" / event_type / f"v{version}.json"
    assert stored.exists(), f"{stored} missing: run make contract"
    assert structural(json.loads(stored.read_text(encoding="utf-8"))) == structural(
        payload_schema(event_type, version)
    ), f"{event_type} v{version} changed without a version bump (see events/registry.py)"


def test_exported_files_are_current() -> None:
    stale, problems = plan(REPO_DOCS)
    assert problems == []
    assert sorted(str(p) for p in stale) == [], "stale contract files: run make contract"


class TaskCompletedWithPhotos(_Payload):
    task_id: str
    complaint_id: str
    estate_id: str
    result_summary: str
    completed_at: datetime
    photo_ids: tuple[str, ...] = Field((), description="new optional field")


class TaskCompletedRenamed(_Payload):
    task_id: str
    complaint_id: str
    estate_id: str
    summary: str
    completed_at: datetime


def test_a_change_without_a_bump_is_refused_and_a_bump_must_be_additive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["--docs", str(tmp_path)]) == 0
    assert main(["--docs", str(tmp_path), "--check"]) == 0
    kind = topics.TASK_COMPLETED
    monkeypatch.setitem(registry.EVENT_TYPES, kind, (1, TaskCompletedWithPhotos))
    _, problems = plan(tmp_path)
    assert [p for p in problems if p.startswith(f"{kind} v1: the model no longer matches")]
    assert main(["--docs", str(tmp_path)]) == 2  # refuses to overwrite a published version

    monkeypatch.setitem(registry.EVENT_TYPES, kind, (2, TaskCompletedWithPhotos))  # the proper bump
    monkeypatch.setitem(registry.HISTORY, (kind, 1), TaskCompleted)
    monkeypatch.setitem(registry.UPCASTERS, (kind, 1), dict)
    stale, problems = plan(tmp_path)
    assert problems == [] and tmp_path / "schemas" / kind / "v2.json" in stale
    assert main(["--docs", str(tmp_path), "--check"]) == 1  # stale until exported

    monkeypatch.setitem(registry.EVENT_TYPES, kind, (2, TaskCompletedRenamed))  # bumped, but breaking
    _, problems = plan(tmp_path)
    assert any("not additive" in p and "/result_summary: removed" in p for p in problems)


def test_asyncapi_document_is_valid_and_covers_every_topic_and_version() -> None:
    doc = yaml.safe_load((REPO_DOCS / "asyncapi.yaml").read_text(encoding="utf-8"))
    meta = json.loads(ASYNCAPI_3_SCHEMA.read_text(encoding="utf-8"))
    errors = [e.message for e in jsonschema.Draft7Validator(meta).iter_errors(doc)]
    assert errors == []
    assert doc["asyncapi"] == "3.0.0"
    for event_type, spec in topics.TOPICS.items():
        channel = doc["channels"][event_type]
        assert set(channel["messages"]) == {f"{event_type}.v{v}" for v in registry.versions(event_type)}
        assert channel["bindings"]["kafka"]["topicConfiguration"]["retention.ms"] == int(spec.configs["retention.ms"])
        assert doc["channels"][topics.dlq(event_type)]["bindings"]["kafka"]["topicConfiguration"]["retention.ms"] > 0
        assert doc["operations"][f"publish.{event_type}"]["action"] == "send"
    for name, message in doc["components"]["messages"].items():
        if name == "dead-letter":
            continue
        example = message["examples"][0]
        assert HAN.search(json.dumps(example, ensure_ascii=False)), f"{name}: example not in Chinese"
        validator = jsonschema.Draft202012Validator({**message["payload"], "components": doc["components"]})
        assert [e.message for e in validator.iter_errors(example["payload"])] == [], name
        bad = {**example["payload"], "data": {**example["payload"]["data"], "estate_id": 7}}
        assert list(validator.iter_errors(bad)), f"{name}: the payload schema is not enforced"


@pytest.mark.parametrize(("event_type", "version"), ALL_VERSIONS, ids=[f"{t}-v{v}" for t, v in ALL_VERSIONS])
def test_examples_validate_against_the_exported_schemas(event_type: str, version: int) -> None:
    schema = json.loads((REPO_DOCS / "schemas" / event_type / f"v{version}.json").read_text(encoding="utf-8"))
    envelope = json.loads((REPO_DOCS / "schemas" / "cloudevent.json").read_text(encoding="utf-8"))
    jsonschema.validate(example_payload(event_type, version), schema, cls=jsonschema.Draft202012Validator)
    event = example_event(event_type, version)
    jsonschema.validate(event, envelope, cls=jsonschema.Draft202012Validator)
    assert event["dataschema"] == schema["$id"]
