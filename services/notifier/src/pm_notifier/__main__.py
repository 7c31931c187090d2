from pm_common.service import run
from pm_notifier.config import NotifierSettings
from pm_notifier.entrypoints.api import create_app


def main() -> None:
    settings = NotifierSettings()
    run(settings, lambda: create_app(settings))


if __name__ == "__main__":
    main()
