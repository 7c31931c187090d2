from pydantic import Field
from pydantic_settings import SettingsConfigDict

from pm_common.settings import CommonSettings


class TriageSettings(CommonSettings):
    """Env vars: TRIAGE_* (plus the shared MONGO_URL, KAFKA_BOOTSTRAP, KAFKA_TOPIC_PREFIX, PM_AUTH_SECRET, PM_ENV)."""

    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore", populate_by_name=True)

    service_name: str = "triage"
    mongo_db: str = "pm_triage"
    port: int = 8002
    holiday_dir: str | None = None  # extra <year>.json holiday files (next year's State Council notice)
    model_file: str | None = None  # a retrained triage_model.json (default: the one packaged with the service)
    # acceptance and supervisor review
    review_confidence: float = Field(0.6, ge=0, le=1)  # below: needs_review (never for urgent items)
    auto_reject_confidence: float = Field(0.7, ge=0, le=1)  # outside duties refused automatically from
    history_lookback_days: int = Field(180, ge=1)  # same-household duplicates and repeats
    # group incidents (群诉): faust stream processor with hopping windows
    incidents_enabled: bool = True
    incident_threshold: int = Field(3, ge=2)
    incident_window_seconds: int = Field(7200, ge=1)
    incident_step_seconds: int = Field(1800, ge=1)
    incident_partitions: int = Field(6, ge=1)  # of faust's own topics (fault reports, changelog)
    incident_replication: int = Field(1, ge=1)
