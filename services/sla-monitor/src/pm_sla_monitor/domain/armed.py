"""The compact in-memory record of one armed clock (issue #7 P4: a million of them in one instance).

A record is the clock's key (shared with its dict slot and heap entry), where it is in the schedule
(partition, step index, fire time) and one ``bytes`` blob with everything else: deadline and budget
(µs), generation, basis and item kind (flags), estate / stage / ladder / time zone as indexes into
per-process tables (there are few of each), then the complaint id (an offset into the item id when
the item id ends with it), the assignee, the cause and correlation ids — length-prefixed, uuid-hex
ids as their 16 bytes. ``bench/sla_memory.py`` measures the size (≈ 0.4 KiB per clock with its heap entry).
"""

from __future__ import annotations

import re
import struct
from datetime import UTC, datetime, timedelta

from pm_sla_monitor.domain.clocks import Clock

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_HEAD = struct.Struct("<qqiBIHHH")
_HEX32 = re.compile(r"[0-9a-f]{32}")
_NONE, _UUID, _LONG = 251, 252, 253
_WORKING, _TASK, _SUFFIX, _CAUSE_IS_COMPLAINT, _CORR_IS_COMPLAINT = 1, 2, 4, 8, 16


def to_us(moment: datetime) -> int:
    return (moment - EPOCH) // _US


def from_us(us: int) -> datetime:
    return EPOCH + us * _US


class _Table:
    """Values seen by this process (estates, stages, ladders, time zones), by small index."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self.index: dict[str, int] = {}

    def of(self, value: str) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.values)
            self.values.append(value)
        return found


_ESTATES, _STAGES, _LADDERS, _ZONES = _Table(), _Table(), _Table(), _Table()


def _put(out: bytearray, value: str | None) -> None:
    if value is None:
        out.append(_NONE)
    elif len(value) == 32 and _HEX32.fullmatch(value):
        out.append(_UUID)
        out += bytes.fromhex(value)
    else:
        data = value.encode()
        if len(data) < _NONE:
            out.append(len(data))
        else:
            out.append(_LONG)
            out += len(data).to_bytes(4, "little")
        out += data


def _get(blob: bytes, at: int) -> tuple[str | None, int]:
    mark = blob[at]
    at += 1
    if mark == _NONE:
        return None, at
    if mark == _UUID:
        return blob[at : at + 16].hex(), at + 16
    if mark == _LONG:
        size = int.from_bytes(blob[at : at + 4], "little")
        at += 4
    else:
        size = mark
    return blob[at : at + size].decode(), at + size


def pack(clock: Clock) -> bytes:
    item_id, cid = clock.item_id, clock.complaint_id
    flags = (_WORKING if clock.basis == "working" else 0) | (_TASK if clock.item == "task" else 0)
    suffix = item_id.endswith(cid)
    flags |= _SUFFIX if suffix else 0
    flags |= _CAUSE_IS_COMPLAINT if clock.cause_id == cid else 0
    flags |= _CORR_IS_COMPLAINT if clock.correlation_id == cid else 0
    out = bytearray(
        _HEAD.pack(
            to_us(clock.due_at),
            clock.budget // _US,
            clock.generation,
            flags,
            _ESTATES.of(clock.estate_id),
            _STAGES.of(clock.stage),
            _LADDERS.of(clock.ladder),
            _ZONES.of(clock.timezone),
        )
    )
    _put(out, str(len(item_id) - len(cid)) if suffix else cid)
    _put(out, clock.person_id)
    _put(out, None if flags & _CAUSE_IS_COMPLAINT else clock.cause_id)
    _put(out, None if flags & _CORR_IS_COMPLAINT else clock.correlation_id)
    return bytes(out)


def due_us_of(blob: bytes) -> int:
    value: int = _HEAD.unpack_from(blob)[0]
    return value


def unpack(key: str, blob: bytes) -> Clock:
    due_us, budget_us, generation, flags, estate, stage_i, ladder, zone = _HEAD.unpack_from(blob)
    stage = _STAGES.values[stage_i]
    item_id = key[: len(key) - len(stage) - 1]  # the key is "<item id>|<stage>"
    at = _HEAD.size
    complaint, at = _get(blob, at)
    person, at = _get(blob, at)
    cause, at = _get(blob, at)
    corr, at = _get(blob, at)
    cid = item_id[int(complaint or 0) :] if flags & _SUFFIX else (complaint or "")
    due, budget = from_us(due_us), budget_us * _US
    return Clock(
        item_id,
        "task" if flags & _TASK else "complaint",
        stage,
        cid,
        _ESTATES.values[estate],
        "working" if flags & _WORKING else "clock",
        due - budget,
        due,
        budget,
        generation,
        person_id=person,
        ladder=_LADDERS.values[ladder],
        timezone=_ZONES.values[zone],
        cause_id=cid if flags & _CAUSE_IS_COMPLAINT else cause,
        correlation_id=cid if flags & _CORR_IS_COMPLAINT else corr,
    )
