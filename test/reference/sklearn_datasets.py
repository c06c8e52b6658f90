"""Writes scikit-learn's bundled data sets (no download) as CSV files for the estimator tests.

A categorical column derived from the data is added to each, so the
categorical preprocessing path is exercised too.
"""
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)

for name, loader in [("breast_cancer", load_breast_cancer), ("iris", load_iris), ("diabetes", load_diabetes)]:
    frame = loader(as_frame=True).frame
    frame.columns = [c.replace(" ", "_").replace("(", "").replace(")", "") for c in frame.columns]
    first = frame.columns[0]
    frame["band"] = np.where(frame[first] > frame[first].median(), "high", "low")
    if name == "iris":
        frame["target"] = frame["target"].map({0: "setosa", 1: "versicolor", 2: "virginica"})
    frame.to_csv(out / f"{name}.csv", index=False)
print("ok")
