from pathlib import Path

from pydantic_settings import SettingsConfigDict

from pm_common.settings import CommonSettings


class SlaSettings(CommonSettings):
    """Env vars: SLA_* (plus the shared MONGO_URL, KAFKA_BOOTSTRAP, PM_AUTH_SECRET, PM_ENV)."""

    model_config = SettingsConfigDict(env_prefix="SLA_", extra="ignore", populate_by_name=True)

    service_name: str = "sla-monitor"
    mongo_db: str = "pm_sla_monitor"
    port: int = 8004
    # tests / demos: equal steps (clock time) between ladder levels instead of the policy's ladder
    escalation_step_seconds: float | None = None
    fire_batch: int = 500  # steps per partition emitted per durable write (one outbox document)
    sweep_seconds: float = 5.0  # how often published outbox documents are deleted (only while some exist)
    mailbox_seconds: float = 1.0  # how often clocks changed by other instances are picked up
    config_ttl_seconds: float = 5.0  # how long a policy / org snapshot read is reused
    holiday_dir: Path | None = None  # extra <year>.json statutory-holiday files (as TRIAGE_HOLIDAY_DIR)
