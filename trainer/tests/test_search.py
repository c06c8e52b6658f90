"""Hyperparameter search: seeded sampling, k-fold CV on the training split,
the time budget, the refit, the metadata and the progress events."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from conftest import make_request, run_cli, train_in_process
from driftloop_trainer import data, search
from driftloop_trainer.errors import DataError
from driftloop_trainer.request import parse_request


def _search(space: dict, iterations: int = 4, folds: int = 3, budget: float = 600) -> dict:
    return {"space": space, "iterations": iterations, "folds": folds, "timeBudgetSeconds": budget}


def _ridge_request(**space) -> dict:
    request = make_request("regression", "ridge", search=_search(space))
    request["estimator"]["params"] = {}
    return request


def test_candidates_are_sklearn_parameter_sampler_draws_with_the_seed():
    from sklearn.model_selection import ParameterSampler

    space = {
        "C": {"distribution": "loguniform", "low": 0.001, "high": 100},
        "tol": {"distribution": "uniform", "low": 0.0001, "high": 0.01},
        "max_iter": {"distribution": "randint", "low": 100, "high": 400},
        "solver": ["lbfgs", "newton-cg"],
    }
    request = make_request("binary", "logistic_regression", seed=11, search=_search(space, iterations=6))
    request["estimator"]["params"] = {}
    planned = search.candidates(parse_request(json.dumps(request)))
    expected = list(
        ParameterSampler(
            {
                "C": stats.loguniform(0.001, 100),
                "tol": stats.uniform(0.0001, 0.0099),
                "max_iter": stats.randint(100, 400),
                "solver": ["lbfgs", "newton-cg"],
            },
            n_iter=6,
            random_state=11,
        )
    )
    assert planned == [{k: (v.item() if hasattr(v, "item") else v) for k, v in p.items()} for p in expected]
    assert all(type(p["max_iter"]) is int and 100 <= p["max_iter"] < 400 for p in planned)
    assert all(type(p["C"]) is float and 0.001 <= p["C"] <= 100 for p in planned)
    assert len({p["C"] for p in planned}) == 6


def test_a_small_list_space_plans_each_combination_once():
    doc = _ridge_request(alpha=[0.1, 1.0], fit_intercept=[True, False])
    doc["search"]["iterations"] = 10  # more than the 4 combinations
    planned = search.candidates(parse_request(json.dumps(doc)))
    assert len(planned) == 4 and len({json.dumps(p, sort_keys=True) for p in planned}) == 4


def test_search_picks_the_best_cv_score_on_the_training_split_and_refits_it(tmp_path, datasets):
    request = _ridge_request(alpha=[10000.0, 0.1, 300.0])
    request["search"]["iterations"] = 3
    out, events = train_in_process(tmp_path, request, datasets["regression"])
    meta = json.loads((out / "metadata.json").read_text())
    found = meta["search"]
    assert set(found) == {"evaluated", "planned", "budgetExhausted", "bestParams", "bestScore", "scoring", "seconds"}
    assert (found["evaluated"], found["planned"], found["budgetExhausted"]) == (3, 3, False)
    assert found["scoring"] == "neg_root_mean_squared_error" and found["seconds"] >= 0
    assert found["bestParams"] == {"alpha": 0.1}
    assert meta["estimator"] == {"name": "ridge", "class": "Ridge", "params": {"alpha": 0.1}}

    # The same score, recomputed independently: 3-fold shuffled KFold over
    # the training rows only (the validation rows never take part).
    from sklearn.model_selection import KFold, cross_val_score

    from driftloop_trainer.estimators import Estimators
    from driftloop_trainer.pipeline import build_pipeline, float32_inputs

    parsed = parse_request(json.dumps(request))
    X, y = data.prepare(parsed, data.read_table(datasets["regression"]))
    ds = data.split(parsed, X, y)
    pipeline = build_pipeline(parsed, Estimators(parsed).build({"alpha": 0.1}))
    scores = cross_val_score(
        pipeline, float32_inputs(parsed, X).iloc[ds.train], y[ds.train],
        scoring="neg_root_mean_squared_error", cv=KFold(3, shuffle=True, random_state=42),
    )
    assert found["bestScore"] == pytest.approx(float(np.mean(scores)), rel=1e-12)

    stages = [e["stage"] for e in events if e["event"] == "progress"]
    assert stages.index("fit") > max(i for i, s in enumerate(stages) if s == "search")
    finished = [e for e in events if e.get("stage") == "search" and "(best " in e["message"]]
    assert [e["message"].split(":")[0] for e in finished] == [f"candidate {i}/3 {{\"alpha\"" for i in (1, 2, 3)]


def test_classification_search_scores_accuracy_with_stratified_folds(tmp_path, datasets):
    request = make_request("multiclass", "logistic_regression", search=_search({"C": [0.01, 1.0]}, folds=4))
    out, _ = train_in_process(tmp_path, request, datasets["multiclass"])
    found = json.loads((out / "metadata.json").read_text())["search"]
    assert found["scoring"] == "accuracy" and 0.5 < found["bestScore"] <= 1
    assert found["bestParams"] == {"C": 1.0}


def test_the_time_budget_stops_the_search_after_at_least_one_candidate(tmp_path, datasets):
    request = _ridge_request(alpha={"distribution": "loguniform", "low": 0.01, "high": 100})
    request["search"].update(iterations=50, timeBudgetSeconds=1e-9)
    out, events = train_in_process(tmp_path, request, datasets["regression"])
    found = json.loads((out / "metadata.json").read_text())["search"]
    assert (found["evaluated"], found["planned"], found["budgetExhausted"]) == (1, 50, True)
    assert sum(1 for e in events if e.get("stage") == "search" and "(best " in e["message"]) == 1


def test_too_few_rows_of_a_class_for_the_folds_is_a_data_error(tmp_path):
    rows = "\n".join(f"{i},{'a' if i % 10 else 'b'}" for i in range(40))  # 4 "b" rows, ~3 in training
    path = tmp_path / "d.csv"
    path.write_text("x,y\n" + rows + "\n")
    request = make_request("binary", "logistic_regression", features=[{"name": "x", "kind": "numeric"}],
                           target="y", search=_search({"C": [1.0, 2.0]}, folds=5))
    with pytest.raises(DataError) as info:
        train_in_process(tmp_path, request, path)
    assert (info.value.code, info.value.context["column"]) == ("class_too_small", "y")
    assert '"b"' in info.value.message and "5-fold" in info.value.message


def test_same_request_data_and_seed_choose_the_same_params_and_model_bytes(tmp_path, datasets):
    # A budget far above the search's duration, so the budget cannot cut it
    # differently between the two runs; the second run is a new interpreter.
    request = make_request(
        "binary", "random_forest",
        search=_search({"max_depth": {"distribution": "randint", "low": 2, "high": 9},
                        "min_samples_leaf": [1, 3, 5]}, iterations=3, budget=600),
    )
    request["estimator"]["params"] = {"n_estimators": 15}
    first = tmp_path / "first"
    first.mkdir()
    out, _ = train_in_process(first, request, datasets["binary"])
    result = run_cli(tmp_path, request, datasets["binary"], out=tmp_path / "second")
    assert result.returncode == 0, result.stderr
    one = json.loads((out / "metadata.json").read_text())["search"]
    two = json.loads((result.out / "metadata.json").read_text())["search"]
    assert one["bestParams"] == two["bestParams"] and one["bestScore"] == two["bestScore"]
    assert (out / "model.onnx").read_bytes() == (result.out / "model.onnx").read_bytes()
