"""The training request: strict JSON parsing and validation.

The contract is the JSON Schema ``train_request.schema.json`` next to this
file. It is generated from the zod schema in ``training/request.ts`` (``npm run
schemas``) and is never edited by hand, so the TypeScript side and the trainer
cannot disagree on the shape of a request. What a JSON Schema cannot say (rules
that relate two fields) is checked here, after the schema.

Everything that can be checked without the data is checked before the data
file is opened, so a bad request fails fast and names the field. The
estimator's hyperparameters are checked separately (``estimators``) because
that needs scikit-learn (or the user's code) imported.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from .errors import InvalidRequest

SCHEMA_VERSION = 1  # the version this trainer reads (the schema's const) and writes into metadata.json
SCHEMA_FILE = "train_request.schema.json"
# Which task families each built-in estimator serves (mirrors config/pipeline.ts;
# the names themselves are the schema's enum, and a test keeps the two equal).
ESTIMATOR_FAMILIES = {
    "logistic_regression": ("classification",),
    "random_forest": ("classification", "regression"),
    "gradient_boosting": ("classification", "regression"),
    "hist_gradient_boosting": ("classification", "regression"),
    "linear_regression": ("regression",),
    "ridge": ("regression",),
}

# ONNX output names per task family; a feature (= ONNX input) with one of
# these names would make skl2onnx rename the output the caller looks for.
OUTPUT_NAMES = {"classification": ("label", "probabilities"), "regression": ("variable",)}


@dataclass(frozen=True)
class Feature:
    name: str
    kind: str


@dataclass(frozen=True)
class Distribution:
    """A searched parameter sampled from a distribution (see ``search``)."""

    distribution: str
    low: float
    high: float


@dataclass(frozen=True)
class SearchSpec:
    # param name -> candidate list, or a Distribution
    space: dict[str, list[Any] | Distribution] = field(hash=False)
    iterations: int
    folds: int
    time_budget_seconds: float


@dataclass(frozen=True)
class TrainingRequest:
    model_name: str
    task: str
    target: str
    features: tuple[Feature, ...]
    # Exactly one of estimator_name (built-in) and estimator_code (user code).
    estimator_name: str | None
    estimator_code: str | None
    params: dict[str, Any] = field(hash=False)
    time_column: str | None
    search: SearchSpec | None
    validation_policy: str
    validation_fraction: float
    seed: int

    @property
    def family(self) -> str:
        return "regression" if self.task == "regression" else "classification"

    @property
    def is_classification(self) -> bool:
        return self.family == "classification"

    @property
    def estimator_label(self) -> str:
        """How messages name the estimator: its name, or its user-code reference."""
        return f'"{self.estimator_name}"' if self.estimator_name else f'user code "{self.estimator_code}"'


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


# --- JSON ---------------------------------------------------------------------


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


# --- The JSON Schema ------------------------------------------------------------


def _ecma_regex(pattern: str) -> re.Pattern[str]:
    """A JSON Schema pattern (ECMA-262) as a Python regex with the same meaning.

    The two differ where it matters for anchored patterns: Python's ``$`` also
    matches before a trailing newline (so ``^[a-z]+$`` would accept "churn\\n")
    while ECMA's matches only at the very end, which is Python's ``\\Z``; and
    ``\\d``/``\\w`` are ASCII-only in ECMA.
    """
    out, i, in_class = [], 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "$":
            ch = r"\Z"
        out.append(ch)
        i += 1
    return re.compile("".join(out), re.ASCII)


_regex = functools.lru_cache(maxsize=None)(_ecma_regex)


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Any:
    if validator.is_type(instance, "string") and not _regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": _pattern})


@functools.lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The committed JSON Schema (package data)."""
    text = resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    doc = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(doc)
    return doc


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    return _Validator(schema())


def _field_path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _join(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _types_of(branch: dict[str, Any]) -> list[str]:
    kind = branch.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _describe_branch(branch: dict[str, Any]) -> str:
    types = _types_of(branch)
    if types == ["object"]:
        keys = branch.get("required") or list(branch.get("properties", {}))
        return "an object {" + ", ".join(f'"{k}"' for k in keys) + "}" if keys else "an object"
    if types == ["array"]:
        items = _types_of(branch.get("items", {}))
        return "an array" + (" of " + "/".join(items) + " values" if items else "")
    if len(types) > 1:
        return "a JSON scalar (" + "/".join(types) + ")"
    if types == ["null"]:
        return "null"
    return {"integer": "an integer", "object": "an object", "array": "an array"}.get(types[0], f"a {types[0]}") if types else "a value"


# anyOf messages worth spelling out; other anyOf failures list their branches.
_ANY_OF_HINTS = {
    "estimator": 'needs either {"name", "params"} (a built-in estimator) or {"code", "params"} '
    '(user code, "module.path:function"), not both',
}


def _branch_errors(error: ValidationError) -> dict[int, list[ValidationError]]:
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    return branches


def _pick_branch(error: ValidationError) -> list[ValidationError] | None:
    """The anyOf branch the instance was evidently meant to match, if one is.

    A branch is a candidate when the instance has its JSON type; among object
    branches, the one whose own keys (those no other branch has) the instance
    uses wins, so {"name": "xgboost", "params": {}} is judged as a built-in
    estimator and gets the enum error for "name".
    """
    instance, options = error.instance, error.validator_value
    validator = _validator()
    typed = [
        i for i, branch in enumerate(options) if any(validator.is_type(instance, t) for t in _types_of(branch))
    ]
    if len(typed) > 1 and isinstance(instance, dict):
        def own_keys(i: int) -> set[str]:
            others = set().union(*(set(options[j].get("properties", {})) for j in typed if j != i))
            return set(options[i].get("properties", {})) - others

        scores = {i: len(own_keys(i) & set(instance)) for i in typed}
        best = max(scores.values())
        typed = [i for i in typed if scores[i] == best] if best > 0 else typed
    if len(typed) != 1:
        return None
    return _branch_errors(error).get(typed[0])


def _check_schema(doc: Any) -> None:
    error = best_match(_validator().iter_errors(doc))
    if error is None:
        return
    while error.validator in ("anyOf", "oneOf"):
        chosen = _pick_branch(error)
        if not chosen:
            break
        error = best_match(chosen)
    raise _schema_error(error)


def _schema_error(error: ValidationError) -> InvalidRequest:
    where = _field_path(error.absolute_path)
    shown = _shown(error.instance)
    kind = error.validator
    if kind == "required":
        missing = next(k for k in error.validator_value if k not in error.instance)
        name = _join(where, missing)
        return InvalidRequest("missing_field", f'request is missing required field "{name}"', field=name)
    if kind == "additionalProperties" and "properties" in error.schema:
        known = error.schema.get("properties", {})
        unknown = sorted(k for k in error.instance if k not in known)
        name = _join(where, unknown[0])
        return InvalidRequest(
            "unknown_field",
            f'request has unknown field "{name}"; allowed fields{" of " + where if where else ""}: {", ".join(known)}',
            field=name,
        )
    if where == "schemaVersion" and kind == "const":
        return InvalidRequest(
            "unsupported_schema_version",
            f'field "schemaVersion" must be {error.validator_value}; got {shown} (this trainer reads schema version '
            f"{SCHEMA_VERSION} requests only)",
            field=where,
        )
    if kind in ("anyOf", "oneOf"):
        hint = _ANY_OF_HINTS.get(where) or "must be " + " or ".join(_describe_branch(b) for b in error.validator_value)
        return InvalidRequest("invalid_value", f'field "{where}" {hint}; got {shown}', field=where)
    if kind == "enum":
        options = ", ".join(json.dumps(v) for v in error.validator_value)
        return InvalidRequest("invalid_value", f'field "{where}" must be one of {options}; got {shown}', field=where)
    if kind == "type":
        wanted = error.validator_value
        wanted = " or ".join(wanted) if isinstance(wanted, list) else wanted
        return InvalidRequest("invalid_value", f'field "{where}" must be of type {wanted}; got {shown}', field=where)
    if kind == "pattern":
        if where == "modelName":
            return InvalidRequest(
                "invalid_value",
                f'field "modelName" must be 1-63 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or '
                f"digit; got {shown}",
                field=where,
            )
        if where == "estimator.code":
            return InvalidRequest(
                "invalid_value",
                f'field "estimator.code" must be "module.path:function" (Python identifiers separated by dots, a colon, '
                f"then the function name); got {shown}",
                field=where,
            )
        return InvalidRequest(
            "invalid_value", f'field "{where}" must match {error.validator_value}; got {shown}', field=where
        )
    return InvalidRequest(
        "invalid_value", f'field "{where or "(request)"}" is invalid: {error.message}', field=where or None
    )


# --- Cross-field rules the schema cannot express ---------------------------------------


def _check_semantics(doc: dict[str, Any]) -> TrainingRequest:
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

    time_column = doc["timeColumn"]
    policy = doc["validation"]["policy"]
    if policy == "time" and time_column is None:
        raise InvalidRequest(
            "missing_time_column",
            'validation policy "time" needs "timeColumn": the column whose order decides which rows are the latest',
            field="timeColumn",
        )
    if time_column is not None:
        if time_column in seen:
            raise InvalidRequest(
                "time_column_is_feature",
                f'timeColumn "{time_column}" is also a feature; the time column orders rows and is never a feature',
                field="timeColumn",
            )
        if time_column == target:
            raise InvalidRequest(
                "time_column_is_target", f'timeColumn "{time_column}" is also the target', field="timeColumn"
            )

    estimator = doc["estimator"]
    name, code = estimator.get("name"), estimator.get("code")
    if name is not None and family not in ESTIMATOR_FAMILIES[name]:
        raise InvalidRequest(
            "estimator_task_mismatch",
            f'estimator "{name}" does not apply to a {task} task',
            field="estimator.name",
        )
    params = dict(estimator["params"])
    if "random_state" in params:
        # The seed is the one source of randomness, so that a request hash
        # identifies the model; a second knob would break that.
        raise InvalidRequest(
            "reserved_param",
            'parameter "random_state" is set from the request\'s "seed"; remove it from estimator.params',
            field="estimator.params.random_state",
        )

    return TrainingRequest(
        model_name=doc["modelName"],
        task=task,
        target=target,
        features=tuple(features),
        estimator_name=name,
        estimator_code=code,
        params=params,
        time_column=time_column,
        search=_check_search(doc["search"], params),
        validation_policy=policy,
        validation_fraction=float(doc["validation"]["fraction"]),
        seed=int(doc["seed"]),
    )


def _check_search(search: dict[str, Any] | None, params: dict[str, Any]) -> SearchSpec | None:
    if search is None:
        return None
    space: dict[str, list[Any] | Distribution] = {}
    for param, dimension in search["space"].items():
        where = f"search.space.{param}"
        if param == "random_state":
            raise InvalidRequest(
                "reserved_param", 'parameter "random_state" is set from the request\'s "seed"; it cannot be searched',
                field=where,
            )
        if param in params:
            raise InvalidRequest(
                "param_searched_and_fixed",
                f'parameter "{param}" is both fixed in estimator.params and searched in search.space; keep one',
                field=where,
            )
        if isinstance(dimension, list):
            space[param] = list(dimension)
            continue
        kind, low, high = dimension["distribution"], dimension["low"], dimension["high"]
        if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
            raise InvalidRequest(
                "invalid_search_space", f'"{where}": low ({low}) must be less than high ({high})', field=where
            )
        if kind == "loguniform" and low <= 0:
            raise InvalidRequest(
                "invalid_search_space", f'"{where}": a loguniform distribution needs low > 0; got {low}', field=where
            )
        if kind == "randint" and not (float(low).is_integer() and float(high).is_integer()):
            raise InvalidRequest(
                "invalid_search_space",
                f'"{where}": a randint distribution needs integer bounds; got low {low}, high {high}',
                field=where,
            )
        if kind == "randint":
            low, high = int(low), int(high)
        space[param] = Distribution(kind, low, high)
    if not space:
        raise InvalidRequest("invalid_search_space", '"search.space" names no parameter to search', field="search.space")
    return SearchSpec(
        space=space,
        iterations=int(search["iterations"]),
        folds=int(search["folds"]),
        time_budget_seconds=float(search["timeBudgetSeconds"]),
    )
