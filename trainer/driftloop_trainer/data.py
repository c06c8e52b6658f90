"""Loading the training data and checking it against the request.

Values are normalised to what the ONNX model will see: numeric features become
float64 with NaN for missing (cast to float32 at the ONNX boundary),
categorical features become strings with "" for missing (ONNX string tensors
cannot hold a null, so "" is the agreed missing marker on both sides).

Row numbers in messages are 1-based data rows: row 1 is the first row after
the CSV header (or the first Parquet row).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError
from .request import Feature, TrainingRequest

MIN_ROWS = 20
MIN_VALIDATION_ROWS = 5
SHOWN_ROWS = 5  # offending rows quoted in a message
REPORTED_ROWS = 20  # offending rows listed in the error's "rows" context
FLOAT32_MAX = float(np.finfo(np.float32).max)

_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
_INTEGER_TEXT = re.compile(r"[+-]?\d{1,18}")


@dataclass
class Table:
    frame: pd.DataFrame
    sha256: str
    format: str

    @property
    def rows(self) -> int:
        return len(self.frame)

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]


@dataclass
class Dataset:
    X: pd.DataFrame  # features only, normalised (see module docstring)
    y: np.ndarray  # int64 or str (object) classes, or float64 for regression
    train: np.ndarray  # row positions
    valid: np.ndarray


@dataclass
class TimeKeys:
    """The time column as sortable keys: float64 numbers, or int64
    nanoseconds since the epoch (UTC) for timestamps."""

    column: str
    keys: np.ndarray
    kind: str  # "number" | "datetime"

    def value(self, row: int) -> Any:
        """The time of a row (0-based position) as a JSON value."""
        key = self.keys[row]
        if self.kind == "datetime":
            return pd.Timestamp(int(key), unit="ns", tz="UTC").isoformat().replace("+00:00", "Z")
        return to_json_value(key)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_table(path: str | Path) -> Table:
    path = Path(path)
    suffix = path.suffix.lower()
    fmt = _FORMATS.get(suffix)
    if fmt is None:
        raise DataError(
            "unsupported_format",
            f"training data file {str(path)!r} has extension {suffix or '(none)'!r}; supported: .csv, .parquet, .pq",
        )
    try:
        sha = file_sha256(path)
    except OSError as exc:
        raise DataError("unreadable_file", f"cannot read training data file {str(path)!r}: {exc.strerror or exc}") from exc
    if fmt == "csv":
        frame = _read_csv(path)
    else:
        frame = _read_parquet(path)
    frame.columns = [str(c) for c in frame.columns]
    if len(frame) == 0:
        raise DataError("empty_file", f"training data file {str(path)!r} has no data rows")
    return Table(frame=frame, sha256=sha, format=fmt)


def _read_csv(path: Path) -> pd.DataFrame:
    # Everything is read as text and converted per feature kind below, so that
    # a categorical "007" stays "007" and only an empty field means missing
    # (pandas' default NA words such as "NA" or "null" are real values here).
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    except pd.errors.EmptyDataError as exc:
        raise DataError("empty_file", f"training data file {str(path)!r} is empty") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise DataError("unreadable_file", f"cannot parse training data file {str(path)!r} as CSV: {exc}") from exc


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        # Nullable dtypes keep integer columns with nulls as integers.
        return pd.read_parquet(path, dtype_backend="numpy_nullable")
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise DataError(
            "unreadable_file", f"cannot read training data file {str(path)!r} as Parquet: {type(exc).__name__}: {exc}"
        ) from exc


def _describe(feature: Feature) -> str:
    return f"feature '{feature.name}', kind {feature.kind}"


def check_columns(request: TrainingRequest, table: Table) -> None:
    want = [(f.name, _describe(f)) for f in request.features] + [(request.target, "the target")]
    if request.time_column is not None:
        want.append((request.time_column, "the time column"))
    missing_column(table, want)


def missing_column(table: Table, want: list[tuple[str, str]]) -> None:
    """Raise missing_column for the (name, role) pairs the table lacks."""
    present = table.columns
    have = set(present)
    missing = [(name, role) for name, role in want if name not in have]
    if not missing:
        return
    listed = ", ".join(present[:50]) + (f", ... ({len(present)} in all)" if len(present) > 50 else "")
    what = "; ".join(f'no column "{name}" ({why})' for name, why in missing)
    raise DataError(
        "missing_column",
        f"training data has {what}; columns present: {listed}",
        column=missing[0][0],
        columns=[name for name, _ in missing],
    )


def _row_numbers(mask: np.ndarray) -> list[int]:
    return [int(i) + 1 for i in np.flatnonzero(mask)]


def _quote_rows(rows: list[int], values: pd.Series) -> str:
    shown = ", ".join(f"row {r}: {_short(to_json_value(values.iloc[r - 1]))}" for r in rows[:SHOWN_ROWS])
    return shown + (", ..." if len(rows) > SHOWN_ROWS else "")


def _count_rows(rows: list[int]) -> str:
    return f"{len(rows)} row" + ("" if len(rows) == 1 else "s")


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 40 else text[:37] + '..."'


def _is_text(series: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def _writable(values: pd.Series | np.ndarray, **kwargs: Any) -> np.ndarray:
    # pandas 3 (copy-on-write) hands out read-only views; these arrays get edited.
    if isinstance(values, pd.Series):
        values = values.to_numpy(**kwargs)
    return np.array(values, copy=True)


def _missing(series: pd.Series) -> np.ndarray:
    mask = _writable(series.isna(), dtype=bool)
    if _is_text(series):
        mask |= series.astype(object).map(lambda v: isinstance(v, str) and v.strip() == "").to_numpy(dtype=bool)
    return mask


def _to_float(series: pd.Series, role: str) -> np.ndarray:
    """float64 with NaN for missing; raises non_numeric_values naming the rows."""
    if _is_text(series):
        text = series.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
        # "nan" is how Python and pandas spell a missing float; accept it as missing.
        absent = text.isna().to_numpy(dtype=bool) | text.map(lambda v: isinstance(v, str) and v.lower() in ("", "nan")).to_numpy(dtype=bool)
        values = _writable(pd.to_numeric(text.where(~absent, None), errors="coerce"), dtype="float64", na_value=np.nan)
    else:
        values = _writable(series, dtype="float64", na_value=np.nan)
        absent = np.isnan(values)
    # The model takes float32 inputs, so a number float32 cannot hold is as
    # unusable as text.
    with np.errstate(invalid="ignore"):
        bad = ~absent & ~(np.abs(values) <= FLOAT32_MAX)
    if bad.any():
        rows = _row_numbers(bad)
        raise DataError(
            "non_numeric_values",
            f'column "{series.name}" ({role}) has values that are not finite float32 numbers in '
            f"{_count_rows(rows)}: {_quote_rows(rows, series)}",
            column=str(series.name),
            rows=rows[:REPORTED_ROWS],
        )
    values[absent] = np.nan
    return values


def _format_category(value: Any) -> str:
    # Mirrors JavaScript's String(v) for the numbers and booleans a Parquet
    # column can hold, so the TypeScript side produces the same category text.
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    return str(value)


def _to_categories(series: pd.Series) -> np.ndarray:
    values = _writable(series.astype(object).map(_format_category), dtype=object)
    values[_missing(series)] = ""
    return values


def _target_classes(series: pd.Series) -> np.ndarray:
    name = str(series.name)
    if pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype="int64")
    if pd.api.types.is_integer_dtype(series):
        return series.to_numpy(dtype="int64")
    if pd.api.types.is_float_dtype(series):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        fractional = ~np.isfinite(values) | (values != np.round(values))
        if fractional.any():
            rows = _row_numbers(fractional)
            raise DataError(
                "invalid_target_values",
                f'classification target "{name}" has non-integer numbers in {_count_rows(rows)} '
                f"(classes must be integers or strings): {_quote_rows(rows, series)}",
                column=name,
                rows=rows[:REPORTED_ROWS],
            )
        return values.astype("int64")
    labels = series.astype(object).map(lambda v: v if isinstance(v, str) else _format_category(v)).to_numpy(dtype=object)
    # CSV has no types: a column of integers is integer classes, as a reader
    # of the file would expect; anything else keeps its text.
    if all(_INTEGER_TEXT.fullmatch(v.strip()) for v in labels):
        return np.array([int(v) for v in labels], dtype="int64")
    return labels


def prepare(request: TrainingRequest, table: Table) -> tuple[pd.DataFrame, np.ndarray]:
    """The normalised feature frame and target; raises DataError on bad values."""
    check_columns(request, table)
    frame = table.frame
    target = frame[request.target]
    absent = _missing(target)
    if absent.any():
        rows = _row_numbers(absent)
        raise DataError(
            "target_missing_values",
            f'target column "{request.target}" is empty in {_count_rows(rows)}: '
            f"{', '.join(map(str, rows[:SHOWN_ROWS]))}{', ...' if len(rows) > SHOWN_ROWS else ''}",
            column=request.target,
            rows=rows[:REPORTED_ROWS],
        )
    columns: dict[str, Any] = {}
    for feature in request.features:
        series = frame[feature.name]
        if feature.kind == "numeric":
            values = _to_float(series, f"numeric feature '{feature.name}'")
            if np.isnan(values).all():
                raise DataError(
                    "empty_column", f'numeric feature column "{feature.name}" has no values (all {len(values)} rows are empty)',
                    column=feature.name,
                )
            columns[feature.name] = values
        else:
            columns[feature.name] = _to_categories(series)
    X = pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))
    if request.is_classification:
        y = _target_classes(target)
    else:
        y = _to_float(target, "the regression target")
    return X, y


_ISO_HINT = "ISO-8601 timestamps such as 2024-03-01 or 2024-03-01T12:30:00Z"


def time_keys(series: pd.Series) -> TimeKeys:
    """The time column's values as sortable keys.

    Accepted: numbers (any numeric column, or text that is all numbers),
    timestamps (a Parquet timestamp column), or ISO-8601 text. Timestamps
    without an offset are taken as UTC. A missing or unparseable value is an
    error naming the column and the rows, since the row cannot be placed.
    """
    name = str(series.name)
    absent = _missing(series)
    if absent.any():
        rows = _row_numbers(absent)
        raise DataError(
            "time_missing_values",
            f'time column "{name}" is empty in {_count_rows(rows)}: '
            f"{', '.join(map(str, rows[:SHOWN_ROWS]))}{', ...' if len(rows) > SHOWN_ROWS else ''}; "
            "every row needs a time to be placed in the train or validation split",
            column=name,
            rows=rows[:REPORTED_ROWS],
        )
    if pd.api.types.is_datetime64_any_dtype(series):
        stamps = series if isinstance(series.dtype, pd.DatetimeTZDtype) else series.dt.tz_localize("UTC")
        return TimeKeys(name, _nanoseconds(stamps), "datetime")
    if pd.api.types.is_bool_dtype(series):
        raise DataError(
            "invalid_time_values",
            f'time column "{name}" holds booleans; it needs numbers or {_ISO_HINT}',
            column=name,
        )
    if pd.api.types.is_numeric_dtype(series):
        values = _writable(series, dtype="float64", na_value=np.nan)
        _reject_rows(name, series, ~np.isfinite(values), "are not finite numbers")
        return TimeKeys(name, values, "number")
    text = series.astype(object).map(lambda v: v.strip() if isinstance(v, str) else str(v))
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    if np.isfinite(numbers).all():
        return TimeKeys(name, numbers, "number")
    stamps = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    _reject_rows(name, series, stamps.isna().to_numpy(dtype=bool), f"are neither numbers nor {_ISO_HINT}")
    return TimeKeys(name, _nanoseconds(stamps), "datetime")


def _nanoseconds(stamps: pd.Series) -> np.ndarray:
    return stamps.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view("int64").copy()


def _reject_rows(name: str, series: pd.Series, bad: np.ndarray, what: str) -> None:
    if bad.any():
        rows = _row_numbers(bad)
        raise DataError(
            "invalid_time_values",
            f'time column "{name}" has values that {what} in {_count_rows(rows)}: {_quote_rows(rows, series)}',
            column=name,
            rows=rows[:REPORTED_ROWS],
        )


def read_time(request: TrainingRequest, table: Table) -> TimeKeys | None:
    """The time column's keys when the validation policy needs them."""
    if request.validation_policy != "time":
        return None
    assert request.time_column is not None
    return time_keys(table.frame[request.time_column])


def split(request: TrainingRequest, X: pd.DataFrame, y: np.ndarray, time: TimeKeys | None = None) -> Dataset:
    """The train/validation split: seeded (and stratified for classification)
    for policy "random"; the latest rows by the time column for policy "time"."""
    from sklearn.model_selection import train_test_split

    n = len(y)
    fraction = request.validation_fraction
    n_valid = math.ceil(fraction * n)  # what train_test_split does with a float test_size
    if n < MIN_ROWS:
        raise DataError("too_few_rows", f"training data has {n} rows; at least {MIN_ROWS} are needed")
    if n_valid < MIN_VALIDATION_ROWS:
        raise DataError(
            "too_few_rows",
            f"validation fraction {fraction} of {n} rows leaves {n_valid} validation rows; "
            f"at least {MIN_VALIDATION_ROWS} are needed (more data or a larger fraction)",
        )
    if time is not None:
        return _time_split(request, X, y, time, n_valid)
    stratify = None
    if request.is_classification:
        classes, counts = np.unique(y, return_counts=True)
        target = request.target
        _check_class_count(request, classes, n)
        rare = [(c, k) for c, k in zip(classes, counts) if k < 2]
        if rare:
            raise DataError(
                "class_too_small",
                f'target column "{target}" has classes with a single row, which a stratified split cannot place: '
                f"{', '.join(_short(to_json_value(c)) for c, _ in rare[:10])}",
                column=target,
            )
        if n_valid < len(classes) or n - n_valid < len(classes):
            raise DataError(
                "too_few_rows",
                f"a stratified split of {n} rows with validation fraction {fraction} cannot hold each of the "
                f"{len(classes)} classes on both sides",
            )
        stratify = y
    train, valid = train_test_split(np.arange(n), test_size=n_valid, random_state=request.seed, stratify=stratify)
    return _dataset(request, X, y, np.sort(train), np.sort(valid))


def _check_class_count(request: TrainingRequest, classes: np.ndarray, n: int, where: str = "") -> None:
    target = request.target
    if len(classes) < 2:
        raise DataError(
            "single_class_target",
            f'target column "{target}" has a single class ({_short(to_json_value(classes[0]))}) '
            f"in {where or f'all {n} rows'}; a classifier needs at least 2",
            column=target,
        )
    if request.task == "binary" and len(classes) > 2:
        raise DataError(
            "too_many_classes",
            f'task is binary but target column "{target}" has {len(classes)} classes: '
            f"{', '.join(_short(to_json_value(c)) for c in classes[:10])}{', ...' if len(classes) > 10 else ''}",
            column=target,
        )


def _time_split(request: TrainingRequest, X: pd.DataFrame, y: np.ndarray, time: TimeKeys, n_valid: int) -> Dataset:
    """The latest n_valid rows by time are the validation rows; rows with
    equal times keep their file order, so a tie at the boundary is split
    the same way every time."""
    n = len(y)
    order = np.lexsort((np.arange(n), time.keys))  # by time, then by row
    train, valid = np.sort(order[: n - n_valid]), np.sort(order[n - n_valid :])
    if request.is_classification:
        _check_class_count(request, np.unique(y), n)
        seen = np.unique(y[train])
        _check_class_count(
            request, seen, n,
            where=f'the {len(train)} training rows (all but the latest {n_valid} by time column "{time.column}")',
        )
        unseen = [c for c in np.unique(y[valid]) if c not in set(seen.tolist())]
        if unseen:
            raise DataError(
                "class_missing_from_training",
                f'target column "{request.target}" has classes that occur only in the validation rows (the latest '
                f'{n_valid} by time column "{time.column}"), so the model could never predict them: '
                f"{', '.join(_short(to_json_value(c)) for c in unseen[:10])}",
                column=request.target,
            )
    return _dataset(request, X, y, train, valid)


def _dataset(request: TrainingRequest, X: pd.DataFrame, y: np.ndarray, train: np.ndarray, valid: np.ndarray) -> Dataset:
    for feature in request.features:
        if feature.kind == "numeric" and np.isnan(X[feature.name].to_numpy()[train]).all():
            raise DataError(
                "empty_column",
                f'numeric feature column "{feature.name}" has no values in the training split '
                f"(only {int((~np.isnan(X[feature.name].to_numpy())).sum())} non-empty rows in all)",
                column=feature.name,
            )
    return Dataset(X=X, y=y, train=train, valid=valid)


def to_json_value(value: Any) -> Any:
    """A numpy/pandas scalar as the plain JSON value it stands for."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def profile(request: TrainingRequest, X: pd.DataFrame) -> list[dict[str, Any]]:
    """Per-feature summary of the whole data file, for metadata.json."""
    out = []
    for feature in request.features:
        values = X[feature.name].to_numpy()
        if feature.kind == "numeric":
            present = values[~np.isnan(values)]
            out.append(
                {
                    "name": feature.name,
                    "kind": "numeric",
                    "range": {"min": float(present.min()), "max": float(present.max())},
                    "missing": int(np.isnan(values).sum()),
                }
            )
        else:
            empty = values == ""
            out.append(
                {
                    "name": feature.name,
                    "kind": "categorical",
                    "categories": sorted(set(values[~empty].tolist())),
                    "missing": int(empty.sum()),
                }
            )
    return out


def prototype(request: TrainingRequest, X: pd.DataFrame, rows: int = 5) -> list[dict[str, Any]]:
    """The first rows of the data file, features only, missing as null."""
    records = []
    for i in range(min(rows, len(X))):
        record: dict[str, Any] = {}
        for feature in request.features:
            value = X[feature.name].iat[i]
            if feature.kind == "numeric":
                record[feature.name] = None if np.isnan(value) else float(value)
            else:
                record[feature.name] = None if value == "" else str(value)
        records.append(record)
    return records
