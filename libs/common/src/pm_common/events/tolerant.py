"""Tolerant reading of strict models: drop the fields a model does not know, at every depth.

The payload models forbid unknown fields so that *building* an event with a typo fails. Reading must
not fail on fields a newer producer added, so readers strip unknown keys first and then validate
what is left with the same strict model (known fields keep every check: types, enums, ranges).
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel


def known_fields(model: type[BaseModel], data: Any) -> Any:
    """``data`` with only the keys ``model`` declares (recursively into nested models)."""
    if not isinstance(data, dict):
        return data  # let validation report the wrong type
    kept: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key in data:
            kept[key] = _strip(field.annotation, data[key])
    return kept


def _strip(annotation: Any, value: Any) -> Any:
    models = _models_in(annotation)
    if len(models) != 1:
        return value  # no nested model (or an ambiguous union: validation decides)
    if isinstance(value, dict):
        return known_fields(models[0], value)
    if isinstance(value, (list, tuple)):
        return [_strip(annotation, item) for item in value]
    return value


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in get_args(annotation):
        for model in _models_in(arg):
            if model not in found:
                found.append(model)
    return found
