"""The broker's ACLs are derived from declarations; these tests keep the declarations true to the code:
every topic a service subscribes to is in ``SUBSCRIPTIONS`` (or the service would be refused at run
time), every topic has a producer that is a service principal, and every ACL names a known principal."""

from __future__ import annotations

import pytest

from pm_common import topics
from pm_common.events.classification import classification_table, external_safe
from pm_common.events.registry import EVENT_TYPES
from pm_common.kafka.acls import EXTERNAL_READERS, GROUP, SERVICES, SUBSCRIPTIONS, TOPIC, bindings, external_topics
from pm_common.runtime import ServiceRuntime

pytestmark = pytest.mark.unit


def _runtimes() -> dict[str, ServiceRuntime]:
    from pm_dispatch.bootstrap import build_runtime as dispatch
    from pm_dispatch.config import DispatchSettings
    from pm_insights.bootstrap import build_runtime as insights
    from pm_insights.config import InsightsSettings
    from pm_intake.bootstrap import build_runtime as intake
    from pm_intake.config import IntakeSettings
    from pm_notifier.bootstrap import build_runtime as notifier
    from pm_notifier.config import NotifierSettings
    from pm_sla_monitor.bootstrap import build_runtime as sla
    from pm_sla_monitor.config import SlaSettings
    from pm_triage.bootstrap import build_runtime as triage
    from pm_triage.config import TriageSettings

    built = {
        "intake": intake(IntakeSettings(env="test")),
        "triage": triage(TriageSettings(env="test")),
        "dispatch": dispatch(DispatchSettings(env="test")),
        "sla-monitor": sla(SlaSettings(env="test")),
        "notifier": notifier(NotifierSettings(env="test")),
        "insights": insights(InsightsSettings(env="test")),
    }
    return built


def test_every_subscription_of_every_service_is_declared_for_the_acls() -> None:
    runtimes = _runtimes()
    try:
        for service, runtime in runtimes.items():
            assert runtime.settings.service_name == service
            missing = set(runtime.handlers) - set(SUBSCRIPTIONS[service])
            assert not missing, f"add {sorted(missing)} to SUBSCRIPTIONS[{service!r}] in pm_common/kafka/acls.py"
    finally:
        for runtime in runtimes.values():
            runtime.mongo.close()


def test_every_topic_is_produced_by_one_service_principal() -> None:
    for spec in topics.TOPICS.values():
        if spec.name == topics.SURVEY_ANSWERED and "reserved" in spec.producer:
            continue  # no producer yet: nobody may write it
        assert topics.producer_service(spec) in SERVICES, f"{spec.name}: producer {spec.producer!r} is no principal"


def test_writers_of_a_topic_are_its_producer_and_dead_letters_its_subscribers() -> None:
    acls = bindings("p.")
    for spec in topics.TOPICS.values():
        writers = {
            a.principal for a in acls if a.resource_type == TOPIC and a.name == "p." + spec.name and a.operation == 4
        }
        producer = topics.producer_service(spec)
        assert writers <= {f"User:{producer}"}, spec.name
        dlq_writers = {a.principal for a in acls if a.name == "p." + topics.dlq(spec.name) and a.operation == 4}
        readers = {a.principal for a in acls if a.name == "p." + spec.name and a.operation == 3}
        assert dlq_writers == readers - {f"User:{r}" for r in EXTERNAL_READERS}, spec.name  # bi writes nothing
    groups = {a.name for a in acls if a.resource_type == GROUP}
    assert {f"p.{s}" for s in SERVICES} <= groups


def test_the_external_reader_reads_only_topics_without_internal_fields() -> None:
    """``bi`` gets READ exactly on the topics whose every field is public or masked, and no write."""
    table = classification_table({t: model for t, (_version, model) in EVENT_TYPES.items()})
    external = set(external_topics())
    assert external == {t for t in topics.TOPICS if t in table and external_safe(table[t])}
    assert topics.COMPLAINT_RECEIVED not in external and topics.TASK_ASSIGNED not in external
    acls = bindings("p.")
    for reader in EXTERNAL_READERS:
        mine = [a for a in acls if a.principal == f"User:{reader}"]
        assert {a.name for a in mine if a.resource_type == TOPIC} == {"p." + t for t in external}
        assert {a.operation for a in mine} == {3}  # READ only
