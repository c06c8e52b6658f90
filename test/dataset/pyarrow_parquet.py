"""Writes a Parquet file the way pandas does (pyarrow, data page v1,
dictionary-encoded, nullable columns), plus what a reader should find in it,
for test/dataset/read-columns.test.ts.

Usage: pyarrow_parquet.py OUT.parquet  -> prints the expected columns as JSON.
"""
import json
import math
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

out = sys.argv[1]
rng = np.random.default_rng(7)
n = 5000

price = rng.normal(100, 15, n)
price[rng.random(n) < 0.1] = np.nan  # nulls in Arrow (from_pandas turns NaN into null)
price[3] = np.inf
price[4] = -np.inf
grade = rng.integers(1, 6, n).astype(np.float64)  # few distinct doubles: dictionary-encoded
plan = rng.choice(["basic", "standard", "premium"], n).astype(object)
plan[rng.random(n) < 0.05] = None
count = rng.integers(0, 1_000_000, n).astype(np.int64)
flag = rng.random(n) < 0.3
day = np.datetime64("2024-01-01T00:00:00", "ms") + rng.integers(0, 10_000, n).astype("timedelta64[s]")

table = pa.table(
    {
        "price": pa.array(price, from_pandas=True),
        "grade": pa.array(grade),
        "plan": pa.array(plan, type=pa.string()),
        "count": pa.array(count),
        "flag": pa.array(flag),
        "day": pa.array(day),
        "tags": pa.array([["a", "b"]] * n),
    }
)
pq.write_table(table, out, data_page_version="1.0", use_dictionary=True, row_group_size=2000, data_page_size=4096)


def num(v):
    return None if v is None or not math.isfinite(v) else float(v)


print(
    json.dumps(
        {
            "rows": n,
            "price": [num(v) for v in price],
            "grade": [float(v) for v in grade],
            "plan": [None if v is None else str(v) for v in plan],
            "count": [int(v) for v in count],
            "flag": ["true" if v else "false" for v in flag],
            "day": [int(v) for v in day.astype("datetime64[ms]").astype(np.int64)],
        }
    )
)
