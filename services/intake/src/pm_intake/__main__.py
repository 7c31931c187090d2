from pm_common.service import run
from pm_intake.config import IntakeSettings
from pm_intake.entrypoints.api import create_app


def main() -> None:
    settings = IntakeSettings()
    run(settings, lambda: create_app(settings))


if __name__ == "__main__":
    main()
