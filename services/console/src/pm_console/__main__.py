from pm_common.service import run
from pm_console.config import ConsoleSettings
from pm_console.entrypoints.api import create_app


def main() -> None:
    settings = ConsoleSettings()
    run(settings, lambda: create_app(settings))


if __name__ == "__main__":
    main()
