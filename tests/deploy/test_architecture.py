"""House rules that keep the services alike: pure domains, one motor adapter, the same shape."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[2]
SERVICES = ["intake", "triage", "dispatch", "sla-monitor", "notifier", "console", "insights"]
IO_LIBRARIES = {"motor", "pymongo", "aiokafka", "faust", "fastapi", "uvicorn", "httpx", "starlette", "mode"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_house_shape(service: str) -> None:
    package = REPO / "services" / service / "src" / ("pm_" + service.replace("-", "_"))
    for part in ("domain", "service_layer", "adapters", "entrypoints"):
        assert (package / part / "__init__.py").is_file(), f"{service} lacks {part}/"
    assert (package / "bootstrap.py").is_file() and (package / "__main__.py").is_file()


@pytest.mark.parametrize("service", SERVICES)
def test_domain_imports_no_io_library(service: str) -> None:
    package = REPO / "services" / service / "src" / ("pm_" + service.replace("-", "_"))
    for path in (package / "domain").rglob("*.py"):
        bad = _imports(path) & IO_LIBRARIES
        assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"


def test_motor_is_used_only_behind_the_adapter_module() -> None:
    allowed = REPO / "libs/common/src/pm_common/mongo.py"
    offenders = [
        str(p.relative_to(REPO))
        for root in (REPO / "libs", REPO / "services")
        for p in root.rglob("*.py")
        if p != allowed and "motor" in _imports(p)
    ]
    assert offenders == []
