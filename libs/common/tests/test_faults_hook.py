"""The test-only crash hook: inert unless armed, exits like kill -9 at the n-th hit when armed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pm_common import faults

pytestmark = pytest.mark.unit

SCRIPT = """
import sys
from pm_common.faults import crash_point
for i in range(1, 6):
    print(i, flush=True)
    crash_point("consumer.before_commit")
print("survived", flush=True)
"""


def run(env_value: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != faults.ENV}
    if env_value is not None:
        env[faults.ENV] = env_value
    return subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=30)


def test_unarmed_hook_does_nothing() -> None:
    done = run(None)
    assert done.returncode == 0 and done.stdout.split() == ["1", "2", "3", "4", "5", "survived"]


def test_armed_hook_exits_137_at_the_nth_hit_without_running_the_rest() -> None:
    done = run("consumer.before_commit:3,outbox.before_publish:1")
    assert done.returncode == faults.EXIT_CODE == 137
    assert done.stdout.split() == ["1", "2", "3"]


def test_other_points_do_not_fire() -> None:
    done = run("outbox.after_publish:1")
    assert done.returncode == 0 and done.stdout.split()[-1] == "survived"


@pytest.mark.parametrize("spec", ["consumer.before_commit", "nowhere:1", "consumer.before_commit:0", "x:y"])
def test_malformed_spec_is_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="PM_FAULT_CRASH_AT"):
        faults.parse(spec)


def test_parse_reads_every_point() -> None:
    assert faults.parse("outbox.before_publish:2, consumer.before_commit:5") == {
        "outbox.before_publish": 2,
        "consumer.before_commit": 5,
    }
