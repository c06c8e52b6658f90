"""Peer timing for the KS section of bench:drift (bench/drift-ks.ts): scipy.stats.ks_2samp on the same float64 files."""
import json
import sys
import time

import numpy as np
from scipy.stats import ks_2samp

ref = np.fromfile(sys.argv[1], dtype=np.float64)
cur = np.fromfile(sys.argv[2], dtype=np.float64)
repeats = int(sys.argv[3])
best = float("inf")
for _ in range(repeats):
    t0 = time.perf_counter()
    res = ks_2samp(ref, cur, method="auto")
    best = min(best, time.perf_counter() - t0)
print(json.dumps({"seconds": best, "statistic": float(res.statistic), "pvalue": float(res.pvalue)}))
