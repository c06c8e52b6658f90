"""The peer of `npm run bench:drift`: Evidently's DataDriftPreset on the same
Parquet files, in the reference venv (.venv-reference, Evidently 0.7.23).

Usage: DO_NOT_TRACK=1 .venv-reference/bin/python bench/drift_evidently.py REF.parquet CUR.parquet

Prints one JSON line: seconds for imports, for loading both files with
pandas, for the report (Dataset.from_pandas + Report.run, what Evidently
needs once the data is in memory) and for turning the result into a dict;
the peak RSS; the per-column method, score and verdict and the data set's
verdict, for bench/drift.ts to compare with driftloop's.
"""
import json
import os
import resource
import sys
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'reference'))
from evidently_verdicts import verdicts_of  # noqa: E402  (shared with the agreement tests)

t_start = time.perf_counter()
os.environ.setdefault("DO_NOT_TRACK", "1")
warnings.filterwarnings("ignore")

import pandas as pd  # noqa: E402

from evidently import DataDefinition, Dataset, Report  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402

t_imported = time.perf_counter()
ref = pd.read_parquet(sys.argv[1])
cur = pd.read_parquet(sys.argv[2])
t_loaded = time.perf_counter()

numeric = [c for c in ref.columns if pd.api.types.is_numeric_dtype(ref[c])]
categorical = [c for c in ref.columns if c not in numeric]
definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
report = Report([DataDriftPreset()], include_tests=True)
snapshot = report.run(
    Dataset.from_pandas(cur, data_definition=definition),
    Dataset.from_pandas(ref, data_definition=definition),
)
t_computed = time.perf_counter()
result = snapshot.dict()
t_done = time.perf_counter()

verdicts, dataset = verdicts_of(result)
columns = {}
for metric in result["metrics"]:
    cfg = metric["config"]
    if cfg["type"] == "evidently:metric_v2:ValueDrift":
        name = cfg["column"]
        value = metric["value"]
        columns[name] = {"method": cfg["method"], "score": None if value is None else float(value), "drifted": verdicts.get(name)}
    elif cfg["type"] == "evidently:metric_v2:DriftedColumnsCount":
        dataset["count"] = int(metric["value"]["count"])
        dataset["share"] = float(metric["value"]["share"])

print(
    json.dumps(
        {
            "seconds": {
                "import": t_imported - t_start,
                "load": t_loaded - t_imported,
                "report": t_computed - t_loaded,
                "dict": t_done - t_computed,
                "total": t_done - t_start,
            },
            # ru_maxrss is in KiB on Linux.
            "maxRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "rows": {"reference": len(ref), "current": len(cur)},
            "columns": columns,
            "dataset": dataset,
        }
    )
)
