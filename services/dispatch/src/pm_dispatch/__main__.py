from pm_common.service import run
from pm_dispatch.config import DispatchSettings
from pm_dispatch.entrypoints.api import create_app


def main() -> None:
    settings = DispatchSettings()
    run(settings, lambda: create_app(settings))


if __name__ == "__main__":
    main()
