#!/usr/bin/env python3
"""Reference results for the drift engine (drift/), from Evidently and SciPy.

Usage (the reference venv, which has Evidently; no network, so no telemetry):
    DO_NOT_TRACK=1 .venv-reference/bin/python test/reference/drift_reference.py OUT_DIR

Generates fixtures with a seeded numpy RNG (normal / shifted / heavy-tailed /
lognormal numerics, numerics with 1, 2, 3, 5, 6, 20 and 21 distinct values,
rounded values with many ties, categoricals with new and vanished categories,
binary categoricals, astral-plane labels, missing values as NaN / None / ±inf,
constant columns; small (<= 1000) and large (5,000-20,000) reference samples,
the 1000/1001 boundary), writes each window as CSV or Parquet into OUT_DIR,
reads the files back (so Evidently sees exactly what the TypeScript test reads)
and prints one JSON document on stdout:

  {"fixtures": [{
     "name", "format", "reference": path, "current": path,
     "rows": {"reference", "current"},
     "columns": [{"name", "kind", "missing": {"reference", "current"},
                  "rows": {"reference", "current"},          # non-missing
                  "scipy": {method: {"statistic", "pValue"}}}],  # SciPy/NumPy on the same data
     "runs": [{"name", "config": DriftConfig input, "columns": [...] | null,
               "evidently": {"columns": {name: {"method": display name, "score", "threshold", "drifted"}},
                             "dataset": {"count", "share", "drifted"}}}]}]}

Evidently results come from its public API (Report + DataDriftPreset, tests
included for the verdicts). SciPy-side values are computed here independently:
ks_2samp; chisquare on the union of values with expected = reference counts
scaled to the current size; the pooled two-proportion z-test (first sorted key
= "0"); wasserstein_distance / max(np.std(reference), 0.001);
jensenshannon (natural log) on Evidently's binning (numpy Sturges histogram
over the pooled values when the reference has > 20 distinct values, else one
bin per value); PSI = sum((r - c) * ln(r / c)) on the same binning after the
empty-bin epsilon; and PSI on 10 reference-quantile bins (numpy.quantile,
method "linear"; open outer bins; x on an edge goes up).

Non-finite numbers are encoded as {"nonFinite": "nan" | "inf" | "-inf"} since
JSON has none.
"""

import json
import math
import os
import sys
import warnings

os.environ.setdefault("DO_NOT_TRACK", "1")
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402
from scipy.spatial import distance  # noqa: E402

from evidently import DataDefinition, Dataset, Report  # noqa: E402
from evidently_verdicts import verdicts_of  # noqa: E402  (shared with bench/drift_evidently.py)
from evidently.legacy.calculations.stattests.registry import get_registered_stattest  # noqa: E402
from evidently.legacy.core import ColumnType  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402

SEED = 20251125
QUANTILE_BINS = 10

# driftloop method name -> Evidently stattest name (Evidently calls the z-test "z").
EVIDENTLY_NAME = {"ks": "ks", "chisquare": "chisquare", "ztest": "z", "wasserstein": "wasserstein",
                  "jensenshannon": "jensenshannon", "psi": "psi"}


def enc(x):
    if x is None:
        return None
    x = float(x)
    if math.isnan(x):
        return {"nonFinite": "nan"}
    if math.isinf(x):
        return {"nonFinite": "inf" if x > 0 else "-inf"}
    return x


# --- column generators: f(rng, window, n) -> values (float array or list of str/None) ------------

def with_missing(values, rng, share):
    values = np.asarray(values, dtype=np.float64).copy()
    values[rng.random(len(values)) < share] = np.nan
    return values


def numeric_columns():
    """name -> (reference generator, current generator)."""
    return {
        "normal": (lambda r, n: r.normal(0, 1, n), lambda r, n: r.normal(0, 1, n)),
        "shifted": (lambda r, n: r.normal(0, 1, n), lambda r, n: r.normal(0.35, 1.1, n)),
        "heavy": (lambda r, n: r.standard_t(2, n), lambda r, n: r.standard_t(2, n) * 1.05 + 0.02),
        "lognormal": (lambda r, n: r.lognormal(0, 1, n), lambda r, n: r.lognormal(0.08, 1, n)),
        "rounded": (lambda r, n: np.round(r.normal(10, 2, n), 1), lambda r, n: np.round(r.normal(10.1, 2, n), 1)),
        "binary_num": (lambda r, n: r.binomial(1, 0.30, n).astype(float), lambda r, n: r.binomial(1, 0.36, n).astype(float)),
        "three_num": (lambda r, n: r.choice([1.0, 2.0, 3.0], n, p=[0.5, 0.3, 0.2]),
                      lambda r, n: r.choice([1.0, 2.0, 3.0], n, p=[0.45, 0.3, 0.25])),
        "five_num": (lambda r, n: r.integers(0, 5, n).astype(float), lambda r, n: r.integers(0, 5, n).astype(float)),
        "six_num": (lambda r, n: r.integers(0, 6, n).astype(float), lambda r, n: r.choice(6, n, p=[.2, .2, .2, .2, .1, .1]).astype(float)),
        "twenty_num": (lambda r, n: r.integers(0, 20, n).astype(float), lambda r, n: r.integers(1, 21, n).astype(float)),
        "twentyone_num": (lambda r, n: r.integers(-10, 11, n).astype(float), lambda r, n: r.integers(-10, 11, n).astype(float)),
        "missing_num": (lambda r, n: with_infinities(with_missing(r.normal(5, 2, n), r, 0.08), r),
                        lambda r, n: with_missing(r.normal(5, 2, n), r, 0.25)),
        "const_num": (lambda r, n: np.full(n, 7.0), lambda r, n: np.full(n, 7.0)),
        "negzero_num": (lambda r, n: r.choice([-0.0, 0.0, 1.0], n), lambda r, n: r.choice([0.0, -0.0, 1.0, 2.0], n)),
    }


def with_infinities(values, rng):
    values = values.copy()
    pick = rng.random(len(values))
    values[pick < 0.01] = np.inf
    values[(pick >= 0.01) & (pick < 0.015)] = -np.inf
    return values


def categorical_columns():
    def choice(labels, p=None):
        return lambda r, n: [str(x) for x in r.choice(labels, n, p=p)]

    def missing(labels, share):
        def gen(r, n):
            out = [str(x) for x in r.choice(labels, n)]
            return [None if m else v for v, m in zip(out, r.random(n) < share)]
        return gen

    return {
        "cat_multi": (choice(["alpha", "beta", "gamma", "delta", "epsilon"], [0.3, 0.25, 0.2, 0.15, 0.1]),
                      choice(["beta", "gamma", "delta", "epsilon", "zeta"], [0.3, 0.25, 0.2, 0.15, 0.1])),
        "cat_stable": (choice(["red", "green", "blue", "black"]), choice(["red", "green", "blue", "black"])),
        "cat_binary": (choice(["no", "yes"], [0.7, 0.3]), choice(["no", "yes"], [0.63, 0.37])),
        "cat_missing": (missing(["north", "south", "east", "west"], 0.05), missing(["north", "south", "east", "west"], 0.2)),
        "cat_many": (choice([f"c{k:02d}" for k in range(30)]), choice([f"c{k:02d}" for k in range(3, 33)])),
        # U+1F600 sorts after U+FF21 by code point (Python) but before it by UTF-16 code unit (JavaScript's <).
        "cat_astral": (choice(["\U0001F600", "\uFF21"], [0.5, 0.5]), choice(["\U0001F600", "\uFF21"], [0.42, 0.58])),
        "const_cat": (choice(["same"]), choice(["same"])),
    }


def frame(spec, rng, n, window):
    index = 0 if window == "reference" else 1
    return pd.DataFrame({name: gens[index](rng, n) for name, gens in spec.items()})


def write(df, path, categorical):
    if path.endswith(".csv"):
        df.to_csv(path, index=False)  # floats as repr: they read back bit-identical
        # Categoricals as text; blank (and inf/nan words in numerics) read as missing, as dataset/ does.
        return pd.read_csv(path, dtype={c: str for c in categorical}, keep_default_na=False,
                           na_values={c: [""] for c in df.columns if c in categorical} |
                           {c: ["", "nan", "NaN"] for c in df.columns if c not in categorical})
    df.to_parquet(path, index=False)
    return pd.read_parquet(path)


# --- SciPy / NumPy side -----------------------------------------------------------------------------

def clean(series):
    return series.replace([np.inf, -np.inf], np.nan).dropna()


def value_counts_union(ref, cur):
    keys = sorted(set(ref.unique()) | set(cur.unique()))
    rc = ref.value_counts()
    cc = cur.value_counts()
    return keys, np.array([float(rc.get(k, 0)) for k in keys]), np.array([float(cc.get(k, 0)) for k in keys])


def evidently_binning(ref, cur, numeric):
    if numeric and ref.nunique() > 20:
        edges = np.histogram_bin_edges(np.concatenate([ref.to_numpy(), cur.to_numpy()]), bins="sturges")
        return np.histogram(ref, edges)[0] / len(ref), np.histogram(cur, edges)[0] / len(cur)
    _, r, c = value_counts_union(ref, cur)
    return r / len(ref), c / len(cur)


def fill_empty(shares):
    shares = shares.copy()
    nonzero = shares[shares != 0]
    smallest = nonzero.min()
    shares[shares == 0] = smallest / 10 ** 6 if smallest <= 0.0001 else 0.0001
    return shares


def psi(r, c):
    r, c = fill_empty(r), fill_empty(c)
    return float(np.sum((r - c) * np.log(r / c)))


def quantile_shares(ref, cur, bins):
    edges = np.unique(np.quantile(ref.to_numpy(), np.arange(1, bins) / bins))
    count = lambda x: np.bincount(np.searchsorted(edges, x.to_numpy(), side="right"), minlength=len(edges) + 1) / len(x)
    return count(ref), count(cur)


def z_test(ref, cur):
    keys = sorted(set(ref.unique()) | set(cur.unique()))
    if len(keys) == 1:
        return None, 1.0  # Evidently: p = 1 when both windows hold the same single value
    a = (ref != keys[0]).astype(float)
    b = (cur != keys[0]).astype(float)
    n1, n2 = len(a), len(b)
    p1, p2 = a.sum() / n1, b.sum() / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    return float(z), float(2 * stats.norm.sf(abs(z)))


def chi_square(ref, cur):
    _, r, c = value_counts_union(ref, cur)
    expected = r * (len(cur) / len(ref))
    res = stats.chisquare(c, expected)
    return float(res.statistic), float(res.pvalue)


def scipy_values(ref, cur, numeric):
    out = {}
    if numeric:
        ks = stats.ks_2samp(ref, cur)
        out["ks"] = {"statistic": enc(ks.statistic), "pValue": enc(ks.pvalue)}
        norm = max(float(np.std(ref)), 0.001)
        out["wasserstein"] = {"statistic": enc(stats.wasserstein_distance(ref, cur) / norm), "pValue": None}
        r, c = quantile_shares(ref, cur, QUANTILE_BINS)
        out["psi_quantile"] = {"statistic": enc(psi(r, c)), "pValue": None}
    few = not numeric or pd.concat([ref, cur]).nunique() <= 40
    if few:
        stat, p = chi_square(ref, cur)
        out["chisquare"] = {"statistic": enc(stat), "pValue": enc(p)}
        z, p = z_test(ref, cur)
        out["ztest"] = {"statistic": enc(z), "pValue": enc(p)}
    r, c = evidently_binning(ref, cur, numeric)
    out["jensenshannon"] = {"statistic": enc(distance.jensenshannon(r, c)), "pValue": None}
    out["psi"] = {"statistic": enc(psi(r, c)), "pValue": None}
    if not numeric:
        out["psi_quantile"] = out["psi"]  # categories are their own bins
    return out


# --- Evidently side ---------------------------------------------------------------------------------

def display_name(method, column_type):
    return get_registered_stattest(EVIDENTLY_NAME[method], column_type).display_name


def run_evidently(ref, cur, numeric, categorical, run):
    columns = run.get("columns")
    definition = DataDefinition(numerical_columns=[c for c in numeric if not columns or c in columns],
                                categorical_columns=[c for c in categorical if not columns or c in columns])
    config = run["config"]
    kwargs = {}
    if columns:
        kwargs["columns"] = columns
    if "method" in config:
        kwargs["method"] = EVIDENTLY_NAME[config["method"]]
    if "threshold" in config:
        kwargs["threshold"] = config["threshold"]
    if "share" in config:
        kwargs["drift_share"] = config["share"]
    features = config.get("features", {})
    per_method = {k: EVIDENTLY_NAME[v["method"]] for k, v in features.items() if "method" in v}
    per_threshold = {k: v["threshold"] for k, v in features.items() if "threshold" in v}
    if per_method:
        kwargs["per_column_method"] = per_method
    if per_threshold:
        kwargs["per_column_threshold"] = per_threshold
    keep = (columns or list(ref.columns))
    report = Report([DataDriftPreset(**kwargs)], include_tests=True)
    result = report.run(Dataset.from_pandas(cur[keep], data_definition=definition),
                        Dataset.from_pandas(ref[keep], data_definition=definition)).dict()
    verdicts, dataset = verdicts_of(result)
    out = {}
    for metric in result["metrics"]:
        cfg = metric["config"]
        if cfg["type"] == "evidently:metric_v2:ValueDrift":
            name = cfg["column"]
            method = cfg["method"]
            column_type = ColumnType.Numerical if name in numeric else ColumnType.Categorical
            if method in EVIDENTLY_NAME.values():  # given by name: report the display name Evidently resolves it to
                method = get_registered_stattest(method, column_type).display_name
            out[name] = {"method": method, "score": enc(metric["value"]), "threshold": cfg["threshold"],
                         "drifted": verdicts[name]}
        elif cfg["type"] == "evidently:metric_v2:DriftedColumnsCount":
            dataset["count"] = int(metric["value"]["count"])
            dataset["share"] = float(metric["value"]["share"])
    return {"columns": out, "dataset": dataset}


# --- fixtures ---------------------------------------------------------------------------------------

NUMERIC = numeric_columns()
CATEGORICAL = categorical_columns()
ALL = {**NUMERIC, **CATEGORICAL}

OVERRIDES = {"features": {
    "shifted": {"method": "psi", "threshold": 0.05},
    "normal": {"method": "wasserstein"},
    "cat_multi": {"method": "jensenshannon"},
    "cat_binary": {"method": "chisquare"},
    "heavy": {"threshold": 0.2},
    "six_num": {"threshold": 0.01},
}}
NUMERIC_NAMES = [n for n in NUMERIC]
CATEGORICAL_NAMES = [n for n in CATEGORICAL]


def fixtures():
    """(name, format, reference rows, current rows, columns, runs)."""
    every_method = [
        {"name": "default", "config": {}},
        {"name": "psi", "config": {"method": "psi"}},
        {"name": "jensenshannon", "config": {"method": "jensenshannon"}},
        {"name": "ks", "config": {"method": "ks"}, "columns": NUMERIC_NAMES},
        {"name": "wasserstein", "config": {"method": "wasserstein"}, "columns": NUMERIC_NAMES},
        {"name": "chisquare", "config": {"method": "chisquare"}, "columns": CATEGORICAL_NAMES},
        {"name": "ztest", "config": {"method": "ztest"}, "columns": CATEGORICAL_NAMES},
        {"name": "overrides", "config": OVERRIDES},
    ]
    return [
        ("small_csv", "csv", 800, 600, ALL, every_method),
        ("small_parquet", "parquet", 500, 700, ALL, [
            {"name": "default", "config": {}},
            {"name": "threshold", "config": {"threshold": 0.2}},
            {"name": "share", "config": {"share": 0.25}},
        ]),
        ("large_parquet", "parquet", 12000, 8000, ALL, every_method),
        ("large_csv", "csv", 5000, 6000, ALL, [
            {"name": "default", "config": {}},
            {"name": "overrides", "config": OVERRIDES},
        ]),
        ("no_drift", "parquet", 3000, 2500, {k: ALL[k] for k in ["normal", "lognormal", "five_num", "cat_stable", "const_num", "twentyone_num"]},
         [{"name": "default", "config": {}}]),
    ]


def boundary_fixture(name, reference_values):
    """The reference has `reference_values` non-missing rows (plus 15 missing): ≤ 1000 picks p-value tests."""
    rng = np.random.default_rng(SEED + reference_values)
    n = reference_values + 15
    spec = {
        "normal": (lambda r, n: with_missing_tail(r.normal(0, 1, n), 15), lambda r, n: r.normal(0.1, 1, n)),
        "cat": (lambda r, n: with_missing_tail_cat([str(x) for x in r.choice(["a", "b", "c"], n)], 15),
                lambda r, n: [str(x) for x in r.choice(["a", "b", "c"], n, p=[0.4, 0.3, 0.3])]),
        "binary_num": (lambda r, n: with_missing_tail(r.binomial(1, 0.5, n).astype(float), 15),
                       lambda r, n: r.binomial(1, 0.45, n).astype(float)),
    }
    return (name, "csv", n, 900, spec, [{"name": "default", "config": {}}], rng)


def with_missing_tail(values, k):
    values = values.copy()
    values[-k:] = np.nan
    return values


def with_missing_tail_cat(values, k):
    return values[:-k] + [None] * k


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    result = []
    cases = [(*f, None) for f in fixtures()] + [boundary_fixture("boundary_1000", 1000), boundary_fixture("boundary_1001", 1001)]
    for index, (name, fmt, n_ref, n_cur, spec, runs, rng) in enumerate(cases):
        rng = rng or np.random.default_rng(SEED + 7 * index)
        categorical = [c for c in spec if c in CATEGORICAL or c == "cat"]
        numeric = [c for c in spec if c not in categorical]
        paths = {w: os.path.join(out_dir, f"{name}.{w}.{fmt}") for w in ("reference", "current")}
        ref = write(frame(spec, rng, n_ref, "reference"), paths["reference"], categorical)
        cur = write(frame(spec, rng, n_cur, "current"), paths["current"], categorical)
        columns = []
        for column in spec:
            r, c = clean(ref[column]), clean(cur[column])
            columns.append({
                "name": column,
                "kind": "numeric" if column in numeric else "categorical",
                "missing": {"reference": int(len(ref) - len(r)), "current": int(len(cur) - len(c))},
                "rows": {"reference": int(len(r)), "current": int(len(c))},
                "scipy": scipy_values(r, c, column in numeric),
            })
        result.append({
            "name": name, "format": fmt, "reference": paths["reference"], "current": paths["current"],
            "rows": {"reference": len(ref), "current": len(cur)},
            "columns": columns,
            "runs": [{**run, "columns": run.get("columns"),
                      "evidently": run_evidently(ref, cur, numeric, categorical, run)} for run in runs],
        })
    json.dump({"fixtures": result}, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
