"""A real S3-compatible server for the object-store tests: Versity S3 Gateway (versitygw, Apache-2.0),
built from the Go module proxy into ``.local/bin`` (or ``PM_LOCAL_DIR``) once and reused.

    python deploy/local/s3server.py fetch                 # build only (first run: several minutes)
    python deploy/local/s3server.py serve DIR PORT KEY SECRET   # run it in the foreground on DIR

The build takes minutes on a busy two-core machine (about 11 min measured cold, seconds once the Go
build cache and the binary exist), so the tests that need it run in their own target
(``make test-objectstore``), not in ``make test``. The posix backend keeps one bucket per folder of
DIR; object metadata (the content type) goes to a sidecar folder, so no extended attributes are needed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOCAL = Path(os.environ.get("PM_LOCAL_DIR", REPO / ".local")).resolve()
VERSITYGW_VERSION = "v1.8.0"
MODULE = "github.com/versity/versitygw"
BIN = LOCAL / "bin" / "versitygw"
STAMP = BIN.with_name("versitygw.version")  # the binary reports no version of its own ("git")


def say(message: str) -> None:
    print(f"[s3server] {message}", flush=True)


def fetch() -> Path:
    """The versitygw binary, built once with ``go build`` from the module proxy (throw-away module)."""
    if BIN.exists() and STAMP.exists() and STAMP.read_text().strip() == VERSITYGW_VERSION:
        return BIN
    say(f"building versitygw {VERSITYGW_VERSION} with go (first run only, several minutes)...")
    build = LOCAL / "build" / "versitygw"
    build.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"}
    (build / "go.mod").write_text("module pmlocal/versitygw\n\ngo 1.24\n")
    (build / "tools.go").write_text(f'//go:build tools\n\npackage tools\n\nimport _ "{MODULE}/cmd/versitygw"\n')
    subprocess.run(["go", "mod", "edit", f"-require={MODULE}@{VERSITYGW_VERSION}"], cwd=build, env=env, check=True)
    subprocess.run(["go", "mod", "tidy"], cwd=build, env=env, check=True)
    BIN.parent.mkdir(parents=True, exist_ok=True)
    fresh = BIN.with_name("versitygw.new")
    subprocess.run(["go", "build", "-o", str(fresh), f"{MODULE}/cmd/versitygw"], cwd=build, env=env, check=True)
    fresh.replace(BIN)
    STAMP.write_text(VERSITYGW_VERSION + "\n")
    say(f"versitygw {VERSITYGW_VERSION} at {BIN}")
    return BIN


def command(root: Path, port: int, access_key: str, secret_key: str) -> list[str]:
    """The server on 127.0.0.1:``port`` with one root user, storing buckets as folders of ``root``."""
    data, sidecar = root / "data", root / "meta"
    data.mkdir(parents=True, exist_ok=True)
    sidecar.mkdir(parents=True, exist_ok=True)
    return [
        str(fetch()),
        "--access",
        access_key,
        "--secret",
        secret_key,
        "--port",
        f"127.0.0.1:{port}",
        "--quiet",
        "posix",
        "--sidecar",
        str(sidecar),
        str(data),
    ]


def main(argv: list[str]) -> None:
    if argv[:1] == ["fetch"]:
        fetch()
    elif argv[:1] == ["serve"] and len(argv) == 5:
        os.execv(BIN if BIN.exists() else fetch(), command(Path(argv[1]), int(argv[2]), argv[3], argv[4]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
