from pydantic_settings import SettingsConfigDict

from pm_common.settings import CommonSettings


class InsightsSettings(CommonSettings):
    """Env vars: INSIGHTS_* (plus the shared MONGO_URL, KAFKA_BOOTSTRAP, PM_AUTH_SECRET, PM_ENV).

    Rebuild from the log: a fresh database and a fresh consumer group replay every topic from offset 0,
    e.g. ``INSIGHTS_MONGO_DB=pm_insights_v2 KAFKA_CONSUMER_GROUP_SUFFIX=-v2`` (docs/insights.md)."""

    model_config = SettingsConfigDict(env_prefix="INSIGHTS_", extra="ignore", populate_by_name=True)

    service_name: str = "insights"
    mongo_db: str = "pm_insights"
    port: int = 8007
    timezone: str = "Asia/Shanghai"  # the estates' local time: days, weeks and months of the statistics
    max_period_days: int = 400  # longest period one statistics request may cover
    raise_warnings: bool = True  # evaluate the early-warning rules (off for a side-by-side rebuild)
    warning_check_seconds: float = 1.0  # how often the rules of the days changed since are evaluated
    warning_horizon_days: int = 2  # rules run for days this recent only: replaying old history raises nothing
