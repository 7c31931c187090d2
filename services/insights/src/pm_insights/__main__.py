from pm_common.service import run
from pm_insights.config import InsightsSettings
from pm_insights.entrypoints.api import create_app


def main() -> None:
    settings = InsightsSettings()
    run(settings, lambda: create_app(settings))


if __name__ == "__main__":
    main()
