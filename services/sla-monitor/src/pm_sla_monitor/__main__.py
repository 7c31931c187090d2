from pm_common.service import run
from pm_sla_monitor.config import SlaSettings
from pm_sla_monitor.entrypoints.api import create_app


def main() -> None:
    settings = SlaSettings()
    run(settings, lambda: create_app(settings))


if __name__ == "__main__":
    main()
