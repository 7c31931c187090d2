"""Fetch, start and stop the local engines: Apache Kafka 3.9.1 (KRaft, one node) and FerretDB 1.24.2.

No Docker here: Kafka's jars come from Maven Central (``deploy/local/pom.xml``), FerretDB is built
from the Go module proxy. Everything lives under one ignored folder (``.local/`` or ``PM_LOCAL_DIR``);
a second ``up`` reuses binaries and data and starts in seconds.

    python deploy/local/engines.py fetch            # download/build only
    python deploy/local/engines.py up [kafka|mongo] # start (idempotent) and wait until ready
    python deploy/local/engines.py down [kafka|mongo]
    python deploy/local/engines.py status
    python deploy/local/engines.py clean            # stop and wipe data (keeps downloads)

State (processes, logs, config, data): PM_LOCAL_STATE_DIR (default: the same folder).
Ports: PM_LOCAL_KAFKA_PORT (9092), PM_LOCAL_KAFKA_CONTROLLER_PORT (9093), PM_LOCAL_MONGO_PORT (27017).
Broker heap: PM_LOCAL_KAFKA_HEAP (512m).
Kafka authenticates clients (SASL/SCRAM-SHA-512, ACLs; ``kafka_auth.py``): the generated passwords are
in ``<state>/conf/kafka-credentials.json`` (``KAFKA_CREDENTIALS_FILE``); PM_LOCAL_KAFKA_AUTH=none turns it off.
"""

from __future__ import annotations

import argparse
import base64
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kafka_auth

REPO = Path(__file__).resolve().parents[2]
LOCAL = Path(os.environ.get("PM_LOCAL_DIR", REPO / ".local")).resolve()
KAFKA_VERSION = "3.9.1"
FERRETDB_VERSION = "v1.24.2"
# The local build fixes one line of FerretDB 1.24.2's SQLite backend: it looks documents up by
# ``_ferretdb_sjson->'$._id'`` while its unique ``_id`` index is on ``_ferretdb_sjson->'_id'``, so
# SQLite never used the index and every ``_id`` lookup, update and delete was a full table scan
# (measured 73 ms per lookup at 50k documents; with the fix, well under 1 ms at 100k). Both paths
# extract the same value; nothing else changes. See docs/data-path.md.
FERRETDB_PATCH = "pm-idx1"
FERRETDB_ID_FIX = (
    "internal/backends/sqlite/metadata/metadata.go",
    "IDColumn = DefaultColumn + \"->'$._id'\"",
    "IDColumn = DefaultColumn + \"->'_id'\"",
)
KAFKA_PORT = int(os.environ.get("PM_LOCAL_KAFKA_PORT", "9092"))
CONTROLLER_PORT = int(os.environ.get("PM_LOCAL_KAFKA_CONTROLLER_PORT", "9093"))
MONGO_PORT = int(os.environ.get("PM_LOCAL_MONGO_PORT", "27017"))
# A broker shared by many test runs holds thousands of namespaced topics: give it more than the default.
KAFKA_HEAP = os.environ.get("PM_LOCAL_KAFKA_HEAP", "512m")

KAFKA_LIBS = LOCAL / "kafka" / "libs"
FERRETDB_BIN = LOCAL / "bin" / "ferretdb"
# Processes, logs, config and data may live elsewhere (tests start throw-away engines on other ports).
STATE = Path(os.environ.get("PM_LOCAL_STATE_DIR", LOCAL)).resolve()
RUN = STATE / "run"
LOGS = STATE / "logs"
DATA = STATE / "data"
CONF = STATE / "conf"


def say(message: str) -> None:
    try:
        print(f"[engines] {message}", flush=True)
    except OSError:  # the terminal went away (e.g. `make run | tee` after Ctrl-C): keep stopping engines
        pass


# ---------------------------------------------------------------- fetch


def fetch_kafka() -> None:
    if (KAFKA_LIBS / f"kafka_2.13-{KAFKA_VERSION}.jar").exists():
        return
    say(f"fetching Apache Kafka {KAFKA_VERSION} jars from Maven Central (first run only)...")
    KAFKA_LIBS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(REPO / "deploy/local/pom.xml"),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={KAFKA_LIBS}",
        ],
        check=True,
    )
    say(f"kafka jars in {KAFKA_LIBS}")


def _ferretdb_version() -> str | None:
    """``v1.24.2`` for a binary built here with the current patch, else its version line or None."""
    if not FERRETDB_BIN.exists():
        return None
    out = subprocess.run([str(FERRETDB_BIN), "--version"], capture_output=True, text=True, check=False)
    fields = dict(line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)
    version = fields.get("version", "").strip() or None
    if version and fields.get("package", "").strip() != FERRETDB_PATCH:
        return f"{version} (without {FERRETDB_PATCH})"
    return version


def fetch_ferretdb() -> None:
    """Build FerretDB from the Go module proxy.

    ``go install ...@v1.24.2`` fails here (the proxy refuses the module's version list, which
    ``go install`` reads for its deprecation check), and the module needs a generated
    ``build/version/version.txt``. So: a throw-away module requires FerretDB, the module source is
    copied from the module cache with the version file added, and a ``replace`` points at it.
    """
    if _ferretdb_version() == FERRETDB_VERSION:
        return
    say(f"building FerretDB {FERRETDB_VERSION} with go (first run only, about a minute)...")
    build = LOCAL / "build" / "ferretdb"
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    env = {**os.environ, "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"}
    (build / "go.mod").write_text("module pmlocal/ferretdb\n\ngo 1.22\n")
    (build / "tools.go").write_text(
        '//go:build tools\n\npackage tools\n\nimport _ "github.com/FerretDB/FerretDB/cmd/ferretdb"\n'
    )
    module = f"github.com/FerretDB/FerretDB@{FERRETDB_VERSION}"
    subprocess.run(["go", "mod", "download", module], cwd=build, env=env, check=True)
    src = subprocess.run(
        ["go", "mod", "download", "-json", module], cwd=build, env=env, check=True, capture_output=True, text=True
    )
    import json

    src_dir = Path(json.loads(src.stdout)["Dir"])
    local_src = build / "src"
    shutil.copytree(src_dir, local_src)
    for path in local_src.rglob("*"):
        path.chmod(path.stat().st_mode | 0o200)
    local_src.chmod(local_src.stat().st_mode | 0o200)
    (local_src / "build/version/version.txt").write_text(FERRETDB_VERSION + "\n")
    (local_src / "build/version/package.txt").write_text(FERRETDB_PATCH + "\n")
    rel, old, new = FERRETDB_ID_FIX
    patched = local_src / rel
    text = patched.read_text()
    if old not in text:
        raise SystemExit(f"[engines] cannot apply the _id index fix: {rel} changed upstream")
    patched.write_text(text.replace(old, new))
    subprocess.run(
        ["go", "mod", "edit", f"-require={module}", "-replace=github.com/FerretDB/FerretDB=./src"],
        cwd=build,
        env=env,
        check=True,
    )
    subprocess.run(["go", "mod", "tidy"], cwd=build, env=env, check=True)
    FERRETDB_BIN.parent.mkdir(parents=True, exist_ok=True)
    fresh = FERRETDB_BIN.with_name("ferretdb.new")  # a running binary is replaced, not overwritten
    subprocess.run(
        ["go", "build", "-o", str(fresh), "github.com/FerretDB/FerretDB/cmd/ferretdb"],
        cwd=build,
        env=env,
        check=True,
    )
    fresh.replace(FERRETDB_BIN)
    say(f"ferretdb {_ferretdb_version()} at {FERRETDB_BIN}")


# ---------------------------------------------------------------- processes


@dataclass
class Engine:
    name: str
    marker: str  # a string in the command line that identifies our process

    @property
    def pidfile(self) -> Path:
        return RUN / f"{self.name}.pid"

    @property
    def logfile(self) -> Path:
        return LOGS / f"{self.name}.log"

    def pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError):
            return None
        return pid if self.marker in cmdline else None

    def spawn(self, argv: list[str]) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        RUN.mkdir(parents=True, exist_ok=True)
        with open(self.logfile, "ab") as log:
            proc = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, cwd=STATE
            )
        self.pidfile.write_text(str(proc.pid))
        end = time.monotonic() + 5
        while self.pid() is None and proc.poll() is None and time.monotonic() < end:
            time.sleep(0.02)  # until the child has exec'ed and its command line is ours

    def stop(self, timeout: float = 20.0) -> bool:
        pid = self.pid()
        if pid is None:
            self.pidfile.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.pid() is not None and _alive(pid):
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        self.pidfile.unlink(missing_ok=True)
        return True


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status


KAFKA = Engine("kafka", str(CONF / "server.properties"))
SCRAM_MARKER = DATA / "kafka" / "pm-scram-users"
SCRAM_PRINCIPALS = DATA / "kafka" / "pm-scram-principals"  # the principals the broker has users for
MONGO = Engine("ferretdb", f"--state-dir={DATA / 'ferretdb'}")


def _write_kafka_config(auth: bool | None = None) -> Path:
    conf_dir = CONF
    conf_dir.mkdir(parents=True, exist_ok=True)
    props = conf_dir / "server.properties"
    listeners = [
        f"listeners=PLAINTEXT://127.0.0.1:{KAFKA_PORT},CONTROLLER://127.0.0.1:{CONTROLLER_PORT}",
        f"advertised.listeners=PLAINTEXT://127.0.0.1:{KAFKA_PORT}",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    ]
    if kafka_auth.enabled() if auth is None else auth:
        listeners = kafka_auth.server_properties(kafka_auth.ensure_credentials(CONF), KAFKA_PORT, CONTROLLER_PORT)
    props.write_text(
        "\n".join(
            [
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.voters=1@127.0.0.1:{CONTROLLER_PORT}",
                *listeners,
                f"log.dirs={DATA / 'kafka'}",
                "num.partitions=3",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=5",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=5",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                "delete.topic.enable=true",
                "log.retention.hours=168",
                "",
            ]
        )
    )
    (conf_dir / "log4j.properties").write_text(
        "log4j.rootLogger=WARN, stdout\n"
        "log4j.logger.kafka.server.KafkaServer=INFO\n"
        "log4j.logger.kafka.server.KafkaRaftServer=INFO\n"
        "log4j.appender.stdout=org.apache.log4j.ConsoleAppender\n"
        "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n"
        "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
    )
    return props


def _java(*args: str) -> list[str]:
    return [
        "java",
        f"-Xmx{KAFKA_HEAP}",
        "-Xms128m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        f"-Dlog4j.configuration=file:{CONF / 'log4j.properties'}",
        "-cp",
        f"{KAFKA_LIBS}/*",
        *args,
    ]


def start_kafka() -> None:
    if KAFKA.pid():
        say(f"kafka already running (pid {KAFKA.pid()})")
        return
    _ensure_port_free(KAFKA_PORT, "kafka")
    props = _write_kafka_config()
    cluster_id_file = CONF / "cluster.id"
    if not cluster_id_file.exists():
        cluster_id_file.write_text(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))
    (DATA / "kafka").mkdir(parents=True, exist_ok=True)
    scram: list[str] = []
    if kafka_auth.enabled():
        if (DATA / "kafka" / "meta.properties").exists() and not SCRAM_MARKER.exists():
            _add_scram_users_to_existing_data()
            props = _write_kafka_config()
        scram = kafka_auth.format_args(kafka_auth.ensure_credentials(CONF))
    subprocess.run(
        _java(
            "kafka.tools.StorageTool",
            "format",
            "-t",
            cluster_id_file.read_text().strip(),
            "-c",
            str(props),
            "--ignore-formatted",
            *scram,
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    if scram:
        SCRAM_MARKER.write_text("formatted with the SCRAM users of ../../conf/kafka-credentials.json\n")
        if not SCRAM_PRINCIPALS.exists():
            SCRAM_PRINCIPALS.write_text("\n".join(kafka_auth.PRINCIPALS) + "\n")
    KAFKA.spawn(_java("kafka.Kafka", str(props)))
    say(f"kafka starting (pid {KAFKA.pid()}), log {KAFKA.logfile}")


def _add_scram_users_to_existing_data() -> None:
    """Data formatted before broker authentication existed: start it once as before, add the SCRAM
    users with the admin API (KRaft stores them in its metadata log), stop. Runs once."""
    say("kafka data was formatted without SCRAM users: adding them once (about half a minute)...")
    props = _write_kafka_config(auth=False)
    KAFKA.spawn(_java("kafka.Kafka", str(props)))
    kafka_ready()
    for argv in kafka_auth.add_user_args(kafka_auth.ensure_credentials(CONF), KAFKA_PORT):
        subprocess.run(_java(*argv), check=True, stdout=subprocess.DEVNULL)
    KAFKA.stop()
    SCRAM_MARKER.write_text("SCRAM users of ../../conf/kafka-credentials.json added to existing data\n")


def _add_new_principals() -> None:
    """Principals added since the data was formatted (e.g. ``bi``): their SCRAM users are added to
    the running broker as admin (``--ignore-formatted`` leaves formatted data as it is)."""
    known = set(SCRAM_PRINCIPALS.read_text().split()) if SCRAM_PRINCIPALS.exists() else set()
    missing = tuple(p for p in kafka_auth.PRINCIPALS if p not in known)
    if not missing:
        return
    data = kafka_auth.ensure_credentials(CONF)
    config = kafka_auth.admin_properties(data, CONF / "kafka-admin.properties")
    for argv in kafka_auth.add_user_args(data, KAFKA_PORT, missing, config):
        subprocess.run(_java(*argv), check=True, stdout=subprocess.DEVNULL)
    SCRAM_PRINCIPALS.write_text("\n".join(kafka_auth.PRINCIPALS) + "\n")
    say(f"kafka: SCRAM users added for {', '.join(missing)}")


def start_mongo() -> None:
    if MONGO.pid():
        say(f"ferretdb already running (pid {MONGO.pid()})")
        return
    _ensure_port_free(MONGO_PORT, "ferretdb")
    data = DATA / "ferretdb"
    data.mkdir(parents=True, exist_ok=True)
    MONGO.spawn(
        [
            str(FERRETDB_BIN),
            "--handler=sqlite",
            f"--sqlite-url=file:{data}/",
            f"--listen-addr=127.0.0.1:{MONGO_PORT}",
            f"--state-dir={data}",
            "--telemetry=disable",
            "--debug-addr=-",
            "--log-level=warn",
        ]
    )
    say(f"ferretdb starting (pid {MONGO.pid()}), log {MONGO.logfile}")


def _ensure_port_free(port: int, what: str) -> None:
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            sys.exit(
                f"[engines] port {port} is in use by another process; stop it or set the port variable "
                f"for {what} (see deploy/local/engines.py)"
            )


# ---------------------------------------------------------------- readiness (real requests)


def kafka_ready(timeout: float = 90.0) -> None:
    import asyncio

    from aiokafka.client import AIOKafkaClient
    from aiokafka.errors import KafkaError

    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)

    async def probe() -> bool:
        auth = kafka_auth.client_kwargs(kafka_auth.read_credentials(CONF)) if kafka_auth.broker_auth(CONF) else {}
        client = AIOKafkaClient(bootstrap_servers=f"127.0.0.1:{KAFKA_PORT}", request_timeout_ms=3000, **auth)
        try:
            await client.bootstrap()
            metadata = await client.fetch_all_metadata()
            return bool(metadata.brokers())
        except (KafkaError, OSError, TimeoutError):
            return False
        finally:
            await client.close()

    _wait("kafka", lambda: asyncio.run(probe()), timeout, KAFKA)


def mongo_ready(timeout: float = 60.0) -> None:
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    def probe() -> bool:
        client: MongoClient = MongoClient(f"mongodb://127.0.0.1:{MONGO_PORT}", serverSelectionTimeoutMS=1000)
        try:
            return bool(client.admin.command("ping").get("ok"))
        except PyMongoError:
            return False
        finally:
            client.close()

    _wait("ferretdb", probe, timeout, MONGO)


def _wait(name: str, probe, timeout: float, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if probe():
            say(f"{name} ready in {time.monotonic() - start:.1f}s")
            return
        if engine.pid() is None:
            tail = engine.logfile.read_text(errors="replace")[-3000:] if engine.logfile.exists() else ""
            sys.exit(f"[engines] {name} exited during start-up; last log lines:\n{tail}")
        time.sleep(0.3)
    sys.exit(f"[engines] {name} not ready after {timeout:.0f}s; see {engine.logfile}")


# ---------------------------------------------------------------- commands


def up(which: str) -> None:
    if which in ("all", "kafka"):
        fetch_kafka()
    if which in ("all", "mongo"):
        fetch_ferretdb()
    if which in ("all", "mongo"):
        start_mongo()
    if which in ("all", "kafka"):
        start_kafka()
    if which in ("all", "mongo"):
        mongo_ready()
    if which in ("all", "kafka"):
        kafka_ready()
        if kafka_auth.broker_auth(CONF):
            _add_new_principals()
            apply_acls()
    say(f"KAFKA_BOOTSTRAP=127.0.0.1:{KAFKA_PORT}  MONGO_URL=mongodb://127.0.0.1:{MONGO_PORT}")
    if which in ("all", "kafka") and kafka_auth.broker_auth(CONF):
        say(f"KAFKA_CREDENTIALS_FILE={kafka_auth.credentials_file(CONF)}")


def apply_acls() -> None:
    """Topics and ACLs of the real topic names (``pm_common.kafka.acls``), as the admin principal."""
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP": f"127.0.0.1:{KAFKA_PORT}",
        "KAFKA_CREDENTIALS_FILE": str(kafka_auth.credentials_file(CONF)),
        "KAFKA_TOPIC_PREFIX": "",
    }
    for key in ("KAFKA_USERNAME", "KAFKA_PASSWORD", "KAFKA_SECURITY_PROTOCOL"):
        env.pop(key, None)
    subprocess.run(
        [sys.executable, "-m", "pm_common.kafka.acls", "apply"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    say("kafka topics and ACLs applied")


def down(which: str) -> None:
    for key, engine in (("kafka", KAFKA), ("mongo", MONGO)):
        if which in ("all", key):
            say(f"{engine.name}: {'stopped' if engine.stop() else 'was not running'}")


def status() -> int:
    code = 0
    for engine in (KAFKA, MONGO):
        pid = engine.pid()
        say(f"{engine.name}: {f'running, pid {pid}' if pid else 'stopped'}")
        code |= pid is None
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["fetch", "up", "down", "status", "clean"])
    parser.add_argument("engine", nargs="?", default="all", choices=["all", "kafka", "mongo"])
    args = parser.parse_args(argv)
    if args.command == "fetch":
        fetch_kafka()
        fetch_ferretdb()
    elif args.command == "up":
        up(args.engine)
    elif args.command == "down":
        down(args.engine)
    elif args.command == "status":
        return status()
    elif args.command == "clean":
        down("all")
        shutil.rmtree(DATA, ignore_errors=True)
        shutil.rmtree(LOGS, ignore_errors=True)
        say(f"wiped {DATA}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
