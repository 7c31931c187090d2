"""Topic registry, tokens and settings: pure, no engines (events: test_event_contract.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pm_common import topics
from pm_common.auth import InvalidToken, issue_token, verify_token
from pm_common.events import registry
from pm_common.settings import CommonSettings

pytestmark = pytest.mark.unit


def test_every_topic_has_a_dlq_and_contract_names() -> None:
    names = {s.name for s in topics.all_topic_specs()}
    for name in ("complaint.received", "complaint.triaged", "task.overdue", "feedback.sent"):
        assert name in names and name + ".dlq" in names
    assert set(registry.EVENT_TYPES) == set(topics.TOPICS)


def test_tokens_verify_and_reject_tampering_and_expiry() -> None:
    token = issue_token("s" * 32, "desk-1", "front_desk", ["SUNNY"])
    principal = verify_token("s" * 32, token)
    assert principal.can_see("SUNNY") and not principal.can_see("JADE")
    with pytest.raises(InvalidToken):
        verify_token("t" * 32, token)
    with pytest.raises(InvalidToken) as expired:
        verify_token("s" * 32, token, now=principal.exp + 1)
    assert "过期" in expired.value.zh
    assert verify_token("s" * 32, issue_token("s" * 32, "boss", "leadership", ["*"])).can_see("ANY")


def test_production_refuses_the_dev_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PM_ENV", "prod")
    monkeypatch.delenv("PM_AUTH_SECRET", raising=False)
    with pytest.raises(ValidationError):
        CommonSettings()
    monkeypatch.setenv("PM_AUTH_SECRET", "r" * 40)
    monkeypatch.setenv("KAFKA_PASSWORD", "k" * 24)  # prod also needs broker credentials (see below)
    assert CommonSettings().env == "prod"


def test_production_refuses_an_unauthenticated_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PM_ENV", "prod")
    monkeypatch.setenv("PM_AUTH_SECRET", "r" * 40)
    for name in ("KAFKA_PASSWORD", "KAFKA_CREDENTIALS_FILE", "KAFKA_SECURITY_PROTOCOL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError, match="broker needs authentication"):
        CommonSettings()
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    monkeypatch.setenv("KAFKA_PASSWORD", "k" * 24)
    with pytest.raises(ValidationError, match="broker needs authentication"):
        CommonSettings()
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    auth = CommonSettings(service_name="intake").kafka_auth
    assert (auth.protocol, auth.username, auth.mechanism) == ("SASL_SSL", "intake", "SCRAM-SHA-512")
    assert "k" * 24 not in repr(auth)  # the password is never printed
