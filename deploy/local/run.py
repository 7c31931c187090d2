"""The run command: both engines, the five services and the console on local defaults; Ctrl-C stops everything.

make run        (or: .venv/bin/python deploy/local/run.py)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from pm_common.auth import issue_token
from pm_common.devstack import CONSOLE, INSIGHTS, SERVICES, Stack
from pm_common.kafka.security import CREDENTIALS_FILE_ENV, local_credentials_file
from pm_common.settings import CommonSettings

REPO = Path(__file__).resolve().parents[2]
ENGINES = [sys.executable, str(REPO / "deploy/local/engines.py")]


def main() -> int:
    subprocess.run([*ENGINES, "up"], check=True)
    engines_env = {
        "MONGO_URL": os.environ.get(
            "MONGO_URL", f"mongodb://127.0.0.1:{os.environ.get('PM_LOCAL_MONGO_PORT', '27017')}"
        ),
        "KAFKA_BOOTSTRAP": os.environ.get(
            "KAFKA_BOOTSTRAP", f"127.0.0.1:{os.environ.get('PM_LOCAL_KAFKA_PORT', '9092')}"
        ),
    }
    state = os.environ.get("PM_LOCAL_STATE_DIR") or os.environ.get("PM_LOCAL_DIR") or REPO / ".local"
    credentials = local_credentials_file(state)
    if credentials is not None and not os.environ.get(CREDENTIALS_FILE_ENV):
        engines_env[CREDENTIALS_FILE_ENV] = str(credentials)  # each service takes its own principal from it
    log_dir = REPO / ".local" / "logs" / "services"
    # the local provider sink: a real SMTP server (2525) and the SMS/WeChat/push/pager gateway (8025)
    # the notifier's defaults point at; it lists what was "sent" at http://127.0.0.1:8025/
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / "sink.log", "ab") as sink_log:
        sink = subprocess.Popen(
            [sys.executable, "-m", "pm_notifier.localsink", "--http-port", "8025", "--smtp-port", "2525"],
            stdout=sink_log,
            stderr=subprocess.STDOUT,
        )
    stack = Stack(log_dir=log_dir, env={"PM_LOG_JSON": "true", **engines_env}, services=(*SERVICES, INSIGHTS, CONSOLE))
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stopping.set())
    try:
        print("[run] starting services...", flush=True)
        stack.start()
        stack.wait_healthy(progress=True)
        # the demo organisation (teams, roster, control room, contractors, rules): routing to named people
        subprocess.run([sys.executable, str(REPO / "tools/seed_org.py"), "--url", stack.url("dispatch")], check=False)
        token = issue_token(CommonSettings().auth_secret, "desk-demo", "front_desk", ["*"], ttl_seconds=7 * 24 * 3600)
        print("\n[run] the platform is up. APIs (OpenAPI docs at /docs):")
        for spec in (*SERVICES, INSIGHTS):
            print(f"  {spec.name:<12} {stack.url(spec.name)}/docs")
        print("  sink         http://127.0.0.1:8025/   (messages the notifier sent, per recipient; SMTP on 2525)")
        console = stack.url("console")
        print(f"\n[run] staff console: {console}/login   owner H5 page: {console}/h5")
        print(f"[run] statistics and early warnings (sup.sunny, lead): {console}/statistics  {console}/warnings")
        print("[run] demo accounts (dev only, docs/console.md): desk.sunny / desk-demo-2026,")
        print("      sup.sunny / sup-demo-2026, desk.jade / desk-demo-2026, lead / lead-demo-2026,")
        print("      eng.sunny / eng-demo-2026 (handler), sup.jinxiu / sup-demo-2026, admin / admin-demo-2026")
        print(f"\n[run] service logs: {stack.log_dir}")
        print("[run] demo estates: SUNNY (阳光花园), JADE (翠湖苑), JINXIU (锦绣华庭)")
        print(f"[run] demo front-desk token (7 days):\n  export PM_TOKEN={token}")
        print(
            "[run] try:\n"
            '  curl -s -X POST http://127.0.0.1:8001/v1/complaints -H "Authorization: Bearer $PM_TOKEN" \\\n'
            "    -H 'Content-Type: application/json' \\\n"
            '    -d \'{"estate_id":"SUNNY","channel":"phone","content":"3号楼电梯困人了，快来人",'
            '"owner":{"phone":"13812341234"}}\''
        )
        print("\n[run] press Ctrl-C to stop everything.", flush=True)
        while not stopping.wait(1.0):
            for name, proc in stack.processes.items():
                if proc.poll() is not None:
                    print(f"[run] {name} exited with {proc.returncode}; see {stack.log_dir / (name + '.log')}")
                    stopping.set()
    except KeyboardInterrupt:
        pass
    finally:
        # Shutdown must finish even if Ctrl-C is pressed again, the terminal closes, or stdout is gone
        # (e.g. `make run | tee`, where tee died of the same Ctrl-C): ignore SIGINT and SIGHUP from here
        # on (inherited by the engines' stop command) and never fail on printing.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        say("\n[run] stopping services...")
        stack.stop()
        sink.terminate()
        sink.wait(timeout=15)
        subprocess.run([*ENGINES, "down"], check=False)
        say("[run] stopped.")
    return 0


def say(message: str) -> None:
    try:
        print(message, flush=True)
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())
