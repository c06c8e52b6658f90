"""The training request: strict JSON parsing and validation.

Everything that can be checked without the data is checked here, before the
data file is opened, so a bad request fails fast and names the field. The
estimator's hyperparameters are checked separately (``estimators``) because
that needs scikit-learn imported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from .errors import InvalidRequest

SCHEMA_VERSION = 1
TASKS = ("binary", "multiclass", "regression")
KINDS = ("numeric", "categorical")
ESTIMATOR_NAMES = (
    "logistic_regression",
    "random_forest",
    "gradient_boosting",
    "hist_gradient_boosting",
    "linear_regression",
    "ridge",
)
# Which task families each estimator name serves (mirrors config/pipeline.ts).
ESTIMATOR_FAMILIES = {
    "logistic_regression": ("classification",),
    "random_forest": ("classification", "regression"),
    "gradient_boosting": ("classification", "regression"),
    "hist_gradient_boosting": ("classification", "regression"),
    "linear_regression": ("regression",),
    "ridge": ("regression",),
}
MODEL_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")

# ONNX output names per task family; a feature (= ONNX input) with one of
# these names would make skl2onnx rename the output the caller looks for.
OUTPUT_NAMES = {"classification": ("label", "probabilities"), "regression": ("variable",)}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["schemaVersion", "modelName", "task", "target", "features", "estimator", "validation", "seed"],
    "properties": {
        "schemaVersion": {"type": "integer"},
        "modelName": {"type": "string"},
        "task": {"enum": list(TASKS)},
        "target": {"type": "string", "minLength": 1},
        "features": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "kind"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 200},
                    "kind": {"enum": list(KINDS)},
                },
            },
        },
        "estimator": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "properties": {
                "name": {"enum": list(ESTIMATOR_NAMES)},
                "params": {"type": "object"},
            },
        },
        "validation": {
            "type": "object",
            "additionalProperties": False,
            "required": ["fraction"],
            "properties": {"fraction": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.9}},
        },
        # sklearn's random_state accepts exactly this range.
        "seed": {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
    },
}


@dataclass(frozen=True)
class Feature:
    name: str
    kind: str


@dataclass(frozen=True)
class TrainingRequest:
    model_name: str
    task: str
    target: str
    features: tuple[Feature, ...]
    estimator_name: str
    params: dict[str, Any] = field(hash=False)
    validation_fraction: float
    seed: int

    @property
    def family(self) -> str:
        return "regression" if self.task == "regression" else "classification"

    @property
    def is_classification(self) -> bool:
        return self.family == "classification"


def load_request(path: str | Path) -> TrainingRequest:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidRequest("unreadable_request", f"cannot read request file {str(path)!r}: {exc}") from exc
    return parse_request(text)


def parse_request(text: str) -> TrainingRequest:
    doc = _parse_json(text)
    _check_schema(doc)
    return _check_semantics(doc)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _parse_json(text: str) -> Any:
    # NaN/Infinity and duplicate keys are accepted by Python's json but not by
    # the TypeScript side that wrote the request; refuse them rather than guess.
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicate_keys)
    except ValueError as exc:
        raise InvalidRequest("invalid_json", f"request is not valid JSON: {exc}") from exc


def _field_path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _join(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


def _check_schema(doc: Any) -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    if error is None:
        return
    where = _field_path(error.absolute_path)
    shown = json.dumps(error.instance)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    kind = error.validator
    if kind == "required":
        allowed = error.schema.get("required", [])
        missing = next(k for k in allowed if k not in error.instance)
        name = _join(where, missing)
        raise InvalidRequest("missing_field", f'request is missing required field "{name}"', field=name)
    if kind == "additionalProperties":
        known = error.schema.get("properties", {})
        unknown = sorted(k for k in error.instance if k not in known)
        name = _join(where, unknown[0])
        raise InvalidRequest(
            "unknown_field",
            f'request has unknown field "{name}"; allowed fields{" of " + where if where else ""}: {", ".join(known)}',
            field=name,
        )
    if kind == "enum":
        options = ", ".join(json.dumps(v) for v in error.validator_value)
        raise InvalidRequest("invalid_value", f'field "{where}" must be one of {options}; got {shown}', field=where)
    if kind == "type":
        raise InvalidRequest("invalid_value", f'field "{where}" must be of type {error.validator_value}; got {shown}', field=where)
    raise InvalidRequest("invalid_value", f'field "{where or "(request)"}" is invalid: {error.message}', field=where or None)


def _check_semantics(doc: dict[str, Any]) -> TrainingRequest:
    if doc["schemaVersion"] != SCHEMA_VERSION:
        raise InvalidRequest(
            "unsupported_schema_version",
            f'field "schemaVersion" must be {SCHEMA_VERSION}; got {doc["schemaVersion"]}',
            field="schemaVersion",
        )
    if not MODEL_NAME.fullmatch(doc["modelName"]):
        raise InvalidRequest(
            "invalid_value",
            f'field "modelName" must be 1-63 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit; '
            f"got {json.dumps(doc['modelName'])}",
            field="modelName",
        )
    task = doc["task"]
    family = "regression" if task == "regression" else "classification"
    target = doc["target"]
    seen: set[str] = set()
    features = []
    for i, item in enumerate(doc["features"]):
        name = item["name"]
        where = f"features[{i}].name"
        if name in seen:
            raise InvalidRequest("duplicate_feature", f'feature "{name}" is listed more than once ({where})', field=where)
        if name == target:
            raise InvalidRequest("target_is_feature", f'feature "{name}" is also the target ({where})', field=where)
        if name in OUTPUT_NAMES[family]:
            raise InvalidRequest(
                "reserved_feature_name",
                f'feature "{name}" ({where}) cannot be used: "{name}" is the name of an ONNX output of a {task} model',
                field=where,
            )
        seen.add(name)
        features.append(Feature(name=name, kind=item["kind"]))
    estimator = doc["estimator"]
    if family not in ESTIMATOR_FAMILIES[estimator["name"]]:
        raise InvalidRequest(
            "estimator_task_mismatch",
            f'estimator "{estimator["name"]}" does not apply to a {task} task',
            field="estimator.name",
        )
    return TrainingRequest(
        model_name=doc["modelName"],
        task=task,
        target=target,
        features=tuple(features),
        estimator_name=estimator["name"],
        params=dict(estimator.get("params", {})),
        validation_fraction=float(doc["validation"]["fraction"]),
        seed=int(doc["seed"]),
    )
