"""Make triage's test helpers importable (pytest runs with --import-mode=importlib)."""

import sys
from pathlib import Path

for folder in ("unit",):
    path = str(Path(__file__).parent / folder)
    if path not in sys.path:
        sys.path.insert(0, path)
