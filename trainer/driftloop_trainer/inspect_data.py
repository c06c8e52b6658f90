"""``inspect``: infer a training request's task and features from a data file.

The rules (also in README.md), applied to the values as the trainer reads them
(CSV fields are text; only an empty field is missing):

Features: every column except the target, the time column and ``--drop``.
- A column whose non-empty values are all numbers (a numeric Parquet column,
  or CSV text that parses as finite float32 numbers) is ``numeric``.
- Text and boolean columns are ``categorical``.
- A column with no value at all is an error (``empty_column``): drop it.
- A Parquet timestamp column is an error (``unsupported_column_type``): make it
  the time column or drop it.

Task, from the target column (which must have no missing value):
- boolean or text: ``binary`` with exactly 2 distinct values, else ``multiclass``;
- integers: 20 or fewer distinct values is classification (``binary`` for 2,
  else ``multiclass``), more is ``regression``;
- other numbers: ``regression``, unless every value is integral and there are
  20 or fewer distinct values (then as for integers);
- a single distinct value is an error (``single_class_target``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import data
from .errors import DataError, InvalidRequest
from .request import OUTPUT_NAMES

MAX_CLASSES = 20


def _examples(values: list[Any], limit: int = 3) -> str:
    shown = ", ".join(json.dumps(data.to_json_value(v), ensure_ascii=False, default=str) for v in values[:limit])
    return shown + (", ..." if len(values) > limit else "")


def _numbers(series: pd.Series) -> np.ndarray | None:
    """float64 values (NaN for missing) if every present value is a finite
    float32 number, else None."""
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
        return None
    try:
        return data._to_float(series, "inspected column")
    except DataError:
        return None


def _feature(series: pd.Series) -> tuple[str, str]:
    name = str(series.name)
    missing = data._missing(series)
    present = int((~missing).sum())
    if present == 0:
        raise DataError(
            "empty_column",
            f'column "{name}" has no values (all {len(series)} rows are empty); leave it out with --drop {name}',
            column=name,
        )
    gaps = f", {int(missing.sum())} missing" if missing.any() else ""
    if pd.api.types.is_datetime64_any_dtype(series):
        raise DataError(
            "unsupported_column_type",
            f'column "{name}" holds timestamps, which cannot be a feature; use it as --time-column or --drop it',
            column=name,
        )
    if pd.api.types.is_bool_dtype(series):
        return "categorical", f"boolean values{gaps}"
    values = _numbers(series)
    if values is not None:
        return "numeric", f"all {present} values are numbers{gaps}"
    distinct = sorted(set(data._to_categories(series)[~missing].tolist()))
    return "categorical", f"text values ({len(distinct)} distinct: {_examples(distinct)}){gaps}"


def _classification(distinct: list[Any], target: str, why: str) -> tuple[str, str]:
    if len(distinct) < 2:
        raise DataError(
            "single_class_target",
            f'target column "{target}" has a single value ({_examples(distinct)}); there is nothing to predict',
            column=target,
        )
    task = "binary" if len(distinct) == 2 else "multiclass"
    return task, f"{why}: {len(distinct)} distinct values ({_examples(distinct)})"


def _task(series: pd.Series) -> tuple[str, str]:
    target = str(series.name)
    if pd.api.types.is_bool_dtype(series):
        return _classification(sorted(set(series.tolist())), target, "boolean target")
    values = _numbers(series)
    if values is None:
        labels = sorted(set(series.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v).tolist()), key=str)
        return _classification(labels, target, "text target")
    distinct = np.unique(values)
    integral = bool(np.all(distinct == np.round(distinct)))
    is_integer_column = pd.api.types.is_integer_dtype(series) or (
        not pd.api.types.is_numeric_dtype(series)
        and all(data._INTEGER_TEXT.fullmatch(str(v).strip()) for v in series.tolist())
    )
    kind = "integer target" if is_integer_column else "numeric target"
    if integral and len(distinct) <= MAX_CLASSES:
        shown = [int(v) for v in distinct]
        return _classification(shown, target, f"{kind} with at most {MAX_CLASSES} distinct values, all integral")
    if is_integer_column:
        return "regression", f"{kind} with {len(distinct)} distinct values (more than {MAX_CLASSES})"
    why = "not all integral" if not integral else f"{len(distinct)} distinct values (more than {MAX_CLASSES})"
    return "regression", f"{kind}: {why}"


def inspect(path: str | Path, target: str, drop: list[str], time_column: str | None) -> dict[str, Any]:
    if target in drop:
        raise InvalidRequest("invalid_arguments", f'--target "{target}" is also in --drop')
    if time_column is not None and time_column == target:
        raise InvalidRequest("invalid_arguments", f'--time-column "{time_column}" is also the --target')
    table = data.read_table(path)
    want = [(target, "the target")] + [(c, "listed in --drop") for c in drop]
    if time_column is not None:
        want.append((time_column, "the time column"))
    data.missing_column(table, want)
    frame = table.frame
    absent = data._missing(frame[target])
    if absent.any():
        rows = data._row_numbers(absent)
        raise DataError(
            "target_missing_values",
            f'target column "{target}" is empty in {data._count_rows(rows)}: '
            f"{', '.join(map(str, rows[: data.SHOWN_ROWS]))}{', ...' if len(rows) > data.SHOWN_ROWS else ''}",
            column=target,
            rows=rows[: data.REPORTED_ROWS],
        )
    if time_column is not None:
        data.time_keys(frame[time_column])  # the same checks as a time-ordered split
    task, task_reason = _task(frame[target])
    reserved = OUTPUT_NAMES["regression" if task == "regression" else "classification"]
    features, reasons = [], {"task": task_reason}
    skip = {target, *drop, *([time_column] if time_column else [])}
    for column in table.columns:
        if column in skip:
            continue
        if column in reserved:
            raise DataError(
                "reserved_feature_name",
                f'column "{column}" cannot be a feature of a {task} model: "{column}" is the name of one of its ONNX '
                f"outputs; rename the column or leave it out with --drop {column}",
                column=column,
            )
        kind, reason = _feature(frame[column])
        features.append({"name": column, "kind": kind})
        reasons[column] = reason
    if not features:
        raise DataError("no_features", f"training data {str(path)!r} has no column left to use as a feature")
    return {
        "task": task,
        "target": target,
        "features": features,
        "rows": table.rows,
        "timeColumn": time_column,
        "reasons": reasons,
    }
