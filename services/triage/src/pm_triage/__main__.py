from pm_common.service import run
from pm_triage.config import TriageSettings
from pm_triage.entrypoints.api import create_app


def main() -> None:
    settings = TriageSettings()
    run(settings, lambda: create_app(settings))


if __name__ == "__main__":
    main()
