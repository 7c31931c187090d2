"""Evaluate the simple query conditions of a by-``_id`` write in Python.

FerretDB 1.24 (SQLite) pushes a filter down to its ``_id`` index only when the filter is exactly
``{"_id": value}``: ``{"_id": x, "status": "open"}`` is a full scan of the collection (measured:
480 ms at 30k documents, against 3 ms for ``{"_id": x}``). FerretDB evaluates such an update by
reading the document and writing it back anyway, so :mod:`pm_common.mongo` does the same itself:
fetch by ``_id``, evaluate the rest here, write by ``_id`` — under the per-process lock of that
document, which makes it exactly as atomic as FerretDB's own evaluation (and across processes the
step tickets of :mod:`pm_common.versioned` are what makes it safe).

Supported: equality (with MongoDB's array and null semantics), ``$eq``, ``$ne``, ``$in``, ``$nin``,
``$exists``, ``$gt``, ``$gte``, ``$lt``, ``$lte``, dotted paths through sub-documents. Anything else
raises :class:`Unsupported` and the caller lets the engine evaluate the filter.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any


class Unsupported(Exception):
    pass


_MISSING = object()
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
}


def _value(doc: dict[str, Any], path: str) -> Any:
    current: Any = doc
    for part in path.split("."):
        if isinstance(current, dict):
            current = current.get(part, _MISSING)
        else:
            if isinstance(current, list):
                raise Unsupported(f"path through an array: {path}")
            return _MISSING
        if current is _MISSING:
            return _MISSING
    return current


def _equal(value: Any, wanted: Any) -> bool:
    if wanted is None:
        return value is _MISSING or value is None
    if isinstance(value, list) and not isinstance(wanted, list):
        return wanted in value
    return bool(value == wanted) and value is not _MISSING


def _condition(value: Any, condition: Any) -> bool:
    if not (isinstance(condition, dict) and condition and all(str(k).startswith("$") for k in condition)):
        return _equal(value, condition)
    for op, arg in condition.items():
        if op == "$eq":
            ok = _equal(value, arg)
        elif op == "$ne":
            ok = not _equal(value, arg)
        elif op == "$in":
            ok = any(_equal(value, a) for a in arg)
        elif op == "$nin":
            ok = not any(_equal(value, a) for a in arg)
        elif op == "$exists":
            ok = (value is not _MISSING) == bool(arg)
        elif op in _COMPARE:
            try:
                ok = value is not _MISSING and value is not None and _COMPARE[op](value, arg)
            except TypeError:
                ok = False
        else:
            raise Unsupported(op)
        if not ok:
            return False
    return True


def matches(doc: dict[str, Any], conditions: dict[str, Any]) -> bool:
    """Whether ``doc`` satisfies ``conditions`` (a filter without ``_id``); raises ``Unsupported``."""
    for path, condition in conditions.items():
        if path.startswith("$"):
            raise Unsupported(path)
        if not _condition(_value(doc, path), condition):
            return False
    return True


def split_by_id(filter: Any) -> tuple[Any, dict[str, Any]] | None:
    """``(id, other conditions)`` for a filter ``{"_id": <plain value>, …}`` with other conditions."""
    if not isinstance(filter, dict) or "_id" not in filter or len(filter) < 2:
        return None
    doc_id = filter["_id"]
    if isinstance(doc_id, dict):
        return None
    rest = {k: v for k, v in filter.items() if k != "_id"}
    return doc_id, rest
